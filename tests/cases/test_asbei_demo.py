"""The early intervention and ASB demo caseloads: seeded (the same seed, the same records),
idempotent (a second seed adds nothing), and realistic enough that every page has something
true to show: children eligible and excluded, families, victims and addresses over the
threshold, reviews at every step and figures over several years."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.asb import demo as asb_demo
from crimeplan.cases.asb import figures as asb_figures
from crimeplan.cases.asb import service as asb
from crimeplan.cases.asb.models import Application
from crimeplan.cases.asb.rules import rulebook
from crimeplan.cases.asb.timeline import clock, status
from crimeplan.cases.db import Database
from crimeplan.cases.demo_areas import areas
from crimeplan.cases.early_intervention import demo as ei_demo
from crimeplan.cases.early_intervention import family
from crimeplan.cases.early_intervention import service as ei
from crimeplan.cases.early_intervention.models import Referral
from crimeplan.cases.events import Event
from crimeplan.cases.migrate import upgrade
from crimeplan.cases.people import Person
from crimeplan.cases.places import Location

TODAY = dt.date(2026, 11, 20)
KINDS = ("police-force", "local-authority", "youth-justice", "housing-provider", "health")
READER = Actor(agency_id="x", role="case-worker", purpose="safeguarding", request_id="t")


def _seed(db: Database) -> tuple[int, int]:
    with db.session() as s:
        agencies = {k: Agency(name=f"{k} (demo)", kind=k) for k in KINDS}
        s.add_all(agencies.values())
        s.flush()
        return (ei_demo.seed_demo(s, agencies, random.Random(13), TODAY),
                asb_demo.seed_demo(s, agencies, random.Random(14), TODAY))


def _content(db: Database) -> list[tuple[object, ...]]:
    with db.session() as s:
        people = s.execute(select(Person.local_reference, Person.given_name,
                                  Person.family_name, Person.date_of_birth)
                           .order_by(Person.local_reference)).all()
        events = s.execute(select(Event.kind, Event.code, Event.occurred_at)
                           .order_by(Event.occurred_at, Event.kind, Event.code)).all()
    return [*people, *events]


def test_the_same_seed_gives_the_same_caseload_and_a_second_seed_adds_nothing(
        db: Database, tmp_path: Path) -> None:
    added = _seed(db)
    assert added[0] > 250 and added[1] > 200
    first = _content(db)
    with db.session() as s:
        agencies = {a.kind: a for a in s.scalars(select(Agency))}
        assert ei_demo.seed_demo(s, agencies, random.Random(13), TODAY) == 0
        assert asb_demo.seed_demo(s, agencies, random.Random(14), TODAY) == 0
    assert _content(db) == first
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")   # seeded afresh elsewhere
    upgrade(other)
    _seed(other)
    assert _content(other) == first
    other.dispose()


def test_the_demo_is_in_the_essex_sample_districts(db: Database) -> None:
    _seed(db)
    lsoas = {a.lsoa11_code for a in areas()}
    with db.session() as s:
        used = set(s.scalars(select(Location.lsoa11_code)))
    assert used and used <= lsoas


def test_the_early_intervention_demo_has_something_to_show(db: Database) -> None:
    _seed(db)
    with db.session() as s:
        children = ei.queue(s, READER, lambda _p: True, TODAY)
        links = family.family_links(s, READER, lambda _p: True, TODAY)
    reasons = Counter(r.rule for c in children for r in c.assessment.reasons)
    assert sum(c.assessment.eligible for c in children) >= 10
    assert reasons.keys() & {"looked-after", "child-protection-plan",
                             "early-help-lead-practitioner", "youth-justice-order"}
    with db.session() as s:
        statuses = {r.status for r in s.scalars(select(Referral))}
    assert len(statuses) >= 3
    assert all(10 <= q.age <= 17 for c in children for q in [c.assessment.qualification]
               if q is not None)
    assert len(links) >= 10


def test_the_asb_demo_has_something_to_show(db: Database) -> None:
    _seed(db)
    procedure = rulebook().in_force(TODAY)
    with db.session() as s:
        entries = asb.queue(s, READER, lambda _p: True, TODAY)
        applications = list(s.scalars(select(Application)))
        states = Counter(status(a) for a in applications)
        overdue = sum(any(c.state == "overdue" for c in clock(a, procedure, TODAY))
                      for a in applications)
        years = {r.year for r in asb_figures.figures(s, procedure)}
        complaints = s.scalar(select(func.count()).select_from(Event)
                              .where(Event.kind == "complaint"))
    assert any(e.person for e in entries) and any(e.address for e in entries)
    assert len(applications) == 44 and complaints > 300
    assert {"review-held", "threshold-not-met"} <= states.keys()
    assert overdue >= 1 and len(years) >= 2
