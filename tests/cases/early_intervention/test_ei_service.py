"""Early intervention on the database: the queue across agencies' linked records, referrals
and their steps, status periods, family links and figures, each view logged under s.62."""

from __future__ import annotations

import datetime as dt

import pytest
from ei_builder import Builder, yjs_actor
from sqlalchemy import select

from crimeplan.cases.casework import Case
from crimeplan.cases.db import Database
from crimeplan.cases.early_intervention import family, figures, service
from crimeplan.cases.early_intervention.models import Referral
from crimeplan.cases.people import Person
from crimeplan.errors import BadInput, Conflict, NotFound
from crimeplan.provenance.dblog import AuditEntry

D = dt.date
ON = D(2026, 6, 15)
NOW = dt.datetime(2026, 6, 15, 11, tzinfo=dt.UTC)


def everyone(_person: Person) -> bool:
    return True


def s62_entries(db: Database, category: str) -> list[tuple[str, str]]:
    with db.session() as s:
        return [(e.subject_id or "", e.record["fields"][0]) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.kind == "s62",
                                     AuditEntry.category == category)
            .order_by(AuditEntry.seq))]


@pytest.fixture
def area(build: Builder) -> dict[str, str]:
    """Police, council and youth justice; four children and an adult with recent events."""
    ids = {"police": build.agency("Essex Police (test)", "police-force"),
           "council": build.agency("Essex County Council (test)", "local-authority"),
           "yjs": build.agency("Essex YJS (test)", "youth-justice")}
    police = ids["police"]
    ids["amy"] = build.person(police, "Amy", D(2012, 1, 5))
    build.event(police, ids["amy"], "no-further-action", D(2026, 5, 1))
    ids["ben"] = build.person(police, "Ben", D(2011, 7, 7))
    build.event(police, ids["ben"], "community-resolution", D(2026, 4, 20))
    ids["ben-council"] = build.person(ids["council"], "Benjamin", D(2011, 7, 7))
    build.link(ids["ben"], ids["ben-council"])
    build.status(ids["council"], ids["ben-council"], "looked-after", D(2025, 9, 1))
    ids["cal"] = build.person(police, "Cal", D(1990, 2, 2), family="Adult")
    build.event(police, ids["cal"], "no-further-action", D(2026, 5, 1))
    ids["dan"] = build.person(police, "Dan", D(2012, 1, 5))
    build.event(police, ids["dan"], "no-further-action", D(2026, 1, 10))
    ids["eve"] = build.person(police, "Eve", D(2013, 3, 3), sensitivity="restricted")
    build.event(police, ids["eve"], "released-under-investigation", D(2026, 6, 1))
    return ids


def test_the_queue_pools_linked_records_and_logs_each_view(db: Database,
                                                           area: dict[str, str]) -> None:
    actor = yjs_actor(area["yjs"])
    with db.session() as s:
        rows = service.queue(s, actor, lambda p: p.sensitivity == "standard", ON)
        got = [(r.person.given_name, r.assessment.eligible, r.assessment.deadline,
                [x.rule for x in r.assessment.reasons]) for r in rows]
    # Amy eligible (NFA 1 May: refer by 1 August); Ben's council record says looked after;
    # Cal is an adult, Dan's event is out of time and Eve's record is restricted.
    assert got == [("Amy", True, D(2026, 8, 1), []),
                   ("Ben", False, D(2026, 7, 20), ["looked-after"])]
    assert "recorded by Essex County Council (test)" in rows[1].assessment.reasons[0].text
    logged = s62_entries(db, "consultation")
    assert sorted(subject for subject, _ in logged) == sorted(
        [area["amy"], area["ben"], area["ben-council"]])


def test_refer_then_consent_start_and_end(db: Database, area: dict[str, str]) -> None:
    actor = yjs_actor(area["yjs"])
    with db.session() as s:
        amy = s.get(Person, area["amy"])
        referral = service.refer(s, actor, amy, everyone, NOW)
        assert (referral.status, referral.deadline, referral.qualifying_rule) == (
            "awaiting-consent", D(2026, 8, 1), "no-further-action")
        case = s.get(Case, referral.case_id)
        assert (case.programme, case.agency_id, case.status) == (
            "early-intervention", area["yjs"], "open")
        with pytest.raises(Conflict):
            service.refer(s, actor, amy, everyone, NOW)
        with pytest.raises(Conflict, match="cannot record support-started"):
            service.record_step(s, actor, referral, "support-started", NOW)
        with pytest.raises(BadInput) as early:
            service.record_step(s, actor, referral, "consent-given",
                                NOW - dt.timedelta(days=1))
        assert early.value.fields[0].field == "at"
        for step, days in (("consent-given", 2), ("support-started", 9)):
            service.record_step(s, actor, referral, step, NOW + dt.timedelta(days=days))
        assert referral.status == "in-support"
        # Once supported, the child is not eligible again.
        later = service.child(s, actor, amy, everyone, D(2026, 7, 1))
        assert [r.rule for r in later.assessment.reasons] == ["once-only"]
        service.record_step(s, actor, referral, "support-ended", NOW + dt.timedelta(days=90),
                            "completed")
        assert (referral.status, case.status, case.close_reason) == (
            "ended", "closed", "completed")
    assert [f for _, f in s62_entries(db, "collection")] == ["referrals"]
    assert len(s62_entries(db, "alteration")) == 3


