"""``crimeplan audit``: the run log, its integrity, and fairness audits of recorded runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    console,
    err_console,
    fail,
    home_dir,
    print_json,
)
from crimeplan.governance.audit import AuditLog
from crimeplan.governance.runs import RunRecorder
from crimeplan.settings import RUNS_DIR

app = typer.Typer(help="The audit log of runs, its integrity check, and fairness audits.",
                  no_args_is_help=True)


@app.command("log")
def log(
    since: Annotated[str | None, typer.Option("--since", help="Only runs started on or after "
                                              "this date (YYYY-MM-DD).")] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """List recorded runs: id, time, kind, user, purpose, status."""
    start = None
    if since is not None:
        try:
            start = dt.date.fromisoformat(since)
        except ValueError:
            fail(f"--since {since!r} is not a date (use YYYY-MM-DD)")
    records = AuditLog(home_dir(home)).records(since=start)
    if as_json:
        print_json([_summary(r) for r in records])
        return
    table = Table("run", "started", "kind", "user", "purpose", "status")
    for r in records:
        s = _summary(r)
        table.add_row(s["run_id"], s["started_at"], s["kind"], s["user"], s["purpose"],
                      s["status"])
    console.print(table)
    console.print(f"{len(records)} run(s)")


@app.command("show")
def show(
    run: Annotated[str, typer.Argument(help="Run id or a unique prefix of it.")],
    home: HomeOption = None,
) -> None:
    """Print one run's full record as JSON."""
    print_json(_find(home_dir(home), run))


@app.command("verify")
def verify(
    anchor: Annotated[str | None, typer.Option("--anchor", help="A head hash published "
                                               "earlier: the log must still contain it.")
                      ] = None,
    home: HomeOption = None,
) -> None:
    """Check the hash chain; name the first bad entry and exit 1 if the log was tampered with."""
    log_ = AuditLog(home_dir(home))
    result = log_.verify(anchor=anchor)
    if not result.ok:
        where = f"entry on line {result.first_bad_line}" if result.first_bad_line else "log"
        run = f" (run {result.first_bad_run})" if result.first_bad_run else ""
        err_console.print(f"[bold red]audit log FAILED:[/] {where}{run}: {result.problem}; "
                          f"{result.entries} entries before it are intact", highlight=False)
        raise typer.Exit(1)
    console.print(f"audit log intact: {result.entries} entries; head {log_.head()}")


