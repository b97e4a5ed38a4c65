"""Request and response bodies of the victims' API (extra fields refused, times with zones).

Enumerations are built from the programme's code lists, so the API and the domain cannot
disagree."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from crimeplan.cases.victims.codes import (
    ASSESSMENT_OUTCOMES,
    CHANNELS,
    CHOICE_KINDS,
    NEEDS,
    STATES,
)
from crimeplan.cases.victims.services import OUTCOMES
from crimeplan.standard.pole import EVENT_KINDS
from crimeplan.web.api.schemas import PRINTABLE, Strict, text

EventKind = Literal[tuple(EVENT_KINDS)]  # type: ignore[valid-type]
Need = Literal[tuple(NEEDS)]  # type: ignore[valid-type]
AssessmentOutcome = Literal[tuple(ASSESSMENT_OUTCOMES)]  # type: ignore[valid-type]
ChoiceKind = Literal[tuple(CHOICE_KINDS)]  # type: ignore[valid-type]
Channel = Literal[tuple(CHANNELS)]  # type: ignore[valid-type]
StateId = Literal[tuple(STATES)]  # type: ignore[valid-type]
OutcomeId = Literal[OUTCOMES]  # type: ignore[valid-type]
Right = Annotated[int, Field(ge=1, le=12)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Code = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
#: A value in an event's details: short text, a number or a yes/no.
DetailValue = Annotated[str, Field(max_length=100, pattern=PRINTABLE)] | int | float | bool


class VictimIn(Strict):
    """A person of the caller's force recorded as the victim of a crime: a new crime report
    (``occurred_at``, ``reference``, ``code``) or a crime the force recorded already."""

    person_id: str = text(36, 1)
    crime_event_id: str | None = text(36, 1, default=None)
    occurred_at: AwareDatetime | None = None
    reference: str | None = text(60, 1, default=None)
    code: Code | None = Field(default=None, description="The crime category (police.uk slug)")


class AssessmentIn(Strict):
    assessed_at: AwareDatetime
    needs: list[Need] = Field(max_length=len(NEEDS))
    grounds: list[Annotated[str, Field(max_length=40, pattern=r"^[a-z0-9-]+$")]] = Field(
        max_length=20, description="Grounds of Enhanced Rights found (none: standard); "
                                   "see GET /victims/rules")
    outcome: AssessmentOutcome


class AssessmentOut(BaseModel):
    id: str
    assessed_at: dt.datetime
    agency_id: str
    needs: list[str]
    grounds: list[str]
    enhanced: bool
    outcome: str


class ChoiceIn(Strict):
    kind: ChoiceKind
    right: Right | None = Field(default=None, description="None: every right")
    channel: Channel | None = None
    frequency_days: int | None = Field(default=None, ge=1, le=365)
    recorded_at: AwareDatetime | None = Field(default=None, description="Default: now")


class ChoiceOut(BaseModel):
    id: str
    recorded_at: dt.datetime
    kind: str
    right: int | None
    channel: str | None
    frequency_days: int | None
    agency_id: str


class EventIn(Strict):
    kind: EventKind
    code: Code | None = None
    occurred_at: AwareDatetime
    parent_id: str | None = text(36, 1, default=None)
    reference: str | None = text(60, 1, default=None)
    details: dict[Annotated[str, Field(max_length=40, pattern=r"^[a-z_]+$")], DetailValue] = (
        Field(default_factory=dict, max_length=10,
              description="e.g. custodial_months, specified_violent_or_sexual_offence, "
                          "to_agency_id (a referral)"))


class EventOut(BaseModel):
    id: str
    kind: str
    code: str | None
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    parent_id: str | None
    agency_id: str


class OutcomeIn(Strict):
    outcome: OutcomeId
    at: AwareDatetime
    reason: str | None = text(200, 1, default=None)
    to_agency_id: str | None = text(36, 1, default=None,
                                    description="For a referral: the agency referred to")


class ObligationOut(BaseModel):
    id: str
    care_id: str
    rules_version: str
    rule_id: str
    right: int
    duty: str
    duty_holder: str
    action: str
    duty_agency_id: str
    trigger_event_id: str | None
    trigger_kind: str | None
    triggered_at: dt.datetime
    enhanced: bool
    limit_days: int
    due_on: dt.date
    state: str
    met_at: dt.datetime | None
    stopped_at: dt.datetime | None
    stop_reason: str | None
    unable_at: dt.datetime | None
    unable_reason: str | None
    not_applicable_at: dt.datetime | None
    not_applicable_reason: str | None


class VictimSummary(BaseModel):
    id: str
    person_id: str
    given_name: str
    family_name: str
    crime_event_id: str
    crime_reference: str | None
    crime_code: str | None
    reported_at: dt.datetime
    agency_id: str
    assessed: bool
    enhanced: bool | None = Field(description="From the latest needs assessment (null: none)")
    obligation_counts: dict[str, int]


class VictimOut(VictimSummary):
    case_id: str
    date_of_birth: dt.date | None
    shared_with: list[str]
    needs_assessments: list[AssessmentOut] | None
    withheld: list[str] = Field(description="Parts withheld from this caller")
    choices: list[ChoiceOut]
    events: list[EventOut]
    obligations: list[ObligationOut]


class Regenerated(BaseModel):
    added: int
    updated: int
    withdrawn: int


class ComplianceRow(BaseModel):
    month: str | None
    right: int | None
    right_title: str
    agency_id: str | None
    agency: str
    pending: int
    met: int
    met_late: int
    breached: int
    opted_out: int
    unable: int
    not_applicable: int
    total: int
    decided: int = Field(description="Denominator of the rates: met + met late + breached")
    met_rate: float | None
    met_late_rate: float | None
    breached_rate: float | None


class Compliance(BaseModel):
    as_of: dt.datetime
    denominator: str
    rows: list[ComplianceRow]
    by_right: list[ComplianceRow]


class SourceOut(BaseModel):
    paragraph: str
    url: str
    checked: str


class RuleOut(BaseModel):
    id: str
    right: int
    duty: str
    duty_holder: str
    agency_kind: str
    triggers: list[str]
    clock: str
    action: str
    standard_days: int
    enhanced_days: int
    victim_can_stop: bool
    source: SourceOut


class RulesOut(BaseModel):
    id: str
    title: str
    edition: str
    url: str
    in_force_from: dt.date
    in_force_until: dt.date | None
    rights: dict[str, str]
    grounds: dict[str, str]
    rules: list[RuleOut]

