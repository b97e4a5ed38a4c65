"""The local ASB case review procedure, loaded from the versioned files in ``rules/``: the
statutory threshold and qualifying-complaint windows, the locally set ways to meet the
threshold, the same-incident rule and the time limits in working days. Each rule cites its
source."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crimeplan.cases.rulebook import Rulebook, RuleFile

RULES = Path(__file__).with_name("rules")

#: The steps of an application, in order, each with a timestamp of its own.
STEPS = ("received", "acknowledged", "threshold-decided", "meeting-held", "appeal-received",
         "appeal-decided")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=3)


class QualifyingComplaint(_Rule):
    """s.104(11): made within this many months of the incident, and the application within
    this many months of the complaint."""

    made_within_months_of_incident: int = Field(ge=1)
    application_within_months_of_complaint: int = Field(ge=1)


class Threshold(_Rule):
    """s.104(4): this many qualifying complaints (three, or fewer if the procedure says so)."""

    complaints: int = Field(ge=1, le=3)


class LocalRule(_Rule):
    """A locally set way to meet the threshold (s.104(5))."""

    id: Literal["hate-incident", "several-individuals"]
    enabled: bool
    label: str
    individuals: int | None = Field(default=None, ge=2)


class SameIncident(_Rule):
    window_hours: float = Field(gt=0, le=72)


class TimeLimit(_Rule):
    """A step due so many working days after another."""

    step: Literal["acknowledged", "threshold-decided", "meeting-held", "appeal-decided"]
    working_days: int = Field(ge=1, le=120)
    start: Literal["received", "acknowledged", "threshold-decided", "appeal-received"] = Field(
        alias="from")


class YearStart(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=28)


class Procedure(RuleFile):
    """One version of the procedure."""

    qualifying_complaint: QualifyingComplaint
    threshold: Threshold
    local_rules: tuple[LocalRule, ...]
    same_incident: SameIncident
    time_limits: tuple[TimeLimit, ...]
    appeal_window_working_days: int = Field(ge=1)
    appeal_window_source: str
    reporting_year_start: YearStart
    reporting_year_source: str

    @model_validator(mode="after")
    def _consistent(self) -> Procedure:
        steps = [t.step for t in self.time_limits]
        if len(set(steps)) != len(steps):
            raise ValueError("two time limits for one step")
        for limit in self.time_limits:
            if STEPS.index(limit.start) >= STEPS.index(limit.step):
                raise ValueError(f"{limit.step} is timed from a later step, {limit.start}")
        several = self.local_rule("several-individuals")
        if several is not None and several.individuals is None:
            raise ValueError("several-individuals needs 'individuals'")
        self.check_cited([*(r.source for r in (self.qualifying_complaint, self.threshold,
                                               *self.local_rules, self.same_incident,
                                               *self.time_limits)),
                          self.appeal_window_source, self.reporting_year_source])
        return self

    def local_rule(self, rule_id: str) -> LocalRule | None:
        """An enabled local rule, or None."""
        return next((r for r in self.local_rules if r.id == rule_id and r.enabled), None)

    def limit(self, step: str) -> TimeLimit | None:
        return next((t for t in self.time_limits if t.step == step), None)


@cache
def rulebook() -> Rulebook[Procedure]:
    """Every version of the procedure shipped with this deployment."""
    return Rulebook(RULES, Procedure)
