"""Exchange benchmark: sustained events per second and commit → applied latency between two
crimeplan instances on one machine.

The sender is ``crimeplan serve`` over its service database (SQLite in its workspace, or
PostgreSQL with ``--database postgresql``: a database made from
CRIMEPLAN_TEST_DATABASE_URL). This process writes changes to the sender's database at a
steady rate (each an update of one of ``--people`` person records shared with the receiver's
agency, committed ten to a transaction, each logged under s.62 and published through the
outbox); the receiver is ``crimeplan exchange follow`` in its own process, with its own SQLite
database, fetching each changed record with its own client credentials. Latency is from the
event's time in the sender's outbox (taken in the committing transaction) to the receiver's
inbox row (written in the transaction that applied it); throughput is events applied over the
time from the first commit to the last applied.

Targets (issue #14): 500 events/s sustained on PostgreSQL with p95 under 1 s.
Run: ``.venv/bin/python benchmarks/exchange.py [--database sqlite|postgresql] [--seconds 30]
[--rate 600]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "exchange"))

from instances import SECRET, Instance, care  # noqa: E402
from sqlalchemy import select  # noqa: E402

from crimeplan.cases import records  # noqa: E402
from crimeplan.cases.accounts import ApiClient  # noqa: E402
from crimeplan.cases.people import Person, Share  # noqa: E402
from crimeplan.cases.testing import TEST_DATABASE_ENV, fresh_url  # noqa: E402
from crimeplan.exchange import consumer, outbox  # noqa: E402
from crimeplan.exchange.consumer import InboxEntry  # noqa: E402

GUEST = "Probation (bench)"
BATCH = 10


def setup(folder: Path, database: str, people: int) -> tuple[Instance, Instance, list[str]]:
    sender = Instance("Force (bench)", folder / "sender", "police-force")
    if database == "postgresql":
        if not os.environ.get(TEST_DATABASE_ENV):
            sys.exit(f"--database postgresql needs {TEST_DATABASE_ENV}")
        sender.database = fresh_url("postgresql", folder, "bench")
    sender.setup({GUEST: "probation"})
    receiver = Instance(GUEST, folder / "receiver", "probation")
    receiver.setup()
    db = sender.db()
    with db.session() as s:
        guest = s.get(ApiClient, sender.clients[GUEST]).agency_id
        ids = []
        for i in range(people):
            person = records.create(s, care(sender.agency_id), {
                "given_name": "Bench", "family_name": f"Person {i}"}, sender.agency_id)
            s.add(Share(person_id=person.id, agency_id=guest))
            ids.append(person.id)
    db.dispose()
    rx = receiver.db()
    with rx.session() as s:
        consumer.add_peer(s, sender.url, sender.clients[GUEST], SECRET, "offender-management")
    rx.dispose()
    return sender, receiver, ids


def write(sender: Instance, ids: list[str], seconds: float, rate: float) -> tuple[int, float]:
    """Changes at ``rate`` per second for ``seconds``; the first event number and the time
    the writing started."""
    db = sender.db()
    rng = random.Random(14)
    with db.session() as s:
        first = outbox.last_seq(s) + 1
    start = time.monotonic()
    n = 0
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(elapsed * rate)
        if n >= due:
            time.sleep(min(0.01, (n + 1 - due) / rate))
            continue
        with db.session() as s:
            for _ in range(BATCH):
                person = s.get(Person, rng.choice(ids))
                records.update(s, care(sender.agency_id), person, {"family_name": f"V{n}"})
                n += 1
    db.dispose()
    return first, start


def measure(sender: Instance, receiver: Instance, first: int, timeout: float) -> dict:
    db, rx = sender.db(), receiver.db()
    with db.session() as s:
        last = outbox.last_seq(s)
        committed = {e.id: e.time for e in outbox.after(s, first - 1, 10**9)}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with rx.session() as s:
            cursor = s.scalar(select(consumer.Peer.cursor))
        if cursor >= last:
            break
        time.sleep(0.5)
    with rx.session() as s:
        applied = {e.event_id: e.received_at for e in s.scalars(select(InboxEntry))
                   if e.event_id in committed}
    db.dispose()
    rx.dispose()
    latencies = sorted((applied[k] - committed[k]).total_seconds() for k in applied)
    span = (max(applied.values()) - min(committed.values())).total_seconds()
    q = statistics.quantiles(latencies, n=100)
    return {"events": len(committed), "applied": len(applied),
            "events_per_s": len(applied) / span, "p50_s": q[49], "p95_s": q[94],
            "max_s": latencies[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=600, help="changes per second offered")
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="exchange-bench-") as tmp:
        sender, receiver, ids = setup(Path(tmp), args.database, args.people)
        sender.start()
        follow = subprocess.Popen(
            [sys.executable, "-m", "crimeplan", "exchange", "follow", "--peer", sender.url,
             "--home", str(receiver.home)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={**os.environ, "CRIMEPLAN_DATABASE_URL": ""})
        try:
            load_before = os.getloadavg()
            first, _ = write(sender, ids, args.seconds, args.rate)
            result = measure(sender, receiver, first, timeout=120)
        finally:
            follow.kill()
            follow.wait()
            sender.stop()
    print(f"exchange benchmark, sender on {args.database}, receiver on sqlite")
    print(f"  date {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average before {load_before[0]:.1f}, after "
          f"{os.getloadavg()[0]:.1f}")
    print(f"  offered {args.rate:.0f} changes/s for {args.seconds:.0f} s over "
          f"{args.people} people; {result['events']} events, {result['applied']} applied")
    print(f"  sustained {result['events_per_s']:.0f} events/s; latency commit → applied "
          f"p50 {result['p50_s']:.3f} s, p95 {result['p95_s']:.3f} s, max "
          f"{result['max_s']:.3f} s")


if __name__ == "__main__":
    main()
