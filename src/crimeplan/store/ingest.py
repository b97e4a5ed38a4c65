"""Ingest of police.uk files into the warehouse: validated, enriched, versioned, atomic.

One call ingests any mix of archives, archive folders, month folders and CSV files:

1. each file is checked (readable, a known header, its dataset, force and month) and hashed;
2. files already loaded (same SHA-256), or older than what is loaded, are skipped;
3. files with the same header are read together by DuckDB as text; each file's lines and
   bytes must add up to what was read, or it is read again line by line, so that every line
   is a row or a quarantined line (``crimeplan.store.staging``);
4. validation rules in SQL quarantine what cannot be loaded, with file, line and reason;
5. coordinates are projected to British National Grid and, once reference data is loaded,
   placed in their LSOA and force area (``crimeplan.store.enrich``);
6. inside one transaction, replaced partitions (dataset × force × month) are deleted and the
   new rows, quarantine rows, ledger entries and partition records written.

A crash or Ctrl-C before the commit leaves the warehouse exactly as it was.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd

from crimeplan.settings import UNPACK_DIR
from crimeplan.sources.police_uk import (
    COLUMNS,
    HeaderError,
    SourceFile,
    discover,
    match_header,
)
from crimeplan.standard.codes import OUTCOME_CATEGORIES, crime_label_map
from crimeplan.standard.forces import force_slug
from crimeplan.store import validation as v
from crimeplan.store.enrich import LocationEnricher
from crimeplan.store.staging import FileScan, scan_file, stage_files
from crimeplan.store.warehouse import Warehouse, register_frame

#: Files hashed at once before reading (hashlib releases the GIL).
HASH_THREADS = 2

#: Called with (files done, files in all) as the ingest goes on.
Progress = Callable[[int, int], None]


@dataclass
class PartitionWrite:
    """One partition a file wrote: ``action`` is 'new' or 'replaced'."""

    dataset: str
    force: str
    month: str
    rows: int
    action: str


@dataclass
class FileReport:
    """What happened to one source file. For a file that was read,
    ``rows_read == rows_loaded + rows_quarantined + rows_skipped``. ``rows_duplicate`` counts
    rows identical to an earlier row of the same file: police.uk publishes such rows for
    separate events (anti-social behaviour has no crime ID; people searched together), so
    they are loaded, and counted so that no repeat goes unreported."""

    path: str
    status: str  # loaded | unchanged | superseded | older-release | error
    dataset: str | None = None
    force: str | None = None
    release: str | None = None
    size: int = 0
    sha256: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    rows_unmapped: int = 0
    rows_duplicate: int = 0  # rows identical to an earlier row of the file: loaded all the same
    partitions: list[PartitionWrite] = field(default_factory=list)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    message: str | None = None


@dataclass
class IngestReport:
    """Per-file reports of one ingest run."""

    files: list[FileReport]

    @property
    def errors(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped", "rows_unmapped",
                "rows_duplicate")
        out = {k: sum(getattr(f, k) for f in self.files) for k in keys}
        out["files"] = len(self.files)
        out["partitions_written"] = sum(len(f.partitions) for f in self.files)
        return out

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "totals": self.totals(), "files": [asdict(f) for f in self.files]}


class IngestError(RuntimeError):
    """A problem with the whole run (not one file)."""


# --------------------------------------------------------------------------------------------
# Preparing files


@dataclass
class PreparedFile:
    src: SourceFile
    report: FileReport
    columns: tuple[str, ...]
    force: str | None  # from the file name or --force; None: from 'Reported by'
    month: str | None  # from the file name
    order: int
    scan: FileScan
    file_id: int = 0
    staged: int = 0  # rows staged: read by DuckDB, or recovered line by line
    first_rowid: int = 0  # staging rowid of the file's first row


def read_header(path: Path) -> list[str]:
    """The header row of a CSV, or a ValueError saying why the file is not one."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if not head.strip():
        raise ValueError("empty file")
    if b"\x00" in head:
        raise ValueError("not a CSV file (binary content)")
    first = head.splitlines()[0]
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"header is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    names = next(csv.reader([text]))
    if len(names) < 2:
        raise ValueError("not a CSV file (no comma-separated header)")
    return names


