"""Run records: who ran what, when, why, on which inputs, giving which outputs.

Use ``RunRecorder`` as a context manager around any forecast, risk or report run; on exit it
appends the record to the workspace's audit log (also when the run fails, marked failed).
"""

from __future__ import annotations

import datetime as dt
import getpass
import subprocess
import sys
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

import crimeplan
from crimeplan.governance.audit import AuditLog
from crimeplan.hashing import sha256_file

NO_PURPOSE = "none given"


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

    def __init__(self, home: Path, kind: str, *, purpose: str | None = None,
                 parameters: dict[str, Any] | None = None,
                 command: list[str] | None = None) -> None:
        self.home = Path(home)
        self.run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
        self.record: dict[str, Any] = {
            "run_id": self.run_id,
            "kind": kind,
            "user": _user(),
            "purpose": purpose if purpose and purpose.strip() else NO_PURPOSE,
            "command": command if command is not None else list(sys.argv),
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

    def add_input_data(self, name: str, content_hash: str, **extra: Any) -> None:
        """An input that is not a file, e.g. a warehouse selection, with its content hash."""
        self.record["inputs"].append({"name": name, "sha256": content_hash, **extra})

    def add_output(self, path: Path | str) -> None:
        """An output file (or folder of files) with its SHA-256."""
        self.record["outputs"].append(_file_entry(Path(path)))

    def set_coverage(self, coverage: Any) -> None:
        """What the input data covers (forces, months, gaps)."""
        self.record["coverage"] = coverage

    def set_result(self, key: str, value: Any) -> None:
        """A headline result, shown in transparency records."""
        self.record["results"][key] = value

    def __enter__(self) -> RunRecorder:
        self.record["started_at"] = _now()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.record["finished_at"] = _now()
        self.record["status"] = "ok" if exc is None else "failed"
        if exc is not None:
            self.record["error"] = f"{exc_type.__name__ if exc_type else 'Error'}: {exc}"
        AuditLog(self.home).append(self.record)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
