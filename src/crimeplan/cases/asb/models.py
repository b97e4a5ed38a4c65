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

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimeplan.cases.agencies import new_id
from crimeplan.cases.casework import Case
from crimeplan.cases.db import Base, UtcDateTime, utcnow

#: Who made the application: the victim, or someone on their behalf with their consent.
APPLICANT_ROLES = ("victim", "family-or-friend", "councillor", "mp", "professional", "other")
#: The victim may be an individual, a business or a community group.
VICTIM_TYPES = ("individual", "business", "community-group")
#: The task ``pathway`` that marks a recommendation of a review.
RECOMMENDATION = "asb-recommendation"


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
