"""The ASB case review application: who applied for whom, the local area, and a timestamp for
each step (received, acknowledged, threshold decided, review meeting held, appeal received and
decided). Its status and clock are derived from these (see ``timeline``); the review's
recommendations are the tasks of its case, and the relevant bodies party to it the agencies
the case is shared with.

Complaints and incidents are POLE events (``asb-incident`` and ``complaint``), so they need no
table of their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimeplan.cases.agencies import new_id
from crimeplan.cases.asb.incidents import ThresholdCheck
from crimeplan.cases.casework import Case, CaseShare
from crimeplan.cases.db import Base, UtcDateTime, utcnow
from crimeplan.errors import BadInput, Conflict, FieldProblem

PROGRAMME = "asb-case-review"

#: Who made the application: the victim, or someone on their behalf with their consent.
APPLICANT_ROLES = ("victim", "family-or-friend", "councillor", "mp", "professional", "other")
#: The victim may be an individual, a business or a community group.
VICTIM_TYPES = ("individual", "business", "community-group")
#: The task ``pathway`` that marks a recommendation of a review.
RECOMMENDATION = "asb-recommendation"
#: Each step and the one that must come before it (an appeal follows a decision or a review).
ORDER = {"acknowledged": "received", "threshold-decided": "acknowledged",
         "meeting-held": "threshold-decided", "appeal-received": "threshold-decided",
         "appeal-decided": "appeal-received"}


def _bad(field: str, code: str, message: str) -> BadInput:
    return BadInput(message, fields=(FieldProblem(field, code, message),))


class Application(Base):
    """An application for an ASB case review in one local government area."""

    __tablename__ = "asb_applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    local_area: Mapped[str] = mapped_column(String(100), index=True)
    procedure_version: Mapped[str] = mapped_column(String(20))
    applicant_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), default=None, index=True)
    #: The victim the application is made for, when the applicant is someone else.
    victim_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), default=None, index=True)
    applicant_role: Mapped[str] = mapped_column(String(30), default="victim")
    victim_type: Mapped[str] = mapped_column(String(20), default="individual")
    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), default=None)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    threshold_decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime,
                                                                     default=None)
    threshold_met: Mapped[bool | None] = mapped_column(Boolean, default=None)
    #: Which rule the threshold was met by (``complaints``, a local rule id) or None.
    threshold_rule: Mapped[str | None] = mapped_column(String(40), default=None)
    decision_reason: Mapped[str | None] = mapped_column(Text, default=None)
    meeting_held_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    appeal_received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    appeal_decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    appeal_upheld: Mapped[bool | None] = mapped_column(Boolean, default=None)
    appeal_reason: Mapped[str | None] = mapped_column(Text, default=None)

    case: Mapped[Case] = relationship(lazy="joined")

    @property
    def victim_person_id(self) -> str | None:
        """Whose complaints count: the victim's, or the applicant's when they are the victim."""
        return self.victim_id or self.applicant_id

    def done_at(self, step: str) -> dt.datetime | None:
        """When a step (``rules.STEPS``) happened, or None."""
        return getattr(self, step.replace("-", "_") + "_at")

    @classmethod
    def make(cls, lead_agency_id: str, values: dict[str, Any], parties: list[str],
             received_at: dt.datetime, procedure_version: str) -> Application:
        """A new application received by the lead agency and its case, shared with the
        relevant bodies it is passed on to."""
        case = Case(id=new_id(), agency_id=lead_agency_id, programme=PROGRAMME,
                    person_id=values.get("victim_id") or values.get("applicant_id"),
                    title=f"ASB case review, {values['local_area']}", opened_at=received_at,
                    shares=[CaseShare(agency_id=p) for p in dict.fromkeys(parties)
                            if p != lead_agency_id])
        return cls(id=new_id(), case_id=case.id, case=case,
                   procedure_version=procedure_version, received_at=received_at, **values)

    def advance(self, step: str, at: dt.datetime, met: bool | None = None,
                reason: str | None = None, upheld: bool | None = None,
                check: ThresholdCheck | None = None) -> None:
        """Record a step in order, never before the previous one. A threshold decision says
        whether it was met and why; where ``check`` (the complaints counted) meets the
        statutory count of s.104(4), it cannot be decided as not met. A threshold not met,
        or an appeal not upheld, closes the case; an appeal reopens it."""
        if step not in ORDER:
            raise _bad("step", "invalid", f"Use one of: {', '.join(ORDER)}")
        if self.done_at(step) is not None:
            raise Conflict(f"{step} is already recorded")
        if self.done_at(ORDER[step]) is None:
            raise Conflict(f"record {ORDER[step]} first")
        previous = max(t for t in (self.received_at, self.acknowledged_at,
                                   self.threshold_decided_at, self.meeting_held_at,
                                   self.appeal_received_at) if t is not None)
        if at < previous:
            raise _bad("at", "too-early", f"Give a time after {previous:%d/%m/%Y %H:%M}")
        if step == "threshold-decided":
            self._decide(met, reason, check)
        elif step == "meeting-held" and self.threshold_met is False:
            raise Conflict("the threshold was not met: there is no review meeting")
        elif step == "appeal-decided":
            if upheld is None:
                raise _bad("upheld", "required", "Say whether the appeal was upheld")
            self.appeal_upheld, self.appeal_reason = upheld, reason
        setattr(self, step.replace("-", "_") + "_at", at)
        if (step == "threshold-decided" and not met) or (step == "appeal-decided"
                                                         and not upheld):
            self.case.closed_at, self.case.close_reason = at, step
        elif step == "appeal-received":
            self.case.closed_at, self.case.close_reason = None, None

    def _decide(self, met: bool | None, reason: str | None,
                check: ThresholdCheck | None) -> None:
        if met is None:
            raise _bad("met", "required", "Say whether the threshold is met")
        if check is None:
            raise ValueError("a threshold decision needs the complaints counted")
        if not met and check.statutory:
            raise Conflict(f"{len(check.counted)} qualifying complaints were made: the "
                           "threshold must be decided as met (s.104(4))")
        if not met and not reason:
            raise _bad("reason", "required", "Give the reason the threshold is not met")
        self.threshold_met = met
        self.threshold_rule = (check.rule if met and check.met else
                               "discretion" if met else None)
        self.decision_reason = reason
