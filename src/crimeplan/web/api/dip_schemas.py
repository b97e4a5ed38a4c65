"""Request and response bodies of the DIP API (extra fields are refused)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from crimeplan.web.api.iom_schemas import Page, PersonRef
from crimeplan.web.api.schemas import Strict, text


class ArrestTestIn(Strict):
    person_id: str = text(36, 1)
    offence: str = text(60, 1, description="A trigger offence id (GET /api/v1/dip/rules), "
                        "or any offence with inspector_authorised")
    arrested_at: dt.datetime
    tested_at: dt.datetime
    result: Literal["positive", "negative", "refused"]
    substances: list[Literal["opiates", "cocaine"]] = Field(default=[], max_length=2)
    inspector_authorised: bool = False
    assessment_agency_id: str | None = text(36, 1, default=None)


class StepIn(Strict):
    step: Literal["initial-assessment", "follow-up-assessment", "referral", "treatment-start",
                  "treatment-end"]
    occurred_at: dt.datetime
    attended: bool | None = Field(default=None, description="For assessments only")
    reason: str | None = text(40, 1, default=None, description="Why treatment ended "
                              "(treatment-end only)")


class StepOut(BaseModel):
    id: str
    kind: str
    code: str | None
    occurred_at: dt.datetime
    agency_id: str
    attended: bool | None


class PathwaySummary(BaseModel):
    id: str
    person: PersonRef
    agency_id: str
    offence: str | None
    tested_at: dt.datetime
    result: str
    state: str


class PathwayList(Page):
    items: list[PathwaySummary]


class PathwayOut(PathwaySummary):
    arrested_at: dt.datetime | None
    trigger_offence: bool
    substances: list[str]
    assessment_agency_id: str | None
    assessed_at: dt.datetime | None
    referred_at: dt.datetime | None
    engaged_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str | None
    steps: list[StepOut]


class ShareOut(BaseModel):
    count: int | None
    of: int | None
    rate: float | None
    denominator: str


class TimesOut(BaseModel):
    n: int | None
    q1: float | None
    median: float | None
    q3: float | None


class MeasureOut(BaseModel):
    month: str
    agency_id: str | None = Field(description="The testing force; null: all forces")
    agency_name: str
    tests: int | None
    positive: int | None
    negative: int | None
    refused: int | None
    refusal_rate: ShareOut
    positivity: ShareOut
    assessed: ShareOut
    referred: ShareOut
    engaged: ShareOut
    test_to_assessment_days: TimesOut
    assessment_to_referral_days: TimesOut
    referral_to_engagement_days: TimesOut


class MeasuresOut(BaseModel):
    months: list[str]
    rows: list[MeasureOut]
    notes: list[str]


class TriggerOffenceOut(BaseModel):
    id: str
    label: str
    act: str
    section: str
    source: str
    condition: str


class DipRulesOut(BaseModel):
    version: str
    title: str
    sources: dict[str, str]
    trigger_offences: list[TriggerOffenceOut]
    minimum_age_on_arrest: int
    test_results: dict[str, str]
    substances: dict[str, str]
    assessments: dict[str, str]
    treatment_end_reasons: dict[str, str]
