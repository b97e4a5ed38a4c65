"""The IOM API end to end: a journey through the API, who sees what (probation its cases,
housing only its actions, the PCC only aggregates), nominations with their components and
the decision, and the s.62 entries written on the way."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from iomdip_records import actor, iom_action, iom_case, person
from service_world import World, client_for
from sqlalchemy import select

from crimeplan.cases.db import utcnow
from crimeplan.cases.iom import journey
from crimeplan.provenance.dblog import AuditEntry

IOM = {"X-Purpose": "offender-management", "X-Justification": "IOM panel"}


def _s62(app: FastAPI) -> list[dict]:
    with app.state.db.session() as s:
        return [e.record for e in s.scalars(select(AuditEntry).where(AuditEntry.kind == "s62")
                                            .order_by(AuditEntry.seq))]


def test_a_journey_through_the_api(app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-caseworker")
    probation = client_for(app, world, "probation-caseworker")
    person_id = person(app, world)
    r = police.post("/api/v1/iom/referrals", headers=IOM, json={
        "person_id": person_id, "reason": "Released, three burglaries in a month",
        "partners": [world.agencies["probation"]]})
    assert r.status_code == 201, r.text
    case = r.json()
    case_id = case["case_id"]
    assert (case["state"], case["shared_with"]) == ("referred", [world.agencies["probation"]])
    assert case["person"]["given_name"] == "Iom" and case["rules_version"] == "2025-v1"
    r = probation.post(f"/api/v1/iom/cases/{case_id}/assessment", headers=IOM,
                       json={"summary": "Crack cocaine use; no fixed abode"})
    assert r.json()["state"] == "assessed"
    r = police.post(f"/api/v1/iom/cases/{case_id}/selection", headers=IOM,
                    json={"cohort": "premium", "reason": "x"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cohort"
    r = police.post(f"/api/v1/iom/cases/{case_id}/selection", headers=IOM,
                    json={"cohort": "fixed", "reason": "Neighbourhood crime, agreed at panel"})
    body = r.json()
    today = utcnow().date()
    assert body["state"] == "active" and body["location"] == "community"
    assert body["review_due_on"] == (today + dt.timedelta(days=91)).isoformat()
    r = police.post(f"/api/v1/iom/cases/{case_id}/needs", headers=IOM, json={
        "pathway": "accommodation", "level": "significant-need", "note": "Sofa surfing"})
    assert r.status_code == 201 and r.json()["needs"][0]["level"] == "significant-need"
    r = police.post(f"/api/v1/iom/cases/{case_id}/actions", headers=IOM, json={
        "title": "Offer a tenancy", "pathway": "accommodation",
        "owner_agency_id": world.agencies["housing"],
        "due_on": (today + dt.timedelta(days=14)).isoformat()})
    assert r.status_code == 201 and r.json()["status"] == "open"
    r = police.post(f"/api/v1/iom/cases/{case_id}/reviews", headers=IOM,
                    json={"note": "Engaging", "next_review_on": today.isoformat()})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "next_review_on"
    r = police.post(f"/api/v1/iom/cases/{case_id}/transfers", headers=IOM, json={
        "agency_id": world.agencies["probation"],
        "user_id": world.personas["probation-caseworker"].actor.user_id,
        "reason": "Licence supervision starts"})
    assert r.json()["allocations"][-1]["agency_id"] == world.agencies["probation"]
    r = probation.post(f"/api/v1/iom/cases/{case_id}/deselection", headers=IOM,
                       json={"reason": "other"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "note"
    r = probation.post(f"/api/v1/iom/cases/{case_id}/deselection", headers=IOM,
                       json={"reason": "moved-out-of-area", "note": "Moved to Kent"})
    assert r.json()["state"] == "deselected" and r.json()["review_due_on"] is None
    r = police.post(f"/api/v1/iom/cases/{case_id}/reviews", headers=IOM, json={"note": "x"})
    assert r.status_code == 409
    categories = [(e["category"], e["actor"]["role"]) for e in _s62(app)]
    assert ("collection", "case-worker") in categories
    assert all(e["purpose"] == "offender-management" and e["justification"] == "IOM panel"
               for e in _s62(app))


def test_housing_sees_its_action_for_the_tenant_and_nothing_else(app: FastAPI,
                                                                  world: World) -> None:
    task_id, case_id = iom_action(app, world, owner="housing")
    iom_action(app, world, owner="probation")
    housing = client_for(app, world, "housing-caseworker")
    r = housing.get("/api/v1/iom/actions", headers=IOM)
    assert r.status_code == 200
    [item] = r.json()["items"]
    assert (item["id"], item["pathway"], item["person"]["given_name"]) == (
        task_id, "accommodation", "Iom")
    assert set(item) == {"id", "case_id", "title", "pathway", "owner_agency_id",
                         "owner_user_id", "due_on", "status", "completed_at", "person"}
    assert housing.get(f"/api/v1/iom/cases/{case_id}", headers=IOM).status_code == 404
    assert housing.get(f"/api/v1/iom/cases/{case_id}/offending",
                       headers=IOM).status_code == 404
    assert housing.get("/api/v1/iom/cohort", headers=IOM).json()["items"] == []
    r = housing.post(f"/api/v1/iom/actions/{task_id}/completion", headers=IOM)
    assert r.status_code == 200 and r.json()["status"] == "done"
    [consulted] = [e for e in _s62(app) if e["category"] == "consultation"
                   and e["actor"]["agency_id"] == world.agencies["housing"]]
    assert consulted["fields"] == ["action:accommodation", "family_name", "given_name"]


def test_probation_sees_its_cases_and_a_restricted_case_only_its_lead(app: FastAPI,
                                                                       world: World) -> None:
    shared = iom_case(app, world)
    restricted = iom_case(app, world, sensitivity="restricted")
    police = client_for(app, world, "police-caseworker")
    probation = client_for(app, world, "probation-caseworker")
    ids = {i["case_id"] for i in probation.get("/api/v1/iom/cohort", headers=IOM)
           .json()["items"]}
    assert ids == {shared}
    assert probation.get(f"/api/v1/iom/cases/{restricted}", headers=IOM).status_code == 404
    assert police.get(f"/api/v1/iom/cases/{restricted}", headers=IOM).status_code == 200
    overdue = police.get("/api/v1/iom/cohort?review_overdue=true", headers=IOM).json()
    # Selected 200 days ago with the first review due after 91 days: both are overdue.
    assert overdue["total"] == 2 and all(i["review_overdue"] for i in overdue["items"])
    assert police.get("/api/v1/iom/cohort?state=referred", headers=IOM).json()["total"] == 0
    assert police.get("/api/v1/iom/cohort", headers={}).status_code == 400


def test_the_pcc_sees_aggregates_only(app: FastAPI, world: World) -> None:
    for _ in range(5):
        iom_case(app, world)
    pcc = client_for(app, world, "pcc")
    r = pcc.get("/api/v1/iom/outcomes")
    assert r.status_code == 200
    body = r.json()
    assert {c["id"] for c in body["caveats"]} >= {"regression-to-the-mean",
                                                  "no-counterfactual", "detection",
                                                  "small-numbers"}
    fixed = next(c for c in body["cohorts"] if c["cohort"] == "fixed")
    # Each person: a burglary 30 and a robbery 60 days ago, selected 200 days ago, so the
    # 200-day windows hold nothing before and both offences after.
    assert (fixed["people"], fixed["before"]["offences"], fixed["after"]["offences"]) == (
        5, 0, 10)
    assert fixed["small_numbers"] is True
    for path in ("/api/v1/iom/cohort", "/api/v1/iom/actions", "/api/v1/iom/nominations",
                 "/api/v1/dip/pathways"):
        assert pcc.get(path, headers=IOM).status_code == 403


def test_a_small_cohort_is_withheld_and_so_is_the_total(app: FastAPI, world: World) -> None:
    for _ in range(5):
        iom_case(app, world)
    with app.state.db.session() as s:   # one more person, selected into Flex
        iom = journey.get(s, iom_case(app, world, "assessed"))
        journey.select_into(s, actor(world), iom, "flex", "Domestic abuse perpetrator",
                            utcnow() - dt.timedelta(days=100))
    body = client_for(app, world, "analyst").get("/api/v1/iom/outcomes").json()
    cohorts = {c["cohort"]: c for c in body["cohorts"]}
    assert cohorts["fixed"]["people"] == 5 and not cohorts["fixed"]["suppressed"]
    assert cohorts["flex"]["suppressed"] and cohorts["flex"]["people"] is None
    assert cohorts["flex"]["before"]["offences"] is None and cohorts["flex"]["change"] is None
    assert cohorts["all"]["suppressed"] and cohorts["all"]["after"]["offences"] is None


def test_nominations_show_the_score_and_a_person_decides(app: FastAPI, world: World) -> None:
    top = person(app, world, ("domestic-burglary", "domestic-burglary", "robbery"))
    person(app, world, ("criminal-damage",))
    police = client_for(app, world, "police-caseworker")
    r = police.get("/api/v1/iom/nominations", headers=IOM)
    assert r.status_code == 200
    body = r.json()
    assert body["harm_table"]["name"] == "heeks-2018-cost" and "not a decision" in body["note"]
    first = body["items"][0]
    assert first["person"]["id"] == top and first["harm"] == 2 * 5930 + 11320
    assert first["components"][0] == {"offence": "domestic-burglary", "count": 2,
                                      "weight": 5930.0, "harm": 11860.0}
    assert first["suggested_cohort"] == "fixed" and first["iom_case_id"] is None
    assert client_for(app, world, "housing-caseworker").get(
        "/api/v1/iom/nominations", headers=IOM).json()["items"] == []
    decision = {"person_id": top, "decision": "select", "cohort": "fixed",
                "reason": "Two burglaries and a robbery in three months",
                "period_from": body["period_from"], "period_to": body["period_to"]}
    r = police.post("/api/v1/iom/nominations/decisions", headers=IOM,
                    json={**decision, "reason": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = police.post("/api/v1/iom/nominations/decisions", headers=IOM, json=decision)
    assert r.status_code == 201, r.text
    assert (r.json()["rank"], r.json()["harm"]) == (1, 23180.0)
    case = police.get(f"/api/v1/iom/cases/{r.json()['case_id']}", headers=IOM).json()
    assert (case["state"], case["cohort"]) == ("active", "fixed")
    assert police.post("/api/v1/iom/nominations/decisions", headers=IOM,
                       json=decision).status_code == 409
    again = police.get("/api/v1/iom/nominations", headers=IOM).json()["items"][0]
    assert again["iom_case_id"] == r.json()["case_id"]
    assert again["last_decision"]["decision"] == "select"
