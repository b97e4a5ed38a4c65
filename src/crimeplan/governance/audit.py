"""The append-only, hash-chained audit log of a workspace.

Each line of ``audit/log.jsonl`` is one entry ``{"seq", "prev", "hash", "record"}`` where
``hash = sha256(canonical JSON of {"seq", "prev", "record"})`` and ``prev`` is the previous
entry's hash (64 zeros for the first). ``audit/head.json`` holds the count and last hash, so a
truncated log is caught too. Any edited, deleted, inserted or reordered entry breaks the chain.
"""

from __future__ import annotations

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


def entry_hash(seq: int, prev: str, record: dict[str, Any]) -> str:
    """SHA-256 of one entry's content."""
    payload = canonical_json({"seq": seq, "prev": prev, "record": record})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
        return json.loads(self.head_path.read_text(encoding="utf-8"))

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append one record under an exclusive lock; return the stored entry."""
        self.dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.dir / ".lock"
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            head = self._read_head()
            record = json.loads(canonical_json(record))  # freeze to JSON types
            seq = head["count"] + 1
            digest = entry_hash(seq, head["hash"], record)
            entry = {"seq": seq, "prev": head["hash"], "hash": digest, "record": record}
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(canonical_json(entry) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            tmp = self.head_path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"count": seq, "hash": digest}), encoding="utf-8")
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

    def records(self) -> list[dict[str, Any]]:
        """Every run record, oldest first."""
        return [e["record"] for e in self.entries()]

    def find(self, run_id: str) -> dict[str, Any] | None:
        """The record of one run, by full id or unique prefix."""
        hits = [r for r in self.records() if str(r.get("run_id", "")).startswith(run_id)]
        return hits[0] if len(hits) == 1 else None

    def verify(self) -> VerifyResult:
        """Check the whole chain and the head; name the first bad entry."""
        prev = GENESIS
        count = 0
        if self.path.exists():
            with open(self.path, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, start=1):
                    try:
                        entry = json.loads(line)
                        seq, record = entry["seq"], entry["record"]
                        stated_prev, stated_hash = entry["prev"], entry["hash"]
                    except (ValueError, KeyError, TypeError):
                        return VerifyResult(False, count, lineno, None, "unreadable entry")
                    run = record.get("run_id") if isinstance(record, dict) else None
                    if seq != count + 1:
                        return VerifyResult(False, count, lineno, run,
                                            f"sequence {seq} where {count + 1} was due "
                                            "(an entry was deleted, inserted or moved)")
                    if stated_prev != prev:
                        return VerifyResult(False, count, lineno, run,
                                            "does not follow the previous entry")
                    if entry_hash(seq, prev, record) != stated_hash:
                        return VerifyResult(False, count, lineno, run,
                                            "content does not match its hash (edited)")
                    prev = stated_hash
                    count += 1
        head = self._read_head()
        if head["count"] != count or head["hash"] != prev:
            return VerifyResult(False, count, count + 1 if head["count"] > count else count, None,
                                f"log has {count} entries but the head records {head['count']} "
                                "(truncated or appended outside crimeplan)")
        return VerifyResult(True, count)
