"""The transactional outbox: every change to an exchanged model writes its event in the same
transaction, from a session hook, so no use case can forget to publish and a rolled-back change
publishes nothing.

Events are numbered by one counter (``exchange_head``) taken under a row lock, after the audit
log's head: the lock is held to commit, so events become visible in the order of their numbers
and a reader that has seen ``n`` never later finds a smaller number committed (the feed's
cursor is monotonic). The audit head is locked first so that transactions that both log and
publish always take the two locks in one order (no deadlock on PostgreSQL); SQLite writers are
serialised by ``BEGIN IMMEDIATE`` already.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    String,
    UniqueConstraint,
    event,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from crimeplan.cases.db import Base, UtcDateTime, utcnow
from crimeplan.exchange import core, notify  # noqa: F401  (core declares the POLE core)
from crimeplan.exchange.envelope import (
    PERSON_RECORD,
    ChangeData,
    ChangeEvent,
    PersonIdentifier,
    PersonReference,
)
from crimeplan.exchange.registry import MODELS, SUBJECTS, Exchanged
from crimeplan.provenance.dblog import AuditHead


class OutboxEvent(Base):
    """One published change (ids and field names only)."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (UniqueConstraint("subject", "sequence"),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(120), index=True)
    subject: Mapped[str] = mapped_column(String(80))
    sequence: Mapped[int] = mapped_column(Integer)
    time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: The person record ids the change concerns.
    people: Mapped[list[str]] = mapped_column(JSON)
    #: The agencies that held or shared the subject when it changed (who may still learn of
    #: its erasure once the record is gone).
    audience: Mapped[list[str]] = mapped_column(JSON)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class OutboxHead(Base):
    """The last event number given (one row)."""

    __tablename__ = "exchange_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class Change:
    """One row's change, as the hook saw it in a flush (what needs the attribute history is
    computed then; the people and the audience once the flush is over)."""

    entry: Exchanged
    row: Any
    change: str
    fields: tuple[str, ...]
    type: str
    subject: str
    record: tuple[str, str]


PENDING, AUDIENCE = "exchange.pending", "exchange.audience"


def _change(entry: Exchanged, row: Any, change: str, fields: tuple[str, ...] = ()) -> Change:
    verb = change
    if change == "updated":
        verb = next((v for f, v in entry.verbs.items() if f in fields
                     and getattr(row, f) is not None), verb)
    kind, record_id = entry.subject(row)
    mapper = inspect(row).mapper
    return Change(entry, row, change, fields, f"{entry.type_prefix(row)}.{verb}",
                  f"{kind}/{record_id}", (mapper.local_table.name,
                                          str(mapper.primary_key_from_instance(row)[0])))


def _changed_columns(row: Any, quiet: frozenset[str]) -> tuple[str, ...]:
    state = inspect(row)
    return tuple(a.key for a in state.mapper.column_attrs
                 if a.key not in quiet and state.attrs[a.key].history.has_changes())


def _audience(session: Session, subject: str) -> list[str]:
    """The agencies that hold or share a subject now."""
    kind, record_id = subject.split("/", 1)
    resource = SUBJECTS[kind].resource(session, record_id)
    return [] if resource is None else sorted({str(resource.agency_id), *resource.shared_with})


