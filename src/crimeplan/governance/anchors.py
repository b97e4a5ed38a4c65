"""Anchors: the audit log's head as last verified, kept outside the workspace.

The hash chain shows that a log is internally consistent; someone able to rewrite the whole
workspace could rebuild a shorter or different log with a matching head. ``crimeplan audit
verify`` therefore keeps a copy of each head it verifies somewhere else, by default
``$XDG_STATE_HOME/crimeplan/anchors/<workspace id>.json`` (``~/.local/state`` when unset), or a
file named by ``--anchor-file`` / ``CRIMEPLAN_ANCHOR_FILE``; the next verify fails when the log
no longer holds that head. An anchor is only as safe as where it is kept: see
docs/governance.md for keeping heads in a force's records system.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

ANCHOR_ENV = "CRIMEPLAN_ANCHOR_FILE"


class AnchorError(ValueError):
    """An anchor file cannot be read, or belongs to another workspace."""


@dataclass(frozen=True)
class Anchor:
    """A head seen by ``audit verify``: entry count, last hash, when, and for which workspace."""

    count: int
    hash: str
    seen_at: str
    workspace: str

    @classmethod
    def now(cls, count: int, head: str, home: Path) -> Anchor:
        """The anchor of a head verified just now in workspace ``home``."""
        seen = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return cls(count, head, seen, str(Path(home).resolve()))


def workspace_id(home: Path) -> str:
    """A short stable name for a workspace: the SHA-256 of its absolute path, 16 hex digits."""
    return hashlib.sha256(str(Path(home).resolve()).encode("utf-8")).hexdigest()[:16]


def default_anchor_file(home: Path) -> Path:
    """Where a workspace's anchor is kept when no file is named: the user's state folder."""
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "crimeplan" / "anchors" / f"{workspace_id(home)}.json"


def read_anchor(path: Path, home: Path) -> Anchor | None:
    """The anchor kept in ``path`` for workspace ``home``, or None when none was kept yet."""
    if not path.exists():
        return None
    try:
        anchor = Anchor(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise AnchorError(f"anchor file {path} is unreadable ({exc}): restore it from a copy "
                          "or move it aside to start a new anchor") from exc
    if not isinstance(anchor.count, int) or not isinstance(anchor.hash, str):
        raise AnchorError(f"anchor file {path}: count and hash are not a number and a text")
    if anchor.workspace != str(Path(home).resolve()):
        raise AnchorError(f"anchor file {path} is for workspace {anchor.workspace}, not "
                          f"{Path(home).resolve()}: name another with --anchor-file")
    return anchor


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Keep ``anchor`` in ``path`` (written to a temporary name, then moved into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(asdict(anchor), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
