"""The hash chain both back ends of the audit log keep, and how a walk along it is checked.

An entry is ``{"seq", "prev", "logged_at", "hash", "record"}`` where ``hash = sha256(canonical
JSON of {"seq", "prev", "logged_at", "record"})`` and ``prev`` is the previous entry's hash (64
zeros for the first). Any edited, deleted, inserted, reordered or out-of-order entry breaks the
chain. Heads kept elsewhere (``anchors``) catch a log rewritten or shortened as a whole.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from crimeplan.provenance.anchors import Anchor

GENESIS = "0" * 64
#: The fields of every entry.
ENTRY_FIELDS = ("seq", "prev", "logged_at", "hash", "record")


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no spaces: the form that is hashed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(seq: int, prev: str, logged_at: str, record: dict[str, Any]) -> str:
    """SHA-256 of one entry's content."""
    payload = canonical_json({"seq": seq, "prev": prev, "logged_at": logged_at, "record": record})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def sealed(entry: dict[str, Any]) -> bool:
    """Whether an entry's content matches its stated hash."""
    return entry_hash(entry["seq"], entry["prev"], entry["logged_at"],
                      entry["record"]) == entry["hash"]


class AuditLogError(Exception):
    """The audit log cannot be read or written safely; the message says which file and why."""


class AuditLogDamaged(AuditLogError, ValueError):
    """The log fails its check at a line, or its head is unreadable: nothing past that point is
    used, and nothing is appended until someone has looked (``crimeplan audit verify``)."""

    def __init__(self, message: str, line: int | None = None, run: str | None = None,
                 problem: str | None = None) -> None:
        super().__init__(message)
        self.line, self.run, self.problem = line, run, problem or message


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of verifying a log: ``ok``, entries checked, the first bad one (its line in the
    file log, its position in chain order in the database: ``located`` says which), the head
    hash reached and any repair of an interrupted append made first."""

    ok: bool
    entries: int
    first_bad_line: int | None = None
    first_bad_run: str | None = None
    problem: str | None = None
    head: str = GENESIS
    repairs: tuple[str, ...] = ()
    located: str = "on line"

    def describe(self) -> str:
        """Where the log first fails, for people."""
        if self.ok:
            return f"intact: {self.entries} entries; head {self.head}"
        where = f"entry {self.located} {self.first_bad_line}" if self.first_bad_line else "log"
        run = f" (run {self.first_bad_run})" if self.first_bad_run else ""
        return f"{where}{run}: {self.problem}; {self.entries} entries before it are intact"


@dataclass
class Chain:
    """How far a walk along the chain has got: entries so far, last hash, last time."""

    count: int = 0
    hash: str = GENESIS
    logged_at: str = ""

    def problem(self, entry: dict[str, Any]) -> str | None:
        """Why ``entry`` cannot be the next link, or None."""
        seq, due = entry["seq"], self.count + 1
        if seq != due:
            return f"sequence {seq} where {due} was due (an entry was deleted, inserted or moved)"
        if entry["prev"] != self.hash:
            return "does not follow the previous entry"
        if not sealed(entry):
            return "content does not match its hash (edited)"
        if str(entry["logged_at"]) < self.logged_at:
            return (f"logged at {entry['logged_at']}, before the previous entry "
                    "(appended out of order)")
        return None

    def holds(self, entry: dict[str, Any]) -> bool:
        """Whether ``entry`` is, unaltered, the last link reached."""
        return entry["seq"] == self.count and entry["hash"] == self.hash and sealed(entry)

    def add(self, entry: dict[str, Any]) -> None:
        self.count, self.hash = entry["seq"], entry["hash"]
        self.logged_at = str(entry["logged_at"])


@dataclass
class AnchorCheck:
    """Heads kept outside the log, met (or not) along a walk: ``published``, a head hash
    published earlier, must be in the log; ``seen``, the head kept by the last verify, must
    still be there, unchanged, at its place."""

    published: str | None = None
    seen: Anchor | None = None
    found_published: bool = False
    kept: str | None = None

    def step(self, chain: Chain) -> None:
        """Note the link just added to ``chain``."""
        self.found_published = self.found_published or chain.hash == self.published
        if self.seen is not None and chain.count == self.seen.count:
            self.kept = chain.hash

    def failure(self, count: int) -> tuple[int | None, str] | None:
        """(entry to name, problem) when a log of ``count`` entries misses a head, else None."""
        if self.published is not None and not self.found_published:
            return None, f"the published head {self.published} is not in the log (rewritten)"
        seen = self.seen
        if seen is not None and count < seen.count:
            return None, (f"the log has {count} entries but {seen.count} were verified on "
                          f"{seen.seen_at}: entries were deleted or the log rebuilt")
        if seen is not None and self.kept != seen.hash:
            return seen.count, (f"entry {seen.count} is not the one verified on "
                                f"{seen.seen_at} (hash {seen.hash}): the log was rewritten")
        return None