def _prepare(src: SourceFile, order: int, force_override: str | None) -> PreparedFile | FileReport:
    report = FileReport(path=src.display, status="error", release=src.release)
    try:
        report.size = src.disk_path.stat().st_size
        names = read_header(src.disk_path)
        header = match_header(names, hint=src.name.dataset if src.name else None)
    except HeaderError as exc:
        report.message = f"unknown header: {exc}"
        return report
    except (ValueError, OSError) as exc:
        report.message = str(exc)
        return report
    report.dataset = header.dataset
    report.ignored_columns = list(header.ignored)
    force = force_override or (src.name.force if src.name else None)
    if force is None and header.dataset == "stop-and-search":
        report.message = ("cannot tell the force of a stop-and-search file: name it "
                          "YYYY-MM-<force>-stop-and-search.csv or pass --force")
        return report
    report.force = force
    scan = scan_file(src.disk_path)
    report.sha256 = scan.sha256
    return PreparedFile(src, report, header.columns, force, src.name.month if src.name else None,
                        order, scan)


def _release_key(release: str | None) -> str:
    """Unknown releases (a user's own single file) count as newest."""
    return release or "9999-99"


# --------------------------------------------------------------------------------------------
# The run


def ingest_paths(home: Path, paths: Sequence[Path], *, force: str | None = None,
                 progress: Progress | None = None,
                 before_commit: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """Ingest police.uk archives, folders or CSV files into the workspace's warehouse, as its
    one writer (``Warehouse.writing``: another writer is waited for). ``before_commit`` gets
    the filled-in report just before the COMMIT (e.g. to append the run record); if it
    raises, the transaction is rolled back."""
    home = Path(home)
    with Warehouse(home).writing("ingest") as con, unpack_folder(home, "ingest") as unpack:
        return _ingest(con, discover(paths, unpack), force, progress, before_commit)


@contextlib.contextmanager
def unpack_folder(home: Path, kind: str) -> Iterator[Path]:
    """A new folder for the files a run unpacks, removed after it. Call it holding the
    workspace lock: no other run is going, so the folders a crashed run left are removed
    first."""
    root = home / UNPACK_DIR
    for stale in (*root.glob("ingest-*"), *root.glob("points-*")):
        shutil.rmtree(stale, ignore_errors=True)
    folder = root / f"{kind}-{uuid.uuid4().hex[:8]}"
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _ingest(con: duckdb.DuckDBPyConnection, sources: list[SourceFile], force: str | None,
            progress: Progress | None,
            before_commit: Callable[[IngestReport], None] | None = None) -> IngestReport:
    total = len(sources)
    reports: list[FileReport] = []
    prepared: list[PreparedFile] = []
    # Hashing releases the GIL: two threads read and hash two files at once.
    with ThreadPoolExecutor(max_workers=HASH_THREADS) as pool:
        items = pool.map(lambda n_src: _prepare(n_src[1], n_src[0], force), enumerate(sources))
        for n, item in enumerate(items):
            if isinstance(item, FileReport):
                reports.append(item)
            else:
                prepared.append(item)
                reports.append(item.report)
            if progress:
                progress(n + 1, total * 2)
    report = IngestReport(reports)
    run_ingest(con, prepared, _CANDIDATES, progress=progress, total=total,
               before_commit=partial(before_commit, report) if before_commit else None)
    return report


#: Builds a candidate query from (staging table, line table, columns present).
CandidateBuilder = Callable[[str, str, set[str]], str]
#: Called on each candidate table before partitions are decided (e.g. to reproject points).
PostStage = Callable[[duckdb.DuckDBPyConnection, str], None]


def run_ingest(con: duckdb.DuckDBPyConnection, prepared: list[PreparedFile],
               builders: dict[str, CandidateBuilder], *, post: PostStage | None = None,
               progress: Progress | None = None, total: int = 0,
               before_commit: Callable[[], None] | None = None) -> None:
    """Stage, validate and write prepared files in one transaction (reports filled in);
    ``before_commit`` runs just before the COMMIT, which it stops by raising."""
    todo = _skip_known(con, prepared)
    con.execute("BEGIN TRANSACTION")
    try:
        last = con.execute("SELECT coalesce(max(file_id), 0) FROM ingest_ledger").fetchone()[0]
        for k, p in enumerate(todo, start=1):
            p.file_id = last + k
        _lookup_tables(con, todo)
        enricher = LocationEnricher(con)
        done = total
        for g, (dataset, columns, files) in enumerate(_batches(todo)):
            cand = _stage_group(con, g, builders[dataset], columns, files,
                                materialise=post is not None)
            if post is not None:
                post(con, cand)
            checks = f"checks_{g}"
            con.execute(f"CREATE TEMP TABLE {checks} AS SELECT file_id, line, dataset, force, "
                        f"month, longitude, latitude, reason, field, value, raw FROM {cand}")
            _decide_partitions(con, files, checks)
            _write(con, files, g, cand, dataset, enricher)
            _drop_batch(con, g)
            done += len(files)
            if progress:
                progress(done, total * 2)
        if before_commit is not None:
            before_commit()
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    if progress:
        progress(total * 2, total * 2)


#: Files of the same header are read together, in batches of about this many bytes: large
#: enough for DuckDB to read in parallel, small enough to stay in memory.
BATCH_BYTES = 256 << 20


def _batches(todo: list[PreparedFile]) -> list[tuple[str, tuple[str, ...], list[PreparedFile]]]:
    """(dataset, columns, files) batches: same header, up to ``BATCH_BYTES`` each. Batches
    run in order inside the run's transaction; each sees the partitions earlier ones wrote."""
    groups: dict[tuple[str, tuple[str, ...]], list[PreparedFile]] = {}
    for p in todo:
        groups.setdefault((p.report.dataset or "", p.columns), []).append(p)
    out = []
    for (dataset, columns), files in groups.items():
        batch: list[PreparedFile] = []
        size = 0
        for p in files:
            if batch and size + p.report.size > BATCH_BYTES:
                out.append((dataset, columns, batch))
                batch, size = [], 0
            batch.append(p)
            size += p.report.size
        out.append((dataset, columns, batch))
    return out


def _drop_batch(con: duckdb.DuckDBPyConnection, g: int) -> None:
    """Free a batch's staging tables and views."""
    for view in (f"load_cand_{g}",):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    kind = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?",
                       [f"cand_{g}"]).fetchall()[0][0]
    con.execute(f"DROP {'VIEW' if kind else 'TABLE'} IF EXISTS cand_{g}")
    for table in (f"checks_{g}", f"lines_{g}", f"parser_rej_{g}", f"stage_{g}"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _skip_known(con: duckdb.DuckDBPyConnection, prepared: list[PreparedFile]) -> list[PreparedFile]:
    """Drop files already loaded, duplicated in this run, superseded or older than loaded."""
    loaded = {r[0] for r in con.execute(
        "SELECT sha256 FROM partitions UNION SELECT sha256 FROM ingest_ledger "
        "WHERE status = 'loaded' AND rows_loaded = 0").fetchall()}
    existing = {(d, f, m.strftime("%Y-%m")): rel for d, f, m, rel in con.execute(
        "SELECT dataset, force, month, release FROM partitions").fetchall()}
    seen: dict[str, str] = {}
    keep: list[PreparedFile] = []
    for p in prepared:
        sha = p.report.sha256 or ""
        if sha in loaded:
            p.report.status, p.report.message = "unchanged", "already loaded (same SHA-256)"
        elif sha in seen:
            p.report.status = "unchanged"
            p.report.message = f"same content as {seen[sha]} in this run"
        else:
            seen[sha] = p.report.path
            keep.append(p)
    # Files whose partition is known from the name: newest release in the run wins.
    winners: dict[tuple[str, str, str], PreparedFile] = {}
    for p in keep:
        if p.force and p.month:
            key = (p.report.dataset or "", p.force, p.month)
            best = winners.get(key)
            if best is None or (_release_key(p.src.release), p.order) >= (
                    _release_key(best.src.release), best.order):
                winners[key] = p
    out = []
    for p in keep:
        if p.force and p.month:
            key = (p.report.dataset or "", p.force, p.month)
            if winners[key] is not p:
                p.report.status = "superseded"
                p.report.message = f"a newer release in this run: {winners[key].report.path}"
                continue
            have = existing.get(key)
            if have and p.src.release and have > p.src.release:
                p.report.status = "older-release"
                p.report.message = f"release {p.src.release} is older than loaded {have}"
                continue
        out.append(p)
    return out


# --------------------------------------------------------------------------------------------
# Staging: DuckDB reads the files as text


def _stage_group(con: duckdb.DuckDBPyConnection, g: int, build: CandidateBuilder,
                 columns: tuple[str, ...], files: list[PreparedFile],
                 materialise: bool = False) -> str:
    """Stage a group of same-header files; return the name of the candidate rows: a view
    (each later query computes only the columns it needs), or a table when a post-stage step
    must update it."""
    names = [c or f"ignored_{k}" for k, c in enumerate(columns)]
    staged = stage_files(con, g, names, files)
    register_frame(con, "first_rows", pd.DataFrame(
        {"path": [p.src.disk_path.as_posix() for p in files],
         "first_rowid": [p.first_rowid for p in files]}))
    con.execute("UPDATE file_map SET first_rowid = f.first_rowid FROM first_rows f "
                "WHERE file_map.disk_path = f.path")
    con.unregister("first_rows")
    if "reported_by" in columns:
        _add_force_names(con, staged.stage)
    cand = f"cand_{g}"
    select = build(staged.stage, staged.lines, set(columns))
    con.execute(f"CREATE TEMP {'TABLE' if materialise else 'VIEW'} {cand} AS {select}")
    return cand


# --------------------------------------------------------------------------------------------
# Candidates: typed rows with a reason when they cannot be loaded


def _col(name: str, present: set[str]) -> str:
    return f"s.{name}" if name in present else "NULL::VARCHAR"


#: A staged row's line: exact where a file needed it, else its offset in the file + 2.
LINE = "coalesce(l.line, s.rowid - fm.first_rowid + 2)"


def staged_rows(stage: str, lines: str) -> str:
    """FROM clause: staged rows with their file and (where needed) exact line numbers."""
    return (f"FROM {stage} s JOIN file_map fm ON fm.disk_path = s.filename "
            f"LEFT JOIN {lines} l ON l.filename = s.filename AND l.rowid = s.rowid")


def _located(present: set[str]) -> str:
    lon, lat = _col("longitude", present), _col("latitude", present)
    return (f"TRY_CAST({v.text(lon)} AS DOUBLE) AS longitude, "
            f"TRY_CAST({v.text(lat)} AS DOUBLE) AS latitude")


def _raw(present: set[str], dataset: str) -> str:
    cols = [c for c in COLUMNS[dataset] if c in present]
    joined = "concat_ws(',', " + ", ".join(f"coalesce(s.{c}, '')" for c in cols) + ")"
    return f"CASE WHEN reason IS NOT NULL THEN {joined} END AS raw"  # only quarantine needs it


def _crime_rows(dataset: str, stage: str, lines: str, present: set[str]) -> str:
    """Candidate rows of the two crime datasets, which share their published columns and
    differ in the coded column: crime type (street) or outcome type (outcomes)."""
    c = lambda n: _col(n, present)  # noqa: E731
    if dataset == "street":
        rules = v.reason_columns(v.street_rules(), v.STREET_FIELDS)
        coded = (f"{v.text(c('crime_type'))} AS crime_type, cl.slug AS category, "
                 f"{v.text(c('last_outcome_category'))} AS last_outcome_category, "
                 f"{v.text(c('context'))} AS context")
        label_join = "LEFT JOIN crime_labels cl ON cl.label = s.crime_type"
    else:
        rules = v.reason_columns(v.outcome_rules(), v.OUTCOME_FIELDS)
        coded = f"{v.text(c('outcome_type'))} AS outcome_type, ol.slug AS outcome"
        label_join = "LEFT JOIN outcome_labels ol ON ol.label = s.outcome_type"
    return f"""
        SELECT fm.file_id, {LINE} AS line, '{dataset}' AS dataset,
               coalesce(fm.force, fs.slug) AS force,
               TRY_CAST({v.text(c('month'))} || '-01' AS DATE) AS month,
               {v.text(c('crime_id'))} AS crime_id, {v.text(c('reported_by'))} AS reported_by,
               {v.text(c('falls_within'))} AS falls_within, {_located(present)},
               {v.text(c('location'))} AS location, {v.text(c('lsoa_code'))} AS lsoa_code,
               {v.text(c('lsoa_name'))} AS lsoa_name, {coded},
               {rules}, {_raw(present, dataset)}
        {staged_rows(stage, lines)}
        {label_join}
        LEFT JOIN force_names fs ON fs.name = {v.text(c('reported_by'))}"""


def _stop_search(stage: str, lines: str, present: set[str]) -> str:
    c = lambda n: _col(n, present)  # noqa: E731
    rules = v.reason_columns(v.stop_search_rules(), v.STOP_SEARCH_FIELDS)
    date = f"TRY_CAST({v.text(c('date'))} AS TIMESTAMPTZ)"
    texts = ", ".join(f"{v.text(c(n))} AS {n}" for n in (
        "type", "policing_operation", "gender", "age_range", "self_defined_ethnicity",
        "officer_defined_ethnicity", "legislation", "object_of_search", "outcome"))
    bools = ", ".join(f"{v.boolean(c(n))} AS {n}" for n in (
        "part_of_a_policing_operation", "outcome_linked_to_object_of_search",
        "removal_of_more_than_just_outer_clothing"))
    return f"""
        SELECT fm.file_id, {LINE} AS line, 'stop-and-search' AS dataset, fm.force AS force,
               coalesce(TRY_CAST(fm.month || '-01' AS DATE),
                        date_trunc('month', timezone('UTC', {date}))::DATE) AS month,
               {date} AS date, {texts}, {bools}, {_located(present)},
               {rules}, {_raw(present, 'stop-and-search')}
        {staged_rows(stage, lines)}"""


_CANDIDATES: dict[str, CandidateBuilder] = {
    "street": partial(_crime_rows, "street"), "outcomes": partial(_crime_rows, "outcomes"),
    "stop-and-search": _stop_search,
}


# --------------------------------------------------------------------------------------------
# Partition decisions and the write


def _lookup_tables(con: duckdb.DuckDBPyConnection, todo: list[PreparedFile]) -> None:
    """Temp tables the candidate queries join: files, crime labels, outcome labels, forces."""
    con.execute("CREATE OR REPLACE TEMP TABLE file_map (disk_path VARCHAR, file_id INTEGER, "
                "path VARCHAR, force VARCHAR, month VARCHAR, first_rowid BIGINT)")
    rows = [(p.src.disk_path.as_posix(), p.file_id, p.report.path, p.force, p.month)
            for p in todo]
    if rows:
        con.executemany("INSERT INTO file_map VALUES (?, ?, ?, ?, ?, NULL)", rows)
    con.execute("CREATE OR REPLACE TEMP TABLE crime_labels (label VARCHAR, slug VARCHAR)")
    con.executemany("INSERT INTO crime_labels VALUES (?, ?)", list(crime_label_map().items()))
    con.execute("CREATE OR REPLACE TEMP TABLE outcome_labels (label VARCHAR, slug VARCHAR)")
    con.executemany("INSERT INTO outcome_labels VALUES (?, ?)",
                    [(o.label, o.slug) for o in OUTCOME_CATEGORIES])
    con.execute("CREATE OR REPLACE TEMP TABLE force_names (name VARCHAR, slug VARCHAR)")


def _add_force_names(con: duckdb.DuckDBPyConnection, stage: str) -> None:
    """Slugs for every 'Reported by' name in a staged group (for files not named by force)."""
    names = [r[0] for r in con.execute(
        f"SELECT DISTINCT reported_by FROM {stage} WHERE reported_by <> '' "
        "EXCEPT SELECT name FROM force_names").fetchall()]
    if names:
        con.executemany("INSERT INTO force_names VALUES (?, ?)",
                        [(n, force_slug(n)) for n in names])


def _decide_partitions(con: duckdb.DuckDBPyConnection, todo: list[PreparedFile],
                       checks: str) -> None:
    """Which (dataset, force, month) each file may write: newest release wins, against the
    partitions loaded (including earlier batches of this run) and within the batch."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE file_parts AS
        SELECT file_id, dataset, force, month, count(*) AS n,
               count(*) FILTER (WHERE longitude IS NULL) AS unmapped
        FROM {checks} WHERE reason IS NULL GROUP BY ALL""")
    releases = pd.DataFrame({
        "file_id": [p.file_id for p in todo],
        "release_key": [_release_key(p.src.release) for p in todo],
        "release": [p.src.release for p in todo],
        "ord": [p.order for p in todo],
        "sha256": [p.report.sha256 for p in todo],
    })
    register_frame(con, "file_releases", releases)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE part_plan AS
        WITH ranked AS (
            SELECT fp.*, r.release::VARCHAR AS release, r.release_key, r.sha256::VARCHAR AS sha256,
                   row_number() OVER (PARTITION BY fp.dataset, fp.force, fp.month
                                      ORDER BY r.release_key DESC, r.ord DESC) AS pick
            FROM file_parts fp JOIN file_releases r USING (file_id))
        SELECT ranked.*, p.release AS old_release, p.sha256 AS old_sha,
               CASE WHEN pick > 1 THEN 'superseded'
                    WHEN p.force IS NOT NULL AND p.sha256 = ranked.sha256 THEN 'unchanged'
                    WHEN p.force IS NOT NULL AND ranked.release IS NOT NULL
                         AND p.release IS NOT NULL AND p.release > ranked.release
                         THEN 'older-release'
                    WHEN p.force IS NOT NULL THEN 'replaced'
                    ELSE 'new' END AS action
        FROM ranked LEFT JOIN partitions p
          ON p.dataset = ranked.dataset AND p.force = ranked.force AND p.month = ranked.month""")
    con.unregister("file_releases")


_INSERT_COLUMNS: dict[str, tuple[str, ...]] = {
    "street": ("force", "month", "crime_id", "reported_by", "falls_within", "location",
               "lsoa_code", "lsoa_name", "crime_type", "category", "last_outcome_category",
               "context"),
    "outcomes": ("force", "month", "crime_id", "reported_by", "falls_within", "location",
                 "lsoa_code", "lsoa_name", "outcome_type", "outcome"),
    "stop-and-search": ("force", "month", "type", "date", "part_of_a_policing_operation",
                        "policing_operation", "gender", "age_range", "self_defined_ethnicity",
                        "officer_defined_ethnicity", "legislation", "object_of_search",
                        "outcome", "outcome_linked_to_object_of_search",
                        "removal_of_more_than_just_outer_clothing"),
}
_TABLE = {"street": "street", "outcomes": "outcomes", "stop-and-search": "stop_search",
          "points": "points"}


def _write(con: duckdb.DuckDBPyConnection, files: list[PreparedFile], g: int, cand: str,
           dataset: str, enricher: LocationEnricher) -> None:
    """One batch: delete replaced partitions; write rows, quarantine, partitions, ledger."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    load = f"load_{cand}"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {load} AS
        SELECT c.* FROM {cand} c JOIN part_plan pp
          ON pp.file_id = c.file_id AND pp.force = c.force AND pp.month = c.month
         AND pp.action IN ('new', 'replaced')
        WHERE c.reason IS NULL""")
    table = _TABLE[dataset]
    owner = "dataset" if dataset == "points" else "force"
    con.execute(f"""DELETE FROM {table} USING part_plan pp
        WHERE pp.action = 'replaced' AND {table}.{owner} = pp.force
          AND {table}.month = pp.month""")
    # Rows carry file and line, so the final insert need not keep staging order (faster).
    con.execute("SET preserve_insertion_order = false")
    # Every join below has its small side on the right; the planner underestimates the
    # filtered candidate rows and would build hash tables of them instead (2x slower).
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    if dataset == "points":
        con.execute(f"""INSERT INTO points SELECT force, month, time, category, source_x,
            source_y, source_crs, longitude, latitude, file_id, line FROM {load}""")
    else:
        enricher.add_new([f"(SELECT * FROM checks_{g} WHERE reason IS NULL)"])
        cols = _INSERT_COLUMNS[dataset]
        con.execute(f"""INSERT INTO {table} ({', '.join(cols)}, longitude, latitude, x, y,
                        mapped, lsoa11_code, pfa_code, file_id, line)
            SELECT {', '.join('c.' + k for k in cols)}, c.longitude, c.latitude, loc.x, loc.y,
                   c.longitude IS NOT NULL, loc.lsoa11_code, loc.pfa_code, c.file_id, c.line
            FROM {load} c LEFT JOIN locations loc
              ON loc.longitude = c.longitude AND loc.latitude = c.latitude""")
    con.execute("RESET preserve_insertion_order")
    con.execute("RESET disabled_optimizers")
    con.execute(f"INSERT INTO quarantine SELECT * FROM parser_rej_{g}")
    con.execute(f"""INSERT INTO quarantine SELECT c.file_id, fm.path, c.line, c.reason,
            c.field, c.value, NULL, c.raw FROM checks_{g} c JOIN file_map fm USING (file_id)
        WHERE c.reason IS NOT NULL""")
    con.execute("""DELETE FROM partitions USING part_plan pp
        WHERE pp.action = 'replaced' AND partitions.dataset = pp.dataset
          AND partitions.force = pp.force AND partitions.month = pp.month""")
    con.execute("""INSERT INTO partitions SELECT dataset, force, month, file_id, sha256, release,
            n, ? FROM part_plan WHERE action IN ('new', 'replaced')""", [now])
    _fill_reports(con, files, g)
    ledger = pd.DataFrame([(p.file_id, p.report.path, p.report.size, p.report.sha256,
                            p.report.dataset, p.report.force, p.report.release,
                            p.report.rows_read, p.report.rows_loaded,
                            p.report.rows_quarantined, p.report.status, now) for p in files])
    register_frame(con, "ledger_rows", ledger)
    con.execute("INSERT INTO ingest_ledger SELECT * FROM ledger_rows")  # one statement, not n
    con.unregister("ledger_rows")


_SKIP_MESSAGES = {
    "superseded": "partition(s) superseded by a newer release in this run",
    "unchanged": "partition(s) already loaded with the same content",
    "older-release": "partition(s) older than the release loaded",
}


def _fill_reports(con: duckdb.DuckDBPyConnection, files: list[PreparedFile], g: int) -> None:
    """Counts per file of batch ``g``; rows read = loaded + quarantined + skipped, or the
    run fails. Quarantine counts are read back from what was written."""
    by_id = {p.file_id: p for p in files}
    parser_rejected: dict[int, int] = {}
    for fid, reason, n, parser in con.execute(
            "SELECT file_id, reason, count(*), count(detail) FROM quarantine "
            "WHERE file_id BETWEEN ? AND ? GROUP BY ALL",
            [min(by_id), max(by_id)]).fetchall():
        if fid not in by_id:
            continue
        rep = by_id[fid].report
        rep.quarantine_reasons[reason] = rep.quarantine_reasons.get(reason, 0) + int(n)
        parser_rejected[fid] = parser_rejected.get(fid, 0) + int(parser)
    for fid, n, unmapped in con.execute(
            "SELECT file_id, sum(n), sum(unmapped) FROM part_plan "
            "WHERE action IN ('new', 'replaced') GROUP BY ALL").fetchall():
        by_id[fid].report.rows_loaded += int(n)
        by_id[fid].report.rows_unmapped += int(unmapped)
    skipped_as: dict[int, str] = {}
    for fid, dataset, force, month, n, action in con.execute(
            "SELECT file_id, dataset, force, month, n, action FROM part_plan "
            "ORDER BY file_id, dataset, force, month").fetchall():
        rep = by_id[fid].report
        if action in ("new", "replaced"):
            rep.partitions.append(PartitionWrite(dataset, force, month.strftime("%Y-%m"),
                                                 int(n), action))
        else:
            rep.rows_skipped += int(n)
            skipped_as.setdefault(fid, action)
            rep.message = _SKIP_MESSAGES[action]
    for fid, p in by_id.items():
        rep = p.report
        rep.rows_read = p.staged + parser_rejected.get(fid, 0)
        rep.rows_quarantined = sum(rep.quarantine_reasons.values())
        if rep.rows_read != rep.rows_loaded + rep.rows_quarantined + rep.rows_skipped:
            raise IngestError(f"{rep.path}: counts do not reconcile ({rep.rows_read} read, "
                              f"{rep.rows_loaded} loaded, {rep.rows_quarantined} quarantined, "
                              f"{rep.rows_skipped} skipped)")
        rep.status = skipped_as[fid] if (rep.rows_loaded == 0 and fid in skipped_as) else "loaded"
