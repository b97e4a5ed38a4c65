"""``crimeplan ingest``, ``ingest-points``, ``coverage`` and ``quarantine``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from crimeplan.app import data as use
from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    actor,
    console,
    err_console,
    home_dir,
    reported,
)
from crimeplan.cli.common import print_json as emit_json
from crimeplan.store.ingest import IngestReport
from crimeplan.store.points import PointsSpec

#: Show a progress bar when an ingest has more files than this.
PROGRESS_MIN_FILES = 3


class _Bar:
    """A Rich progress bar on stderr fed by the ingest's progress callback."""

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=err_console, transient=True,
                                 disable=not enabled)
        self.task = self.progress.add_task("ingest", total=None)

    def __call__(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _show(report: IngestReport, as_json: bool) -> None:
    for f in report.errors:
        err_console.print(f"[bold red]error:[/] {escape(f.path)}: {escape(f.message or '')}",
                          markup=True, highlight=False,
                          soft_wrap=True)
    if as_json:
        emit_json(report.to_dict())
        return
    table = Table(title="Ingest", show_lines=False)
    for col in ("file", "status", "dataset", "force", "read", "loaded", "quarantined",
                "unmapped", "duplicates", "partitions"):
        table.add_column(col, justify="right" if col in (
            "read", "loaded", "quarantined", "unmapped", "duplicates", "partitions") else "left")
    for f in report.files:
        table.add_row(Path(f.path.split("!")[-1]).name, f.status, f.dataset or "",
                      f.force or "", f"{f.rows_read:,}", f"{f.rows_loaded:,}",
                      f"{f.rows_quarantined:,}", f"{f.rows_unmapped:,}",
                      f"{f.rows_duplicate:,}", str(len(f.partitions)))
    console.print(table)
    t = report.totals()
    console.print(f"{t['files']} file(s): {t['rows_read']:,} rows read = {t['rows_loaded']:,} "
                  f"loaded + {t['rows_quarantined']:,} quarantined + {t['rows_skipped']:,} "
                  f"skipped; {t['rows_unmapped']:,} loaded rows have no location; "
                  f"{t['rows_duplicate']:,} rows repeat an earlier row of their file exactly "
                  f"(loaded: police.uk publishes identical records of separate events); "
                  f"{t['partitions_written']} partition(s) written.")
    for f in report.files:
        if f.quarantine_reasons:
            reasons = ", ".join(f"{k}: {v:,}" for k, v in sorted(f.quarantine_reasons.items()))
            console.print(f"  quarantined in {f.path}: {reasons}")
        if f.message and f.status != "error":
            console.print(f"  {f.path}: {f.message}")


def ingest(
    paths: Annotated[list[Path], typer.Argument(
        help="Archive zips, unpacked archive folders, month folders or CSV files.")],
    force: Annotated[str | None, typer.Option(
        help="Force slug for files whose name does not say it (e.g. essex).")] = None,
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Ingest data.police.uk street, outcomes and stop-and-search files.

    Every row is loaded or quarantined with its reason; a newer release of a force-month
    replaces the older one; the same file twice changes nothing. The run is recorded in the
    audit log (every file with its SHA-256, status, counts and partitions) before the warehouse
    commits; if it cannot be, nothing is loaded. Exits 1 if any file could not be read at all
    (the others are still loaded).

    One command writes a workspace at a time: another one writing it is waited for, up to
    CRIMEPLAN_LOCK_WAIT seconds (default 600), then this one exits 5.
    """
    root = home_dir(home)
    many = len(paths) > PROGRESS_MIN_FILES or any(p.is_dir() or p.suffix == ".zip"
                                                  for p in paths)
    with reported(), _Bar(enabled=many and not as_json) as bar:
        report = use.ingest(actor(purpose), root, paths, force=force, progress=bar)
    _show(report, as_json)
    if not report.ok:
        raise typer.Exit(1)


def ingest_points_command(
    file: Annotated[Path, typer.Argument(help="CSV of point events.")],
    time: Annotated[str, typer.Option("--time", help="Column with the event time.")],
    x: Annotated[str, typer.Option("--x", help="Column with x (or longitude).")],
    y: Annotated[str, typer.Option("--y", help="Column with y (or latitude).")],
    crs: Annotated[str, typer.Option("--crs", help="CRS of x/y, e.g. EPSG:4326 or EPSG:27700.")],
    name: Annotated[str, typer.Option("--name", help="Name to load the data set as.")],
    category: Annotated[str | None, typer.Option("--category",
                                                 help="Column with the event type.")] = None,
    time_format: Annotated[str | None, typer.Option(
        "--time-format", help="strptime format of the time column, if not ISO 8601.")] = None,
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Ingest timestamped point events from any CSV (a force's export, other open data),
    recorded in the audit log before the warehouse commits.

    One command writes a workspace at a time: another one writing it is waited for, up to
    CRIMEPLAN_LOCK_WAIT seconds (default 600), then this one exits 5.
    """
    spec = PointsSpec(name=name, time=time, x=x, y=y, crs=crs, category=category,
                      time_format=time_format)
    with reported():
        report = use.ingest_points(actor(purpose), home_dir(home), file, spec)
    _show(report, as_json)
    if not report.ok:
        raise typer.Exit(1)


def coverage(
    detail: Annotated[bool, typer.Option(help="Show rows per month too.")] = False,
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Force × month × dataset row counts, with months missing inside each force's span."""
    cov = use.coverage(actor(purpose), home_dir(home))
    if as_json:
        emit_json(cov.to_dict())
        return
    if not cov.series:
        console.print("The warehouse is empty: load data with `crimeplan ingest`.")
        return
    table = Table(title="Coverage")
    for col in ("dataset", "force / data set", "first", "last", "months", "missing", "rows"):
        table.add_column(col, justify="right" if col in ("months", "rows") else "left")
    for s in cov.series:
        missing = ", ".join(s.months_missing) if s.months_missing else "none"
        table.add_row(s.dataset, s.force, s.first_month, s.last_month, str(s.months_present),
                      Text(missing, style="red" if s.months_missing else ""), f"{s.rows:,}")
    console.print(table)
    if detail:
        for s in cov.series:
            months = "  ".join(f"{m}: {n:,}" for m, n in s.rows_by_month.items())
            console.print(f"{s.dataset} {s.force}: {months}")


def quarantine(
    file: Annotated[str | None, typer.Option(help="Only rows from paths containing this.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only rows with this reason.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows (0: all).")] = 50,
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """List quarantined rows with file, line, reason, field and value."""
    found = use.quarantine(actor(purpose), home_dir(home), file=file, reason=reason,
                           limit=limit)
    total, rows = found.total, found.rows
    if as_json:
        emit_json({"total": total, "rows": rows})
        return
    if not total:
        console.print("No quarantined rows.")
        return
    shown = "" if len(rows) == total else f", first {len(rows)}"
    table = Table(title=f"Quarantine ({total:,} rows{shown})")
    for col in ("file", "line", "reason", "field", "value"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["file"], str(r["line"]), r["reason"], r["field"] or "",
                      r["value"] if r["value"] is not None else (r["detail"] or ""))
    console.print(table)


def summary(as_json: JsonOption = False, purpose: PurposeOption = None,
            home: HomeOption = None) -> None:
    """What the warehouse holds: rows per dataset, files, quarantine, enrichment."""
    s = use.summary(actor(purpose), home_dir(home))
    if as_json:
        emit_json(s.to_dict())
        return
    console.print(f"Street crime: {s.street_rows:,} rows from {len(s.street_forces)} force(s) "
                  f"({', '.join(s.street_forces) or 'none'}); {s.rows_unmapped:,} without a "
                  f"location; {s.rows_without_lsoa:,} located but outside every loaded LSOA.")
    console.print(f"Outcomes: {s.outcome_rows:,} rows. Stop and search: "
                  f"{s.stop_search_rows:,} rows. Point data: {s.point_rows:,} rows "
                  f"({', '.join(s.point_datasets) or 'none'}).")
    console.print(f"{s.files_ingested} file(s) in the ingest ledger; {s.rows_quarantined:,} "
                  f"row(s) quarantined; {s.distinct_locations:,} distinct map points; "
                  f"reference data {'loaded' if s.reference_loaded else 'not loaded'}.")