def test_an_excluded_child_cannot_be_referred_and_the_rules_are_named(
        db: Database, area: dict[str, str]) -> None:
    with db.session() as s:
        ben = s.get(Person, area["ben"])
        with pytest.raises(BadInput) as refused:
            service.refer(s, yjs_actor(area["yjs"]), ben, everyone, NOW)
    assert [(f.field, f.code) for f in refused.value.fields] == [("person_id", "looked-after")]
    with db.session() as s:
        assert s.scalars(select(Referral)).all() == []


def test_a_refused_consent_closes_the_case_and_the_child_stays_eligible(
        db: Database, area: dict[str, str]) -> None:
    actor = yjs_actor(area["yjs"])
    with db.session() as s:
        amy = s.get(Person, area["amy"])
        referral = service.refer(s, actor, amy, everyone, NOW)
        service.record_step(s, actor, referral, "consent-refused", NOW, "family declined")
        assert referral.case.status == "closed"
        again = service.child(s, actor, amy, everyone, ON)
        assert again.assessment.eligible
        assert service.refer(s, actor, amy, everyone, NOW).status == "awaiting-consent"


def test_adults_are_not_children(db: Database, area: dict[str, str]) -> None:
    with db.session() as s, pytest.raises(NotFound):
        service.child(s, yjs_actor(area["yjs"]), s.get(Person, area["cal"]), everyone, ON)


def test_status_periods_are_checked_and_logged(db: Database, area: dict[str, str]) -> None:
    council = yjs_actor(area["council"])
    with db.session() as s:
        amy = s.get(Person, area["amy"])
        with pytest.raises(BadInput) as wrong:
            service.record_status(s, council, amy, "on-holiday", D(2026, 1, 1), None)
        assert wrong.value.fields[0].field == "kind"
        with pytest.raises(BadInput) as backwards:
            service.record_status(s, council, amy, "child-protection-plan", D(2026, 3, 1),
                                  D(2026, 2, 1))
        assert backwards.value.fields[0].field == "to_date"
        service.record_status(s, council, amy, "child-protection-plan", D(2026, 3, 1), None)
        assessed = service.child(s, yjs_actor(area["yjs"]), amy, everyone, ON)
    assert [r.rule for r in assessed.assessment.reasons] == ["child-protection-plan"]
    assert [f for _, f in s62_entries(db, "collection")] == ["status_periods"]


def test_family_links_list_children_related_to_someone_caught_up_in_violence(
        db: Database, build: Builder, area: dict[str, str]) -> None:
    police = area["police"]
    victim = build.person(police, "Vic", D(2008, 1, 1), family="Family")
    sister = build.person(police, "Sis", D(2014, 4, 4), family="Family")
    brother = build.person(police, "Bro", D(2000, 4, 4), family="Family")
    friend = build.person(police, "Pal", D(2013, 4, 4), family="Other")
    build.relation(sister, victim, "sibling")
    build.relation(brother, victim, "sibling")
    build.relation(friend, victim, "associate")
    build.event(police, victim, "crime-reported", D(2026, 4, 2), "violent-crime", "victim")
    old = build.person(police, "Old", D(2012, 1, 1), family="Case")
    kid = build.person(police, "Kid", D(2015, 1, 1), family="Case")
    build.relation(kid, old, "household-member")
    build.event(police, old, "crime-reported", D(2025, 4, 1), "robbery", "suspect")
    with db.session() as s:
        links = family.family_links(s, yjs_actor(area["yjs"]), everyone, ON)
        got = [(k.relative.given_name, k.relations, k.involved.given_name, k.involvement.role,
                k.age) for k in links]
    # The adult brother, the associate and a household whose robbery was 14 months ago are
    # not listed.
    assert got == [("Sis", ("sibling",), "Vic", "victim", 12)]
    assert sorted(s for s, _ in s62_entries(db, "consultation")) == sorted([sister, victim])


def test_figures_count_without_logging(db: Database, area: dict[str, str]) -> None:
    actor = yjs_actor(area["yjs"])
    with db.session() as s:
        referral = service.refer(s, actor, s.get(Person, area["amy"]), everyone, NOW)
        service.record_step(s, actor, referral, "consent-given", NOW)
    with db.session() as s:
        found = figures.figures(s, ON)
    assert found.eligible_not_referred == 1      # Eve (restricted, but counted in aggregate)
    assert [(m.month, m.referred, m.consent_given, m.support_started) for m in found.months] \
        == [("2026-06", 1, 1, 0)]
    assert [subject for subject, _ in s62_entries(db, "consultation")] == [area["amy"]]
