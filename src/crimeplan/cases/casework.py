"""Cases: work one agency owns about a person, shared with named agencies, with tasks and notes.

Every status is derived from timestamps, never stored: a case is open until ``closed_at``; a
task is done when ``completed_at`` is set, overdue when its due date has passed without it.
Retention follows the Management of Police Information (MoPI) review groups.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimeplan.cases.agencies import new_id
from crimeplan.cases.db import Base, UtcDateTime, utcnow


class Case(Base):
    """A piece of work about one person in one programme (``standard.pole.PROGRAMMES``)."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    programme: Mapped[str] = mapped_column(String(30), index=True)
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), default=None, index=True)
    title: Mapped[str] = mapped_column(String(200))
    sensitivity: Mapped[str] = mapped_column(String(20), default="standard")
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    close_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    #: When the record must next be reviewed for retention (MoPI), if it is set.
    review_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    retention_group: Mapped[str | None] = mapped_column(String(20), default=None)

    shares: Mapped[list[CaseShare]] = relationship(cascade="all, delete-orphan",
                                                   lazy="selectin")

    @property
    def status(self) -> str:
        return "closed" if self.closed_at is not None else "open"


class CaseShare(Base):
    """A case shared with another agency (which may then see and add to it)."""

    __tablename__ = "case_shares"
    __table_args__ = (UniqueConstraint("case_id", "agency_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    shared_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Task(Base):
    """Something to be done on a case by an agency (and, when allocated, a named worker)."""

    __tablename__ = "case_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    owner_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: What the task serves, e.g. an IOM pathway id; None for general tasks.
    pathway: Mapped[str | None] = mapped_column(String(40), default=None)
    due_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)

    def status(self, today: dt.date) -> str:
        """done, overdue or open, as of ``today``."""
        if self.completed_at is not None:
            return "done"
        if self.due_on is not None and self.due_on < today:
            return "overdue"
        return "open"


class CaseNote(Base):
    """A note on a case; ``sensitivity`` restricted notes are seen by the owning agency only."""

    __tablename__ = "case_notes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    author_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    text: Mapped[str] = mapped_column(Text)
    sensitivity: Mapped[str] = mapped_column(String(20), default="standard")
    #: Whether the note records a fact or a professional's assessment (DPA 2018 s.38(2)).
    basis: Mapped[str] = mapped_column(String(20), default="fact")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
