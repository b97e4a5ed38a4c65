"""``crimeplan audit``: the run log, its integrity, and fairness audits of recorded runs."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from crimeplan.app import audit as use
from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    actor,
    console,
    err_console,
    fail,
    home_dir,
    print_json,
    reported,
)
from crimeplan.cli.serve import DATABASE_URL_ENV
from crimeplan.provenance.anchors import ANCHOR_ENV

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
    records = use.runs(actor(), home_dir(home), since=start)
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
    with reported():
        print_json(use.find_run(actor(), home_dir(home), run)["record"])


@app.command("verify")
def verify(
    anchor: Annotated[str | None, typer.Option("--anchor", help="A head hash published "
                                               "earlier: the log must still contain it.")
                      ] = None,
    anchor_file: Annotated[Path | None, typer.Option(
        "--anchor-file", envvar=ANCHOR_ENV, help="Where the head last verified is kept, "
        "outside the log.", show_default="$XDG_STATE_HOME/crimeplan/anchors/<id>.json")
                           ] = None,
    service: Annotated[bool, typer.Option(
        "--service", help="Verify the service database's log (s.62 and security entries): "
        f"--database-url, else ${DATABASE_URL_ENV}, else service.db in the workspace.")
                       ] = False,
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help="Verify this service database's log (implies --service).")
                            ] = None,
    home: HomeOption = None,
) -> None:
    """Check the hash chain, the head and the head kept by the last verify; name the first bad
    entry and exit 1 if the log was tampered with. The workspace's log of runs, or with
    --service the service database's: the same chain, output and anchors. An append to the
    file log interrupted by a crash is repaired first; a log that passes has its head printed
    and kept outside it."""
    workspace = home_dir(home)
    if database_url is None and service:
        from crimeplan.cases.db import default_url

        database_url = os.environ.get(DATABASE_URL_ENV) or default_url(workspace)
    with reported():
        checked = use.verify(actor(), workspace, anchor=anchor, anchor_file=anchor_file,
                             database_url=database_url)
    result, seen, kept_in = checked.result, checked.seen, checked.kept_in
    what = "audit log" if database_url is None else "service audit log"
    for repair in result.repairs:
        console.print(f"[yellow]repaired:[/] {escape(str(repair))}", markup=True,
                      highlight=False)
    if not result.ok:
        err_console.print(f"[bold red]{escape(what)} FAILED:[/] {escape(result.describe())}",
                          markup=True, highlight=False)
        if seen is not None:
            err_console.print(f"last verified head (kept in {kept_in}): {seen.count} entries, "
                              f"{seen.hash}, on {seen.seen_at}", highlight=False)
        raise typer.Exit(1)
    console.print(f"{what} {result.describe()}", highlight=False)
    console.print("matches the head last verified " + (
        f"on {seen.seen_at} ({seen.count} entries)" if seen else "(none kept before)"),
        highlight=False)
    if checked.keep_error is not None:
        fail(f"the log verified, but its head could not be kept in {kept_in} "
             f"({checked.keep_error}): name a writable file with --anchor-file")
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
    with reported():
        done = use.audit_places(actor(purpose), home_dir(home), run, imd=imd,
                                coverage=coverage, weighting=weighting, out=out)
    audit, files, record = done.audit, done.files, done.audited
    if as_json:
        print_json({"audit_run": done.run_id, **audit.to_json()})
        return
    console.print(f"audit run {done.run_id} of forecast run {record['run_id']}")
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
    with reported():
        done = use.audit_people(actor(purpose), home_dir(home), run, out=out)
    audit, files, record = done.audit, done.files, done.audited
    if as_json:
        print_json({"audit_run": done.run_id, **audit.to_json()})
        return
    console.print(f"audit run {done.run_id} of risk evaluation run {record['run_id']}")
    for attribute, sentences in audit.reading.items():
        console.print(f"[bold]{escape(attribute)}[/]", markup=True)
        for sentence in sentences:
            console.print(f"  • {sentence}", highlight=False)
    console.print(f"wrote {files.html}")


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k, "") for k in ("run_id", "started_at", "kind", "user", "purpose",
                                            "status")}

