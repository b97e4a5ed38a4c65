"""Use cases of the audit log: listing and showing runs, verifying either back end of the log
(the workspace's file, the service's database) with anchors kept outside it, and the fairness
audits of recorded forecast and risk runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.errors import NotFound
from crimeplan.provenance.anchors import (
    Anchor,
    AnchorError,
    default_anchor_file,
    read_anchor,
    write_anchor,
)
from crimeplan.provenance.chain import VerifyResult
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.runs import RunRecorder
from crimeplan.settings import RUNS_DIR

READS_THE_LOG = "it reads the audit log itself"


@use_case("audit.log", run_kind=None, no_run_because=READS_THE_LOG)
def runs(actor: Actor, home: Path, since: dt.date | None = None) -> list[dict[str, Any]]:
    """Every run record of the workspace, oldest first (refused at an entry that fails the
    chain check); with ``since``, runs started on or after that day."""
    return AuditLog(home).records(since=since)


@use_case("audit.show", run_kind=None, no_run_because=READS_THE_LOG)
def find_run(actor: Actor, home: Path, run: str) -> dict[str, Any]:
    """The log entry (record and hash) of one run, by id or unique prefix, verified up to and
    including it."""
    entry = AuditLog(home).find_entry(run)
    if entry is None:
        raise NotFound(f"no single run matches {run!r} in {home} (see crimeplan audit log)")
    return entry


@dataclass(frozen=True)
class Verification:
    """A verified log: its name, the result, the head kept before, and where the head is kept
    now (``kept_in``; ``keep_error`` when it could not be written)."""

    log: str
    result: VerifyResult
    seen: Anchor | None
    kept_in: Path
    keep_error: str | None = None


@use_case("audit.verify", run_kind=None,
          no_run_because="it checks the audit log itself, and keeps the head it verified as "
                         "an anchor outside the log")
def verify(actor: Actor, home: Path, *, anchor: str | None = None,
           anchor_file: Path | None = None, database_url: str | None = None) -> Verification:
    """Check a log's hash chain, its head and the head kept by the last verify; keep the head
    of a log that passes outside it. The workspace's file log, or with ``database_url`` the
    service database's log (s.62 and security entries): same rules, same anchors."""
    if database_url is None:
        name = AuditLog(home).name
    else:
        from crimeplan.provenance.dblog import log_name

        name = log_name(database_url)
    kept_in = anchor_file or default_anchor_file(name)
    with bad_input(AnchorError):
        seen = read_anchor(kept_in, name)
    result = (AuditLog(home).verify(anchor=anchor, seen=seen) if database_url is None
              else _verify_database(database_url, anchor, seen))
    if not result.ok:
        return Verification(name, result, seen, kept_in)
    try:
        write_anchor(kept_in, Anchor.now(result.entries, result.head, name))
    except OSError as exc:
        return Verification(name, result, seen, kept_in, exc.strerror or str(exc))
    return Verification(name, result, seen, kept_in)


def _verify_database(url: str, anchor: str | None, seen: Anchor | None) -> VerifyResult:
    """The service database's log, brought to the newest schema first."""
    from crimeplan.cases.db import Database
    from crimeplan.cases.migrate import upgrade
    from crimeplan.provenance import dblog

    db = Database(url)
    try:
        upgrade(db)
        with db.session() as session:
            return dblog.verify(session, anchor=anchor, seen=seen)
    finally:
        db.dispose()


@dataclass(frozen=True)
class AuditRun:
    """A fairness audit written: its run id, the audited run's record, the audit and files."""

    run_id: str
    audited: dict[str, Any]
    audit: Any
    files: Any


@use_case("audit.places", run_kind="audit.places")
def audit_places(actor: Actor, home: Path, run: str, *, imd: Path | None = None,
                 coverage: float = 0.05, weighting: str = "score",
                 out: Path | None = None) -> AuditRun:
    """Where a forecast run's flagged cells and attention go, by IMD decile or attribute."""
    from crimeplan.governance.places import WEIGHTINGS, interval_json  # heavy: only here
    from crimeplan.governance.places_io import run_place_audit, write_place_audit
    from crimeplan.store.warehouse import Warehouse

    entry = find_run(actor, home, run)
    record = entry["record"]
    with bad_input(ValueError):
        if weighting not in WEIGHTINGS:
            raise ValueError(f"--weighting {weighting!r}: use one of {', '.join(WEIGHTINGS)}")
        if imd is not None and not imd.is_file():
            raise ValueError(f"--imd {imd}: no such file")
        with Warehouse(home).connect(read_only=True) as con:
            audit = run_place_audit(con, record, imd, coverage=coverage, weighting=weighting)
    parameters = {"run": record["run_id"], "imd": str(imd) if imd else None,
                  "coverage": coverage, "weighting": weighting}
    with RunRecorder(home, "audit.places", actor, parameters=parameters) as rec:
        rec.add_input_data(f"run:{record['run_id']}", entry["hash"])
        if imd is not None:
            rec.add_input(imd)
        files = write_place_audit(audit, out or home / RUNS_DIR / rec.run_id)
        for path in (files.json, files.csv, files.html):
            rec.add_output(path)
        for r in audit.results:
            rec.set_result(f"{r.model} by {r.attribute}", {
                "disparity_vs_crime": interval_json(r.disparity_crime),
                "disparity_vs_residents": interval_json(r.disparity_residents)})
    return AuditRun(rec.run_id, record, audit, files)


@use_case("audit.people", run_kind="audit.people")
def audit_people(actor: Actor, home: Path, run: str, *, out: Path | None = None) -> AuditRun:
    """A risk evaluation's group metrics in plain language: who bears which errors."""
    from crimeplan.governance.people import read_people, write_people_audit  # heavy: only here

    entry = find_run(actor, home, run)
    record = entry["record"]
    with bad_input(ValueError):
        audit = read_people(record)
    with RunRecorder(home, "audit.people", actor,
                     parameters={"run": record["run_id"]}) as rec:
        rec.add_input_data(f"run:{record['run_id']}", entry["hash"])
        files = write_people_audit(audit, out or home / RUNS_DIR / rec.run_id)
        for path in (files.json, files.csv, files.html):
            rec.add_output(path)
        rec.set_result("reading", audit.reading)
    return AuditRun(rec.run_id, record, audit, files)
