"""The demo caseload: deterministic, idempotent, in the Essex LSOAs of the bundled sample,
with valid identifiers, people held by several agencies, households and possible matches."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case
from crimeplan.cases.db import Database
from crimeplan.cases.demo import lsoas_by_district, seed_demo
from crimeplan.cases.events import Event
from crimeplan.cases.linkage.models import LinkProposal
from crimeplan.cases.migrate import upgrade
from crimeplan.cases.people import Person, Relation
from crimeplan.cases.places import Location
from crimeplan.provenance.dblog import AuditEntry
from crimeplan.standard.identifiers import CANONICAL
from crimeplan.web.demo_seed import AGENCIES
from crimeplan.web.identity import accounts

SETUP = Actor(user_id="demo-seed", role="system-admin", purpose="account-administration")
PEOPLE = 70


def _seeded(db: Database) -> list[tuple[Any, ...]]:
    """Seed the demo into ``db``; return its people as comparable rows (ids are random)."""
    with db.session() as s:
        for name, kind in AGENCIES:
            accounts.create_agency(s, SETUP, name, kind)
    with db.session() as s:
        agencies = {a.kind: a for a in s.scalars(select(Agency))}
        assert seed_demo(s, agencies, random.Random(13), people=PEOPLE) > PEOPLE
    with db.session() as s:
        return sorted((p.local_reference, p.given_name, p.family_name, p.date_of_birth,
                       p.pnc_id, p.nhs_number, s.get(Agency, p.agency_id).kind)
                      for p in s.scalars(select(Person)))


def _counts(db: Database) -> tuple[int, ...]:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (Person, Location, Event, Case, Relation, LinkProposal,
                               AuditEntry))


def test_the_demo_is_deterministic_and_idempotent(db: Database, tmp_path: Path) -> None:
    people = _seeded(db)
    other = Database(f"sqlite:///{tmp_path / 'again.db'}")
    upgrade(other)
    try:
        assert _seeded(other) == people                      # same seed, same caseload
    finally:
        other.dispose()
    before = _counts(db)
    with db.session() as s:
        agencies = {a.kind: a for a in s.scalars(select(Agency))}
        assert seed_demo(s, agencies, random.Random(13), people=PEOPLE) == 0
    assert _counts(db) == before                             # a second seed changes nothing


def test_the_demo_looks_like_a_partnerships_caseload(db: Database) -> None:
    _seeded(db)
    essex = {code for codes in lsoas_by_district().values() for code in codes}
    with db.session() as s:
        lsoas = set(s.scalars(select(Location.lsoa11_code)))
        assert lsoas and lsoas <= essex                     # the bundled sample's areas
        people = s.scalars(select(Person)).all()
        for p in people:
            for field in ("pnc_id", "nhs_number", "cro_number", "probation_crn"):
                value = getattr(p, field)
                assert value is None or CANONICAL[field](value) == value
        held_by = {}
        for p in people:
            if p.nhs_number:
                held_by.setdefault(p.nhs_number, set()).add(p.agency_id)
        assert any(len(agencies) > 1 for agencies in held_by.values())
        assert s.scalar(select(func.count()).select_from(Relation)) > 0
        assert s.scalar(select(func.count()).select_from(Event)) > len(people)
        pending = s.scalars(select(LinkProposal)).all()
        assert pending and {p.status for p in pending} == {"pending"}
        kinds = {e.category for e in s.scalars(select(AuditEntry).where(
            AuditEntry.kind == "s62"))}
        # collected, cases closed and tasks done (alteration), cases shared (disclosure),
        # read by the linkage run (consultation)
        assert kinds == {"collection", "alteration", "disclosure", "consultation"}
