"""Run records: who ran what, when, why, on which inputs, giving which outputs.

Every use case (``crimeplan.app``) runs inside a ``RunRecorder`` given its caller: a person at
the command line or a user or system of the web service, with their purpose and request id.
Use it as a context manager around the run. On entry it checks that the audit log can take the
record (and repairs an interrupted append); on exit it appends the record (also when the run
fails, marked failed). If that append fails, the files the run wrote and declared as outputs
are removed, so nothing it made is left unrecorded. A run that changes the warehouse appends
with ``append_now`` just before its COMMIT instead, and rolls back if that fails.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import crimeplan
from crimeplan.provenance.chain import AuditLogError
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.hashing import sha256_file

NO_PURPOSE = "none given"
#: An output modified this long before its run started counts as written by the run (file
#: system clocks are coarser than the process clock); anything older was there before it.
CLOCK_SLACK_NS = 1_000_000_000


class Caller(Protocol):
    """Who runs something, as a run record names them (``crimeplan.cases.actor.Actor``)."""

    @property
    def purpose(self) -> str | None: ...

    @property
    def via(self) -> str | None:
        """The request that acts ("GET /analysis/dashboard?force=essex"); None at the command
        line, whose arguments are recorded instead."""

    def who(self) -> dict[str, str | None]: ...


class RunNotRecorded(AuditLogError):
    """A run's record could not be appended to the audit log, so what it wrote was not kept."""


def code_version() -> str:
    """crimeplan's version, with the git commit when run from a checkout."""
    version = crimeplan.__version__
    try:
        here = Path(__file__).resolve().parent
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True,
            text=True, timeout=5, check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version}+{commit}" if commit else version


def _file_entry(path: Path) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return {"path": str(path), "kind": "folder",
                "files": [_file_entry(p) for p in files]}
    return {"path": str(path), "size": path.stat().st_size, "sha256": sha256_file(path)}


def output_files(record: dict[str, Any]) -> list[Path]:
    """Every file a run record lists as output (folders flattened)."""
    files: list[Path] = []

    def walk(entry: dict[str, Any]) -> None:
        if entry.get("kind") == "folder":
            for child in entry.get("files", []):
                walk(child)
        elif "path" in entry:
            files.append(Path(entry["path"]))

    for entry in record.get("outputs", []):
        walk(entry)
    return files


class RunRecorder:
    """Collects one run's record and writes it to the audit log on exit."""

    def __init__(self, home: Path, kind: str, actor: Caller, *,
                 parameters: dict[str, Any] | None = None) -> None:
        self.home = Path(home)
        self.run_id = _new_run_id()
        self.appended = False
        self._started_ns = 0
        who = actor.who()
        purpose = actor.purpose
        self.record: dict[str, Any] = {
            "run_id": self.run_id,
            "kind": kind,
            "user": who.get("user_id") or who.get("client_id") or "anonymous",
            "actor": who,
            "purpose": purpose if purpose and purpose.strip() else NO_PURPOSE,
            "command": list(sys.argv) if actor.via is None else actor.via.split(" ", 1),
            "parameters": parameters or {},
            "code_version": code_version(),
            "inputs": [],
            "outputs": [],
            "coverage": None,
            "results": {},
        }

    def add_input(self, path: Path | str, **extra: Any) -> None:
        """An input file (or folder of files) with its SHA-256."""
        self.record["inputs"].append({**_file_entry(Path(path)), **extra})

    def add_hashed_input(self, path: str, sha256: str | None, **extra: Any) -> None:
        """An input file the caller has already hashed (``sha256`` None: it could not be
        read), e.g. each file of an ingest, named as the ingest names it."""
        self.record["inputs"].append({"path": path, "sha256": sha256, **extra})

    def add_input_data(self, name: str, content_hash: str, **extra: Any) -> None:
        """An input that is not a file, e.g. a warehouse selection, with its content hash."""
        self.record["inputs"].append({"name": name, "sha256": content_hash, **extra})

    def add_output(self, path: Path | str) -> None:
        """An output file (or folder of files) with its SHA-256."""
        self.record["outputs"].append(_file_entry(Path(path)))

    def add_hashed_output(self, path: Path | str, sha256: str, **extra: Any) -> None:
        """An output file the caller has already hashed (e.g. a download checked as it
        arrived), so a large file is not read twice."""
        path = Path(path)
        self.record["outputs"].append({"path": str(path), "size": path.stat().st_size,
                                       "sha256": sha256, **extra})

    def set_coverage(self, coverage: Any) -> None:
        """What the input data covers (forces, months, gaps)."""
        self.record["coverage"] = coverage

    def set_result(self, key: str, value: Any) -> None:
        """A headline result, shown in transparency records."""
        self.record["results"][key] = value

    def append_now(self) -> None:
        """Append the record now, marked ok, before the caller makes its change permanent
        (e.g. just before a warehouse COMMIT, rolled back if this raises)."""
        self._finish(None)
        AuditLog(self.home).append(self.record)
        self.appended = True

    def __enter__(self) -> RunRecorder:
        repairs = AuditLog(self.home).preflight()
        if repairs:
            self.record["log_repairs"] = repairs
        self.record["started_at"] = _now()
        self._started_ns = time.time_ns()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.appended:
            if exc is not None:  # the record says ok: say what happened after it
                AuditLog(self.home).append({
                    **self.record, "run_id": _new_run_id(), "amends": self.run_id,
                    "status": "failed", "finished_at": _now(),
                    "error": f"failed after its record was appended: {_error(exc)}"})
            return
        self._finish(exc)
        try:
            AuditLog(self.home).append(self.record)
        except AuditLogError as error:
            removed = self._remove_outputs()
            raise RunNotRecorded(
                f"run {self.run_id} ({self.record['kind']}) could not be recorded: {error}. "
                f"Nothing it made was kept: {len(removed)} output file(s) removed"
                + (f" ({', '.join(map(str, removed))})" if removed else "")) from error

    def _finish(self, exc: BaseException | None) -> None:
        self.record["finished_at"] = _now()
        self.record["status"] = "ok" if exc is None else "failed"
        if exc is not None:
            self.record["error"] = _error(exc)

    def _remove_outputs(self) -> list[Path]:
        """Delete the declared output files this run wrote (files older than the run are
        left), then the folders it left empty; return what was deleted."""
        removed = []
        for path in output_files(self.record):
            try:
                if path.stat().st_mtime_ns >= self._started_ns - CLOCK_SLACK_NS:
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue
        for entry in self.record["outputs"]:
            if entry.get("kind") == "folder":
                _remove_empty_folders(Path(entry["path"]))
        return removed


def _remove_empty_folders(top: Path) -> None:
    """Remove ``top`` and the folders under it that hold no file."""
    for folder, _, _ in sorted(os.walk(top), key=lambda w: -len(Path(w[0]).parts)):
        try:
            Path(folder).rmdir()
        except OSError:
            continue


def _new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