@app.command("places")
def places(
    run: Annotated[str, typer.Argument(help="Forecast run id (or unique prefix) to audit.")],
    imd: Annotated[Path | None, typer.Option("--imd", help="CSV of area code → decile or any "
                                             "attributes (and optionally population), instead "
                                             "of the warehouse's IMD.")] = None,
    coverage: Annotated[float, typer.Option("--coverage", help="Share of cells flagged each "
                                            "period (the patrol list).")] = 0.05,
    weighting: Annotated[str, typer.Option("--weighting", help="Attention within the flagged "
                                           "cells: score (by forecast) or rank (k+1-rank).")
                         ] = "score",
    out: Annotated[Path | None, typer.Option("--out", help="Folder for places.json, places.csv "
                                             "and report.html (default: the audit's run "
                                             "folder in the workspace).")] = None,
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Audit where a forecast run's flagged cells and attention go, by IMD decile or attribute."""
    from crimeplan.governance.places import WEIGHTINGS, interval_json  # heavy: only here
    from crimeplan.governance.places_io import run_place_audit, write_place_audit
    from crimeplan.store.warehouse import Warehouse
    workspace = home_dir(home)
    record = _find(workspace, run)
    if weighting not in WEIGHTINGS:
        fail(f"--weighting {weighting!r}: use one of {', '.join(WEIGHTINGS)}")
    if imd is not None and not imd.is_file():
        fail(f"--imd {imd}: no such file")
    parameters = {"run": record["run_id"], "imd": str(imd) if imd else None,
                  "coverage": coverage, "weighting": weighting}
    con = Warehouse(workspace).connect(read_only=True)
    try:
        audit = run_place_audit(con, record, imd, coverage=coverage, weighting=weighting)
    except ValueError as exc:
        fail(str(exc))
    finally:
        con.close()
    with RunRecorder(workspace, "audit.places", purpose=purpose, parameters=parameters) as rec:
        rec.add_input_data(f"run:{record['run_id']}", _record_hash(workspace, record["run_id"]))
        if imd is not None:
            rec.add_input(imd)
        files = write_place_audit(audit, out or workspace / RUNS_DIR / rec.run_id)
        for path in (files.json, files.csv, files.html):
            rec.add_output(path)
        for r in audit.results:
            rec.set_result(f"{r.model} by {r.attribute}", {
                "disparity_vs_crime": interval_json(r.disparity_crime),
                "disparity_vs_residents": interval_json(r.disparity_residents)})
    if as_json:
        print_json({"audit_run": rec.run_id, **audit.to_json()})
        return
    console.print(f"audit run {rec.run_id} of forecast run {record['run_id']}")
    for note_ in audit.notes:
        console.print(f"[yellow]note:[/] {note_}")
    for r in audit.results:
        line = f"  {r.model} by {r.attribute}:"
        if r.disparity_crime is not None:
            d = r.disparity_crime
            line += (f" disparity vs crime {d.estimate:.3f} [{d.low:.3f}, {d.high:.3f}], "
                     f"chance level {d.chance:.3f};")
        if r.disparity_residents is not None:
            d = r.disparity_residents
            line += f" vs residents {d.estimate:.3f} [{d.low:.3f}, {d.high:.3f}]"
        console.print(line)
    console.print(f"wrote {files.html}")


@app.command("people")
def people(
    run: Annotated[str, typer.Argument(help="Risk evaluation run id (or unique prefix).")],
    out: Annotated[Path | None, typer.Option("--out", help="Folder for people.json, people.csv "
                                             "and report.html (default: the audit's run "
                                             "folder in the workspace).")] = None,
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Read a risk evaluation's group metrics in plain language: who bears which errors."""
    from crimeplan.governance.people import read_people, write_people_audit  # heavy: only here
    workspace = home_dir(home)
    record = _find(workspace, run)
    try:
        audit = read_people(record)
    except ValueError as exc:
        fail(str(exc))
    with RunRecorder(workspace, "audit.people", purpose=purpose,
                     parameters={"run": record["run_id"]}) as rec:
        rec.add_input_data(f"run:{record['run_id']}", _record_hash(workspace, record["run_id"]))
        files = write_people_audit(audit, out or workspace / RUNS_DIR / rec.run_id)
        for path in (files.json, files.csv, files.html):
            rec.add_output(path)
        rec.set_result("reading", audit.reading)
    if as_json:
        print_json({"audit_run": rec.run_id, **audit.to_json()})
        return
    console.print(f"audit run {rec.run_id} of risk evaluation run {record['run_id']}")
    for attribute, sentences in audit.reading.items():
        console.print(f"[bold]{attribute}[/]")
        for sentence in sentences:
            console.print(f"  • {sentence}", highlight=False)
    console.print(f"wrote {files.html}")


def _record_hash(home: Path, run_id: str) -> str:
    """The audit-log hash of a run's entry: ties an audit to exactly that record."""
    for entry in AuditLog(home).entries():
        if entry["record"].get("run_id") == run_id:
            return str(entry["hash"])
    return ""


def _find(home: Path, run: str) -> dict[str, Any]:
    record = AuditLog(home).find(run)
    if record is None:
        fail(f"no single run matches {run!r} in {home} (see crimeplan audit log)")
    return record


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k, "") for k in ("run_id", "started_at", "kind", "user", "purpose",
                                            "status")}

