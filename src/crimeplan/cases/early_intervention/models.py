"""Early intervention's tables: status periods recorded on a child, and referrals.

A referral's status is derived from its timestamps (referred, consent given or refused,
support started, support ended), never stored. Each referral belongs to a case of the
``early-intervention`` programme owned by the youth justice service that took it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimeplan.cases.agencies import Agency, new_id
from crimeplan.cases.casework import Case
from crimeplan.cases.db import Base, UtcDateTime, utcnow

#: Referral statuses in the order a referral passes through them.
REFERRAL_STATUSES = ("awaiting-consent", "consent-refused", "awaiting-start", "in-support",
                     "ended")

#: The steps recorded on a referral, each setting its timestamp.
STEPS = ("consent-given", "consent-refused", "support-started", "support-ended")


class StatusPeriod(Base):
    """A period a child was looked after, on a child protection plan, given early help with a
    lead practitioner or on a youth justice order, as the agency that holds it recorded it
    (``kind`` is an exclusion id of the rules; ``to_date`` None: still open)."""

    __tablename__ = "ei_status_periods"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(40))
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")


class Referral(Base):
    """A child referred for early intervention on a qualifying event, under one version of
    the eligibility rules."""

    __tablename__ = "ei_referrals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    qualifying_event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), default=None)
    qualifying_rule: Mapped[str] = mapped_column(String(40))
    rules_version: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[dt.date] = mapped_column(Date)
    referred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    consent_given_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    consent_refused_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    support_started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    support_ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    end_reason: Mapped[str | None] = mapped_column(String(200), default=None)

    case: Mapped[Case] = relationship(lazy="joined")

    @property
    def status(self) -> str:
        """Where the referral is, from its timestamps."""
        if self.support_ended_at is not None:
            return "ended"
        if self.support_started_at is not None:
            return "in-support"
        if self.consent_refused_at is not None:
            return "consent-refused"
        if self.consent_given_at is not None:
            return "awaiting-start"
        return "awaiting-consent"

    @property
    def open(self) -> bool:
        """Still under way (not refused and not ended)."""
        return self.status not in ("consent-refused", "ended")
