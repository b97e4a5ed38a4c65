"""The file back end of the audit log: the append-only, hash-chained log of a workspace.

Each line of ``audit/log.jsonl`` is one entry of the chain (``crimeplan.provenance.chain``):
``{"seq", "prev", "logged_at", "hash", "record"}``. ``logged_at`` is stamped under the log's
lock, so it never goes backwards. ``audit/head.json`` holds the count and last hash, so a
truncated log is caught too. Any edited, deleted, inserted, reordered or out-of-order entry
breaks the chain.

An append writes the entry's line, then the head. A process killed between the two leaves a
complete entry the head does not count yet: the next append (and ``verify``) adopts it, since it
chains from the head. A last line cut short mid-write (no newline, not an entry) is moved to
``audit/torn/`` and reported. Any other disagreement with the head is damage: nothing more is
appended until someone has looked.

Readers (``entries``, ``records``, ``find``) check the chain as they read and refuse at the first
bad line, so no record is used unless every entry up to it verifies.

The chain proves the log is internally consistent; someone able to rewrite the whole folder
could recompute every hash. Heads kept elsewhere close that gap (``verify(anchor=..., seen=...)``,
``crimeplan.provenance.anchors``): a rewritten or shortened log no longer holds them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from crimeplan.provenance.anchors import Anchor, workspace_log
from crimeplan.provenance.chain import (
    ENTRY_FIELDS,
    GENESIS,
    AnchorCheck,
    AuditLogDamaged,
    AuditLogError,
    Chain,
    VerifyResult,
    canonical_json,
    entry_hash,
)

#: Bytes read at a time when looking for the log's last line from its end.
TAIL_BLOCK = 1 << 16

logger = logging.getLogger(__name__)


class AuditLog:
    """The audit log in ``home/audit``."""

    def __init__(self, home: Path) -> None:
        self.name = workspace_log(home)
        self.dir = Path(home) / "audit"
        self.path = self.dir / "log.jsonl"
        self.head_path = self.dir / "head.json"
        self.torn_dir = self.dir / "torn"

    # -- writing -----------------------------------------------------------------------------

    def preflight(self) -> list[str]:
        """Check, before a run writes anything, that its record can be appended: the folder
        and files are writable and the head matches the log's last entry (after recovering
        an interrupted append). Returns the repairs made; raises AuditLogError otherwise."""
        with self._locked():
            repairs = self._recover()
            probe = self.head_path.with_suffix(".tmp")
            try:
                with open(self.path, "ab"):
                    pass
                probe.write_bytes(b"")
                probe.unlink()
            except OSError as exc:
                raise AuditLogError(f"{exc.filename or self.dir}: the audit log cannot be "
                                    f"written ({exc.strerror})") from exc
        return repairs

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append one record under an exclusive lock, after recovering any interrupted append;
        return the stored entry."""
        with self._locked():
            self._recover()
            head = self._read_head()
            record = json.loads(canonical_json(record))  # freeze to JSON types
            seq = head["count"] + 1
            logged_at = max(_now(), head.get("logged_at", ""))
            digest = entry_hash(seq, head["hash"], logged_at, record)
            entry = {"seq": seq, "prev": head["hash"], "logged_at": logged_at, "hash": digest,
                     "record": record}
            self._write_line(canonical_json(entry).encode("utf-8") + b"\n")
            self._write_head(seq, digest, logged_at)
        return entry

    @contextmanager
    def _locked(self, read_only_ok: bool = False) -> Iterator[bool]:
        """Exclusive use of the log: appends, repairs and verification take turns. With
        ``read_only_ok``, a log that cannot be written (a read-only copy) is used unlocked;
        yields whether the lock was taken."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            lock = open(self.dir / ".lock", "w")  # noqa: SIM115 (held for the block)
        except OSError as exc:
            if read_only_ok:
                yield False
                return
            raise AuditLogError(f"{self.dir}: the audit log cannot be opened for writing "
                                f"({exc.strerror})") from exc
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield True

    def _write_line(self, data: bytes) -> None:
        """Append bytes to the log and flush them to disk."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise AuditLogError(f"{self.path}: cannot append ({exc.strerror})") from exc

    def _write_head(self, count: int, digest: str, logged_at: str) -> None:
        """Replace the head file: written to a temporary name, then moved into place."""
        tmp = self.head_path.with_suffix(".tmp")
        data = json.dumps({"count": count, "hash": digest, "logged_at": logged_at})
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                _write_all(fd, data.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.head_path)
        except OSError as exc:
            raise AuditLogError(f"{self.head_path}: cannot write ({exc.strerror})") from exc

    def _read_head(self) -> dict[str, Any]:
        if not self.head_path.exists():
            return {"count": 0, "hash": GENESIS}
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            if isinstance(head, dict) and isinstance(head.get("count"), int) and isinstance(
                    head.get("hash"), str):
                return head
            reason = "not a count and hash"
        except (OSError, ValueError) as exc:
            reason = str(exc)
        raise AuditLogDamaged(f"{self.head_path} is unreadable ({reason}; edited outside "
                              "crimeplan?): run crimeplan audit verify")

    def _recover(self) -> list[str]:
        """Finish an append interrupted by a crash (called under the lock); return what was
        done. A complete entry after the head's last one that chains from it is adopted; a
        last line cut short (no newline, not an entry) is moved to ``torn/``; anything else
        that disagrees with the head raises AuditLogDamaged."""
        head = self._read_head()
        chain = Chain(head["count"], head["hash"], str(head.get("logged_at", "")))
        last, partial = _tail(self.path)
        whole = _parse(partial)[0] if partial else None  # an entry lacking only its newline
        final = whole if whole is not None else _parse(last)[0] if last is not None else None
        if final is None and (last is not None or chain.count):
            raise self._mismatch(chain, "its last line is not an entry" if last is not None
                                 else "it holds no entry")
        adopt = final is not None and not chain.holds(final)
        if adopt and chain.problem(final) is not None:
            raise self._mismatch(chain, f"its last entry (seq {final['seq']}, run "
                                        f"{_run_of(final)})")
        repairs = []
        if whole is not None:
            self._write_line(b"\n")
            repairs.append(f"entry {whole['seq']} lacked its line end: added")
        elif partial:
            repairs.append(self._cut(partial, chain.count + (2 if adopt else 1)))
        if adopt:
            self._write_head(final["seq"], final["hash"], final["logged_at"])
            repairs.append(f"entry {final['seq']} (run {_run_of(final)}) was written but its "
                           "head was not (interrupted append): head brought up to date")
        for note in repairs:
            logger.warning("audit log %s repaired: %s", self.path, note)
        return repairs

    def _mismatch(self, chain: Chain, what: str) -> AuditLogDamaged:
        return AuditLogDamaged(
            f"{self.path}: {what} does not match {self.head_path} ({chain.count} entries, "
            f"last hash {chain.hash[:12]}…); nothing more is appended until it is looked at: "
            "run crimeplan audit verify")

    def _cut(self, partial: bytes, line: int) -> str:
        """Move a torn last line out of the log, into ``torn/``, keeping its bytes."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        kept = self.torn_dir / f"line-{line}-{stamp}.partial"
        try:
            self.torn_dir.mkdir(exist_ok=True)
            kept.write_bytes(partial)
            os.truncate(self.path, self.path.stat().st_size - len(partial))
        except OSError as exc:
            raise AuditLogError(f"{self.path}: cannot remove the torn line {line} "
                                f"({exc.strerror})") from exc
        return (f"line {line} was cut short by an interrupted append: its {len(partial)} "
                f"bytes were moved to {kept}")

    # -- reading -----------------------------------------------------------------------------

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry in file order, each checked against the chain before it is given:
        raises AuditLogDamaged, naming the line and run, at the first that fails."""
        for _, entry in self._walk():
            yield entry

    def records(self, since: dt.date | None = None) -> list[dict[str, Any]]:
        """Every run record, oldest first (all verified); with ``since``, only runs started on
        or after it."""
        records = [e["record"] for e in self.entries()]
        if since is None:
            return records
        start = since.isoformat()
        return [r for r in records if str(r.get("started_at") or "")[:10] >= start]

    def find_entry(self, run_id: str) -> dict[str, Any] | None:
        """The entry of one run, by full id or unique prefix, verified up to and including it.
        A bad entry further on refuses a prefix (the run could lie past it), not a full id
        found before it."""
        hits: list[dict[str, Any]] = []
        try:
            for entry in self.entries():
                if str(entry["record"].get("run_id", "")).startswith(run_id):
                    hits.append(entry)
        except AuditLogDamaged:
            exact = [e for e in hits if e["record"].get("run_id") == run_id]
            if len(exact) == 1:
                return exact[0]
            raise
        return hits[0] if len(hits) == 1 else None

    def find(self, run_id: str) -> dict[str, Any] | None:
        """The record of one run, by full id or unique prefix (see ``find_entry``)."""
        entry = self.find_entry(run_id)
        return None if entry is None else entry["record"]

    def head(self) -> str:
        """The hash of the latest entry (publish it elsewhere to anchor the log)."""
        return str(self._read_head()["hash"])

    def _walk(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Each entry with its line number, checked against the chain as it is read. A last
        line cut short by an append in progress or interrupted (no newline, not an entry) is
        not an entry and is left out."""
        if not self.path.exists():
            return
        chain = Chain()
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 (closed below, also on a break)
        except OSError as exc:
            raise AuditLogError(f"{self.path}: cannot read ({exc.strerror})") from exc
        with fh:
            for number, raw in enumerate(fh, start=1):
                complete = raw.endswith(b"\n")
                entry, problem = _parse(raw[:-1] if complete else raw)
                if entry is None:
                    if not complete:
                        return
                    raise self._broken(number, None, str(problem))
                problem = chain.problem(entry)
                if problem:
                    raise self._broken(number, _run_of(entry), problem)
                chain.add(entry)
                yield number, entry

    def _broken(self, line: int, run: str | None, problem: str) -> AuditLogDamaged:
        named = f" (run {run})" if run else ""
        return AuditLogDamaged(f"audit log {self.path}, line {line}{named}: {problem}; run "
                               "crimeplan audit verify", line, run, problem)

    # -- verifying ---------------------------------------------------------------------------

    def verify(self, anchor: str | None = None, seen: Anchor | None = None) -> VerifyResult:
        """Check the whole chain and the head (after recovering an interrupted append, unless
        the log is a read-only copy); name the first bad entry.

        ``anchor`` is a head hash published earlier: the log must still contain it. ``seen`` is
        the head kept by an earlier verify: the log must still hold that entry, unchanged.
        """
        with self._locked(read_only_ok=True) as writable:
            repairs: tuple[str, ...] = ()
            damage = None
            try:
                repairs = tuple(self._recover()) if writable else ()
            except AuditLogDamaged as exc:
                damage = exc
            count, last, anchors = 0, GENESIS, AnchorCheck(anchor, seen)
            chain = Chain()
            try:
                for number, entry in self._walk():
                    count, last = number, entry["hash"]
                    chain.add(entry)
                    anchors.step(chain)
            except AuditLogDamaged as exc:
                return VerifyResult(False, count, exc.line, exc.run, exc.problem, last, repairs)
            try:
                head = self._read_head()
            except AuditLogDamaged as exc:
                return VerifyResult(False, count, problem=str(exc), head=last, repairs=repairs)
        failed = partial(VerifyResult, False, count, head=last, repairs=repairs)
        if head["count"] != count or head["hash"] != last:
            return failed(count + 1 if head["count"] > count else count, None,
                          f"log has {count} entries but the head records {head['count']} "
                          "(truncated or appended outside crimeplan)")
        if damage is not None:
            return failed(None, None, damage.problem)
        missed = anchors.failure(count)
        if missed is not None:
            return failed(missed[0], None, missed[1])
        return VerifyResult(True, count, head=last, repairs=repairs)

    def check(self) -> VerifyResult:
        """``verify``, raising AuditLogDamaged when it fails: for readers of the whole log."""
        result = self.verify()
        if not result.ok:
            raise AuditLogDamaged(f"audit log {self.path} fails verification: "
                                  f"{result.describe()}; run crimeplan audit verify",
                                  result.first_bad_line, result.first_bad_run, result.problem)
        return result


def _parse(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The entry on one line (without its newline), or why it is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, (f"byte 0x{raw[exc.start]:02x} at position {exc.start + 1} is not UTF-8 "
                      "text (damaged or edited)")
    try:
        entry = json.loads(text)
    except ValueError:
        return None, "unreadable entry (not JSON)"
    if not isinstance(entry, dict) or any(k not in entry for k in ENTRY_FIELDS) or (
            not isinstance(entry["record"], dict)):
        return None, "unreadable entry (not a log entry)"
    return entry, None


def _run_of(entry: dict[str, Any] | None) -> str | None:
    run = entry["record"].get("run_id") if entry is not None else None
    return None if run is None else str(run)


def _tail(path: Path) -> tuple[bytes | None, bytes]:
    """The last complete line of a file (without its newline; None if it has none) and the
    bytes after it (a line not finished)."""
    try:
        with open(path, "rb") as fh:
            pos = fh.seek(0, os.SEEK_END)
            block = b""
            while pos > 0 and block.count(b"\n") < 2:
                step = min(TAIL_BLOCK, pos)
                pos -= step
                fh.seek(pos)
                block = fh.read(step) + block
    except FileNotFoundError:
        return None, b""
    except OSError as exc:
        raise AuditLogError(f"{path}: cannot read ({exc.strerror})") from exc
    end = block.rfind(b"\n")
    if end < 0:
        return None, block
    return block[block.rfind(b"\n", 0, end) + 1:end], block[end + 1:]


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (``os.write`` may write fewer than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
