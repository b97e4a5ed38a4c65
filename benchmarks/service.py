"""Load benchmark of the web service: mixed reads and writes of person records at a fixed rate
against ``crimeplan serve`` in a subprocess on loopback, every read of personal data audited.

An open-loop load generator (asyncio + httpx): request k is due at k / rate seconds, whether
or not earlier ones have answered, so a slow server shows as latency rather than as a lower
rate ("coordinated omission"); latency is measured from the moment each request was due.
The mix, per request: 70% reads (``GET /api/v1/people/{id}``, half by a case worker's
browser session, half by another agency's system with a bearer token: each one a s.62
consultation in the audit chain), 15% alterations (``PATCH`` by the case worker) and 15%
collections (``POST /api/v1/people`` by the system). Bounded: requests are sent for at most
``--seconds`` (those the generator could not send by then count as errors), then at most
``--drain`` seconds are given to the answers still due.

Afterwards the audit log is checked: one s.62 entry per successful read (a consultation, or a
disclosure when another agency's system read), and the hash chain verifies end to end.
Targets (issue #12): zero errors, p95 under 100 ms, at 200 requests/s for 60 s, on SQLite
and on PostgreSQL.

Run: ``.venv/bin/python benchmarks/service.py [--rate 200] [--seconds 60]
[--database-url postgresql+psycopg://…/an_empty_database] [--json out.json]``
(default: SQLite, ``service.db`` in a temporary workspace). The PostgreSQL database is
emptied first (its public schema dropped): give one made for the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CRIMEPLAN = str(Path(sys.executable).with_name("crimeplan"))
PEOPLE = 200
PURPOSE = "case-management"


@dataclass(frozen=True)
class Seeded:
    """What the load needs: a case worker's session and CSRF token, a system's secret, and
    the ids of the people both may read."""

    cookie: str
    csrf: str
    client_id: str
    client_secret: str
    people: list[str]


def empty_postgres(url: str) -> str:
    """Drop and recreate the public schema of a PostgreSQL database (the benchmark's own)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as con:
        con.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        con.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def seed(home: Path, url: str) -> Seeded:
    """An agency, a case worker (signed in), a system with read and write scopes, people."""
    from crimeplan.cases.accounts import User
    from crimeplan.cases.actor import Actor
    from crimeplan.cases.db import Database, utcnow
    from crimeplan.cases.migrate import upgrade
    from crimeplan.cases.people import Person
    from crimeplan.web.identity import accounts, passwords, sessions, totp
    from crimeplan.web.settings import Settings

    setup = Actor(user_id="benchmark-setup", role="system-admin",
                  purpose="account-administration")
    db = Database(url)
    upgrade(db)
    try:
        with db.session() as s:
            agency = accounts.create_agency(s, setup, "Benchmark Police", "police-force")
            worker = User(agency_id=agency.id, email="worker@bench.crimeplan.test",
                          name="Case Worker", role="case-worker",
                          password_hash=passwords.hash_password("benchmark password 1"),
                          totp_secret=totp.new_secret(), totp_enrolled=True)
            s.add(worker)
            client, secret = accounts.create_client(s, setup, agency.id, "Benchmark system",
                                                    frozenset({"people:read", "people:write"}))
            people = [Person(agency_id=agency.id, given_name="Load", family_name=f"Test {k}",
                             category="other") for k in range(PEOPLE)]
            s.add_all(people)
            s.flush()
            token, row = sessions.start(s, worker, mfa_passed=True, now=utcnow())
            cookie = f"{sessions.cookie_name(Settings(home=home))}={token}"
            return Seeded(cookie, row.csrf_token, client.id, secret, [p.id for p in people])
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """``crimeplan serve`` on loopback, returned once it answers its health check."""
    env = {**os.environ, "CRIMEPLAN_DATABASE_URL": url}
    server = subprocess.Popen([CRIMEPLAN, "serve", "--home", str(home), "--port", str(port)],
                              stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"crimeplan serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("crimeplan serve did not answer within 120 s")


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn shuts down gracefully), then SIGKILL after 15 s."""
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@dataclass
class Outcome:
    """Every request: kind, status (0: no answer), latency from when it was due (ms)."""

    kinds: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    late_starts_ms: list[float] = field(default_factory=list)
    #: From the moment the request was sent (the server's own share, generator lag aside).
    service_ms: list[float] = field(default_factory=list)


async def load(base: str, seeded: Seeded, rate: float, seconds: float, drain: float,
               rng: random.Random) -> tuple[Outcome, float]:
    """Send ``rate`` requests per second for ``seconds``; the outcome and the wall time."""
    async with httpx.AsyncClient(base_url=base, timeout=drain,
                                 limits=httpx.Limits(max_connections=500)) as http:
        got = await http.post("/api/v1/oauth/token", data={
            "grant_type": "client_credentials", "client_id": seeded.client_id,
            "client_secret": seeded.client_secret})
        got.raise_for_status()
        system = {"Authorization": f"Bearer {got.json()['access_token']}",
                  "X-Purpose": PURPOSE}
        worker = {"Cookie": seeded.cookie, "X-CSRF-Token": seeded.csrf, "X-Purpose": PURPOSE}
        outcome = Outcome()

        async def one(kind: str, due: float, person: str) -> None:
            sent = time.perf_counter()
            outcome.late_starts_ms.append((sent - due) * 1000)
            try:
                if kind == "read-session":
                    r = await http.get(f"/api/v1/people/{person}", headers=worker)
                elif kind == "read-token":
                    r = await http.get(f"/api/v1/people/{person}", headers=system)
                elif kind == "alter":
                    r = await http.patch(f"/api/v1/people/{person}", headers=worker,
                                         json={"given_name": f"Load {rng.randrange(10**6)}"})
                else:
                    r = await http.post("/api/v1/people", headers=system,
                                        json={"given_name": "New", "family_name": "Arrival"})
                status = r.status_code
            except httpx.HTTPError:
                status = 0
            outcome.kinds.append(kind)
            outcome.statuses.append(status)
            outcome.latencies_ms.append((time.perf_counter() - due) * 1000)
            outcome.service_ms.append((time.perf_counter() - sent) * 1000)

        kinds = ["read-session"] * 35 + ["read-token"] * 35 + ["alter"] * 15 + ["collect"] * 15
        tasks = []
        start = time.perf_counter()
        for k in range(int(rate * seconds)):
            due = start + k / rate
            if time.perf_counter() - start > seconds:  # bounded: what is not sent by then
                break                                  # counts as failed
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(rng.choice(kinds), due,
                                                 rng.choice(seeded.people))))
        say(f"{len(tasks)} requests sent; waiting up to {drain:g} s for answers")
        if tasks:
            await asyncio.wait(tasks, timeout=drain)
        wall = time.perf_counter() - start
        for task in tasks:
            task.cancel()
        return outcome, wall


def audit_check(url: str) -> dict[str, object]:
    """s.62 entries by category, and whether the chain verifies."""
    from sqlalchemy import func, select

    from crimeplan.cases.db import Database
    from crimeplan.provenance import dblog
    from crimeplan.provenance.dblog import AuditEntry

    db = Database(url)
    try:
        with db.session() as s:
            counts = dict(s.execute(select(AuditEntry.category, func.count())
                                    .where(AuditEntry.kind == "s62")
                                    .group_by(AuditEntry.category)).all())
            result = dblog.verify(s)
        return {"s62_entries": counts, "chain_ok": result.ok, "entries": result.entries}
    finally:
        db.dispose()


def percentile(values: list[float], q: float) -> float:
    return float(statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]
                 ) if len(values) > 1 else (values[0] if values else float("nan"))


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def say(message: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, object]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "system": platform.platform(), "loadavg_1_5_15": list(os.getloadavg())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--drain", type=float, default=30.0,
                        help="seconds to wait for answers still due (also each request's "
                             "time-out)")
    parser.add_argument("--database-url", default="",
                        help="an empty PostgreSQL database made for the benchmark (default: "
                             "SQLite in a temporary workspace)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="crimeplan-bench-") as tmp:
        home = Path(tmp) / "home"
        url = (empty_postgres(args.database_url) if args.database_url
               else f"sqlite:///{home / 'service.db'}")
        home.mkdir()
        say(f"seeding {url.split(':', 1)[0]}")
        seeded = seed(home, url)
        port = free_port()
        before = machine()
        server = start_server(home, url, port, Path(tmp) / "serve.log")
        say(f"crimeplan serve on port {port}: {args.rate:g} requests/s for {args.seconds:g} s")
        cpu_before = cpu_seconds(server.pid)
        try:
            outcome, wall = asyncio.run(load(f"http://127.0.0.1:{port}", seeded, args.rate,
                                             args.seconds, args.drain,
                                             random.Random(args.seed)))
            server_cpu = cpu_seconds(server.pid) - cpu_before
        finally:
            stop(server)
        say("load done; checking the audit log")
        after = machine()["loadavg_1_5_15"]
        audit = audit_check(url)

    planned = int(args.rate * args.seconds)
    answered = len(outcome.statuses)
    by_status = Counter(outcome.statuses)
    errors = (planned - answered) + sum(n for s, n in by_status.items() if not 200 <= s < 300)
    reads_ok = sum(1 for k, s in zip(outcome.kinds, outcome.statuses, strict=True)
                   if k.startswith("read") and 200 <= s < 300)
    lat = outcome.latencies_ms
    processed = sum(audit["s62_entries"].values())  # type: ignore[union-attr]
    figures = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "database": "postgresql" if args.database_url else "sqlite",
        "machine": before, "loadavg_after": after,
        "rate_target": args.rate, "seconds": args.seconds, "planned": planned,
        "sent": len(outcome.late_starts_ms),
        "answered": answered, "achieved_rate": round(answered / wall, 1),
        "statuses": {str(k): v for k, v in sorted(by_status.items())}, "errors": errors,
        "by_kind": dict(Counter(outcome.kinds)),
        "latency_ms": {"p50": round(percentile(lat, 50), 1), "p95": round(percentile(lat, 95), 1),
                       "p99": round(percentile(lat, 99), 1), "max": round(max(lat, default=0), 1)},
        # Load-independent: the server's own CPU time per answered request, and what one
        # core could therefore serve.
        # (requests processed: one s.62 entry each, answered in time or not).
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(processed, 1), 2),
        "one_core_capacity_per_s": round(processed / server_cpu, 1) if server_cpu else None,
        "service_latency_ms": {q: round(percentile(outcome.service_ms, n), 1)
                               for q, n in (("p50", 50), ("p95", 95), ("p99", 99))},
        "generator_late_start_ms_p95": round(percentile(outcome.late_starts_ms, 95), 1),
        "reads_ok": reads_ok, "audit": audit,
        # A case worker's read is a consultation; a read by another agency's system is a
        # disclosure to it: one entry each, in the same transaction as the read.
        "every_read_audited": sum(audit["s62_entries"].get(c, 0)  # type: ignore[union-attr]
                                  for c in ("consultation", "disclosure")) >= reads_ok,
        "targets_met": errors == 0 and percentile(lat, 95) < 100,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["targets_met"] and figures["every_read_audited"] else 1


if __name__ == "__main__":
    sys.exit(main())

