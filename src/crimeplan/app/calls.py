"""Use cases of demand in time: ingesting a force's calls for service and measuring demand from
them, generating an export shaped like one, and the time profile of timestamped point data."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import duckdb

from crimeplan.analysis.calls import CallsDemand, CallsError
from crimeplan.analysis.calls import calls_demand as measure
from crimeplan.analysis.sql import rows
from crimeplan.analysis.timing import TimeProfile, TimingError, time_profile
from crimeplan.app.errors import bad_input
from crimeplan.app.ingests import record_ingest, recorded
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.provenance.runs import RunRecorder
from crimeplan.store import Warehouse
from crimeplan.store.calls import CallsSpec
from crimeplan.store.calls import ingest_calls as load_calls
from crimeplan.store.ingest import IngestReport


@contextmanager
def _named(actor: Actor, home: Path, kind: str, dataset: str, name: str,
           errors: type[Exception], **parameters: object
           ) -> Iterator[tuple[duckdb.DuckDBPyConnection, RunRecorder]]:
    """The warehouse (read only) and the run of an analysis of the user-named data set
    ``name`` (of ``dataset``: points or calls), recording the partitions it reads (their
    months, file hashes and rows); ``errors`` are the caller's bad input."""
    with Warehouse(home).connect(read_only=True) as con, \
            bad_input(errors), RunRecorder(home, kind, actor, parameters={
            "dataset": name, **parameters}) as run:
        parts = rows(con, "SELECT month, sha256, rows FROM partitions WHERE dataset = "
                          "$dataset AND force = $name ORDER BY month",
                     {"dataset": dataset, "name": name})
        text = "\n".join("|".join(str(v) for v in p) for p in parts)
        run.add_input_data("warehouse selection", hashlib.sha256(text.encode()).hexdigest(),
                           dataset=name, months=len(parts))
        yield con, run


@use_case("ingest-calls", run_kind="ingest-calls")
def ingest_calls(actor: Actor, home: Path, file: Path, spec: CallsSpec) -> IngestReport:
    """Ingest a calls-for-service export with a column mapping, callers pseudonymised, recorded
    before the warehouse commits."""
    parameters = {"file": str(file), **asdict(spec)}
    parameters["flags"] = [f"{name}={column}" for name, column in spec.flags]
    with bad_input(ValueError), RunRecorder(home, "ingest-calls", actor,
                                            parameters=parameters) as run:
        report = load_calls(home, file, spec, before_commit=recorded(run))
        if not run.appended:  # stopped before the warehouse was touched
            record_ingest(run, report)
        return report


@use_case("analysis.calls", run_kind="analysis.calls")
def calls(actor: Actor, home: Path, dataset: str, top: int = 5) -> CallsDemand:
    """Demand by hour of week and type, repeat callers (pseudonymised) and locations, flags and
    response times of one calls data set; the run records the partitions it read."""
    with _named(actor, home, "analysis.calls", "calls", dataset, CallsError,
                top=top) as (con, run):
        found = measure(con, dataset, top=top)
        run.set_result("calls", found.calls)
        run.set_result("top_callers_share", found.callers.top_share())
    return found


@use_case("simulate.calls", run_kind="simulate.calls")
def simulate_calls(actor: Actor, home: Path, out: Path, *, calls: int = 100_000,
                   start: str = "2024-01-01", days: int = 365, seed: int = 0) -> Path:
    """Write a generated calls-for-service export (fictional callers and places, realistic
    shape: see ``crimeplan.sources.calls_synth``), recorded with its SHA-256."""
    import datetime as dt

    from crimeplan.csvsafe import write_large_csv
    from crimeplan.sources.calls_synth import generate_calls

    with bad_input(ValueError):
        first = dt.date.fromisoformat(start)
        if calls < 1 or days < 1:
            raise ValueError("--calls and --days must be at least 1")
    with RunRecorder(home, "simulate.calls", actor, parameters={
            "out": str(out), "calls": calls, "start": start, "days": days, "seed": seed}) as run:
        write_large_csv(generate_calls(calls, start=first, days=days, seed=seed), out)
        run.add_output(out)
    return out


@use_case("analysis.profile", run_kind="analysis.profile")
def profile(actor: Actor, home: Path, dataset: str,
            category: str | None = None) -> TimeProfile:
    """When a point data set's events happen: by hour of the week and of the day (police.uk
    data has months only, and is refused with that reason)."""
    with _named(actor, home, "analysis.profile", "points", dataset, TimingError,
                category=category) as (con, run):
        found = time_profile(con, dataset, category)
        run.set_result("events", found.events)
    return found
