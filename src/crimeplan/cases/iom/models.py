"""IOM tables: a person's journey on an IOM case, reviews, allocations, needs and nomination
decisions. Nothing stores a status: each is derived from the timestamps (see ``journey``).

An IOM case is a core :class:`~crimeplan.cases.casework.Case` (programme ``iom``) owned by the
agency that took the person on, shared with its IOM partners; its action plan is the case's
tasks, each with a pathway.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crimeplan.cases.agencies import new_id
from crimeplan.cases.db import Base, UtcDateTime, utcnow


class IomRecord(Base):
    """The journey of one IOM case: referral, assessment, selection, de-selection."""

    __tablename__ = "iom_records"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    referred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    referring_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    referral_reason: Mapped[str] = mapped_column(Text)
    assessed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    assessment_summary: Mapped[str | None] = mapped_column(Text, default=None)
    selected_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None,
                                                            index=True)
    #: The cohort chosen at selection (``rulebook`` cohorts: fixed, flex, free).
    cohort: Mapped[str | None] = mapped_column(String(20), default=None)
    selection_reason: Mapped[str | None] = mapped_column(Text, default=None)
    selected_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"),
                                                            default=None)
    #: When the first review falls due (later ones are set by each review).
    first_review_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    deselected_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    deselection_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    deselection_note: Mapped[str | None] = mapped_column(Text, default=None)
    #: The rules file the decisions were made under (e.g. ``2025-v1``).
    rules_version: Mapped[str] = mapped_column(String(20))


class IomReview(Base):
    """A review of an active case; it sets the next review date and may move the cohort."""

    __tablename__ = "iom_reviews"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    held_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    note: Mapped[str] = mapped_column(Text)
    next_review_on: Mapped[dt.date] = mapped_column(Date)
    #: A new cohort decided at this review, if it changed.
    cohort: Mapped[str | None] = mapped_column(String(20), default=None)


class IomAllocation(Base):
    """Who leads on the case, from when to when: a transfer ends one and starts the next."""

    __tablename__ = "iom_allocations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None,
                                                index=True)
    from_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    to_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    reason: Mapped[str] = mapped_column(Text)


class IomNeed(Base):
    """A pathway need as assessed at one time (the latest per pathway is current)."""

    __tablename__ = "iom_needs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    pathway: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    assessed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))


class NominationDecision(Base):
    """A person's decision on a nomination from the harm-weighted scores, with the score as
    it was shown: the score informs the decision, the reason is the decision's own."""

    __tablename__ = "iom_nomination_decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: ``select`` or ``do-not-select``.
    decision: Mapped[str] = mapped_column(String(20))
    cohort: Mapped[str | None] = mapped_column(String(20), default=None)
    reason: Mapped[str] = mapped_column(Text)
    harm_table: Mapped[str] = mapped_column(String(120))
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[dt.date] = mapped_column(Date)
    harm: Mapped[float] = mapped_column(Float)
    offences: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    #: The score's components as shown: per offence type, count, weight and harm.
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"),
                                                default=None)
