"""Case management queues benchmark: the ASB case review threshold queue and the early
intervention eligibility queue and family links over a force-sized caseload.

Generated (seeded) into a fresh SQLite service database, not timed: ASB complaints made to the
police, the council and the housing provider over the six months the threshold looks back on
(a quarter of them a second agency's report of the same incident, by shared reference), from
complainants who complain a few times each, some about problem addresses several neighbours
report; children with qualifying police outcomes over the four months before the day, some
with exclusions recorded by the council on a linked record; brothers and sisters of young
people caught up in violence. Timed: each queue as its page computes it (every view logged
under s.62 in the same transaction, committed), and the early intervention figures, which make
the same assessment of every child but log nothing (no one's data is shown): the difference is
the cost of the s.62 log.

Target: each queue in under 2 s for 20,000 complaints and 5,000 children on 2 cores.
Run: ``.venv/bin/python benchmarks/cases_queues.py [--complaints N] [--children N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.asb import service as asb
from crimeplan.cases.db import Base, Database
from crimeplan.cases.demo_areas import address, name, pick_area
from crimeplan.cases.early_intervention import family
from crimeplan.cases.early_intervention import service as ei
from crimeplan.cases.early_intervention.figures import figures as ei_figures
from crimeplan.cases.early_intervention.models import StatusPeriod
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.migrate import upgrade
from crimeplan.cases.months import add_months
from crimeplan.cases.people import Link, Person, Relation

TARGET_SECONDS = 2.0
TODAY = dt.date(2026, 11, 20)
OUTCOMES = (("no-further-action", None), ("community-resolution", None),
            ("youth-caution", None), ("released-under-investigation", None),
            ("bail", "pre-charge"), ("interview-under-caution", None))


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 22), rng.randint(0, 59)), dt.UTC)


def _person(agency: Agency, rng: random.Random, born: dt.date | None = None) -> Person:
    given, family_name = name(rng)
    return Person(agency_id=agency.id, given_name=given, family_name=family_name,
                  date_of_birth=born)


def asb_caseload(db: Session, agencies: dict[str, Agency], rng: random.Random,
                 complaints: int) -> None:
    """``complaints`` complaints over six months, about four per complainant."""
    bodies = [agencies[k] for k in ("police-force", "local-authority", "housing-provider")]
    people = [_person(rng.choice(bodies), rng) for _ in range(max(1, complaints // 4))]
    homes = [address(rng, pick_area(rng)) for _ in people]
    hotspots = [address(rng, pick_area(rng)) for _ in range(max(1, complaints // 200))]
    asb.store(db, [people])
    groups: list[list[Base]] = [[], [], []]
    made = 0
    while made < complaints:
        i = rng.randrange(len(people))
        place = rng.choice(hotspots) if rng.random() < 0.2 else homes[i]
        incident_at = _at(TODAY - dt.timedelta(days=rng.randint(1, 182)), rng)
        reports = 2 if rng.random() < 0.25 else 1
        reference = f"BENCH-{made}" if reports == 2 else None
        for agency in rng.sample(bodies, reports):
            rows = asb.complaint_rows(agency.id, people[i].id, incident_at,
                                      incident_at + dt.timedelta(hours=rng.randint(0, 200)),
                                      dict(place), rng.choice(("noise", "intimidation")),
                                      rng.random() < 0.01, shared_reference=reference)
            for group, new in zip(groups, rows, strict=True):
                group.extend(new)
            made += 1
    asb.store(db, groups)


def ei_caseload(db: Session, agencies: dict[str, Agency], rng: random.Random,
                children: int) -> None:
    """``children`` children with one or two police outcomes in the last four months, a
    tenth known to the council as a linked record with an exclusion, and families."""
    police, council = agencies["police-force"], agencies["local-authority"]
    kids = [_person(police, rng, TODAY - dt.timedelta(days=rng.randint(10 * 365 + 100,
                                                                      18 * 365 - 10)))
            for _ in range(children)]
    asb.store(db, [kids])
    events, parts, records, links, statuses, relations = [], [], [], [], [], []
    for kid in kids:
        for _ in range(rng.choice((1, 1, 2))):
            kind, code = rng.choice(OUTCOMES)
            event = Event(agency_id=police.id, kind=kind, code=code,
                          occurred_at=_at(TODAY - dt.timedelta(days=rng.randint(1, 120)), rng))
            events.append(event)
            parts.append((event, kid))
        if rng.random() < 0.1:
            record = _person(council, rng, kid.date_of_birth)
            records.append(record)
            links.append((kid, record))
            statuses.append((record, rng.choice(("looked-after", "child-protection-plan"))))
        if rng.random() < 0.05:
            sibling = _person(police, rng, kid.date_of_birth - dt.timedelta(days=700))
            records.append(sibling)
            relations.append((kid, sibling))
            violence = Event(agency_id=police.id, kind="crime-reported", code="violent-crime",
                             occurred_at=_at(TODAY - dt.timedelta(days=rng.randint(1, 300)),
                                             rng))
            events.append(violence)
            parts.append((violence, kid))
    asb.store(db, [records, events])
    asb.store(db, [
        [Participant(event_id=e.id, person_id=p.id, role="suspect") for e, p in parts],
        [Link(person_id=min(a.id, b.id), other_id=max(a.id, b.id)) for a, b in links],
        [StatusPeriod(person_id=r.id, kind=kind, from_date=add_months(TODAY, -6),
                      agency_id=council.id) for r, kind in statuses],
        [Relation(person_id=a.id, other_id=b.id, kind=k) for x, y in relations
         for a, b in ((x, y), (y, x)) for k in ("sibling",)]])


def timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU time of ``work`` (CPU time moves less when the machine is shared)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--children", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'service.db'}")
        upgrade(db)
        rng = random.Random(2026)
        t0 = time.perf_counter()
        with db.session() as s:
            agencies = {k: Agency(name=f"{k} (bench)", kind=k) for k in
                        ("police-force", "local-authority", "housing-provider",
                         "youth-justice")}
            s.add_all(agencies.values())
            s.flush()
            asb_caseload(s, agencies, rng, args.complaints)
            ei_caseload(s, agencies, rng, args.children)
            worker = {k: Actor(agency_id=a.id, agency_kind=k, role="case-worker",
                               purpose="safeguarding", request_id="bench")
                      for k, a in agencies.items()}
        print(f"{args.complaints:,} complaints, {args.children:,} children generated in "
              f"{time.perf_counter() - t0:.0f} s (not timed); Python "
              f"{platform.python_version()}, load average "
              f"{Path('/proc/loadavg').read_text().split()[0]}")
        #: What each run computes, and how many people, addresses or children it counts.
        runs: list[tuple[str, Callable[[Session], int]]] = [
            ("ASB threshold queue", lambda s: len(asb.queue(s, worker["local-authority"],
                                                            lambda _p: True, TODAY))),
            ("early intervention eligibility queue",
             lambda s: len(ei.queue(s, worker["youth-justice"], lambda _p: True, TODAY))),
            ("early intervention figures (not logged)",
             lambda s: ei_figures(s, TODAY).eligible_not_referred),
            ("family links", lambda s: len(family.family_links(s, worker["youth-justice"],
                                                               lambda _p: True, TODAY))),
        ]
        for label, run in runs:
            def work(run: Callable[[Session], int] = run) -> int:
                with db.session() as s:
                    return run(s)
            wall, cpu, shown = timed(work)
            verdict = "PASS" if wall < TARGET_SECONDS else "FAIL"
            print(f"  {label:<40} wall {wall:6.2f} s, CPU {cpu:6.2f} s, {shown:>6,} counted "
                  f"(target < {TARGET_SECONDS:.0f} s wall) -> {verdict}", flush=True)
        db.dispose()


if __name__ == "__main__":
    main()
