"""The demo caseload: a year of Essex victims in the sample's districts, with duties met, met
late and breached; the same seed gives the same caseload; seeding twice adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimeplan.cases.agencies import Agency
from crimeplan.cases.db import Database
from crimeplan.cases.events import Event
from crimeplan.cases.migrate import upgrade
from crimeplan.cases.places import Location
from crimeplan.cases.testing import fresh_url
from crimeplan.cases.victims import compliance, demo
from crimeplan.cases.victims.models import Obligation, VictimCare
from crimeplan.provenance.dblog import AuditEntry

TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 18, tzinfo=dt.UTC)
KINDS = ("police-force", "victim-service", "probation")


def _agencies(s: Session) -> dict[str, Agency]:
    found = {a.kind: a for a in s.scalars(select(Agency).where(Agency.kind.in_(KINDS)))}
    for kind in KINDS:
        if kind not in found:
            found[kind] = Agency(name=f"Essex {kind} (demo test)", kind=kind)
            s.add(found[kind])
    s.flush()
    return found


def _fingerprint(db: Database) -> list[tuple]:
    with db.session() as s:
        rows = s.execute(select(Obligation.rule_id, Obligation.due_on, Obligation.enhanced,
                                compliance.state(NOW)).order_by(Obligation.due_on))
        return sorted(tuple(r) for r in rows)


def test_a_year_of_victims_in_the_sample_districts(db: Database,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "VICTIMS_PER_YEAR", 90)  # of 200: enough for every state
    with db.session() as s:
        assert demo.seed_demo(s, _agencies(s), random.Random(13), TODAY) == demo.VICTIMS_PER_YEAR
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(VictimCare)) == demo.VICTIMS_PER_YEAR
        reported = list(s.scalars(select(Event.occurred_at).where(
            Event.kind == "crime-reported")))
        assert min(reported).date() >= TODAY - dt.timedelta(days=366)
        assert max(reported).date() < TODAY
        places = set(s.scalars(select(Location.lsoa11_code)))
        assert places <= set(demo.essex_lsoas()) and len(places) > 50
        states = {c for cell in compliance.cells(s, NOW) for c in cell.counts}
        assert {"met", "met-late", "breached", "opted-out", "unable"} <= states
        rights = {cell.right for cell in compliance.cells(s, NOW)}
        assert rights == {4, 6, 8, 9, 11}
        enhanced = s.scalar(select(func.count()).where(Obligation.enhanced))
        assert 0 < enhanced < s.scalar(select(func.count()).select_from(Obligation))
        entries = s.scalar(select(func.count()).select_from(AuditEntry))
    with db.session() as s:  # a second seed adds nothing
        assert demo.seed_demo(s, _agencies(s), random.Random(13), TODAY) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_the_same_seed_gives_the_same_caseload(db: Database, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "VICTIMS_PER_YEAR", 25)
    other = Database(fresh_url("sqlite", tmp_path / "other"))
    upgrade(other)
    for database in (db, other):
        with database.session() as s:
            demo.seed_demo(s, _agencies(s), random.Random(7), TODAY)
    assert _fingerprint(db) == _fingerprint(other) and len(_fingerprint(db)) > 25
    other.dispose()
