"""The DIP rules in force: trigger offences (with the Act and section of each), the age
condition, test results, substances, assessments and treatment end reasons, loaded from the
versioned rules file and checked (every entry cites its source)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from crimeplan.cases import rulefile

#: The rules file in force.
CURRENT = "dip-2025-v1.yaml"


@dataclass(frozen=True)
class TriggerOffence:
    id: str
    label: str
    act: str
    section: str
    source: str
    condition: str = ""


@dataclass(frozen=True)
class DipRules:
    version: str
    title: str
    sources: dict[str, str]
    trigger_offences: dict[str, TriggerOffence]
    minimum_age_on_arrest: int
    age_source: str
    inspector_authorisation_source: str
    test_results: dict[str, str]
    substances: dict[str, str]
    assessments: dict[str, str]
    treatment_end_reasons: dict[str, str]


def _labels(raw: dict[str, Any], key: str, where: str) -> dict[str, str]:
    return {str(e["id"]): str(e["label"]) for e in rulefile.entries(raw, key, where)}


def parse(raw: dict[str, Any], where: str) -> DipRules:
    """Check a rules document and build the rules from it."""
    rulefile.require(raw, ("version", "title", "sources", "trigger_offences", "testing",
                           "test_results", "substances", "assessments",
                           "treatment_end_reasons"), where)
    offences = {e["id"]: TriggerOffence(str(e["id"]), str(e["label"]), str(e["act"]),
                                        str(e["section"]), str(e["source"]),
                                        str(e.get("condition", "")))
                for e in rulefile.entries(raw, "trigger_offences", where,
                                          ("id", "label", "act", "section", "source"))}
    testing = raw["testing"]
    rulefile.require(testing, ("minimum_age_on_arrest", "age_source",
                               "inspector_authorisation_source"), where)
    if not isinstance(testing["minimum_age_on_arrest"], int):
        raise rulefile.problem(where, testing.get(rulefile.LINE),
                               "testing.minimum_age_on_arrest", "must be a whole number")
    results = _labels(raw, "test_results", where)
    if set(results) != {"positive", "negative", "refused"}:
        raise rulefile.problem(where, None, "test_results",
                               "must be exactly positive, negative and refused")
    assessments = _labels(raw, "assessments", where)
    if set(assessments) != {"initial", "follow-up"}:
        raise rulefile.problem(where, None, "assessments",
                               "must be exactly initial and follow-up")
    return DipRules(
        version=str(raw["version"]), title=str(raw["title"]),
        sources={k: str(v).strip() for k, v in raw["sources"].items() if k != rulefile.LINE},
        trigger_offences=offences,
        minimum_age_on_arrest=testing["minimum_age_on_arrest"],
        age_source=str(testing["age_source"]),
        inspector_authorisation_source=str(testing["inspector_authorisation_source"]),
        test_results=results, substances=_labels(raw, "substances", where),
        assessments=assessments,
        treatment_end_reasons=_labels(raw, "treatment_end_reasons", where))


@lru_cache(maxsize=4)
def rules(filename: str = CURRENT) -> DipRules:
    """The DIP rules of a shipped file (the current one by default)."""
    return parse(rulefile.load(__package__, filename), f"{__package__}/rules/{filename}")
