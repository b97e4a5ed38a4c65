"""The early intervention and ASB case review API end to end, as the personas who use it."""

from __future__ import annotations

import csv
import datetime as dt
import io

from asbei_world import complaints, new_child, new_resident, new_review, today
from fastapi import FastAPI
from service_world import World, client_for
from sqlalchemy import select

from crimeplan.cases.clock import add_working_days
from crimeplan.cases.months import add_months
from crimeplan.provenance.dblog import AuditEntry

EI = {"X-Purpose": "safeguarding"}
ASB = {"X-Purpose": "case-management"}


def test_youth_justice_sees_eligibility_and_refers(app: FastAPI, world: World) -> None:
    amy = new_child(app, world, days_ago=20)
    ben = new_child(app, world, days_ago=40, kind="community-resolution")
    council = client_for(app, world, "council-caseworker")
    recorded = council.post("/api/v1/early-intervention/status-periods", headers=EI, json={
        "person_id": ben.id, "kind": "child-protection-plan",
        "from_date": (today() - dt.timedelta(days=90)).isoformat()})
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["agency_name"] == "Basildon Council (test)"
    yjs = client_for(app, world, "yjs-caseworker")
    queue = yjs.get("/api/v1/early-intervention/eligibility", headers=EI).json()
    by_id = {row["person_id"]: row for row in queue}
    assert by_id[amy.id]["eligible"] is True
    assert by_id[amy.id]["qualifying_event"]["age"] == 14
    assert by_id[amy.id]["deadline"] == by_id[amy.id]["qualifying_event"]["deadline"]
    assert [r["rule"] for r in by_id[ben.id]["reasons"]] == ["child-protection-plan"]
    assert by_id[ben.id]["reasons"][0]["source"].startswith("exclusions")
    refused = yjs.post("/api/v1/early-intervention/referrals", headers=EI,
                       json={"person_id": ben.id})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "child-protection-plan"
    made = yjs.post("/api/v1/early-intervention/referrals", headers=EI,
                    json={"person_id": amy.id})
    assert made.status_code == 201 and made.json()["status"] == "awaiting-consent"
    referral_id = made.json()["id"]
    again = yjs.post("/api/v1/early-intervention/referrals", headers=EI,
                     json={"person_id": amy.id})
    assert again.status_code == 409
    step = yjs.post(f"/api/v1/early-intervention/referrals/{referral_id}/steps", headers=EI,
                    json={"step": "support-started"})
    assert step.status_code == 409
    assert yjs.post(f"/api/v1/early-intervention/referrals/{referral_id}/steps", headers=EI,
                    json={"step": "consent-given"}).json()["status"] == "awaiting-start"
    listed = yjs.get("/api/v1/early-intervention/referrals", headers=EI).json()
    assert [r["id"] for r in listed] == [referral_id]
    detail = yjs.get(f"/api/v1/early-intervention/children/{amy.id}", headers=EI).json()
    assert detail["referral"]["status"] == "awaiting-start"
    assert [e["kind"] for e in detail["events"]] == ["no-further-action"]


def test_the_deadline_is_three_calendar_months_after_the_event(app: FastAPI,
                                                                world: World) -> None:
    child = new_child(app, world, days_ago=30)
    yjs = client_for(app, world, "yjs-caseworker")
    row = yjs.get(f"/api/v1/early-intervention/children/{child.id}", headers=EI).json()
    day = dt.date.fromisoformat(row["qualifying_event"]["day"])
    assert row["deadline"] == add_months(day, 3).isoformat()


def test_the_pcc_sees_counts_with_small_numbers_withheld(app: FastAPI, world: World) -> None:
    for _ in range(6):
        new_child(app, world)
    pcc = client_for(app, world, "pcc")
    figures = pcc.get("/api/v1/early-intervention/figures").json()
    assert figures["eligible_not_referred"] == {"count": 6, "suppressed": False}
    yjs = client_for(app, world, "yjs-caseworker")
    child = new_child(app, world)
    yjs.post("/api/v1/early-intervention/referrals", headers=EI, json={"person_id": child.id})
    month = pcc.get("/api/v1/early-intervention/figures").json()["months"][-1]
    assert month["referred"] == {"count": None, "suppressed": True}
    assert month["support_started"] == {"count": 0, "suppressed": False}
    assert pcc.get("/api/v1/early-intervention/eligibility", headers=EI).status_code == 403
    assert pcc.get("/api/v1/asb/reviews", headers=ASB).status_code == 403


