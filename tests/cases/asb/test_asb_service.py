"""ASB case reviews on the database: complaints from several agencies counted once, the
threshold queue, an application through its steps with the s.104(4) guard, recommendations,
and the published figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.asb import figures, service
from crimeplan.cases.asb.models import Application
from crimeplan.cases.asb.rules import rulebook
from crimeplan.cases.db import Database
from crimeplan.cases.events import Event
from crimeplan.cases.people import Link, Person
from crimeplan.errors import BadInput, Conflict
from crimeplan.provenance.dblog import AuditEntry

D = dt.date
ON = D(2026, 7, 1)
HOME = {"address": "12 High Street, Basildon", "postcode": "SS14 1AA", "uprn": "100012345678"}


def at(day: str, hour: int = 20) -> dt.datetime:
    return dt.datetime.combine(D.fromisoformat(day), dt.time(hour), dt.UTC)


def actor(agency: str, kind: str) -> Actor:
    return Actor(agency_id=agency, agency_kind=kind, role="case-worker",
                 purpose="case-management", request_id="test")


@pytest.fixture
def area(db: Database) -> dict[str, Any]:
    """Police, council and housing, and Ann known to police and council (not yet linked)."""
    ids: dict[str, Any] = {}
    with db.session() as s:
        for key, name, kind in (("police", "Essex Police (test)", "police-force"),
                                ("council", "Basildon Council (test)", "local-authority"),
                                ("housing", "Essex Homes (test)", "housing-provider")):
            agency = Agency(name=name, kind=kind)
            s.add(agency)
            s.flush()
            ids[key] = agency.id
        for key, agency, given in (("ann-police", "police", "Ann"),
                                   ("ann-council", "council", "Ann"),
                                   ("bob", "council", "Bob"), ("cat", "housing", "Cat")):
            person = Person(agency_id=ids[agency], given_name=given, family_name="Resident")
            s.add(person)
            s.flush()
            ids[key] = person.id
    ids["actors"] = {k: actor(ids[k], kind) for k, kind in (
        ("police", "police-force"), ("council", "local-authority"),
        ("housing", "housing-provider"))}
    return ids


def complain(db: Database, area: dict[str, Any], agency: str, person: str, incident: str,
             made: str, hour: int = 20, place: dict[str, str] | None = None,
             **kwargs: Any) -> None:
    with db.session() as s:
        service.record_complaint(s, area["actors"][agency], s.get(Person, area[person]),
                                 at(incident, hour), at(made, 21), place or HOME, **kwargs)


def ann_reports(db: Database, area: dict[str, Any]) -> None:
    """Two incidents told to the police, one of them told to the council as well, and a third
    incident told to the council only: three incidents, four complaints."""
    complain(db, area, "police", "ann-police", "2026-03-01", "2026-03-02")
    complain(db, area, "police", "ann-police", "2026-05-10", "2026-05-10")
    complain(db, area, "council", "ann-council", "2026-05-10", "2026-05-12", hour=21)
    complain(db, area, "council", "ann-council", "2026-06-20", "2026-06-21")


def test_a_complaint_is_an_incident_and_a_complaint_event(db: Database,
                                                          area: dict[str, Any]) -> None:
    complain(db, area, "police", "ann-police", "2026-03-01", "2026-03-02", category="noise",
             shared_reference="CAD-1")
    with db.session() as s:
        incident, complaint = s.scalars(select(Event).order_by(Event.kind)).all()
        assert (incident.kind, complaint.kind, complaint.parent_id) == (
            "asb-incident", "complaint", incident.id)
        assert incident.details == {"category": "noise", "hate": False,
                                    "shared_reference": "CAD-1"}
        assert [p.role for p in complaint.participants] == ["complainant"]
        logged = s.scalars(select(AuditEntry).where(AuditEntry.kind == "s62")).all()
        assert [(e.category, e.subject_id) for e in logged] == [
            ("collection", area["ann-police"])]
    with pytest.raises(BadInput) as early:
        complain(db, area, "police", "ann-police", "2026-03-05", "2026-03-02")
    assert early.value.fields[0].field == "made_at"


def test_the_queue_counts_one_person_across_agencies_and_each_incident_once(
        db: Database, area: dict[str, Any]) -> None:
    ann_reports(db, area)
    police = area["actors"]["police"]
    with db.session() as s:
        assert service.queue(s, police, lambda p: True, ON) == []  # two records, 2 + 2
    with db.session() as s:
        s.add(Link(person_id=min(area["ann-police"], area["ann-council"]),
                   other_id=max(area["ann-police"], area["ann-council"])))
    with db.session() as s:
        (entry,) = service.queue(s, police, lambda p: p.agency_id == area["police"], ON)
        assert (entry.person.id, entry.check.rule, len(entry.check.counted)) == (
            area["ann-police"], "complaints", 3)
        assert [len(i.complaints) for i in entry.check.counted] == [1, 2, 1]
        assert entry.last_complaint == D(2026, 6, 21)


def test_three_individuals_at_one_address_make_an_address_entry(
        db: Database, area: dict[str, Any]) -> None:
    flat = {"address": "Flat 2, 9 Market Square", "postcode": "SS14 2BB"}
    for person, agency, day in (("ann-police", "police", "2026-05-01"),
                                ("bob", "council", "2026-05-20"),
                                ("cat", "housing", "2026-06-02")):
        complain(db, area, agency, person, day, day, place=flat)
    with db.session() as s:
        (entry,) = service.queue(s, area["actors"]["council"], lambda p: True, ON)
    assert (entry.person, entry.address, entry.check.rule) == (
        None, "Flat 2, 9 Market Square, SS14 2BB", "several-individuals")


def _apply(db: Database, area: dict[str, Any]) -> str:
    with db.session() as s:
        application = service.apply(
            s, area["actors"]["council"],
            {"applicant_id": area["ann-council"], "local_area": "Basildon"},
            [area["housing"], area["police"]], at("2026-07-01", 10))
        return application.id


def test_an_application_through_its_steps(db: Database, area: dict[str, Any]) -> None:
    ann_reports(db, area)
    with db.session() as s:
        s.add(Link(person_id=min(area["ann-police"], area["ann-council"]),
                   other_id=max(area["ann-police"], area["ann-council"])))
    review_id = _apply(db, area)
    council = area["actors"]["council"]
    with db.session() as s:
        app = s.get(Application, review_id)
        assert sorted(x.agency_id for x in app.case.shares) == sorted(
            [area["housing"], area["police"]])
        assert service.threshold_check(s, app).statutory
        with pytest.raises(Conflict, match="record acknowledged first"):
            service.record_step(s, council, app, "threshold-decided", at("2026-07-02"), True)
        service.record_step(s, council, app, "acknowledged", at("2026-07-02"))
        with pytest.raises(Conflict, match=r"s\.104\(4\)"):
            service.record_step(s, council, app, "threshold-decided", at("2026-07-09"),
                                False, "not persistent")
        service.record_step(s, council, app, "threshold-decided", at("2026-07-09"), True)
        assert app.threshold_rule == "complaints"
        with pytest.raises(Conflict, match="review meeting"):
            service.recommend(s, council, app, "Noise monitoring", area["housing"], None)
        service.record_step(s, council, app, "meeting-held", at("2026-07-30"))
        with pytest.raises(BadInput) as stranger:
            service.recommend(s, council, app, "Patrols", "not-a-party", None)
        assert stranger.value.fields[0].field == "owner_agency_id"
        service.recommend(s, council, app, "Noise monitoring", area["housing"], D(2026, 9, 1))
        assert [t.title for t in service.recommendations(s, app)] == ["Noise monitoring"]
        assert app.case.status == "open"
    with db.session() as s:
        logged = s.scalars(select(AuditEntry).where(AuditEntry.category == "disclosure")).all()
        (disclosure,) = logged
        assert disclosure.subject_id == area["ann-council"]
        assert sorted(r["agency_id"] for r in disclosure.record["recipients"]) == sorted(
            [area["housing"], area["police"]])


def test_a_threshold_not_met_needs_a_reason_closes_the_case_and_an_appeal_reopens_it(
        db: Database, area: dict[str, Any]) -> None:
    complain(db, area, "council", "ann-council", "2026-06-20", "2026-06-21")
    review_id = _apply(db, area)
    council = area["actors"]["council"]
    with db.session() as s:
        app = s.get(Application, review_id)
        service.record_step(s, council, app, "acknowledged", at("2026-07-02"))
        with pytest.raises(BadInput) as silent:
            service.record_step(s, council, app, "threshold-decided", at("2026-07-09"), False)
        assert silent.value.fields[0].field == "reason"
        service.record_step(s, council, app, "threshold-decided", at("2026-07-09"), False,
                            "one complaint in six months")
        assert app.case.status == "closed"
        with pytest.raises(Conflict):
            service.record_step(s, council, app, "meeting-held", at("2026-07-20"))
        service.record_step(s, council, app, "appeal-received", at("2026-07-20"))
        assert app.case.status == "open"
        with pytest.raises(BadInput):
            service.record_step(s, council, app, "appeal-decided", at("2026-07-25"))
        service.record_step(s, council, app, "appeal-decided", at("2026-07-25"),
                            reason="decision stands", upheld=False)
        assert (app.case.status, app.appeal_upheld) == ("closed", False)


def test_the_published_figures_by_area_body_and_financial_year(
        db: Database, area: dict[str, Any]) -> None:
    ann_reports(db, area)
    council = area["actors"]["council"]
    first = _apply(db, area)
    with db.session() as s:
        app = s.get(Application, first)
        app.received_at = at("2026-03-31", 10)         # 2025/26
        for step, day in (("acknowledged", "2026-04-01"), ("threshold-decided", "2026-04-08"),
                          ("meeting-held", "2026-04-20")):
            service.record_step(s, council, app, step, at(day), True)
        service.recommend(s, council, app, "Mediation", area["council"], None)
    second = _apply(db, area)
    with db.session() as s:
        app = s.get(Application, second)
        app.threshold_met = None
        for step, day in (("acknowledged", "2026-07-02"), ("threshold-decided", "2026-07-09")):
            service.record_step(s, council, app, step, at(day), False, "withdrawn")
    procedure = rulebook().in_force(ON)
    with db.session() as s:
        rows = [(r.year, r.local_area, r.relevant_body, r.applications_received,
                 r.threshold_not_met, r.reviews_carried_out, r.reviews_with_recommendations)
                for r in figures.figures(s, procedure)]
        bodies = {r.relevant_body for r in figures.figures(s, procedure, by_body=True)}
    assert rows == [("2026/27", "Basildon", None, 1, 1, 1, 1),
                    ("2025/26", "Basildon", None, 1, 0, 0, 0)]
    assert bodies == {"Basildon Council (test)", "Essex Homes (test)", "Essex Police (test)"}


def test_reporting_years() -> None:
    procedure = rulebook().in_force(ON)
    assert figures.reporting_year(D(2026, 3, 31), procedure) == "2025/26"
    assert figures.reporting_year(D(2026, 4, 1), procedure) == "2026/27"
    assert figures.reporting_year(D(2099, 12, 1), procedure) == "2099/00"
    calendar = procedure.model_copy(update={"reporting_year_start": procedure.
                                            reporting_year_start.model_copy(
                                                update={"month": 1})})
    assert figures.reporting_year(D(2026, 3, 31), calendar) == "2026"
