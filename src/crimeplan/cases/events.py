"""Events: what happened, when, where, recorded by which agency, and who took part.

Kinds and roles are ids of ``standard.pole.EVENT_KINDS`` and ``PARTICIPANT_ROLES``; ``code``
narrows a kind (an offence or outcome code, a test result) and ``details`` holds what only
that kind needs, as JSON. Programmes derive their states from events' timestamps rather than
storing a status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimeplan.cases.agencies import new_id
from crimeplan.cases.db import Base, UtcDateTime, utcnow


class Event(Base):
    """One thing that happened, as one agency recorded it."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str | None] = mapped_column(String(60), default=None)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("locations.id"), default=None,
                                                    index=True)
    #: The agency's own reference for it (a crime reference number, an incident log number).
    reference: Mapped[str | None] = mapped_column(String(60), default=None, index=True)
    #: Another event this one follows from (a charge from an arrest, a complaint about an
    #: incident).
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("events.id"), default=None,
                                                  index=True)
    sensitivity: Mapped[str] = mapped_column(String(20), default="standard")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    participants: Mapped[list[Participant]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")


class Participant(Base):
    """A person's part in an event (``standard.pole.PARTICIPANT_ROLES``)."""

    __tablename__ = "event_participants"
    __table_args__ = (UniqueConstraint("event_id", "person_id", "role"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    role: Mapped[str] = mapped_column(String(20))
