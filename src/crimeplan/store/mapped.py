"""Ingest of one CSV read by a user's column mapping: a force's point events or its calls for
service. The file is checked (present, readable, a header naming every mapped column), hashed,
staged and validated like every other ingest, as the workspace's one writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from crimeplan.sources.police_uk import SourceFile, decompressed
from crimeplan.store.ingest import (
    CandidateBuilder,
    FileReport,
    IngestReport,
    PostStage,
    PreparedFile,
    Progress,
    read_header,
    run_ingest,
    unpack_folder,
)
from crimeplan.store.staging import scan_file
from crimeplan.store.warehouse import Warehouse

#: Last changes inside the transaction, given the connection and the file's id.
Finish = Callable[[duckdb.DuckDBPyConnection, int], None]


def ingest_mapped(home: Path, path: Path, *, dataset: str, name: str, columns: list[str],
                  builder: Callable[[dict[str, str]], CandidateBuilder],
                  post: PostStage | None = None, finish: Finish | None = None,
                  progress: Progress | None = None,
                  before_commit: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """Load ``path`` (CSV or gzip of one) as data set ``name`` of ``dataset``. ``builder``
    makes the candidate query from the header's mapping (column name → staged column);
    ``finish`` runs just before ``before_commit``, which gets the filled-in report just before
    the COMMIT and stops it by raising."""
    path = Path(path)
    report = FileReport(path=str(path), status="error", dataset=dataset, force=name)
    if not path.is_file():
        report.message = "no such file"
        return IngestReport([report])
    with Warehouse(home).writing(f"ingest-{dataset}") as con, \
            unpack_folder(Path(home), dataset) as unpack:
        try:
            disk = decompressed(path, unpack)
            report.size = disk.stat().st_size
            names = read_header(disk)
        except (ValueError, OSError) as exc:
            report.message = str(exc)
            return IngestReport([report])
        missing = [c for c in columns if c not in names]
        if missing:
            report.message = f"column(s) {missing} not in the header {names}"
            return IngestReport([report])
        mapping = {n: f"c{k}" for k, n in enumerate(names)}
        scan = scan_file(disk)
        report.sha256 = scan.sha256
        prepared = PreparedFile(SourceFile(disk, str(path), None), report,
                                tuple(mapping.values()), name, None, 0, scan)

        def commit_hook() -> None:
            if finish is not None:
                finish(con, prepared.file_id)
            if before_commit is not None:
                before_commit(IngestReport([report]))

        run_ingest(con, [prepared], {dataset: builder(mapping)}, post=post,
                   progress=progress, total=1, before_commit=commit_hook)
    return IngestReport([report])
