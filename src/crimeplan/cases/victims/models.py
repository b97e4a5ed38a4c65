"""Tables of the victims' programme: a victim's care record for one crime, needs assessments,
the victim's choices, and the obligations the Code creates.

A victim is a person taking part as ``victim`` in a ``crime-reported`` event; their care record
ties that person and crime to a ``victim-care`` case of the force that recorded it (the case
carries ownership, sensitivity and sharing, as every case does). Obligations are generated
from the crime's events by :mod:`crimeplan.cases.victims.obligations`; their state is derived
from their timestamps and never stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimeplan.cases.agencies import new_id
from crimeplan.cases.casework import Case
from crimeplan.cases.db import Base, UtcDateTime, utcnow
from crimeplan.cases.events import Event
from crimeplan.cases.people import Person


class VictimCare(Base):
    """One person's care as the victim of one crime."""

    __tablename__ = "victim_care"
    __table_args__ = (UniqueConstraint("person_id", "crime_event_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    crime_event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                                index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    case: Mapped[Case] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(lazy="joined")
    crime: Mapped[Event] = relationship(lazy="joined")
    assessments: Mapped[list[NeedsAssessment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="NeedsAssessment.assessed_at")
    choices: Mapped[list[VictimChoice]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="VictimChoice.recorded_at")


class NeedsAssessment(Base):
    """What a needs assessment found: the support needed, the grounds of Enhanced Rights
    (none: standard), and what it led to. Enhanced status comes from here, never from the
    crime type alone."""

    __tablename__ = "victim_needs_assessments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    care_id: Mapped[str] = mapped_column(ForeignKey("victim_care.id", ondelete="CASCADE"),
                                         index=True)
    assessed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    #: Who assessed (a user id; no foreign key, so the record outlives the account).
    assessor_id: Mapped[str | None] = mapped_column(String(36), default=None)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    grounds: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def enhanced(self) -> bool:
        return bool(self.grounds)


class VictimChoice(Base):
    """A choice the victim made, from the time it was recorded: opting out of (or back into)
    one right or all of them (``right`` None), an agreed frequency of updates, a channel."""

    __tablename__ = "victim_choices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    care_id: Mapped[str] = mapped_column(ForeignKey("victim_care.id", ondelete="CASCADE"),
                                         index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(30))
    right: Mapped[int | None] = mapped_column(Integer, default=None)
    channel: Mapped[str | None] = mapped_column(String(20), default=None)
    frequency_days: Mapped[int | None] = mapped_column(Integer, default=None)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    recorded_by: Mapped[str | None] = mapped_column(String(36), default=None)


class Obligation(Base):
    """One duty owed to one victim, started by one event, under one version of the rules.

    Its state is derived from the timestamps (see ``obligations.state``): ``met_at`` from the
    first event that meets it, ``stopped_at`` from the victim's choices (the clock stops when
    they were recorded), ``unable_at`` and ``not_applicable_at`` from what the duty holder
    recorded, ``withdrawn_at`` when a correction took its triggering event away.
    """

    __tablename__ = "victim_obligations"
    __table_args__ = (
        UniqueConstraint("care_id", "rules_version", "rule_id", "trigger_event_id"),
        # Covers the dashboard's query (its groups and every timestamp of the state), so the
        # database counts from the index alone.
        Index("ix_victim_obligations_dashboard", "due_month", "right", "duty_agency_id",
              "due_at", "met_at", "stopped_at", "unable_at", "withdrawn_at",
              "not_applicable_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    care_id: Mapped[str] = mapped_column(ForeignKey("victim_care.id", ondelete="CASCADE"),
                                         index=True)
    rules_version: Mapped[str] = mapped_column(String(40))
    rule_id: Mapped[str] = mapped_column(String(60))
    right: Mapped[int] = mapped_column(Integer)
    duty_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    trigger_event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), default=None, index=True)
    triggered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    enhanced: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date] = mapped_column(Date)
    #: The end of the due day in England (midnight, as UTC): met means met before it.
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: ``YYYY-MM`` of the due day: the month the dashboard counts it in.
    due_month: Mapped[str] = mapped_column(String(7))
    met_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    met_event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), default=None)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    stop_reason: Mapped[str | None] = mapped_column(String(30), default=None)
    unable_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    unable_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    not_applicable_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    not_applicable_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    care: Mapped[VictimCare] = relationship(lazy="raise")

    def values(self) -> dict[str, Any]:
        """The generated fields, to compare a row with a freshly computed one."""
        return {f: getattr(self, f) for f in GENERATED}


#: The fields regeneration computes (the others are recorded by people).
GENERATED = ("right", "duty_agency_id", "triggered_at", "enhanced", "limit_days", "due_on",
             "due_at", "due_month", "met_at", "met_event_id", "stopped_at", "stop_reason")
