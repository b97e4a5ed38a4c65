"""Request and response bodies of the early intervention API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from crimeplan.web.api.schemas import Strict, text

#: Days the service reasons about (bounded so no date arithmetic overflows).
Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31))]
#: A moment with its time zone, within the service's years.
Moment = Annotated[AwareDatetime, Field(ge=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                                        le=dt.datetime(2100, 12, 31, tzinfo=dt.UTC))]
StatusKind = Literal["youth-justice-order", "looked-after", "child-protection-plan",
                     "early-help-lead-practitioner"]
Step = Literal["consent-given", "consent-refused", "support-started", "support-ended"]


class ReasonOut(BaseModel):
    rule: str
    text: str
    source: str


class QualifyingEventOut(BaseModel):
    event_id: str
    rule: str
    label: str
    day: dt.date
    age: int
    deadline: dt.date


class ReferralBrief(BaseModel):
    id: str
    status: str
    referred_at: dt.datetime


class ChildOut(BaseModel):
    person_id: str
    record_ids: list[str]
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    eligible: bool
    qualifying_event: QualifyingEventOut | None
    deadline: dt.date | None
    reasons: list[ReasonOut] = Field(description="Rules that make the child not eligible")
    referral: ReferralBrief | None
    rules_version: str


class StatusPeriodIn(Strict):
    person_id: str = text(36, 1)
    kind: StatusKind
    from_date: Day
    to_date: Day | None = None


class StatusPeriodOut(BaseModel):
    id: str
    person_id: str
    kind: str
    from_date: dt.date
    to_date: dt.date | None
    agency_id: str
    agency_name: str


class EventOut(BaseModel):
    id: str
    kind: str
    code: str | None
    day: dt.date
    role: str


class ChildDetail(ChildOut):
    qualifying_events: list[QualifyingEventOut]
    events: list[EventOut]
    status_periods: list[StatusPeriodOut]


class ReferralIn(Strict):
    person_id: str = text(36, 1)
    event_id: str | None = text(36, 1, default=None)


class ReferralOut(BaseModel):
    id: str
    case_id: str
    person_id: str
    qualifying_event_id: str | None
    qualifying_rule: str
    rules_version: str
    deadline: dt.date
    status: str
    referred_at: dt.datetime
    consent_given_at: dt.datetime | None
    consent_refused_at: dt.datetime | None
    support_started_at: dt.datetime | None
    support_ended_at: dt.datetime | None
    end_reason: str | None


class StepIn(Strict):
    step: Step
    at: Moment | None = Field(default=None, description="When it happened (default: now)")
    reason: str | None = text(200, 1, default=None)


class FamilyLinkOut(BaseModel):
    relative_id: str
    given_name: str
    family_name: str
    age: int
    relations: list[str]
    involved_id: str
    involved_name: str
    involved_role: str
    offence: str | None
    day: dt.date
    referral: ReferralBrief | None


class Count(BaseModel):
    count: int | None = Field(description="null when withheld (1 to 4)")
    suppressed: bool


class MonthOut(BaseModel):
    month: str
    referred: Count
    consent_given: Count
    consent_refused: Count
    support_started: Count
    support_ended: Count


class FiguresOut(BaseModel):
    on: dt.date
    eligible_not_referred: Count
    months: list[MonthOut]
