"""How an ingest's run is recorded: every file with its SHA-256 and counts, appended just before
the warehouse commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from crimeplan.provenance.hashing import sha256_file
from crimeplan.provenance.runs import RunRecorder
from crimeplan.store.ingest import IngestReport


def record_ingest(run: RunRecorder, report: IngestReport) -> None:
    """An ingest's run record: every file with its SHA-256 (as the ingest hashed it; a file it
    refused before hashing is hashed here if it is on disk), status, counts, partitions
    written and quarantine reasons, and the totals."""
    for f in report.files:
        sha256 = f.sha256 or (sha256_file(f.path) if Path(f.path).is_file() else None)
        run.add_hashed_input(f.path, sha256, **{k: v for k, v in asdict(f).items()
                                                 if k not in ("path", "sha256")})
    run.set_result("totals", report.totals())
    run.set_result("files_in_error", len(report.errors))


def recorded(run: RunRecorder) -> Callable[[IngestReport], None]:
    """The ``before_commit`` of a warehouse change: append its record before the COMMIT."""

    def append(report: IngestReport) -> None:
        record_ingest(run, report)
        run.append_now()

    return append
