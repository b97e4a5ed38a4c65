"""Victims' Code dashboard benchmark: the compliance page over 100,000 obligations.

Set-up (not timed): a fresh service database, SQLite (a file under ``benchmarks/out``) and,
when ``CRIMEPLAN_TEST_DATABASE_URL`` names a PostgreSQL server, PostgreSQL too (a database of
its own, ``<name>_bench``), holding five duty-holding agencies, 25,000 victims and 100,000
obligations of the 2020 Code's rules due over twelve months: met, met late, breached,
pending, opted out and unable (bulk inserted with SQLAlchemy Core: this measures the
dashboard, not the use cases).

Timed, median wall and CPU time of ``--repeats`` runs after one warm-up (CPU time is this
process's: it includes SQLite's work, not a PostgreSQL server's; on a shared machine it shows
what the wall time would be without waiting for a core): the aggregation alone
(``compliance.cells`` and the totals by right: one grouped query), the whole page
``GET /victims/compliance`` as the PCC office through the application (session, policy, SQL,
Jinja), and the CSV download.

Target: the page in under 1 s.
Run: ``.venv/bin/python benchmarks/victims_dashboard.py [--repeats N] [--obligations N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

from crimeplan.cases.accounts import User
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case
from crimeplan.cases.db import Database, utcnow
from crimeplan.cases.events import Event
from crimeplan.cases.migrate import upgrade
from crimeplan.cases.people import Person
from crimeplan.cases.testing import TEST_DATABASE_ENV, fresh_url
from crimeplan.cases.victims import compliance
from crimeplan.cases.victims.models import Obligation, VictimCare
from crimeplan.cases.victims.obligations import due, end_of_day
from crimeplan.cases.victims.rules import in_force
from crimeplan.web.app import create_app
from crimeplan.web.identity import sessions
from crimeplan.web.identity.sessions import cookie_name
from crimeplan.web.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "victims-dashboard"
TARGET_SECONDS = 1.0
PER_VICTIM = 4
AGENCIES = (("Essex Police (bench)", "police-force"), ("Kent Police (bench)", "police-force"),
            ("Suffolk Constabulary (bench)", "police-force"),
            ("Probation East (bench)", "probation"), ("Probation South East (bench)",
                                                      "probation"))


def _ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def populate(db: Database, obligations: int, seed: int = 1) -> None:
    """Victims and their obligations, in bulk (not timed)."""
    rng = random.Random(seed)
    rules = in_force(dt.date(2026, 1, 1))
    assert rules is not None
    police_rules = [r for r in rules.rules if r.duty_holder.agency_kind == "police-force"]
    vlo = rules.rule("r11-victim-liaison-officer-contact")
    victims = obligations // PER_VICTIM
    agency_ids = _ids(len(AGENCIES))
    people, events, cases, cares = _ids(victims), _ids(victims), _ids(victims), _ids(victims)
    start = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    with db.engine.begin() as con:
        con.execute(insert(Agency), [{"id": i, "name": n, "kind": k}
                                     for i, (n, k) in zip(agency_ids, AGENCIES, strict=True)])
        police = [i for i, (_, k) in zip(agency_ids, AGENCIES, strict=True)
                  if k == "police-force"]
        probation = [i for i, (_, k) in zip(agency_ids, AGENCIES, strict=True)
                     if k == "probation"]
        force = [rng.choice(police) for _ in range(victims)]
        reported = [start + dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                    for _ in range(victims)]
        for table, rows in (
            (Person, [{"id": p, "agency_id": f, "given_name": "Bench", "family_name": f"V{n}",
                       "category": "victim"} for n, (p, f) in enumerate(zip(people, force,
                                                                            strict=True))]),
            (Event, [{"id": e, "agency_id": f, "kind": "crime-reported", "occurred_at": t,
                      "recorded_at": t, "details": {}}
                     for e, f, t in zip(events, force, reported, strict=True)]),
            (Case, [{"id": c, "agency_id": f, "programme": "victim-care", "person_id": p,
                     "title": "Victim care", "opened_at": t}
                    for c, f, p, t in zip(cases, force, people, reported, strict=True)]),
            (VictimCare, [{"id": v, "case_id": c, "person_id": p, "crime_event_id": e,
                           "created_at": t} for v, c, p, e, t in zip(
                               cares, cases, people, events, reported, strict=True)]),
        ):
            for chunk in _chunks(rows):
                con.execute(insert(table), chunk)
        rows = []
        for v, f, t in zip(cares, force, reported, strict=True):
            for k in range(PER_VICTIM):
                rule = vlo if rng.random() < 0.03 else rng.choice(police_rules)
                started = t + dt.timedelta(days=7 * k, hours=rng.randint(0, 48))
                enhanced = rng.random() < 0.3
                when = due(rule, started, enhanced)
                draw = rng.random()
                met = (started + dt.timedelta(hours=rng.randint(1, 30)) if draw < 0.7 else
                       end_of_day(when.due_on) + dt.timedelta(days=rng.randint(1, 9))
                       if draw < 0.82 else None)
                stopped = started + dt.timedelta(hours=1) if 0.82 <= draw < 0.88 else None
                unable = started + dt.timedelta(hours=3) if 0.88 <= draw < 0.9 else None
                rows.append({
                    "id": str(uuid.uuid4()), "care_id": v, "rules_version": rules.id,
                    "rule_id": rule.id, "right": rule.right,
                    "duty_agency_id": rng.choice(probation) if rule is vlo else f,
                    "trigger_event_id": None, "triggered_at": started, "enhanced": enhanced,
                    "limit_days": when.limit_days, "due_on": when.due_on,
                    "due_at": when.due_at, "due_month": when.due_on.strftime("%Y-%m"),
                    "met_at": met, "stopped_at": stopped,
                    "stop_reason": "opted-out" if stopped else None, "unable_at": unable,
                    "unable_reason": "Not reachable" if unable else None})
        for chunk in _chunks(rows):
            con.execute(insert(Obligation), chunk)
    # What autovacuum (PostgreSQL) does to a table after a bulk load, and statistics for
    # SQLite's planner: the dashboard then counts from its covering index alone.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
        con.exec_driver_sql("VACUUM ANALYZE victim_obligations"
                            if con.dialect.name == "postgresql" else "ANALYZE")


def _median(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (SQLite's work included; a
    PostgreSQL server's is not), after one warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def measure(backend: str, url: str, obligations: int, repeats: int
            ) -> dict[str, tuple[float, float]]:
    db = Database(url)
    upgrade(db)
    t0 = time.perf_counter()
    populate(db, obligations)
    print(f"  {backend}: {obligations:,} obligations loaded in "
          f"{time.perf_counter() - t0:.0f} s (not timed)", flush=True)
    with db.session() as s:
        pcc = Agency(name="Essex PFCC (bench)", kind="pcc-office")
        s.add(pcc)
        s.flush()
        user = User(agency_id=pcc.id, email="pcc@bench.test", name="PCC", role="pcc-viewer",
                    password_hash="not used")
        s.add(user)
        s.flush()
        token, _ = sessions.start(s, user, mfa_passed=True, now=utcnow())
    db.dispose()
    now = utcnow()
    app = create_app(Settings(home=OUT / backend, database_url=url))
    client = TestClient(app, base_url="http://testserver")
    client.cookies.set(cookie_name(app.state.settings), token)

    def aggregate() -> None:
        with app.state.db.session() as s:
            cells = compliance.cells(s, now)
            compliance.by_right(cells)
            assert sum(c.total for c in cells) == obligations

    def page() -> None:
        response = client.get("/victims/compliance")
        assert response.status_code == 200 and "By right" in response.text

    def download() -> None:
        assert client.get("/victims/compliance.csv").status_code == 200

    out = {"aggregate": _median(aggregate, repeats), "page": _median(page, repeats),
           "csv": _median(download, repeats)}
    app.state.db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--obligations", type=int, default=100_000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", *(["postgresql"] if os.environ.get(TEST_DATABASE_ENV) else [])]
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}, {dt.date.today()}")
    if "postgresql" not in backends:
        print(f"  (set {TEST_DATABASE_ENV} to measure PostgreSQL too)")
    for backend in backends:
        folder = OUT / backend
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "service.db").unlink(missing_ok=True)
        url = fresh_url(backend, folder, "bench")
        got = measure(backend, url, args.obligations, args.repeats)
        verdict = "met" if got["page"][0] < TARGET_SECONDS else "NOT met"
        shown = ", ".join(f"{name} {wall * 1000:.0f} ms (CPU {cpu * 1000:.0f} ms)"
                          for name, (wall, cpu) in got.items())
        print(f"  {backend}: {shown}; median of {args.repeats}, load "
              f"{os.getloadavg()[0]:.1f}; target page < {TARGET_SECONDS:.0f} s: {verdict}")
    print(f"  load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
