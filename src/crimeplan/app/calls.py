"""Use cases of demand in time: ingesting a force's calls for service and measuring demand from
them, generating an export shaped like one, and the time profile of timestamped point data."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path

from crimeplan.analysis.calls import CallsDemand, CallsError
from crimeplan.analysis.calls import calls_demand as measure
from crimeplan.analysis.sql import rows
from crimeplan.analysis.timing import TimeProfile, TimingError, time_profile
from crimeplan.app.errors import bad_input
from crimeplan.app.recording import record_ingest, recorded
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.provenance.runs import RunRecorder
from crimeplan.store import Warehouse
from crimeplan.store.calls import CallsSpec
from crimeplan.store.calls import ingest_calls as load_calls
from crimeplan.store.ingest import IngestReport


def _selection(parts: list[tuple[object, ...]]) -> str:
    """SHA-256 of the partitions (month, file hash, rows) an analysis read."""
    return hashlib.sha256("\n".join("|".join(str(v) for v in p) for p in parts).encode()
                          ).hexdigest()


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
    con = Warehouse(home).connect(read_only=True)
    try:
        with bad_input(CallsError), RunRecorder(home, "analysis.calls", actor, parameters={
                "dataset": dataset, "top": top}) as run:
            parts = rows(con, "SELECT month, sha256, rows FROM partitions WHERE dataset = "
                              "'calls' AND force = $name ORDER BY month", {"name": dataset})
            run.add_input_data("warehouse selection", _selection(parts), dataset=dataset,
                               months=len(parts))
            found = measure(con, dataset, top=top)
            run.set_result("calls", found.calls)
            run.set_result("top_callers_share", found.callers.top_share())
            return found
    finally:
        con.close()


@use_case("simulate.calls", run_kind="simulate.calls")
def simulate_calls(actor: Actor, home: Path, out: Path, *, calls: int = 100_000,
                   start: str = "2024-01-01", days: int = 365, seed: int = 0) -> Path:
    """Write a generated calls-for-service export (fictional callers and places, realistic
    shape: see ``crimeplan.sources.calls_synth``), recorded with its SHA-256."""
    import datetime as dt

    from crimeplan.sources.calls_synth import generate_calls, write_calls

    with bad_input(ValueError):
        first = dt.date.fromisoformat(start)
        if calls < 1 or days < 1:
            raise ValueError("--calls and --days must be at least 1")
    with RunRecorder(home, "simulate.calls", actor, parameters={
            "out": str(out), "calls": calls, "start": start, "days": days, "seed": seed}) as run:
        write_calls(generate_calls(calls, start=first, days=days, seed=seed), out)
        run.add_output(out)
    return out


@use_case("analysis.profile", run_kind="analysis.profile")
def profile(actor: Actor, home: Path, dataset: str,
            category: str | None = None) -> TimeProfile:
    """When a point data set's events happen: by hour of the week and of the day (police.uk
    data has months only, and is refused with that reason)."""
    con = Warehouse(home).connect(read_only=True)
    try:
        with bad_input(TimingError), RunRecorder(home, "analysis.profile", actor, parameters={
                "dataset": dataset, "category": category}) as run:
            parts = rows(con, "SELECT month, sha256, rows FROM partitions WHERE dataset = "
                              "'points' AND force = $name ORDER BY month", {"name": dataset})
            run.add_input_data("warehouse selection", _selection(parts), dataset=dataset,
                               months=len(parts))
            found = time_profile(con, dataset, category)
            run.set_result("events", found.events)
            return found
    finally:
        con.close()
