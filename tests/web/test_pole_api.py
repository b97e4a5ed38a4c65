"""The POLE API: identifiers checked with field-level codes, aliases, addresses, relations,
locations, events with participants, a person's timeline across agencies; each processing in
the s.62 log."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from service_world import World, client_for
from sqlalchemy import select

from crimeplan.cases.casework import Case
from crimeplan.cases.people import Link, Person
from crimeplan.provenance.dblog import AuditEntry

CARE = {"X-Purpose": "case-management"}


def _s62(app: FastAPI) -> list[dict]:
    with app.state.db.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.kind == "s62")
                         .order_by(AuditEntry.seq)).all()
        return [r.record for r in rows]


def test_identifiers_are_checked_with_field_codes_and_stored_canonical(
        app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-caseworker")
    bad = police.post("/api/v1/people", headers=CARE, json={
        "given_name": "Ann", "family_name": "Bad", "nhs_number": "943 476 5918",
        "pnc_id": "2012/0052494X", "probation_crn": "X12345", "cro_number": "123456/08T"})
    assert bad.status_code == 400
    assert {(e["field"], e["code"]) for e in bad.json()["errors"]} == {
        ("nhs_number", "wrong-check-digit"), ("pnc_id", "wrong-check-digit"),
        ("probation_crn", "invalid-format")}
    assert _s62(app) == []                                   # nothing collected
    good = police.post("/api/v1/people", headers=CARE, json={
        "given_name": "Ann", "family_name": "Good", "nhs_number": "943 476 5919",
        "pnc_id": "12/52494q", "probation_crn": "x123456", "sex": "female",
        "aliases": [{"given_name": "Annie", "family_name": "Smith"}]})
    assert good.status_code == 201
    body = good.json()
    assert (body["nhs_number"], body["pnc_id"], body["probation_crn"]) == (
        "9434765919", "2012/0052494Q", "X123456")
    assert body["aliases"] == [{"given_name": "Annie", "family_name": "Smith"}]
    [entry] = _s62(app)
    assert "aliases" in entry["fields"] and "nhs_number" in entry["fields"]


def test_addresses_relations_and_locations_round_trip(app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-caseworker")
    bad = police.post("/api/v1/locations", headers=CARE,
                      json={"postcode": "12 345", "lsoa11_code": "X01"})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"postcode", "lsoa11_code"}
    made = police.post("/api/v1/locations", headers=CARE, json={
        "address": "1 High Street, Chelmsford", "postcode": "cm11aa",
        "lsoa11_code": "E01021641"})
    assert made.status_code == 201 and made.json()["postcode"] == "CM1 1AA"
    location = made.json()["id"]
    shared = world.people["shared"]
    added = police.post(f"/api/v1/people/{shared}/addresses", headers=CARE, json={
        "location_id": location, "from_date": "2024-01-01"})
    assert added.status_code == 201
    assert added.json()["addresses"] == [{"location_id": location, "from_date": "2024-01-01",
                                          "to_date": None}]
    backwards = police.post(f"/api/v1/people/{shared}/addresses", headers=CARE, json={
        "location_id": location, "from_date": "2024-01-01", "to_date": "2023-01-01"})
    assert backwards.json()["errors"][0] == {"field": "to_date", "code": "before-start",
                                             "detail": "The end date must be on or after "
                                                       "the start"}
    with app.state.db.session() as s:
        child = Person(agency_id=world.agencies["police"], given_name="Kid",
                       family_name="Example")
        s.add(child)
        s.flush()
        child_id = child.id
    related = police.post(f"/api/v1/people/{shared}/relations", headers=CARE,
                          json={"other_id": child_id, "kind": "parent"})
    assert related.status_code == 201
    assert related.json()["relations"] == [{"other_id": child_id, "kind": "parent"}]
    back = police.get(f"/api/v1/people/{child_id}", headers=CARE).json()
    assert back["relations"] == [{"other_id": shared, "kind": "child"}]
    categories = [(e["category"], e["subject"]["id"], e["fields"]) for e in _s62(app)]
    assert ("collection", location, ["address", "lsoa11_code", "postcode"]) in categories
    assert ("alteration", shared, ["addresses"]) in categories
    assert ("alteration", shared, ["relations"]) in categories
    assert ("alteration", child_id, ["relations"]) in categories


def test_events_are_logged_per_participant_and_seen_by_shared_agencies(
        app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-caseworker")
    shared = world.people["shared"]
    made = police.post("/api/v1/events", headers=CARE, json={
        "kind": "arrest", "occurred_at": "2026-03-02T10:00:00Z", "reference": "42/1/26",
        "participants": [{"person_id": shared, "role": "suspect"}]})
    assert made.status_code == 201
    event = made.json()["id"]
    [entry] = _s62(app)
    assert entry["category"] == "collection" and entry["subject"]["id"] == shared
    assert set(entry["fields"]) == {"event.kind", "event.occurred_at", "event.reference",
                                    "event.sensitivity", "event.details"}
    unknown = police.post("/api/v1/events", headers=CARE, json={
        "kind": "picnic", "occurred_at": "2026-03-02T10:00:00Z"})
    assert unknown.json()["errors"][0]["field"] == "kind"
    hidden = police.post("/api/v1/events", headers=CARE, json={
        "kind": "contact", "occurred_at": "2026-03-02T10:00:00Z",
        "participants": [{"person_id": world.people["housing"], "role": "subject"}]})
    assert hidden.status_code == 404                         # a person police may not see
    probation = client_for(app, world, "probation-caseworker")
    assert probation.get(f"/api/v1/events/{event}", headers=CARE).status_code == 200
    housing = client_for(app, world, "housing-caseworker")
    assert housing.get(f"/api/v1/events/{event}", headers=CARE).status_code == 404


def test_timeline_across_agencies_newest_first_with_what_the_viewer_may_see(
        app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-caseworker")
    shared = world.people["shared"]
    for kind, at in (("arrest", "2025-01-05T09:00:00Z"), ("charge", "2025-02-01T09:00:00Z")):
        police.post("/api/v1/events", headers=CARE, json={
            "kind": kind, "occurred_at": at,
            "participants": [{"person_id": shared, "role": "suspect"}]})
    with app.state.db.session() as s:
        probation_record = Person(agency_id=world.agencies["probation"], given_name="Jo",
                                  family_name="Example")
        s.add(probation_record)
        s.flush()
        s.add(Case(agency_id=world.agencies["probation"], programme="iom",
                   person_id=probation_record.id, title="IOM cohort",
                   opened_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC)))
        s.add(Link(person_id=min(shared, probation_record.id),
                   other_id=max(shared, probation_record.id),
                   linked_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC)))
        probation_id = probation_record.id
    # the police worker may not see probation's record: only the police record's entries
    mine = police.get(f"/api/v1/people/{shared}/timeline", headers=CARE).json()
    assert [e["kind"] for e in mine] == ["charge", "arrest"]
    assert {e["agency_name"] for e in mine} == {"Essex Police (test)"}
    # probation holds one record and was shared the other: everything, newest first
    probation = client_for(app, world, "probation-caseworker")
    both = probation.get(f"/api/v1/people/{probation_id}/timeline", headers=CARE).json()
    assert [(e["type"], e["kind"]) for e in both] == [
        ("linked-record", "link"), ("case-opened", "iom"), ("event", "charge"),
        ("event", "arrest")]
    assert both[1]["agency_name"] == "Probation East (test)"
    assert both[2]["agency_name"] == "Essex Police (test)"
    consulted = [e["subject"]["id"] for e in _s62(app) if e["category"] == "consultation"
                 and "events" in e["fields"]]
    assert sorted(consulted[-2:]) == sorted([shared, probation_id])
