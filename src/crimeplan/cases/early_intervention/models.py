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
from crimeplan.errors import BadInput, Conflict, FieldProblem

PROGRAMME = "early-intervention"

#: Referral statuses in the order a referral passes through them.
REFERRAL_STATUSES = ("awaiting-consent", "consent-refused", "awaiting-start", "in-support",
                     "ended")

#: Each step recorded on a referral: the timestamp it sets and the status it needs first.
STEPS = {"consent-given": ("consent_given_at", "awaiting-consent"),
         "consent-refused": ("consent_refused_at", "awaiting-consent"),
         "support-started": ("support_started_at", "awaiting-start"),
         "support-ended": ("support_ended_at", "in-support")}


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

    @classmethod
    def make(cls, agency_id: str, person_id: str, event_id: str, rule_id: str,
             rule_label: str, rules_version: str, deadline: dt.date,
             at: dt.datetime) -> Referral:
        """A new referral and the case it opens for the referring service."""
        case = Case(id=new_id(), agency_id=agency_id, programme=PROGRAMME,
                    person_id=person_id, title=f"Early intervention: {rule_label}",
                    opened_at=at, shares=[])
        return cls(id=new_id(), case_id=case.id, case=case, person_id=person_id,
                   qualifying_event_id=event_id, qualifying_rule=rule_id,
                   rules_version=rules_version, deadline=deadline, referred_at=at)

    def advance(self, step: str, at: dt.datetime, reason: str | None = None) -> None:
        """Record consent (given or refused), the start or the end of support, in order and
        never before the previous step; a refusal or an end closes the case."""
        if step not in STEPS:
            raise BadInput(f"unknown step {step!r}", fields=(FieldProblem(
                "step", "invalid", f"Use one of: {', '.join(STEPS)}"),))
        column, needs = STEPS[step]
        if self.status != needs:
            raise Conflict(f"cannot record {step} on a referral that is {self.status}")
        previous = max(t for t in (self.referred_at, self.consent_given_at,
                                   self.support_started_at) if t is not None)
        if at < previous:
            raise BadInput("a step cannot be recorded before the previous one", fields=(
                FieldProblem("at", "too-early",
                             f"Give a time after {previous:%d/%m/%Y %H:%M}"),))
        setattr(self, column, at)
        if step in ("consent-refused", "support-ended"):
            self.end_reason = reason
            self.case.closed_at = at
            self.case.close_reason = reason or step
