"""The eligibility rules of early intervention, loaded from the versioned files in ``rules/``.

Every rule cites its source (a key of the file's ``sources`` and the paragraph or words), and
every code it names must exist in the POLE code lists, so a typo fails at load, not in a
child's assessment.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crimeplan.cases.rulebook import Rulebook, RuleFile
from crimeplan.standard.codes import CRIME_CATEGORIES
from crimeplan.standard.pole import EVENT_KINDS, PARTICIPANT_ROLES, RELATION_KINDS

RULES = Path(__file__).with_name("rules")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=3)


class AgeRule(_Rule):
    min: int = Field(ge=0)
    max: int = Field(ge=0)
    measured_on: Literal["qualifying-event"]


class WindowRule(_Rule):
    months: int = Field(ge=1)


class OnceOnlyRule(_Rule):
    pass


class QualifyingEvent(_Rule):
    """An event that makes a child eligible: a kind, narrowed to some codes when given; a
    ``first_only`` event counts only if the child had no earlier one of its kind."""

    id: str
    label: str
    kind: str
    codes: tuple[str, ...] = ()
    first_only: bool = False

    @model_validator(mode="after")
    def _known_kind(self) -> QualifyingEvent:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r} (standard.pole.EVENT_KINDS)")
        return self

    def matches(self, kind: str, code: str | None) -> bool:
        return kind == self.kind and (not self.codes or code in self.codes)


class Exclusion(_Rule):
    """A status that excludes a child: while it lasts (``current``) or once it began
    (``ever``). Its id is the kind of status period agencies record."""

    id: str
    label: str
    applies: Literal["current", "ever"]


class FamilyRule(_Rule):
    """Who counts as family of a child caught up in violence, and what counts as violence."""

    relations: tuple[str, ...]
    roles: tuple[str, ...]
    violent_codes: tuple[str, ...]
    event_kinds: tuple[str, ...]
    lookback_months: int = Field(ge=1)
    max_age: int = Field(ge=0)

    @model_validator(mode="after")
    def _known_codes(self) -> FamilyRule:
        slugs = {c.slug for c in CRIME_CATEGORIES}
        for values, known, what in ((self.relations, RELATION_KINDS, "relation kind"),
                                    (self.roles, PARTICIPANT_ROLES, "participant role"),
                                    (self.event_kinds, EVENT_KINDS, "event kind"),
                                    (self.violent_codes, slugs, "crime category")):
            unknown = sorted(set(values) - set(known))
            if unknown:
                raise ValueError(f"unknown {what}: {', '.join(unknown)}")
        return self


class EligibilityRules(RuleFile):
    """One version of the rules."""

    age: AgeRule
    referral_window: WindowRule
    once_only: OnceOnlyRule
    roles: tuple[str, ...]
    qualifying_events: tuple[QualifyingEvent, ...] = Field(min_length=1)
    exclusions: tuple[Exclusion, ...]
    family: FamilyRule

    @model_validator(mode="after")
    def _consistent(self) -> EligibilityRules:
        unknown = sorted(set(self.roles) - set(PARTICIPANT_ROLES))
        if unknown:
            raise ValueError(f"unknown participant role: {', '.join(unknown)}")
        if self.age.min > self.age.max:
            raise ValueError("age.min is above age.max")
        for name in ("qualifying_events", "exclusions"):
            ids = [r.id for r in getattr(self, name)]
            if len(set(ids)) != len(ids):
                raise ValueError(f"duplicate rule id in {name}")
        self.check_cited(r.source for r in (self.age, self.referral_window, self.once_only,
                                             *self.qualifying_events, *self.exclusions,
                                             self.family))
        return self

    @property
    def qualifying_source(self) -> str:
        """Where the list of qualifying events comes from (its first rule's source)."""
        return self.qualifying_events[0].source.split(" (")[0]

    @property
    def event_kinds(self) -> frozenset[str]:
        return frozenset(r.kind for r in self.qualifying_events)

    def exclusion(self, kind: str) -> Exclusion | None:
        return next((e for e in self.exclusions if e.id == kind), None)


@cache
def rulebook() -> Rulebook[EligibilityRules]:
    """Every version of the eligibility rules shipped with crimeplan."""
    return Rulebook(RULES, EligibilityRules)
