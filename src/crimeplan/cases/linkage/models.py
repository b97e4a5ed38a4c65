"""Link proposals: pairs of person records the model judged to be one person, waiting for a
person to confirm or reject them. Never a silent merge: only a confirmation makes a ``Link``.

The state is derived from timestamps: pending until ``confirmed_at`` or ``rejected_at`` is
set. A rejected pair is kept, so the model never proposes it again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crimeplan.cases.agencies import new_id
from crimeplan.cases.db import Base, UtcDateTime, utcnow


class LinkProposal(Base):
    """A scored pair of records (``person_id`` < ``other_id``) and what was decided."""

    __tablename__ = "link_proposals"
    __table_args__ = (UniqueConstraint("person_id", "other_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    other_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                          index=True)
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    #: The level of each comparison and its match weight (never the compared values).
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    model_version: Mapped[str] = mapped_column(String(40))
    proposed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    rejected_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    decided_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"),
                                                           default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)

    @property
    def status(self) -> str:
        if self.confirmed_at is not None:
            return "confirmed"
        return "rejected" if self.rejected_at is not None else "pending"
