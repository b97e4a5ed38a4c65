"""Organisations that use the service, and their kinds as a stable code list."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crimeplan.cases.db import Base, UtcDateTime, utcnow


@dataclass(frozen=True)
class AgencyKind:
    """One kind of agency: a stable id (never reused) and its label."""

    id: str
    label: str


#: The kinds of agency that take part, by stable id.
AGENCY_KINDS: dict[str, AgencyKind] = {k.id: k for k in (
    AgencyKind("police-force", "Police force"),
    AgencyKind("probation", "Probation service"),
    AgencyKind("local-authority", "Local authority"),
    AgencyKind("health", "Health body"),
    AgencyKind("housing-provider", "Housing provider"),
    AgencyKind("drug-alcohol-treatment", "Drug and alcohol treatment service"),
    AgencyKind("youth-justice", "Youth justice service"),
    AgencyKind("victim-service", "Victim service"),
    AgencyKind("pcc-office", "Office of the Police and Crime Commissioner"),
)}


def new_id() -> str:
    return str(uuid.uuid4())


class Agency(Base):
    """An organisation whose staff or systems use the service."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return AGENCY_KINDS[self.kind].label
