"""Use cases of the warehouse's data: ingesting police.uk files and point events, and what
the warehouse holds (coverage, quarantine, summary).

An ingest appends its run record just before the warehouse commits (``before_commit``): if the
record cannot be appended, nothing is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crimeplan.app.errors import bad_input
from crimeplan.app.ingests import record_ingest, recorded
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.provenance.runs import RunRecorder
from crimeplan.store import Warehouse
from crimeplan.store.coverage import Coverage
from crimeplan.store.coverage import coverage as coverage_of
from crimeplan.store.ingest import IngestReport
from crimeplan.store.parquet import ParquetExport
from crimeplan.store.points import PointsSpec
from crimeplan.store.points import ingest_points as load_points
from crimeplan.store.summary import WarehouseSummary, summarise

#: The columns of a quarantined row, as listed.
QUARANTINE_FIELDS = ("file", "line", "reason", "field", "value", "detail", "raw")


@use_case("ingest", run_kind="ingest")
def ingest(actor: Actor, home: Path, paths: list[Path], *, force: str | None = None,
           progress: Callable[[int, int], None] | None = None) -> IngestReport:
    """Ingest data.police.uk archives, folders or CSV files: every row loaded or quarantined
    with its reason, recorded (every file with its SHA-256) before the warehouse commits."""
    from crimeplan.sources.police_uk import SourceError
    from crimeplan.store.ingest import ingest_paths

    parameters = {"paths": [str(p) for p in paths], "force": force}
    with bad_input(SourceError), RunRecorder(home, "ingest", actor,
                                              parameters=parameters) as run:
        return ingest_paths(home, paths, force=force, progress=progress,
                            before_commit=recorded(run))


@use_case("ingest-points", run_kind="ingest-points")
def ingest_points(actor: Actor, home: Path, file: Path, spec: PointsSpec) -> IngestReport:
    """Ingest timestamped point events from a CSV with a column mapping and a CRS, recorded
    before the warehouse commits."""
    with bad_input(ValueError), RunRecorder(home, "ingest-points", actor, parameters={
            "file": str(file), **asdict(spec)}) as run:
        report = load_points(home, file, spec, before_commit=recorded(run))
        if not run.appended:  # stopped before the warehouse was touched
            record_ingest(run, report)
        return report


@use_case("coverage", run_kind="coverage")
def coverage(actor: Actor, home: Path) -> Coverage:
    """Force × month × dataset row counts, with months missing inside each force's span."""
    with RunRecorder(home, "coverage", actor) as run:
        with Warehouse(home).connect(read_only=True) as con:
            found = coverage_of(con)
        run.set_result("series", len(found.series))
        run.set_result("series_with_gaps", len(found.gaps))
    return found


@dataclass(frozen=True)
class Quarantined:
    """Quarantined rows matching a filter: how many, and the first ones asked for."""

    total: int
    rows: list[dict[str, Any]]


@use_case("quarantine", run_kind="quarantine")
def quarantine(actor: Actor, home: Path, *, file: str | None = None,
               reason: str | None = None, limit: int = 50) -> Quarantined:
    """Quarantined rows with file, line, reason, field and value (``limit`` 0: all)."""
    where, params = ["true"], []
    if file:
        where.append("path LIKE ?")
        params.append(f"%{file}%")
    if reason:
        where.append("reason = ?")
        params.append(reason)
    sql = ("SELECT path, line, reason, field, value, detail, raw FROM quarantine "
           f"WHERE {' AND '.join(where)} ORDER BY file_id, line")
    with RunRecorder(home, "quarantine", actor,
                     parameters={"file": file, "reason": reason, "limit": limit}) as run:
        with Warehouse(home).connect(read_only=True) as con:
            total = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
            rows = (con.execute(sql + " LIMIT ?", [*params, limit]) if limit > 0
                    else con.execute(sql, params)).fetchall()
        run.set_result("rows", total)
    return Quarantined(total, [dict(zip(QUARANTINE_FIELDS, r, strict=True)) for r in rows])


@use_case("summary", run_kind="summary")
def summary(actor: Actor, home: Path) -> WarehouseSummary:
    """What the warehouse holds: rows per dataset, files, quarantine, enrichment."""
    with RunRecorder(home, "summary", actor) as run:
        with Warehouse(home).connect(read_only=True) as con:
            found = summarise(con)
        run.set_result("street_rows", found.street_rows)
        run.set_result("files_ingested", found.files_ingested)
    return found


@use_case("export.parquet", run_kind="export.parquet")
def export_parquet(actor: Actor, home: Path, out: Path) -> ParquetExport:
    """The warehouse's data sets as hive-partitioned Parquet under ``out`` (new or empty), with
    the standard's column names and types; the run records every file written."""
    from crimeplan.store.parquet import export_parquet as write

    with RunRecorder(home, "export.parquet", actor, parameters={"out": str(out)}) as run:
        with Warehouse(home).connect(read_only=True) as con, bad_input(ValueError):
            done = write(con, out)
        run.add_output(out)
        for name, rows in done.rows.items():
            run.set_result(name, rows)
    return done
