"""The database back end of the audit log: the same hash chain as the workspace's file log.

An entry is ``{seq, prev, logged_at, hash, record}`` with ``hash = entry_hash(seq, prev,
logged_at, record)`` exactly as in :mod:`crimeplan.provenance.chain`, so one verifier's rules
hold for both. Appends lock the single ``audit_head`` row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers) and happen in the caller's
transaction: an entry exists exactly when the change it records was committed.

A few columns are copied out of the record (kind, category, subject, actor) so the data
protection officer's questions are indexed queries; ``verify`` checks they still match the
hashed record, so editing them is caught as well.

The tables live in the service database beside the cases, so the service's declarative base
(``crimeplan.cases.db.Base``) is built on :data:`METADATA`, owned here: provenance stays the
lowest layer (it imports nothing of the service), and one metadata, one set of migrations,
holds every table.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Integer, MetaData, String, Text, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from crimeplan.provenance.anchors import Anchor
from crimeplan.provenance.chain import (
    AnchorCheck,
    Chain,
    VerifyResult,
    canonical_json,
    entry_hash,
)

HEAD_ID = 1
#: How a bad entry is located in the database: by its place in chain order.
AT = "at position"

#: Constraint names Alembic can find again on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
#: The metadata of every table of the service database, the audit log's and the cases'.
METADATA = MetaData(naming_convention=NAMING)


class _LogTable(DeclarativeBase):
    """Declarative base of the audit log's tables, in the service's metadata."""

    metadata = METADATA


class AuditHead(_LogTable):
    """The count and last hash of the chain: one row, locked by every append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    logged_at: Mapped[str] = mapped_column(String(40))


class AuditEntry(_LogTable):
    """One entry of the chain. Append-only: database triggers (see the migrations) refuse
    updates and deletes, and there is deliberately no foreign key that could cascade."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    prev: Mapped[str] = mapped_column(String(64))
    logged_at: Mapped[str] = mapped_column(String(40))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    record_json: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    category: Mapped[str | None] = mapped_column(String(20), default=None)
    subject_type: Mapped[str | None] = mapped_column(String(20), default=None)
    subject_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    agency_id: Mapped[str | None] = mapped_column(String(36), default=None)

    @property
    def record(self) -> dict[str, Any]:
        return dict(json.loads(self.record_json))

    def as_entry(self) -> dict[str, Any]:
        """The entry in the file log's form."""
        return {"seq": self.seq, "prev": self.prev, "logged_at": self.logged_at,
                "hash": self.hash, "record": self.record}


def _index_columns(record: dict[str, Any]) -> dict[str, Any]:
    subject = record.get("subject") or {}
    actor = record.get("actor") or {}
    return {"kind": str(record.get("kind", "")), "category": record.get("category"),
            "subject_type": subject.get("type"), "subject_id": subject.get("id"),
            "user_id": actor.get("user_id"), "agency_id": actor.get("agency_id")}


def append(session: Session, record: dict[str, Any]) -> AuditEntry:
    """Append one record in the session's transaction; return the stored entry."""
    head = session.execute(select(AuditHead).where(AuditHead.id == HEAD_ID)
                           .with_for_update()).scalar_one()
    frozen = json.loads(canonical_json(record))
    seq = head.count + 1
    logged_at = max(_now(), head.logged_at)
    digest = entry_hash(seq, head.hash, logged_at, frozen)
    entry = AuditEntry(seq=seq, prev=head.hash, logged_at=logged_at, hash=digest,
                       record_json=canonical_json(frozen), **_index_columns(frozen))
    session.add(entry)
    head.count, head.hash, head.logged_at = seq, digest, logged_at
    session.flush()
    return entry


def entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    """Every entry in chain order, read in batches."""
    last = 0
    while True:
        rows = session.execute(select(AuditEntry).where(AuditEntry.seq > last)
                               .order_by(AuditEntry.seq).limit(batch)).scalars().all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def head(session: Session) -> str:
    """The hash of the latest entry (publish it elsewhere to anchor the log)."""
    return session.execute(select(AuditHead.hash).where(AuditHead.id == HEAD_ID)).scalar_one()


def log_name(url: str) -> str:
    """The name of a database's log, for anchors: its URL without the password."""
    return make_url(url).render_as_string(hide_password=True)


def verify(session: Session, anchor: str | None = None,
           seen: Anchor | None = None) -> VerifyResult:
    """Check the whole chain, the index columns and the head; name the first bad entry.

    ``first_bad_line`` is the position (1-based) of the first bad entry in chain order.
    ``anchor`` is a head hash published earlier: the log must still contain it. ``seen`` is
    the head kept by an earlier verify: the log must still hold that entry, unchanged.
    """
    chain, anchors = Chain(), AnchorCheck(anchor, seen)
    for position, row in enumerate(entries(session), start=1):
        entry = row.as_entry()
        problem = chain.problem(entry)
        if problem is None and _index_columns(row.record) != _columns_of(row):
            problem = "indexed columns do not match the hashed record (edited)"
        if problem:
            run = row.record.get("run_id") if isinstance(row.record, dict) else None
            return VerifyResult(False, chain.count, position, run, problem, chain.hash,
                                located=AT)
        chain.add(entry)
        anchors.step(chain)
    stored = session.execute(select(AuditHead).where(AuditHead.id == HEAD_ID)).scalar_one()
    if stored.count != chain.count or stored.hash != chain.hash:
        return VerifyResult(False, chain.count, chain.count + 1, None,
                            f"log has {chain.count} entries but the head records {stored.count} "
                            "(truncated or appended outside crimeplan)", chain.hash, located=AT)
    missed = anchors.failure(chain.count)
    if missed is not None:
        return VerifyResult(False, chain.count, missed[0], None, missed[1], chain.hash,
                            located=AT)
    return VerifyResult(True, chain.count, head=chain.hash)


def _columns_of(row: AuditEntry) -> dict[str, Any]:
    return {"kind": row.kind, "category": row.category, "subject_type": row.subject_type,
            "subject_id": row.subject_id, "user_id": row.user_id, "agency_id": row.agency_id}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
