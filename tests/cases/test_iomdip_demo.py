"""The IOM and DIP demo caseload: realistic in shape, in the sample's Essex areas, every
processing logged, deterministic for a seed and idempotent."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case, Task
from crimeplan.cases.db import Database
from crimeplan.cases.dip import demo as dip_demo
from crimeplan.cases.dip import measures, pathway
from crimeplan.cases.events import Event
from crimeplan.cases.iom import cohort, journey
from crimeplan.cases.iom import demo as iom_demo
from crimeplan.cases.iom.models import IomNeed, IomRecord, IomReview, NominationDecision
from crimeplan.cases.migrate import upgrade
from crimeplan.cases.people import Address, Person
from crimeplan.cases.places import Location
from crimeplan.provenance.dblog import AuditEntry, AuditHead
from crimeplan.web import demo_seed
from crimeplan.web.identity import accounts


def _essex_lsoas() -> set[str]:
    with gzip.open(iom_demo.IMD, "rt", encoding="utf-8-sig", newline="") as fh:
        return {r["LSOA code (2011)"] for r in csv.DictReader(fh)
                if r["Local Authority District name (2019)"] in iom_demo.DISTRICTS}


def _counts(s: Session) -> dict[str, int]:
    return {m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Person, Address, Event, Location, Case, Task, IomRecord, IomReview,
                      IomNeed, NominationDecision, AuditEntry)}


def _agencies(s: Session) -> dict[str, Agency]:
    return {a.kind: a for a in s.scalars(select(Agency))}


def test_the_seeded_caseload_looks_like_an_essex_iom_and_dip_partnership(
        db: Database, tmp_path: Path) -> None:
    demo_seed.seed(db, tmp_path)
    now = dt.datetime.now(dt.UTC)
    with db.session() as s:
        rows = cohort.rows(s, now)
        selected = [r for r in rows if r.record.selected_at is not None]
        # the 200 most harmful, plus the panel's five recent selections (every third of 15)
        assert len(rows) == iom_demo.COHORT_SIZE + 5
        assert len(selected) == iom_demo.COHORT_SIZE + 5
        assert {r.cohort for r in selected} == {"fixed", "flex", "free"}
        assert {r.state for r in rows} == {journey.ACTIVE, journey.DESELECTED}
        assert any(r.review_overdue for r in rows)
        assert any(r.location == "custody" for r in rows)
        assert any(r.overdue_actions for r in rows)
        assert s.scalar(select(func.count()).select_from(Task)
                        .where(Task.completed_at.is_not(None)))
        decisions = s.scalars(select(NominationDecision)).all()
        assert sorted(d.decision for d in decisions) == ["do-not-select"] * 10 + ["select"] * 5
        assert all(d.reason and d.harm > 0 for d in decisions)
        # every place is a street in an LSOA of the sample's four Essex districts
        lsoas = set(s.scalars(select(Location.lsoa11_code).where(
            Location.lsoa11_code.is_not(None))))
        assert lsoas and lsoas <= _essex_lsoas()
        # people: offenders of three years' synthetic histories, each collection logged
        demo_people = s.scalar(select(func.count()).select_from(Person).where(
            Person.local_reference.startswith(iom_demo.DEMO_REFERENCE)))
        assert 500 <= demo_people <= 2500  # the histories and the DIP arrests' new people
        collections = s.scalar(select(func.count(func.distinct(AuditEntry.subject_id))).where(
            AuditEntry.kind == s62.KIND, AuditEntry.category == "collection",
            AuditEntry.subject_id.in_(select(Person.id).where(
                Person.local_reference.startswith(iom_demo.DEMO_REFERENCE)))))
        assert collections == demo_people
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.kind == "offence")) > 3000
        # DIP: a year of tests, about a third positive, few refused, the steps that follow
        paths = pathway.load(s, pathway.tests_between(s))
        assert len(paths) == dip_demo.TESTS
        assert all(now - dt.timedelta(days=366) < p.tested_at < now for p in paths)
        year = [m for m in measures.by_month_and_agency(paths) if m.agency_id is not None]
        assert len({m.month for m in year}) in (12, 13)
        tests = sum(m.tests for m in year)
        positive = sum(m.positive for m in year)
        assert tests == dip_demo.TESTS
        assert 0.25 < positive / (tests - sum(m.refused for m in year)) < 0.45
        assert 0 < sum(m.refused for m in year) / tests < 0.1
        assessed, referred, engaged = (sum(getattr(m, k) for m in year)
                                       for k in ("assessed", "referred", "engaged"))
        assert positive > assessed > referred > engaged > 0


def test_seeding_again_changes_nothing(db: Database, tmp_path: Path) -> None:
    first = demo_seed.seed(db, tmp_path)
    with db.session() as s:
        before = _counts(s)
        head = s.get(AuditHead, 1)
        assert head is not None
        chain = head.hash
        agencies = _agencies(s)
        iom_demo.seed_demo(s, agencies, random.Random(13))
        dip_demo.seed_demo(s, agencies, random.Random(14))
    assert demo_seed.seed(db, tmp_path) == first
    with db.session() as s:
        assert _counts(s) == before
        head = s.get(AuditHead, 1)
        assert head is not None and head.hash == chain


SMALL = {"OFFENDERS": 150, "COHORT_SIZE": 12}
DAY = dt.date(2026, 5, 6)  # the day after the early May bank holiday


def _seed_small(folder: Path, seed: int) -> dict[str, Any]:
    """A small caseload on ``DAY`` in a fresh SQLite database; what it holds, without the
    ids and clock times the database assigns."""
    folder.mkdir()
    db = Database(f"sqlite:///{folder / 'service.db'}")
    upgrade(db)
    setup = Actor(user_id="demo-seed", role="system-admin",
                  purpose="account-administration")
    with db.session() as s:
        agencies = {kind: accounts.create_agency(s, setup, name, kind)
                    for name, kind in demo_seed.AGENCIES}
        for kind in ("police-force", "probation", "drug-alcohol-treatment"):
            accounts.create_user(s, setup, agencies[kind].id, f"{kind}@example.test", kind,
                                 "case-worker")
        iom_demo.seed_demo(s, agencies, random.Random(seed), DAY)
        dip_demo.seed_demo(s, agencies, random.Random(seed + 1), DAY)
    with db.session() as s:
        names = {a.id: a.kind for a in s.scalars(select(Agency))}
        out = {
            "people": sorted((p.id, p.given_name, p.family_name, p.date_of_birth,
                              p.local_reference) for p in s.scalars(select(Person))),
            "events": sorted((e.kind, e.code or "", e.occurred_at.isoformat(),
                              tuple(sorted(x.person_id for x in e.participants)))
                             for e in s.scalars(select(Event))),
            "iom": sorted((c.person_id, r.cohort or "", str(r.selected_at),
                           str(r.deselected_at), r.deselection_reason or "")
                          for c, r in s.execute(select(Case, IomRecord)
                                                .join(IomRecord, IomRecord.case_id == Case.id))),
            "actions": sorted((t.title, t.pathway or "", names[t.owner_agency_id],
                               str(t.due_on), str(t.completed_at))
                              for t in s.scalars(select(Task))),
            "reviews": sorted(str(r.held_at) for r in s.scalars(select(IomReview))),
            "logged": s.scalar(select(func.count()).select_from(AuditEntry)),
        }
    db.dispose()
    return out


def test_the_same_seed_gives_the_same_caseload(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SMALL.items():
        monkeypatch.setattr(iom_demo, name, value)
    monkeypatch.setattr(dip_demo, "TESTS", 40)
    one = _seed_small(tmp_path / "one", 7)
    assert len(one["iom"]) == SMALL["COHORT_SIZE"] + 5
    assert one["events"] and one["actions"] and one["logged"] > 100
    # nothing is dated after the day before seeding (the DIP steps: before its midnight)
    latest = max(e[2] for e in one["events"])
    assert latest < "2026-05-06"
    assert _seed_small(tmp_path / "two", 7) == one
    assert _seed_small(tmp_path / "other", 8) != one