def test_asb_complaints_queue_application_and_clock(app: FastAPI, world: World) -> None:
    council = client_for(app, world, "council-caseworker")
    person = new_resident(app, world)
    now = dt.datetime.now(dt.UTC)
    for days in (100, 60, 20):
        incident = now - dt.timedelta(days=days)
        made = council.post("/api/v1/asb/complaints", headers=ASB, json={
            "complainant_id": person.id, "incident_at": incident.isoformat(),
            "made_at": (incident + dt.timedelta(days=1)).isoformat(),
            "address": "12 High Street", "postcode": "SS14 1AA", "category": "noise"})
        assert made.status_code == 201, made.text
    queue = council.get("/api/v1/asb/threshold-queue", headers=ASB).json()
    (entry,) = [q for q in queue if q["person_id"] == person.id]
    assert (entry["check"]["rule"], entry["check"]["statutory"],
            len(entry["check"]["incidents"])) == ("complaints", True, 3)
    created = council.post("/api/v1/asb/reviews", headers=ASB, json={
        "applicant_id": person.id, "local_area": "Basildon", "victim_type": "individual",
        "parties": [world.agencies["housing"], world.agencies["police"]]})
    assert created.status_code == 201, created.text
    review = created.json()
    received = dt.datetime.fromisoformat(review["received_at"]).date()
    clock = {s["step"]: s for s in review["clock"]}
    assert clock["acknowledged"]["due_on"] == add_working_days(received, 10).isoformat()
    assert clock["acknowledged"]["state"] == "due"
    assert review["check"]["met"] and review["status"] == "received"
    review_id = review["id"]
    wrong = council.post(f"/api/v1/asb/reviews/{review_id}/steps", headers=ASB,
                         json={"step": "threshold-decided", "met": False, "reason": "no"})
    assert wrong.status_code == 409
    council.post(f"/api/v1/asb/reviews/{review_id}/steps", headers=ASB,
                 json={"step": "acknowledged"})
    decided = council.post(f"/api/v1/asb/reviews/{review_id}/steps", headers=ASB,
                           json={"step": "threshold-decided", "met": False, "reason": "no"})
    assert decided.status_code == 409 and "s.104(4)" in decided.json()["detail"]
    housing = client_for(app, world, "housing-caseworker")
    assert housing.get(f"/api/v1/asb/reviews/{review_id}", headers=ASB).status_code == 200
    assert housing.post(f"/api/v1/asb/reviews/{review_id}/steps", headers=ASB,
                        json={"step": "meeting-held"}).status_code == 403
    probation = client_for(app, world, "probation-caseworker")
    assert probation.get(f"/api/v1/asb/reviews/{review_id}", headers=ASB).status_code == 403
    listed = housing.get("/api/v1/asb/reviews", headers=ASB, params={"status": "acknowledged"})
    assert [r["id"] for r in listed.json()] == [review_id]
    with app.state.db.session() as s:
        viewed = s.scalars(select(AuditEntry).where(
            AuditEntry.subject_id == person.id, AuditEntry.category == "consultation",
            AuditEntry.agency_id == world.agencies["housing"])).all()
    assert len(viewed) == 2


def test_a_review_not_visible_to_an_agency_is_not_found(app: FastAPI, world: World) -> None:
    review = new_review(app, world)
    police = client_for(app, world, "police-caseworker")
    assert police.get(f"/api/v1/asb/reviews/{review.id}", headers=ASB).status_code == 404
    assert police.get("/api/v1/asb/reviews", headers=ASB).json() == []


def test_published_figures_as_json_and_csv(app: FastAPI, world: World) -> None:
    review = new_review(app, world, meeting=True)
    council = client_for(app, world, "council-caseworker")
    council.post(f"/api/v1/asb/reviews/{review.id}/recommendations", headers=ASB,
                 json={"title": "Mediation", "owner_agency_id": world.agencies["housing"]})
    person = new_resident(app, world)
    complaints(app, world, person, n=1)
    formula = council.post("/api/v1/asb/reviews", headers=ASB, json={
        "applicant_id": person.id, "local_area": "=HYPERLINK(\"x\")"})
    assert formula.status_code == 201
    pcc = client_for(app, world, "pcc")
    rows = pcc.get("/api/v1/asb/figures").json()
    by_area = {r["local_area"]: r for r in rows}
    assert {k: by_area["Basildon"][k] for k in (
        "applications_received", "threshold_not_met", "reviews_carried_out",
        "reviews_with_recommendations")} == {"applications_received": 1,
                                             "threshold_not_met": 0,
                                             "reviews_carried_out": 1,
                                             "reviews_with_recommendations": 1}
    response = pcc.get("/api/v1/asb/figures.csv")
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["year", "local_area", "applications_received", "threshold_not_met",
                        "reviews_carried_out", "reviews_with_recommendations"]
    assert sorted(r[1] for r in table[1:]) == ["'=HYPERLINK(\"x\")", "Basildon"]
    by_body = pcc.get("/api/v1/asb/figures", params={"by": "body"}).json()
    assert sorted(r["relevant_body"] for r in by_body if r["local_area"] == "Basildon") == [
        "Basildon Council (test)", "Essex Homes (test)"]
