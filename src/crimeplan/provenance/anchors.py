"""Anchors: an audit log's head as last verified, kept outside the log.

The hash chain shows that a log is internally consistent; someone able to rewrite the whole
workspace (or database) could rebuild a shorter or different log with a matching head.
``crimeplan audit verify`` therefore keeps a copy of each head it verifies somewhere else, by
default ``$XDG_STATE_HOME/crimeplan/anchors/<log id>.json`` (``~/.local/state`` when unset), or
a file named by ``--anchor-file`` / ``CRIMEPLAN_ANCHOR_FILE``; the next verify fails when the
log no longer holds that head. A log is named by where it is: the workspace folder for the file
log, the database (its URL without the password) for the service's. An anchor is only as safe
as where it is kept: see docs/governance.md for keeping heads in a force's records system.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANCHOR_ENV = "CRIMEPLAN_ANCHOR_FILE"


class AnchorError(ValueError):
    """An anchor file cannot be read, or belongs to another log."""


@dataclass(frozen=True)
class Anchor:
    """A head seen by ``audit verify``: entry count, last hash, when, and of which log."""

    count: int
    hash: str
    seen_at: str
    log: str

    @classmethod
    def now(cls, count: int, head: str, log: str) -> Anchor:
        """The anchor of a head of ``log`` verified just now."""
        seen = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return cls(count, head, seen, log)

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "hash": self.hash, "seen_at": self.seen_at,
                "log": self.log}


def workspace_log(home: Path) -> str:
    """The name of a workspace's file log: the workspace's absolute path."""
    return str(Path(home).resolve())


def log_id(log: str) -> str:
    """A short stable name for a log: the SHA-256 of its name, 16 hex digits."""
    return hashlib.sha256(log.encode("utf-8")).hexdigest()[:16]


def default_anchor_file(log: str) -> Path:
    """Where a log's anchor is kept when no file is named: the user's state folder."""
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "crimeplan" / "anchors" / f"{log_id(log)}.json"


def read_anchor(path: Path, log: str) -> Anchor | None:
    """The anchor of ``log`` kept in ``path``, or None when none was kept yet. Files written
    before the service's log existed name the workspace as ``workspace``."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if "workspace" in data and "log" not in data:
            data["log"] = data.pop("workspace")
        anchor = Anchor(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise AnchorError(f"anchor file {path} is unreadable ({exc}): restore it from a copy "
                          "or move it aside to start a new anchor") from exc
    if not isinstance(anchor.count, int) or not isinstance(anchor.hash, str):
        raise AnchorError(f"anchor file {path}: count and hash are not a number and a text")
    if anchor.log != log:
        raise AnchorError(f"anchor file {path} is for the log of {anchor.log}, not {log}: "
                          "name another with --anchor-file")
    return anchor


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Keep ``anchor`` in ``path`` (written to a temporary name, then moved into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(anchor.to_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
