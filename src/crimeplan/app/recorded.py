"""Files a recorded run wrote, read back only while they are what the run recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from crimeplan.errors import DataMissing
from crimeplan.provenance.hashing import sha256_file
from crimeplan.provenance.runs import output_files


def _recorded_hashes(entries: list[dict[str, Any]]) -> dict[str, str | None]:
    hashes: dict[str, str | None] = {}
    for entry in entries:
        if entry.get("kind") == "folder":
            hashes.update(_recorded_hashes(entry.get("files", [])))
        elif "path" in entry:
            hashes[entry["path"]] = entry.get("sha256")
    return hashes


def recorded_output(record: dict[str, Any], wanted: Callable[[Path], bool]) -> Path:
    """The first output of a run record that ``wanted`` picks, refused (DataMissing) when it is
    gone or its SHA-256 differs from the one recorded (it was changed afterwards)."""
    run_id = record.get("run_id")
    path = next((p for p in output_files(record) if wanted(p)), None)
    if path is None or not path.is_file():
        raise DataMissing(f"the file run {run_id} wrote is no longer at {path}")
    if sha256_file(path) != _recorded_hashes(record.get("outputs", [])).get(str(path)):
        raise DataMissing(f"{path} is not the file run {run_id} wrote (its SHA-256 differs "
                          "from the run record): it was changed afterwards")
    return path
