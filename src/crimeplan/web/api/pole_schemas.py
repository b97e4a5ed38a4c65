"""Request and response bodies of the POLE, case work and record linkage API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from crimeplan.cases.linkage import model
from crimeplan.web.api.schemas import Strict, text

SubjectCategory = Literal["suspect", "convicted", "victim", "witness", "other"]
Sensitivity = Literal["standard", "restricted"]
Sex = Literal["female", "male", "not-known"]
RelationKind = Literal["parent", "child", "sibling", "partner", "household-member",
                       "associate"]
Programme = Literal["iom", "dip", "early-intervention", "victim-care", "asb-case-review",
                    "general"]
ParticipantRole = Literal["subject", "suspect", "offender", "victim", "witness",
                          "complainant", "reporter"]


def _not_null(value: object) -> object:
    """Absent means unchanged; required fields cannot be emptied with null."""
    if value is None:
        raise ValueError("cannot be null: leave the field out to keep it")
    return value


class AliasIn(Strict):
    given_name: str = text(100, 1)
    family_name: str = text(100, 1)


class PersonFields(Strict):
    date_of_birth: dt.date | None = None
    sex: Sex | None = None
    pnc_id: str | None = text(20, default=None, description="YYYY/NNNNNNNA with its check "
                              "letter (two-digit years accepted)")
    cro_number: str | None = text(20, default=None, description="NNNNNN/YYA or SFYY/NNNNNNA")
    probation_crn: str | None = text(20, default=None, description="A123456")
    nhs_number: str | None = text(12, default=None, description="10 digits, modulus 11 "
                                  "check digit")
    prison_number: str | None = text(20, default=None, description="A1234BC")
    local_reference: str | None = text(40, default=None)


class PersonIn(PersonFields):
    given_name: str = text(100, 1)
    family_name: str = text(100, 1)
    category: SubjectCategory = "other"
    sensitivity: Sensitivity = "standard"
    aliases: list[AliasIn] = Field(default_factory=list, max_length=20)


class PersonChanges(PersonFields):
    given_name: str | None = text(100, 1, default=None)
    family_name: str | None = text(100, 1, default=None)
    category: SubjectCategory | None = None
    sensitivity: Sensitivity | None = None
    aliases: list[AliasIn] | None = Field(default=None, max_length=20)

    _required = field_validator("given_name", "family_name", "category", "sensitivity",
                                "aliases")(_not_null)


class AddressOut(BaseModel):
    location_id: str
    from_date: dt.date | None
    to_date: dt.date | None


class RelationOut(BaseModel):
    other_id: str
    kind: str


class PersonOut(BaseModel):
    id: str
    agency_id: str
    given_name: str | None
    family_name: str | None
    date_of_birth: dt.date | None
    sex: str | None
    pnc_id: str | None
    cro_number: str | None
    probation_crn: str | None
    nhs_number: str | None
    prison_number: str | None
    local_reference: str | None
    category: str | None
    sensitivity: str | None
    redacted: list[str] = Field(description="Fields withheld from this caller")
    aliases: list[AliasIn] = []
    addresses: list[AddressOut] = []
    relations: list[RelationOut] = []


class AddressIn(Strict):
    location_id: str = text(36, 1)
    from_date: dt.date | None = None
    to_date: dt.date | None = None


class RelationIn(Strict):
    other_id: str = text(36, 1)
    kind: RelationKind


class LocationFields(Strict):
    address: str | None = text(300, default=None)
    postcode: str | None = text(10, default=None)
    uprn: str | None = text(12, default=None, description="Unique Property Reference Number")
    longitude: float | None = Field(default=None, ge=-180, le=180)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    lsoa11_code: str | None = text(9, default=None)


class LocationIn(LocationFields):
    pass


class LocationChanges(LocationFields):
    pass


class LocationOut(BaseModel):
    id: str
    agency_id: str
    address: str | None
    postcode: str | None
    uprn: str | None
    longitude: float | None
    latitude: float | None
    lsoa11_code: str | None


class ParticipantIn(Strict):
    person_id: str = text(36, 1)
    role: ParticipantRole


class EventFields(Strict):
    code: str | None = text(60, default=None)
    location_id: str | None = text(36, default=None)
    reference: str | None = text(60, default=None)
    parent_id: str | None = text(36, default=None)
    sensitivity: Sensitivity = "standard"
    details: dict[str, str | int | float | bool | None] = Field(default_factory=dict,
                                                                max_length=30)


class EventIn(EventFields):
    kind: str = text(40, 1, description="An id of /api/v1/event-kinds")
    occurred_at: dt.datetime
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=50)

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone (e.g. Z for UTC)")
        return value


class EventChanges(Strict):
    code: str | None = text(60, default=None)
    reference: str | None = text(60, default=None)
    location_id: str | None = text(36, default=None)
    details: dict[str, str | int | float | bool | None] | None = Field(default=None,
                                                                       max_length=30)


class ParticipantOut(BaseModel):
    person_id: str
    role: str


class EventOut(BaseModel):
    id: str
    agency_id: str
    kind: str
    code: str | None
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    location_id: str | None
    reference: str | None
    parent_id: str | None
    sensitivity: str
    details: dict[str, Any]
    participants: list[ParticipantOut]


class TimelineEntry(BaseModel):
    at: dt.datetime
    type: Literal["event", "case-opened", "case-closed", "linked-record"]
    record_id: str = Field(description="The person record the entry belongs to")
    agency_id: str
    agency_name: str
    id: str
    kind: str
    label: str


class CaseIn(Strict):
    programme: Programme
    title: str = text(200, 1)
    person_id: str | None = text(36, 1, default=None)
    sensitivity: Sensitivity = "standard"
    retention_group: str | None = text(20, default=None)


class CaseClose(Strict):
    reason: str = text(200, 1)


class CaseShareIn(Strict):
    agency_id: str = text(36, 1)


class TaskIn(Strict):
    title: str = text(200, 1)
    owner_agency_id: str = text(36, 1)
    owner_user_id: str | None = text(36, 1, default=None)
    due_on: dt.date | None = None
    pathway: str | None = text(40, default=None)


class NoteIn(Strict):
    text: str = text(5000, 1)
    sensitivity: Sensitivity = "standard"
    basis: Literal["fact", "assessment"] = "fact"


class TaskOut(BaseModel):
    id: str
    title: str
    owner_agency_id: str
    owner_user_id: str | None
    pathway: str | None
    due_on: dt.date | None
    created_at: dt.datetime
    completed_at: dt.datetime | None
    status: Literal["open", "overdue", "done"]


class NoteOut(BaseModel):
    id: str
    agency_id: str
    author_user_id: str | None
    text: str
    sensitivity: str
    basis: str
    created_at: dt.datetime


class CaseOut(BaseModel):
    id: str
    agency_id: str
    programme: str
    person_id: str | None
    title: str
    sensitivity: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    close_reason: str | None
    status: Literal["open", "closed"]
    retention_group: str | None
    review_on: dt.date | None
    review_state: Literal["overdue", "due-soon", "not-due", "none"]
    shared_with: list[str]
    tasks: list[TaskOut]
    notes: list[NoteOut]


class CaseSummary(BaseModel):
    id: str
    agency_id: str
    programme: str
    person_id: str | None
    title: str
    status: Literal["open", "closed"]
    opened_at: dt.datetime
    review_on: dt.date | None
    review_state: Literal["overdue", "due-soon", "not-due", "none"]


class ReviewIn(Strict):
    decision: Literal["retain", "dispose"]
    reason: str = text(1000, 1)


class ReviewOut(BaseModel):
    case_id: str
    decision: str
    reason: str
    next_review_on: dt.date | None


class LinkageRunIn(Strict):
    threshold: float = Field(default=model.THRESHOLD, ge=0.5, lt=1.0)


class LinkageRunOut(BaseModel):
    records: int
    matches: int
    proposed: int


class EvidenceOut(BaseModel):
    comparison: str
    description: str
    level: str
    weight: float


class ProposalSide(BaseModel):
    """One record of a proposed pair, as the reviewer may see it (None: not visible)."""

    id: str
    agency_id: str
    agency_name: str
    visible: bool
    record: PersonOut | None


class ProposalOut(BaseModel):
    id: str
    status: Literal["pending", "confirmed", "rejected"]
    match_probability: float
    match_weight: float
    model_version: str
    proposed_at: dt.datetime
    reason: str | None
    evidence: list[EvidenceOut]
    records: list[ProposalSide]


class ProposalSummary(BaseModel):
    id: str
    status: Literal["pending", "confirmed", "rejected"]
    match_probability: float
    person_id: str
    other_id: str
    proposed_at: dt.datetime


class DecisionIn(Strict):
    decision: Literal["confirm", "reject"]
    reason: str = text(1000, default="")
