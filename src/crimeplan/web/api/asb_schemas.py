"""Request and response bodies of the ASB case review API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from crimeplan.web.api.early_intervention_schemas import Day, Moment
from crimeplan.web.api.schemas import Strict, text

ApplicantRole = Literal["victim", "family-or-friend", "councillor", "mp", "professional",
                        "other"]
VictimType = Literal["individual", "business", "community-group"]
Step = Literal["acknowledged", "threshold-decided", "meeting-held", "appeal-received",
               "appeal-decided"]


class ComplaintIn(Strict):
    complainant_id: str = text(36, 1)
    incident_at: Moment
    made_at: Moment
    category: str | None = text(60, 1, default=None)
    hate: bool = False
    reference: str | None = text(60, 1, default=None)
    shared_reference: str | None = text(60, 1, default=None, description=(
        "A reference several agencies record for one incident (it then counts once)"))
    address: str | None = text(300, 1, default=None)
    postcode: str | None = text(10, 1, default=None)
    uprn: str | None = text(12, 1, default=None)
    lsoa11_code: str | None = text(9, 1, default=None)


class ComplaintOut(BaseModel):
    id: str
    incident_id: str


class IncidentOut(BaseModel):
    incident_at: dt.datetime
    complaint_made_at: dt.datetime
    agencies: list[str]
    complaints: int
    hate: bool


class CheckOut(BaseModel):
    met: bool
    rule: str | None
    source: str
    statutory: bool = Field(description="Met by the count of s.104(4): must be decided as met")
    incidents: list[IncidentOut]


class QueueOut(BaseModel):
    person_id: str | None
    name: str | None
    address: str | None
    last_complaint: dt.date
    check: CheckOut
    review_id: str | None


class ApplicationIn(Strict):
    applicant_id: str | None = text(36, 1, default=None)
    victim_id: str | None = text(36, 1, default=None, description=(
        "The victim, when the applicant applies on their behalf"))
    applicant_role: ApplicantRole = "victim"
    victim_type: VictimType = "individual"
    local_area: str = text(100, 1)
    location_id: str | None = text(36, 1, default=None)
    parties: list[str] = Field(default_factory=list, max_length=20, description=(
        "Agency ids of the relevant bodies the application is passed on to"))
    received_at: Moment | None = None

    @model_validator(mode="after")
    def _someone(self) -> ApplicationIn:
        if self.applicant_id is None and self.victim_id is None:
            raise ValueError("give the applicant or the victim")
        return self


class StepClockOut(BaseModel):
    step: str
    done_on: dt.date | None
    due_on: dt.date | None
    state: str
    working_days: int | None
    start: str | None


class RecommendationIn(Strict):
    title: str = text(200, 1)
    owner_agency_id: str = text(36, 1)
    due_on: Day | None = None


class RecommendationOut(BaseModel):
    id: str
    title: str
    owner_agency_id: str
    due_on: dt.date | None
    status: str


class ReviewSummary(BaseModel):
    id: str
    case_id: str
    local_area: str
    lead_agency_id: str
    applicant_id: str | None
    victim_id: str | None
    applicant_name: str | None
    received_at: dt.datetime
    status: str
    overdue: bool
    next_due: dt.date | None


class ReviewOut(ReviewSummary):
    applicant_role: str
    victim_type: str
    procedure_version: str
    parties: list[str]
    threshold_met: bool | None
    threshold_rule: str | None
    decision_reason: str | None
    appeal_upheld: bool | None
    appeal_reason: str | None
    appeal_open_until: dt.date | None
    clock: list[StepClockOut]
    check: CheckOut
    recommendations: list[RecommendationOut]


class StepIn(Strict):
    step: Step
    at: Moment | None = Field(default=None, description="When it happened (default: now)")
    met: bool | None = Field(default=None, description="threshold-decided: was it met?")
    upheld: bool | None = Field(default=None, description="appeal-decided: was it upheld?")
    reason: str | None = text(2000, 1, default=None)


class FiguresRowOut(BaseModel):
    year: str
    local_area: str
    relevant_body: str | None
    applications_received: int
    threshold_not_met: int
    reviews_carried_out: int
    reviews_with_recommendations: int