@event.listens_for(Session, "before_flush")
def _before(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Note who holds each subject about to be deleted, while it is still there."""
    known = session.info.setdefault(AUDIENCE, {})
    for row in session.deleted:
        if (entry := MODELS.get(type(row))) is not None:
            kind, record_id = entry.subject(row)
            if f"{kind}/{record_id}" not in known:
                known[f"{kind}/{record_id}"] = _audience(session, f"{kind}/{record_id}")


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _flush: UOWTransaction) -> None:
    """Collect this flush's changes to exchanged models (their history is still there)."""
    found = session.info.setdefault(PENDING, [])
    for row in session.new:
        if (entry := MODELS.get(type(row))) is not None:
            found.append(_change(entry, row, "created"))
    for row in session.dirty:
        if (entry := MODELS.get(type(row))) is not None and (
                fields := _changed_columns(row, entry.quiet)):
            found.append(_change(entry, row, "updated", fields))
    for row in session.deleted:
        if (entry := MODELS.get(type(row))) is not None:
            found.append(_change(entry, row, "deleted"))


@event.listens_for(Session, "after_flush_postexec")
def _publish(session: Session, _flush: UOWTransaction) -> None:
    """Write the events of the flush's changes to the outbox, in its transaction."""
    changes, gone = session.info.pop(PENDING, []), session.info.pop(AUDIENCE, {})
    if changes:
        with session.no_autoflush:
            append(session, changes, gone)
        notify.mark(session)


def append(session: Session, changes: list[Change],
           gone: dict[str, list[str]] | None = None) -> list[int]:
    """Number and store the events of ``changes``; return their numbers. ``gone`` holds the
    audience of subjects deleted in the flush, noted before it."""
    connection = session.connection()
    connection.execute(select(AuditHead.id).where(AuditHead.id == 1).with_for_update())
    last = connection.execute(select(OutboxHead.last_seq).where(OutboxHead.id == 1)
                              .with_for_update()).scalar_one()
    sequence = dict(connection.execute(
        select(OutboxEvent.subject, func.max(OutboxEvent.sequence))
        .where(OutboxEvent.subject.in_({c.subject for c in changes}))
        .group_by(OutboxEvent.subject)).all())
    audiences = dict(gone or {})
    rows, now = [], utcnow()
    # Records are looked up in a session of their own on the same connection (it sees this
    # transaction): loading a relationship of the flushing session's objects here would fix
    # it before rows added by foreign key alone are flushed, and hide them afterwards.
    view = Session(bind=connection, autoflush=False)
    for n, change in enumerate(changes, start=1):
        sequence[change.subject] = sequence.get(change.subject, 0) + 1
        if change.subject not in audiences:
            audiences[change.subject] = _audience(view, change.subject)
        rows.append({
            "seq": last + n, "id": str(uuid.uuid4()), "type": change.type,
            "subject": change.subject, "sequence": sequence[change.subject], "time": now,
            "people": sorted({p for p in change.entry.people(session, change.row) if p}),
            "audience": audiences[change.subject],
            "data": {"recordtype": change.record[0], "recordid": change.record[1],
                     "change": change.change, "fields": list(change.fields)}})
    view.close()
    connection.execute(OutboxEvent.__table__.insert(), rows)
    connection.execute(update(OutboxHead).where(OutboxHead.id == 1)
                       .values(last_seq=last + len(rows)))
    return [r["seq"] for r in rows]


def after(session: Session, cursor: int, limit: int,
          types: tuple[str, ...] = ()) -> list[OutboxEvent]:
    """Events numbered above ``cursor``, oldest first, at most ``limit``; only those whose
    type starts with one of ``types`` when given."""
    query = select(OutboxEvent).where(OutboxEvent.seq > cursor)
    if types:
        query = query.where(or_(*(OutboxEvent.type.startswith(t) for t in types)))
    return list(session.scalars(query.order_by(OutboxEvent.seq).limit(limit)))


def last_seq(session: Session) -> int:
    """The number of the newest event (0 before the first)."""
    return int(session.scalar(select(OutboxHead.last_seq).where(OutboxHead.id == 1)) or 0)


def envelope(row: OutboxEvent, source: str, base_url: str) -> ChangeEvent:
    """The CloudEvents envelope of a stored event, its ``detailurl`` under ``base_url``."""
    kind, record_id = row.subject.split("/", 1)
    return ChangeEvent(
        id=row.id, source=source, type=row.type, subject=row.subject, time=row.time,
        detailurl=base_url.rstrip("/") + SUBJECTS[kind].detail_path(record_id),
        personreference=PersonReference(identifiers=[
            PersonIdentifier(type=PERSON_RECORD, value=p) for p in row.people]),
        sequence=row.sequence, data=ChangeData(**row.data))
