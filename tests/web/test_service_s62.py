"""DPA 2018 s.62 logging through the API: one test per category shows the entry written with
who, when, purpose, justification, subject, fields and (for disclosures) recipients; the data
protection officer's views read them back."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from service_world import World, client_for
from sqlalchemy import select

from crimeplan.provenance import dblog
from crimeplan.provenance.dblog import AuditEntry

CARE = {"X-Purpose": "case-management", "X-Justification": "weekly review"}


def _s62(app: FastAPI) -> list[dict]:
    with app.state.db.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.kind == "s62")
                         .order_by(AuditEntry.seq)).all()
        return [{**r.record, "seq": r.seq, "logged_at": r.logged_at} for r in rows]


def _recent(entry: dict) -> bool:
    at = dt.datetime.fromisoformat(entry["logged_at"])
    return dt.timedelta(0) <= dt.datetime.now(dt.UTC) - at < dt.timedelta(minutes=5)


def test_collection(app: FastAPI, world: World) -> None:
    worker = world.personas["police-caseworker"]
    response = client_for(app, world, "police-caseworker").post(
        "/api/v1/people", headers=CARE,
        json={"given_name": "Ann", "family_name": "New", "date_of_birth": "2001-02-03"})
    assert response.status_code == 201
    [entry] = _s62(app)
    assert entry["category"] == "collection" and _recent(entry)
    assert entry["subject"] == {"type": "person", "id": response.json()["id"]}
    assert entry["actor"]["user_id"] == worker.actor.user_id
    assert entry["actor"]["agency_id"] == world.agencies["police"]
    assert entry["actor"]["role"] == "case-worker" and entry["actor"]["request_id"]
    assert entry["purpose"] == "case-management" and entry["justification"] == "weekly review"
    assert entry["fields"] == ["category", "date_of_birth", "family_name", "given_name",
                               "sensitivity"]
    assert entry["recipients"] == []


def test_consultation_logs_the_fields_shown(app: FastAPI, world: World) -> None:
    person = world.people["shared"]
    response = client_for(app, world, "probation-caseworker").get(
        f"/api/v1/people/{person}", headers=CARE)
    assert response.status_code == 200
    body = response.json()
    assert body["pnc_id"] is None and body["redacted"] == ["pnc_id"]
    assert body["given_name"] == "Jo"
    [entry] = _s62(app)
    assert entry["category"] == "consultation"
    assert entry["actor"]["user_id"] == world.personas["probation-caseworker"].actor.user_id
    assert "pnc_id" not in entry["fields"] and "given_name" in entry["fields"]


def test_alteration_logs_only_changed_fields(app: FastAPI, world: World) -> None:
    person = world.people["shared"]
    client = client_for(app, world, "police-caseworker")
    response = client.patch(f"/api/v1/people/{person}", headers=CARE,
                            json={"family_name": "Changed", "given_name": "Jo"})
    assert response.status_code == 200 and response.json()["family_name"] == "Changed"
    [entry] = _s62(app)
    assert entry["category"] == "alteration" and entry["fields"] == ["family_name"]


def test_disclosure_to_another_agency_names_the_recipient(app: FastAPI, world: World) -> None:
    person = world.people["shared"]
    response = client_for(app, world, "police-caseworker").post(
        f"/api/v1/people/{person}/shares", json={"agency_id": world.agencies["housing"]},
        headers={"X-Purpose": "safeguarding", "X-Justification": "tenancy risk"})
    assert response.status_code == 204
    [entry] = _s62(app)
    assert entry["category"] == "disclosure"
    assert entry["recipients"] == [{"agency_id": world.agencies["housing"], "client_id": None}]
    assert entry["purpose"] == "safeguarding"
    # the housing case worker can now see it
    assert client_for(app, world, "housing-caseworker").get(
        f"/api/v1/people/{person}", headers=CARE).status_code == 200


def test_a_read_by_another_agencys_system_is_a_disclosure(app: FastAPI, world: World) -> None:
    person = world.people["shared"]
    system = world.personas["probation-system"]
    response = client_for(app, world, "probation-system").get(
        f"/api/v1/people/{person}", headers=CARE)
    assert response.status_code == 200 and response.json()["redacted"] == ["pnc_id"]
    [entry] = _s62(app)
    assert entry["category"] == "disclosure"
    assert entry["actor"]["client_id"] == system.actor.client_id
    assert entry["recipients"] == [{"agency_id": world.agencies["probation"],
                                    "client_id": system.actor.client_id}]


def test_combination_is_logged_against_both_records(app: FastAPI, world: World) -> None:
    shared = world.people["shared"]
    with app.state.db.session() as s:
        from crimeplan.cases.people import Person

        other = Person(agency_id=world.agencies["police"], given_name="Jo",
                       family_name="Exampel")
        s.add(other)
        s.flush()
        other_id = other.id
    response = client_for(app, world, "police-caseworker").post(
        f"/api/v1/people/{shared}/links", json={"other_id": other_id}, headers=CARE)
    assert response.status_code == 204
    entries = _s62(app)
    assert [e["category"] for e in entries] == ["combination", "combination"]
    assert {e["subject"]["id"] for e in entries} == {shared, other_id}


def test_erasure_keeps_the_log_and_the_history(app: FastAPI, world: World) -> None:
    person = world.people["shared"]
    dpo = client_for(app, world, "dpo")
    erased = dpo.delete(f"/api/v1/people/{person}",
                        headers={"X-Purpose": "data-protection",
                                 "X-Justification": "retention period ended"})
    assert erased.status_code == 204
    assert dpo.get(f"/api/v1/people/{person}", headers={"X-Purpose": "data-protection"}
                   ).status_code == 404
    [entry] = _s62(app)
    assert entry["category"] == "erasure" and entry["justification"] == "retention period ended"
    with app.state.db.session() as s:
        assert dblog.verify(s).ok


def test_the_dpo_sees_who_looked_and_exports_a_subject_access_request(
        app: FastAPI, world: World) -> None:
    person = world.people["shared"]
    client_for(app, world, "police-caseworker").get(f"/api/v1/people/{person}", headers=CARE)
    client_for(app, world, "probation-system").get(f"/api/v1/people/{person}", headers=CARE)
    dpo = client_for(app, world, "dpo")
    history = dpo.get(f"/api/v1/people/{person}/history",
                      headers={"X-Purpose": "data-protection"})
    assert history.status_code == 200
    rows = history.json()
    assert [r["category"] for r in rows] == ["consultation", "disclosure"]
    assert rows[0]["actor"]["user_id"] == world.personas["police-caseworker"].actor.user_id
    assert rows[1]["recipients"][0]["client_id"] == world.personas["probation-system"
                                                                   ].actor.client_id
    export = dpo.get(f"/api/v1/people/{person}/subject-access",
                     headers={"X-Purpose": "subject-access"})
    assert export.status_code == 200
    body = export.json()
    assert body["record"]["pnc_id"] == "90/123456X"
    assert body["shared_with"] == [world.agencies["probation"]]
    assert [p["category"] for p in body["processing"]] == ["consultation", "disclosure",
                                                           "disclosure"]
    assert body["processing"][-1]["recipients"] == [{"agency_id": "data-subject",
                                                     "client_id": None}]
    page = dpo.get(f"/dpo/people/{person}")
    assert page.status_code == 200 and page.text.count('class="govuk-tag"') == 3


def test_personal_data_needs_a_purpose(app: FastAPI, world: World) -> None:
    person = world.people["shared"]
    client = client_for(app, world, "police-caseworker")
    missing = client.get(f"/api/v1/people/{person}")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "purpose"
    assert missing.json()["errors"][0]["code"] == "required"
    unknown = client.get(f"/api/v1/people/{person}", headers={"X-Purpose": "curiosity"})
    assert unknown.json()["errors"][0]["code"] == "invalid"
    assert _s62(app) == []


def test_admin_reads_of_accounts_are_consultations(app: FastAPI, world: World) -> None:
    response = client_for(app, world, "agency-admin").get("/api/v1/users")
    emails = sorted(u["email"] for u in response.json())
    assert emails == sorted(f"{n}@test.crimeplan.test" for n in
                            ("system-admin", "agency-admin", "analyst", "police-caseworker",
                             "dpo"))
    entries = _s62(app)
    assert len(entries) == 5 and {e["category"] for e in entries} == {"consultation"}
    assert {e["purpose"] for e in entries} == {"account-administration"}
