"""The Victims' Code as versioned data: load and check the rules files in ``rules/``.

Each file (``victims-code-<edition>-v<n>.yaml``) holds one version of the rules of one Code:
the twelve rights, the grounds of Enhanced Rights, and every duty with a time limit (duty
holder, triggering event, the action that meets it, working days for standard and enhanced
victims, whether the victim's choices can stop it, and its source). A new Code is a new file
whose ``in_force_from`` is its commencement day; the engine applies, to each event, the rules
in force on the day it happened. Files are read with ``yaml.safe_load`` only (no code runs from
data) and checked here; a bad file is refused with its name, line and field.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from crimeplan.cases.agencies import AGENCY_KINDS
from crimeplan.cases.rulebook import validated
from crimeplan.errors import BadInput, FieldProblem
from crimeplan.standard.pole import EVENT_KINDS

RULES_DIR = Path(__file__).with_name("rules")
PATTERN = "victims-code-*.yaml"
_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a rule comes from: the paragraph, the official text, and what was checked."""

    paragraph: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://")
    checked: str = Field(min_length=10)
    section: str | None = None


class DutyHolder(_Strict):
    """Who owes the duty: the service named by the Code, the kind of agency that runs it, and
    which agency of that kind (the force that recorded the crime, or the agency a referral
    was made to)."""

    service: str = Field(min_length=1)
    agency_kind: str
    agency: Literal["crime-force", "referral-recipient"]

    @field_validator("agency_kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in AGENCY_KINDS:
            raise ValueError(f"unknown agency kind {kind!r}")
        return kind


class DetailCondition(_Strict):
    """A condition on one field of the event's details: a number at least some value, or an
    exact value."""

    at_least: float | None = None
    equals: bool | int | str | None = None

    @model_validator(mode="after")
    def _one(self) -> DetailCondition:
        if (self.at_least is None) == (self.equals is None):
            raise ValueError("give exactly one of at_least or equals")
        return self

    def holds(self, value: Any) -> bool:
        if self.at_least is not None:
            return isinstance(value, int | float) and not isinstance(value, bool) and (
                value >= self.at_least)
        return bool(value == self.equals and type(value) is type(self.equals))


class Trigger(_Strict):
    """The events that start the clock: kinds, optionally narrowed by code and details."""

    kinds: tuple[str, ...] = Field(min_length=1)
    codes: tuple[str, ...] | None = None
    exclude_codes: tuple[str, ...] = ()
    details: Mapping[str, DetailCondition] = Field(default_factory=dict)

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in kinds if k not in EVENT_KINDS]
        if unknown:
            raise ValueError(f"unknown event kinds {unknown} (see standard.pole.EVENT_KINDS)")
        return kinds

    def matches(self, kind: str, code: str | None, details: Mapping[str, Any]) -> bool:
        if kind not in self.kinds:
            return False
        if self.codes is not None and code not in self.codes:
            return False
        if code is not None and code in self.exclude_codes:
            return False
        return all(c.holds(details.get(name)) for name, c in self.details.items())


class Action(_Strict):
    """The event that meets the duty (its kind and code), and how to say it was done."""

    kind: str
    code: str = Field(pattern=_ID)
    label: str = Field(min_length=1)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        return kind


class Limit(_Strict):
    """The time limit in working days, for victims with and without Enhanced Rights."""

    standard: int = Field(ge=0, le=250)
    enhanced: int = Field(ge=0, le=250)


class Rule(_Strict):
    """One duty of the Code with a time limit."""

    id: str = Field(pattern=_ID, max_length=60)
    right: int = Field(ge=1, le=12)
    duty: str = Field(min_length=1)
    duty_holder: DutyHolder
    trigger: Trigger
    clock: Literal["occurred", "received"]
    action: Action
    limit_working_days: Limit
    victim_can_stop: bool
    source: Source

    def limit(self, enhanced: bool) -> int:
        days = self.limit_working_days
        return days.enhanced if enhanced else days.standard


class Ground(_Strict):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)


class EnhancedRights(_Strict):
    source: Source
    grounds: tuple[Ground, ...] = Field(min_length=1)


class RuleSet(_Strict):
    """One version of the rules of one Code."""

    id: str = Field(pattern=_ID, max_length=40)
    title: str
    edition: str
    url: str = Field(pattern=r"^https://")
    in_force_from: dt.date
    in_force_until: dt.date | None
    rights: Mapping[int, str]
    enhanced_rights: EnhancedRights
    rules: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        if set(self.rights) != set(range(1, 13)):
            raise ValueError("rights must list rights 1 to 12")
        for what, ids in (("rule", [r.id for r in self.rules]),
                          ("ground", [g.id for g in self.enhanced_rights.grounds])):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise ValueError(f"{what} ids used twice: {repeated}")
        if self.in_force_until is not None and self.in_force_until <= self.in_force_from:
            raise ValueError("in_force_until must be after in_force_from")
        return self

    @property
    def grounds(self) -> dict[str, str]:
        return {g.id: g.label for g in self.enhanced_rights.grounds}

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def in_force_on(self, day: dt.date) -> bool:
        return self.in_force_from <= day and (self.in_force_until is None
                                              or day < self.in_force_until)


def load(path: Path) -> RuleSet:
    """Read and check one rules file; a bad one is refused naming the file, line and field."""
    rules = validated(path, RuleSet, path.name)
    if rules.id != path.stem:
        raise BadInput(f"{path.name}: its id {rules.id!r} must be the file name "
                       f"{path.stem!r} (a new version of the rules is a new file)",
                       fields=(FieldProblem("id", "invalid", "must match the file name"),))
    return rules


@lru_cache(maxsize=1)
def rule_sets(folder: Path = RULES_DIR) -> tuple[RuleSet, ...]:
    """Every version of the rules, oldest first; their periods in force may not overlap."""
    found = tuple(sorted((load(p) for p in folder.glob(PATTERN)),
                         key=lambda r: r.in_force_from))
    for earlier, later in itertools.pairwise(found):
        if earlier.in_force_until is None or earlier.in_force_until > later.in_force_from:
            raise BadInput(f"{earlier.id} is still in force when {later.id} starts on "
                           f"{later.in_force_from}: set in_force_until in {earlier.id}.yaml")
    return found


def in_force(day: dt.date) -> RuleSet | None:
    """The rules in force on ``day`` (None before the first Code encoded here)."""
    return next((r for r in rule_sets() if r.in_force_on(day)), None)


def by_id(rules_id: str) -> RuleSet:
    """A version of the rules by its id."""
    for r in rule_sets():
        if r.id == rules_id:
            return r
    raise KeyError(rules_id)
