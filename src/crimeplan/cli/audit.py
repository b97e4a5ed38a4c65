"""``crimeplan audit``: the run log, its integrity, and fairness audits of recorded runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
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
from crimeplan.governance.anchors import (
    ANCHOR_ENV,
    Anchor,
    AnchorError,
    default_anchor_file,
    read_anchor,
    write_anchor,
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
    """List recorded runs: id, time, kind, user, purpose, status (refused at an entry that
    fails the chain check)."""
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
    """Print one run's full record as JSON (refused if the log fails verification up to it)."""
    print_json(_find(home_dir(home), run)["record"])


@app.command("verify")
def verify(
    anchor: Annotated[str | None, typer.Option("--anchor", help="A head hash published "
                                               "earlier: the log must still contain it.")
                      ] = None,
    anchor_file: Annotated[Path | None, typer.Option(
        "--anchor-file", envvar=ANCHOR_ENV, help="Where the head last verified is kept, "
        "outside the workspace.", show_default="$XDG_STATE_HOME/crimeplan/anchors/<id>.json")
                           ] = None,
    home: HomeOption = None,
) -> None:
    """Check the hash chain, the head and the head kept by the last verify; name the first bad
    entry and exit 1 if the log was tampered with. An append interrupted by a crash is repaired
    first; a log that passes has its head printed and kept outside the workspace."""
    workspace = home_dir(home)
    kept_in = anchor_file or default_anchor_file(workspace)
    try:
        seen = read_anchor(kept_in, workspace)
    except AnchorError as exc:
        fail(str(exc))
    result = AuditLog(workspace).verify(anchor=anchor, seen=seen)
    for repair in result.repairs:
        console.print(f"[yellow]repaired:[/] {escape(str(repair))}", markup=True,
                      highlight=False)
    if not result.ok:
        err_console.print(f"[bold red]audit log FAILED:[/] {escape(result.describe())}",
                          markup=True, highlight=False)
        if seen is not None:
            err_console.print(f"last verified head (kept in {kept_in}): {seen.count} entries, "
                              f"{seen.hash}, on {seen.seen_at}", highlight=False)
        raise typer.Exit(1)
    console.print(f"audit log {result.describe()}", highlight=False)
    console.print("matches the head last verified " + (
        f"on {seen.seen_at} ({seen.count} entries)" if seen else "(none kept before)"),
        highlight=False)
    try:
        write_anchor(kept_in, Anchor.now(result.entries, result.head, workspace))
    except OSError as exc:
        fail(f"the log verified, but its head could not be kept in {kept_in} "
             f"({exc.strerror}): name a writable file with --anchor-file")
    console.print(f"head kept in {kept_in}; keep a copy off this machine too (e.g. in your "
                  f"records system) and check it with --anchor {result.head}", highlight=False)


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
    entry = _find(workspace, run)
    record = entry["record"]
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
        rec.add_input_data(f"run:{record['run_id']}", entry["hash"])
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
        console.print(f"[yellow]note:[/] {escape(note_)}", markup=True)
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
    entry = _find(workspace, run)
    record = entry["record"]
    try:
        audit = read_people(record)
    except ValueError as exc:
        fail(str(exc))
    with RunRecorder(workspace, "audit.people", purpose=purpose,
                     parameters={"run": record["run_id"]}) as rec:
        rec.add_input_data(f"run:{record['run_id']}", entry["hash"])
        files = write_people_audit(audit, out or workspace / RUNS_DIR / rec.run_id)
        for path in (files.json, files.csv, files.html):
            rec.add_output(path)
        rec.set_result("reading", audit.reading)
    if as_json:
        print_json({"audit_run": rec.run_id, **audit.to_json()})
        return
    console.print(f"audit run {rec.run_id} of risk evaluation run {record['run_id']}")
    for attribute, sentences in audit.reading.items():
        console.print(f"[bold]{escape(attribute)}[/]", markup=True)
        for sentence in sentences:
            console.print(f"  • {sentence}", highlight=False)
    console.print(f"wrote {files.html}")


def _find(home: Path, run: str) -> dict[str, Any]:
    """The log entry of one run (its record and hash), verified up to and including it."""
    entry = AuditLog(home).find_entry(run)
    if entry is None:
        fail(f"no single run matches {run!r} in {home} (see crimeplan audit log)")
    return entry


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k, "") for k in ("run_id", "started_at", "kind", "user", "purpose",
                                            "status")}

