"""Documented settings: where a workspace lives and the defaults every command shares.

A workspace ("home") holds one deployment's warehouse, audit log, model runs and reports.
Nothing is written outside it, except the outputs a command is told to write elsewhere and the
copy of the audit log's head that ``audit verify`` keeps (``crimeplan.governance.anchors``).
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "CRIMEPLAN_HOME"
DEFAULT_HOME = Path("crimeplan-home")

#: File names inside a workspace.
WAREHOUSE_FILE = "warehouse.duckdb"
AUDIT_LOG_FILE = "audit/log.jsonl"
RUNS_DIR = "runs"
LOCK_FILE = "crimeplan.lock"  # held by the one command writing the warehouse
UNPACK_DIR = "tmp"  # archives and gzip files unpacked by an ingest, removed after it

#: How long a command that writes the warehouse waits for another one to finish.
LOCK_WAIT_ENV = "CRIMEPLAN_LOCK_WAIT"
DEFAULT_LOCK_WAIT_SECONDS = 600.0

#: Memory the embedded warehouse may use before it spills to disk.
WAREHOUSE_MEMORY_LIMIT = os.environ.get("CRIMEPLAN_MEMORY_LIMIT", "2GB")


def resolve_home(home: str | Path | None = None) -> Path:
    """The workspace folder: the argument, else ``$CRIMEPLAN_HOME``, else ``./crimeplan-home``."""
    if home is not None:
        return Path(home)
    env = os.environ.get(HOME_ENV)
    return Path(env) if env else DEFAULT_HOME


def lock_wait_seconds() -> float:
    """Seconds a writer waits for the workspace: ``$CRIMEPLAN_LOCK_WAIT``, else 600."""
    text = os.environ.get(LOCK_WAIT_ENV)
    if text is None:
        return DEFAULT_LOCK_WAIT_SECONDS
    try:
        return max(0.0, float(text))
    except ValueError:
        raise ValueError(f"{LOCK_WAIT_ENV}={text!r}: give a number of seconds") from None
