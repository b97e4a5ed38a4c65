"""The victims' API and pages: a victim's journey end to end, who sees what (a housing officer
nothing of a needs assessment, the victim service its referred victims, the PCC office only
aggregates), the s.62 entries, problem documents for bad input, and the CSV download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from fastapi import FastAPI
from service_world import World, client_for
from sqlalchemy import select
from victims_matrix import new_victim, the_obligation

from crimeplan.cases.casework import CaseShare
from crimeplan.cases.db import utcnow
from crimeplan.cases.people import Person
from crimeplan.provenance.dblog import AuditEntry

VICTIMS = {"X-Purpose": "victim-support"}


def _s62(app: FastAPI, person_id: str) -> list[dict]:
    with app.state.db.session() as s:
        return [e.record for e in s.scalars(
            select(AuditEntry).where(AuditEntry.kind == "s62", AuditEntry.subject_id == person_id)
            .order_by(AuditEntry.seq))]


def test_a_victims_journey_through_the_api(app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-caseworker")
    with app.state.db.session() as s:
        person = Person(agency_id=world.agencies["police"], given_name="Ada",
                        family_name="Witness", category="victim")
        s.add(person)
        s.flush()
        person_id = person.id
    reported = utcnow() - dt.timedelta(days=20)
    created = police.post("/api/v1/victims", headers=VICTIMS, json={
        "person_id": person_id, "occurred_at": reported.isoformat(), "reference": "42/77/26",
        "code": "violent-crime"})
    assert created.status_code == 201, created.text
    victim = created.json()
    assert victim["enhanced"] is None and victim["obligation_counts"] == {"breached": 1}
    [referral] = victim["obligations"]
    assert (referral["right"], referral["rule_id"], referral["limit_days"]) == (
        4, "r4-referral-to-support-services", 2)
    care = victim["id"]
    assessed = police.post(f"/api/v1/victims/{care}/needs-assessments", headers=VICTIMS, json={
        "assessed_at": reported.isoformat(), "needs": ["safety-planning", "special-measures"],
        "grounds": ["fear-or-distress"], "outcome": "specialist-referral"})
    assert assessed.status_code == 201 and assessed.json()["enhanced"] is True
    arrested = police.post(f"/api/v1/victims/{care}/events", headers=VICTIMS, json={
        "kind": "arrest", "occurred_at": (utcnow() - dt.timedelta(minutes=5)).isoformat()})
    assert arrested.status_code == 201, arrested.text
    record = police.get(f"/api/v1/victims/{care}", headers=VICTIMS).json()
    arrest = next(o for o in record["obligations"] if o["right"] == 6)
    assert (arrest["enhanced"], arrest["limit_days"], arrest["state"]) == (True, 1, "pending")
    assert arrest["trigger_kind"] == "arrest"
    told = police.post(f"/api/v1/victims/obligations/{arrest['id']}/outcome", headers=VICTIMS,
                       json={"outcome": "met", "at": utcnow().isoformat()})
    assert told.status_code == 200 and told.json()["state"] == "met"
    again = police.post(f"/api/v1/victims/obligations/{arrest['id']}/outcome", headers=VICTIMS,
                        json={"outcome": "met", "at": utcnow().isoformat()})
    assert again.status_code == 409
    assert police.post(f"/api/v1/victims/{care}/obligations/regenerate",
                       headers=VICTIMS).json() == {"added": 0, "updated": 0, "withdrawn": 0}
    figures = police.get("/api/v1/victims/compliance").json()
    by_right = {r["right"]: r for r in figures["by_right"]}
    assert (by_right[4]["breached"], by_right[6]["met"], by_right[6]["met_rate"]) == (1, 1, 1.0)
    assert "denominator" in figures["denominator"]
    categories = [e["category"] for e in _s62(app, person_id)]
    assert categories[:2] == ["collection", "alteration"]  # recorded, obligations generated
    assert "consultation" in categories


def test_bad_input_is_a_problem_naming_the_field(app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-caseworker")
    care = new_victim(app, world)
    future = police.post(f"/api/v1/victims/{care.id}/events", headers=VICTIMS, json={
        "kind": "arrest", "occurred_at": (utcnow() + dt.timedelta(days=1)).isoformat()})
    assert future.status_code == 400
    assert future.headers["content-type"] == "application/problem+json"
    assert future.json()["errors"][0]["field"] == "occurred_at"
    naive = police.post(f"/api/v1/victims/{care.id}/events", headers=VICTIMS,
                        json={"kind": "arrest", "occurred_at": "2027-01-05T10:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "occurred_at"
    unknown = police.post(f"/api/v1/victims/{care.id}/events", headers=VICTIMS,
                          json={"kind": "arrested", "occurred_at": utcnow().isoformat()})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "kind"
    ground = police.post(f"/api/v1/victims/{care.id}/needs-assessments", headers=VICTIMS, json={
        "assessed_at": utcnow().isoformat(), "needs": [], "grounds": ["very-sad"],
        "outcome": "referred"})
    assert ground.status_code == 400 and ground.json()["errors"][0]["field"] == "grounds"
    referral = the_obligation(app, care, "r4-referral-to-support-services")
    unable = police.post(f"/api/v1/victims/obligations/{referral.id}/outcome", headers=VICTIMS,
                         json={"outcome": "unable", "at": utcnow().isoformat()})
    assert unable.status_code == 409  # met already, when the victim was referred
    no_reason = police.post(f"/api/v1/victims/obligations/{referral.id}/outcome",
                            headers=VICTIMS, json={"outcome": "not-applicable",
                                                   "at": utcnow().isoformat()})
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"


def test_a_housing_officer_sees_nothing_of_a_needs_assessment(app: FastAPI,
                                                              world: World) -> None:
    care = new_victim(app, world)
    housing = client_for(app, world, "housing-caseworker")
    assert housing.get(f"/api/v1/victims/{care.id}", headers=VICTIMS).status_code == 404
    with app.state.db.session() as s:  # the victim needs rehousing: the case is shared
        s.add(CaseShare(case_id=care.case_id, agency_id=world.agencies["housing"]))
    record = housing.get(f"/api/v1/victims/{care.id}", headers=VICTIMS)
    assert record.status_code == 200
    body = record.json()
    assert body["needs_assessments"] is None and body["withheld"] == ["needs_assessments"]
    assert "safety" not in record.text and "fear-or-distress" not in record.text
    assert housing.get(f"/api/v1/victims/{care.id}/needs-assessments",
                       headers=VICTIMS).status_code == 403
    assert housing.post(f"/api/v1/victims/{care.id}/needs-assessments", headers=VICTIMS, json={
        "assessed_at": utcnow().isoformat(), "needs": [], "grounds": [],
        "outcome": "referred"}).status_code == 403
    page = housing.get(f"/victims/{care.id}")
    assert page.status_code == 200 and "seen by the police and victim services only" in page.text
    assert "Intimidated" not in page.text
    seen_by_housing = [e for e in _s62(app, care.person_id) if e["category"] == "consultation"
                       and e["actor"]["agency_id"] == world.agencies["housing"]]
    assert len(seen_by_housing) == 2  # the API record and the page
    assert not any(f.startswith("needs_assessment") for e in seen_by_housing
                   for f in e["fields"])
    # The police and the victim service see it.
    for who in ("police-caseworker", "victims-caseworker"):
        seen = client_for(app, world, who).get(f"/api/v1/victims/{care.id}", headers=VICTIMS)
        assert seen.json()["needs_assessments"][0]["grounds"] == ["fear-or-distress"]


def test_the_victim_service_sees_the_victims_referred_to_it(app: FastAPI,
                                                            world: World) -> None:
    referred = new_victim(app, world)
    kept = new_victim(app, world, shared_with=None)
    service = client_for(app, world, "victims-caseworker")
    listed = {v["id"] for v in service.get("/api/v1/victims", headers=VICTIMS).json()}
    assert referred.id in listed and kept.id not in listed
    duties = service.get("/api/v1/victims/obligations", headers=VICTIMS).json()
    assert {o["care_id"] for o in duties} == {referred.id}
    assert service.get(f"/api/v1/victims/{kept.id}", headers=VICTIMS).status_code == 404
    police = {v["id"] for v in client_for(app, world, "police-caseworker").get(
        "/api/v1/victims", headers=VICTIMS).json()}
    assert {referred.id, kept.id} <= police
    # The referral disclosed the victim's record to the service, logged with the recipient.
    [disclosure] = [e for e in _s62(app, referred.person_id) if e["category"] == "disclosure"]
    assert disclosure["recipients"] == [{"agency_id": world.agencies["victims"],
                                         "client_id": None}]


def test_a_restricted_victim_is_seen_by_allocated_workers_only(app: FastAPI,
                                                               world: World) -> None:
    care = new_victim(app, world, sensitivity="restricted")
    police = client_for(app, world, "police-caseworker")
    assert police.get(f"/api/v1/victims/{care.id}", headers=VICTIMS).status_code == 404
    assert client_for(app, world, "victims-caseworker").get(
        f"/api/v1/victims/{care.id}", headers=VICTIMS).status_code == 404


def test_the_pcc_office_sees_aggregates_only(app: FastAPI, world: World) -> None:
    new_victim(app, world, reported=utcnow() - dt.timedelta(days=40))
    pcc = client_for(app, world, "pcc")
    figures = pcc.get("/api/v1/victims/compliance")
    assert figures.status_code == 200 and figures.json()["rows"]
    assert "Vera" not in figures.text
    for path in ("/api/v1/victims", "/api/v1/victims/obligations"):
        assert pcc.get(path, headers=VICTIMS).status_code == 403
    page = pcc.get("/victims/compliance")
    assert page.status_code == 200 and "/victims/obligations" not in page.text
    assert pcc.get("/victims/obligations").status_code == 404
    police_page = client_for(app, world, "police-caseworker").get("/victims/compliance").text
    assert "/victims/obligations?" in police_page  # the police may drill down


def test_the_csv_download(app: FastAPI, world: World) -> None:
    new_victim(app, world)
    for path in ("/api/v1/victims/compliance.csv", "/victims/compliance.csv"):
        response = client_for(app, world, "pcc").get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert rows and rows[0]["right"] == "4" and rows[0]["met"] == "1"
        assert rows[0]["agency"] == "Essex Police (test)" and rows[0]["decided"] == "1"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_recording_an_outcome_on_the_victim_page(app: FastAPI, world: World) -> None:
    care = new_victim(app, world, shared_with=None)
    police = client_for(app, world, "police-caseworker")
    page = police.get(f"/victims/{care.id}")
    assert page.status_code == 200 and "Vera" in page.text and "Breached" in page.text
    row = the_obligation(app, care, "r4-referral-to-support-services")
    form = {"csrf_token": _csrf(page.text), "outcome": "unable"}
    failed = police.post(f"/victims/{care.id}/obligations/{row.id}", data=form)
    assert failed.status_code == 400 and "Say why" in failed.text
    assert f'href="#reason-{row.id}"' in failed.text
    done = police.post(f"/victims/{care.id}/obligations/{row.id}",
                       data={**form, "reason": "Victim declined contact"},
                       follow_redirects=False)
    assert done.status_code == 303
    shown = police.get(f"/victims/{care.id}").text
    assert "Unable: Victim declined contact" in shown
    # Another agency's worker cannot record on a record it cannot see.
    probation = client_for(app, world, "probation-caseworker")
    assert probation.post(f"/victims/{care.id}/obligations/{row.id}", data=form
                          ).status_code == 404


@pytest.mark.parametrize("persona", ["housing-caseworker", "probation-caseworker"])
def test_pages_of_a_victim_not_shared_are_not_found(app: FastAPI, world: World,
                                                    persona: str) -> None:
    care = new_victim(app, world)
    assert client_for(app, world, persona).get(f"/victims/{care.id}").status_code == 404


def test_caseload_and_obligations_pages(app: FastAPI, world: World) -> None:
    care = new_victim(app, world, shared_with=None)
    police = client_for(app, world, "police-caseworker")
    caseload = police.get("/victims?show=breached")
    assert caseload.status_code == 200 and f"/victims/{care.id}" in caseload.text
    assert f"/victims/{care.id}" not in police.get("/victims?show=pending").text
    listed = police.get("/victims/obligations?state=breached")
    assert listed.status_code == 200 and f"/victims/{care.id}#obligations" in listed.text


def test_the_dashboard_filters_offer_every_month_and_every_duty_holder(app: FastAPI,
                                                                       world: World) -> None:
    """Months run from the first due to the last, gaps included; agencies are those of the
    kinds the rules name as duty holders, whether or not they owe anything yet."""
    new_victim(app, world, reported=dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC))
    new_victim(app, world, reported=dt.datetime(2026, 4, 15, 10, tzinfo=dt.UTC))
    page = client_for(app, world, "pcc").get("/victims/compliance").text
    months = re.findall(r'<option value="(\d{4}-\d\d)"', page)
    assert months[:len(months) // 2] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    agencies = re.findall(r'<option value="([0-9a-f-]{36})"', page)
    assert world.agencies["probation"] in agencies and world.agencies["police"] in agencies
    assert world.agencies["housing"] not in agencies
