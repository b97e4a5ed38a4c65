"""The append-only, hash-chained audit log of a workspace.

Each line of ``audit/log.jsonl`` is one entry ``{"seq", "prev", "logged_at", "hash", "record"}``
where ``hash = sha256(canonical JSON of {"seq", "prev", "logged_at", "record"})`` and ``prev`` is
the previous entry's hash (64 zeros for the first). ``logged_at`` is stamped under the log's lock,
so it never goes backwards. ``audit/head.json`` holds the count and last hash, so a truncated log
is caught too. Any edited, deleted, inserted, reordered or out-of-order entry breaks the chain.

The chain proves the log is internally consistent; someone able to rewrite the whole folder
could recompute every hash. Publishing the head hash elsewhere (``verify(anchor=...)``) closes
that gap: a rewritten log no longer contains the published hash.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no spaces: the form that is hashed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(seq: int, prev: str, logged_at: str, record: dict[str, Any]) -> str:
    """SHA-256 of one entry's content."""
    payload = canonical_json({"seq": seq, "prev": prev, "logged_at": logged_at, "record": record})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditLogDamaged(ValueError):
    """The log's head file cannot be read, so nothing can be appended safely."""


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of ``AuditLog.verify``: ``ok``, entries checked, and the first bad one."""

    ok: bool
    entries: int
    first_bad_line: int | None = None
    first_bad_run: str | None = None
    problem: str | None = None


class AuditLog:
    """The audit log in ``home/audit``."""

    def __init__(self, home: Path) -> None:
        self.dir = Path(home) / "audit"
        self.path = self.dir / "log.jsonl"
        self.head_path = self.dir / "head.json"

    def _read_head(self) -> dict[str, Any]:
        if not self.head_path.exists():
            return {"count": 0, "hash": GENESIS}
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            if isinstance(head, dict) and isinstance(head.get("count"), int) and isinstance(
                    head.get("hash"), str):
                return head
        except ValueError:
            pass
        raise AuditLogDamaged(f"{self.head_path} is unreadable (edited outside crimeplan?): "
                              "run crimeplan audit verify")

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append one record under an exclusive lock; return the stored entry."""
        self.dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.dir / ".lock"
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            head = self._read_head()
            record = json.loads(canonical_json(record))  # freeze to JSON types
            seq = head["count"] + 1
            logged_at = max(_now(), head.get("logged_at", ""))
            digest = entry_hash(seq, head["hash"], logged_at, record)
            entry = {"seq": seq, "prev": head["hash"], "logged_at": logged_at, "hash": digest,
                     "record": record}
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(canonical_json(entry) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            tmp = self.head_path.with_suffix(".tmp")
            head = {"count": seq, "hash": digest, "logged_at": logged_at}
            tmp.write_text(json.dumps(head), encoding="utf-8")
            os.replace(tmp, self.head_path)
        return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry in file order (no checking: use ``verify`` for that)."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    def records(self, since: dt.date | None = None) -> list[dict[str, Any]]:
        """Every run record, oldest first; with ``since``, only runs started on or after it."""
        records = [e["record"] for e in self.entries()]
        if since is None:
            return records
        start = since.isoformat()
        return [r for r in records if str(r.get("started_at") or "")[:10] >= start]

    def find(self, run_id: str) -> dict[str, Any] | None:
        """The record of one run, by full id or unique prefix."""
        hits = [r for r in self.records() if str(r.get("run_id", "")).startswith(run_id)]
        return hits[0] if len(hits) == 1 else None

    def head(self) -> str:
        """The hash of the latest entry (publish it elsewhere to anchor the log)."""
        return str(self._read_head()["hash"])

    def verify(self, anchor: str | None = None) -> VerifyResult:
        """Check the whole chain and the head; name the first bad entry.

        ``anchor`` is a head hash published earlier: the log must still contain it.
        """
        prev, last_time, count = GENESIS, "", 0
        anchored = anchor is None
        if self.path.exists():
            with open(self.path, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, start=1):
                    problem, run = _check_entry(line, count + 1, prev, last_time)
                    if problem:
                        return VerifyResult(False, count, lineno, run, problem)
                    entry = json.loads(line)
                    prev, last_time = entry["hash"], entry["logged_at"]
                    anchored = anchored or prev == anchor
                    count += 1
        try:
            head = self._read_head()
        except AuditLogDamaged as exc:
            return VerifyResult(False, count, None, None, str(exc))
        if head["count"] != count or head["hash"] != prev:
            return VerifyResult(False, count, count + 1 if head["count"] > count else count, None,
                                f"log has {count} entries but the head records {head['count']} "
                                "(truncated or appended outside crimeplan)")
        if not anchored:
            return VerifyResult(False, count, None, None,
                                f"the published head {anchor} is not in the log (rewritten)")
        return VerifyResult(True, count)


def _check_entry(line: str, due: int, prev: str, last_time: str) -> tuple[str | None, str | None]:
    """The problem with one log line (or None) and the run it names."""
    try:
        entry = json.loads(line)
        seq, record, logged_at = entry["seq"], entry["record"], entry["logged_at"]
        stated_prev, stated_hash = entry["prev"], entry["hash"]
    except (ValueError, KeyError, TypeError):
        return "unreadable entry", None
    run = record.get("run_id") if isinstance(record, dict) else None
    if seq != due:
        return (f"sequence {seq} where {due} was due "
                "(an entry was deleted, inserted or moved)"), run
    if stated_prev != prev:
        return "does not follow the previous entry", run
    if entry_hash(seq, prev, logged_at, record) != stated_hash:
        return "content does not match its hash (edited)", run
    if str(logged_at) < last_time:
        return f"logged at {logged_at}, before the previous entry (appended out of order)", run
    return None, run


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
