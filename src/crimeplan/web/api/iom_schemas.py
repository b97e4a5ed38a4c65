"""Request and response bodies of the IOM API (extra fields are refused)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from crimeplan.web.api.schemas import PRINTABLE, Strict, text

#: Agency ids in a body (each a bounded, printable id).
AgencyIds = list[Annotated[str, StringConstraints(min_length=1, max_length=36,
                                                  pattern=PRINTABLE)]]


class Page(BaseModel):
    total: int = Field(description="Records matching the filters that the caller may see")
    page: int
    page_size: int


class PersonRef(BaseModel):
    id: str
    given_name: str
    family_name: str


# --- IOM -------------------------------------------------------------------------------

class ReferralIn(Strict):
    person_id: str = text(36, 1)
    reason: str = text(2000, 1)
    partners: AgencyIds = Field(default=[], max_length=10, description="Agencies the case "
                                "is shared with (the IOM partners), e.g. probation")


class AssessmentIn(Strict):
    summary: str = text(4000, 1)


class SelectionIn(Strict):
    cohort: str = text(20, 1, description="fixed, flex or free (GET /api/v1/iom/rules)")
    reason: str = text(2000, 1)
    first_review_on: dt.date | None = None


class ReviewIn(Strict):
    note: str = text(4000, 1)
    next_review_on: dt.date | None = None
    cohort: str | None = text(20, 1, default=None, description="A new cohort, if it changes")


class DeselectionIn(Strict):
    reason: str = text(40, 1, description="A de-selection reason id (GET /api/v1/iom/rules)")
    note: str = text(2000, default="")


class TransferIn(Strict):
    agency_id: str = text(36, 1)
    user_id: str | None = text(36, 1, default=None)
    reason: str = text(2000, 1)


class NeedIn(Strict):
    pathway: str = text(40, 1)
    level: str = text(20, 1)
    note: str = text(2000, default="")


class ActionIn(Strict):
    title: str = text(200, 1)
    pathway: str = text(40, 1)
    owner_agency_id: str = text(36, 1)
    owner_user_id: str | None = text(36, 1, default=None)
    due_on: dt.date


class ActionOut(BaseModel):
    id: str
    case_id: str
    title: str
    pathway: str | None
    owner_agency_id: str
    owner_user_id: str | None
    due_on: dt.date | None
    status: Literal["open", "overdue", "done"]
    completed_at: dt.datetime | None


class AgencyAction(ActionOut):
    """An action as its owning agency sees it: the person's name, nothing else of the case."""

    person: PersonRef


class AgencyActions(Page):
    items: list[AgencyAction]


class CohortItem(BaseModel):
    case_id: str
    person: PersonRef
    agency_id: str
    state: Literal["referred", "assessed", "active", "deselected"]
    location: Literal["community", "custody"] | None
    cohort: str | None
    selected_at: dt.datetime | None
    review_due_on: dt.date | None
    review_overdue: bool
    lead_agency_id: str | None
    lead_user_id: str | None
    open_actions: int
    overdue_actions: int


class CohortList(Page):
    items: list[CohortItem]


class AllocationOut(BaseModel):
    agency_id: str
    user_id: str | None
    from_at: dt.datetime
    to_at: dt.datetime | None
    reason: str


class ReviewOut(BaseModel):
    held_at: dt.datetime
    agency_id: str
    note: str
    next_review_on: dt.date
    cohort: str | None


class NeedOut(BaseModel):
    pathway: str
    level: str
    note: str
    assessed_at: dt.datetime
    agency_id: str


class CaseOut(BaseModel):
    case_id: str
    person: PersonRef
    agency_id: str
    shared_with: list[str]
    state: Literal["referred", "assessed", "active", "deselected"]
    location: Literal["community", "custody"] | None
    cohort: str | None
    referred_at: dt.datetime
    referral_reason: str
    assessed_at: dt.datetime | None
    assessment_summary: str | None
    selected_at: dt.datetime | None
    selection_reason: str | None
    review_due_on: dt.date | None
    review_overdue: bool
    deselected_at: dt.datetime | None
    deselection_reason: str | None
    deselection_note: str | None
    allocations: list[AllocationOut]
    reviews: list[ReviewOut]
    needs: list[NeedOut] = Field(description="The latest need recorded per pathway")
    actions: list[ActionOut]
    rules_version: str


class ComponentOut(BaseModel):
    offence: str
    count: int
    weight: float
    harm: float


class DecisionRef(BaseModel):
    decision: str
    cohort: str | None
    reason: str
    decided_at: dt.datetime


class NominationOut(BaseModel):
    person: PersonRef
    rank: int
    offences: int
    harm: float
    harm_share: float
    most_harmful_offence: str
    first_offence: dt.date
    last_offence: dt.date
    components: list[ComponentOut]
    neighbourhood_crime_offences: int
    suggested_cohort: str | None = Field(description="fixed when any offence is "
                                         "neighbourhood crime: a suggestion, not a decision")
    iom_case_id: str | None = Field(description="The person's open IOM case, if any")
    last_decision: DecisionRef | None


class HarmTableOut(BaseModel):
    name: str
    version: str
    unit: str
    status: str
    citation: str


class Nominations(Page):
    harm_table: HarmTableOut
    period_from: dt.date
    period_to: dt.date
    people_scored: int = Field(description="Everyone with a recorded offence in the period")
    note: str
    items: list[NominationOut]


class DecisionIn(Strict):
    person_id: str = text(36, 1)
    decision: Literal["select", "do-not-select"]
    cohort: str | None = text(20, 1, default=None)
    reason: str = text(2000, 1)
    harm_table: str = text(60, 1, default="heeks-2018-cost")
    period_from: dt.date
    period_to: dt.date
    partners: AgencyIds = Field(default=[], max_length=10)


class DecisionOut(BaseModel):
    id: str
    person_id: str
    decision: str
    cohort: str | None
    reason: str
    harm_table: str
    harm: float
    offences: int
    rank: int
    components: list[ComponentOut]
    case_id: str | None


class CaveatOut(BaseModel):
    id: str
    text: str


class WindowOut(BaseModel):
    start: dt.datetime
    end: dt.datetime
    offences: int
    harm: float
    custody_days: float
    liberty_days: float
    offences_per_year: float | None = Field(description="Per 365 days at liberty")
    harm_per_year: float | None


class OffendingOut(BaseModel):
    case_id: str
    harm_table: HarmTableOut
    window_days: int | None = Field(description="null when selected less than a day ago")
    selected_at: dt.datetime | None
    before: WindowOut | None
    after: WindowOut | None
    caveats: list[CaveatOut]


class PooledOut(BaseModel):
    offences: int | None
    harm: float | None
    liberty_days: float | None
    offences_per_year: float | None
    harm_per_year: float | None


class CohortOutcomeOut(BaseModel):
    cohort: str
    people: int | None = Field(description="null when suppressed (fewer than 5)")
    suppressed: bool
    small_numbers: bool
    before: PooledOut
    after: PooledOut
    change: float | None = Field(description="Relative change in offences per year at liberty")


class OutcomesOut(BaseModel):
    harm_table: HarmTableOut
    window_days: int
    cohorts: list[CohortOutcomeOut]
    caveats: list[CaveatOut]


class CodedOut(BaseModel):
    id: str
    label: str
    source: str
    definition: str = ""


class IomRulesOut(BaseModel):
    version: str
    title: str
    sources: dict[str, str]
    cohorts: list[CodedOut]
    pathways: list[CodedOut]
    need_levels: list[CodedOut]
    deselection_reasons: list[CodedOut]
    review_interval_days: int
