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
    console,
    err_console,
    fail,
    home_dir,
    print_json,
)
from crimeplan.governance.audit import AuditLog

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


def _find(home: Path, run: str) -> dict[str, Any]:
    record = AuditLog(home).find(run)
    if record is None:
        fail(f"no single run matches {run!r} in {home} (see crimeplan audit log)")
    return record


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k, "") for k in ("run_id", "started_at", "kind", "user", "purpose",
                                            "status")}

