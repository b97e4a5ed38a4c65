"""Case work through the API: sharing with named agencies, tasks whose state follows their
dates, notes restricted to the owning agency, MoPI review dates and reviews, and the subject
access export with every registered programme's section."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from service_world import World, client_for
from sqlalchemy import select

from crimeplan.cases import subject_access
from crimeplan.cases.casework import Case
from crimeplan.cases.retention import add_years
from crimeplan.provenance.dblog import AuditEntry

CARE = {"X-Purpose": "case-management"}


def _open(app: FastAPI, world: World, **extra: str) -> dict:
    police = client_for(app, world, "police-caseworker")
    made = police.post("/api/v1/cases", headers=CARE, json={
        "programme": "general", "title": "Support plan", "person_id": world.people["shared"],
        **extra})
    assert made.status_code == 201, made.text
    return made.json()


def test_sharing_tasks_and_restricted_notes(app: FastAPI, world: World) -> None:
    case = _open(app, world)
    police = client_for(app, world, "police-caseworker")
    probation = client_for(app, world, "probation-caseworker")
    path = f"/api/v1/cases/{case['id']}"
    assert probation.get(path, headers=CARE).status_code == 404       # not shared yet
    shared = police.post(f"{path}/shares", json={"agency_id": world.agencies["probation"]},
                         headers={"X-Purpose": "information-sharing"})
    assert shared.status_code == 204
    with app.state.db.session() as s:
        disclosure = s.scalars(select(AuditEntry).where(
            AuditEntry.category == "disclosure")).one().record
    assert disclosure["recipients"] == [{"agency_id": world.agencies["probation"],
                                         "client_id": None}]
    assert disclosure["subject"]["id"] == world.people["shared"]
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    police.post(f"{path}/tasks", headers=CARE, json={
        "title": "Home visit", "owner_agency_id": world.agencies["probation"],
        "due_on": yesterday})
    wrong_owner = police.post(f"{path}/tasks", headers=CARE, json={
        "title": "Tenancy check", "owner_agency_id": world.agencies["housing"]})
    assert wrong_owner.json()["errors"][0]["code"] == "not-involved"
    police.post(f"{path}/notes", headers=CARE, json={"text": "Seen at home."})
    police.post(f"{path}/notes", headers=CARE, json={
        "text": "Informant says he is dealing.", "sensitivity": "restricted",
        "basis": "assessment"})
    owner_view = police.get(path, headers=CARE).json()
    [task] = owner_view["tasks"]
    assert task["status"] == "overdue"
    assert [n["sensitivity"] for n in owner_view["notes"]] == ["restricted", "standard"]
    partner_view = probation.get(path, headers=CARE).json()
    assert [n["text"] for n in partner_view["notes"]] == ["Seen at home."]
    done = probation.post(f"{path}/tasks/{task['id']}/complete", headers=CARE).json()
    assert done["tasks"][0]["status"] == "done" and done["tasks"][0]["completed_at"]
    closed = police.post(f"{path}/close", headers=CARE, json={"reason": "Plan completed"})
    assert closed.json()["status"] == "closed"
    assert police.post(f"{path}/close", headers=CARE,
                       json={"reason": "again"}).status_code == 409
    listed = probation.get("/api/v1/cases?status=closed", headers=CARE).json()
    assert [c["id"] for c in listed] == [case["id"]]
    assert probation.get("/api/v1/cases?status=open", headers=CARE).json() == []


def test_mopi_review_dates_reviews_and_the_list_of_reviews_due(
        app: FastAPI, world: World) -> None:
    today = dt.datetime.now(dt.UTC).date()
    case = _open(app, world, retention_group="group-3")
    assert case["review_on"] == add_years(today, 6).isoformat()   # 6-year clear period
    assert case["review_state"] == "not-due"
    bad = client_for(app, world, "police-caseworker").post(
        "/api/v1/cases", headers=CARE, json={"programme": "general", "title": "x",
                                             "retention_group": "group-9"})
    assert bad.json()["errors"][0]["field"] == "retention_group"
    with app.state.db.session() as s:
        s.get(Case, case["id"]).review_on = today - dt.timedelta(days=3)
    dpo = client_for(app, world, "dpo")
    oversight = {"X-Purpose": "data-protection"}
    due = dpo.get("/api/v1/retention/reviews-due", headers=oversight).json()
    assert [(c["id"], c["review_state"]) for c in due] == [(case["id"], "overdue")]
    reviewed = dpo.post(f"/api/v1/cases/{case['id']}/retention-reviews", headers=oversight,
                        json={"decision": "retain", "reason": "Still offending"})
    assert reviewed.status_code == 201
    assert reviewed.json()["next_review_on"] == add_years(today, 6).isoformat()
    assert dpo.get("/api/v1/retention/reviews-due", headers=oversight).json() == []
    page = dpo.get("/retention")
    assert page.status_code == 200 and "0 cases due" in page.text


def test_subject_access_export_has_every_registered_section(
        app: FastAPI, world: World) -> None:
    _open(app, world)
    subject_access.register("test-programme",
                            lambda db, person: {"held": person.family_name})
    try:
        export = client_for(app, world, "dpo").get(
            f"/api/v1/people/{world.people['shared']}/subject-access",
            headers={"X-Purpose": "subject-access"})
    finally:
        subject_access._SECTIONS.pop("test-programme")
    assert export.status_code == 200
    sections = export.json()["sections"]
    assert list(sections) == ["cases", "events", "links", "pole", "test-programme"]
    assert sections["test-programme"] == {"held": "Example"}
    assert [c["title"] for c in sections["cases"]] == ["Support plan"]
    assert export.json()["processing"][-1]["recipients"] == [
        {"agency_id": "data-subject", "client_id": None}]
