"""The IOM rules in force: cohorts, pathways, need levels, de-selection reasons and reviews,
loaded from the versioned rules file and checked (every entry cites its source)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from crimeplan.cases import rulefile
from crimeplan.risk.harm import normalise_offence

#: The rules file in force.
CURRENT = "iom-2025-v1.yaml"


@dataclass(frozen=True)
class Coded:
    """One entry of a rules code list, with its definition (if any) and source."""

    id: str
    label: str
    source: str
    definition: str = ""


@dataclass(frozen=True)
class IomRules:
    version: str
    title: str
    sources: dict[str, str]
    cohorts: dict[str, Coded]
    pathways: dict[str, Coded]
    need_levels: dict[str, Coded]
    deselection_reasons: dict[str, Coded]
    neighbourhood_crime: frozenset[str]
    review_interval_days: int

    def is_neighbourhood_crime(self, offence: str) -> bool:
        return normalise_offence(offence) in self.neighbourhood_crime


def _coded(raw: dict[str, Any], key: str, where: str) -> dict[str, Coded]:
    return {e["id"]: Coded(str(e["id"]), str(e["label"]), str(e["source"]),
                           str(e.get("definition", "")).strip())
            for e in rulefile.entries(raw, key, where)}


def parse(raw: dict[str, Any], where: str) -> IomRules:
    """Check a rules document and build the rules from it."""
    rulefile.require(raw, ("version", "title", "sources", "cohorts", "pathways",
                           "need_levels", "deselection_reasons", "neighbourhood_crime_offences",
                           "review"), where)
    cohorts = _coded(raw, "cohorts", where)
    for cohort in cohorts.values():
        if not cohort.definition:
            raise rulefile.problem(where, None, f"cohorts.{cohort.id}.definition",
                                   "a cohort needs its definition")
    crime = raw["neighbourhood_crime_offences"]
    rulefile.require(crime, ("source", "offences"), where)
    review = raw["review"]
    rulefile.require(review, ("interval_days", "source"), where)
    if not isinstance(review["interval_days"], int) or review["interval_days"] < 1:
        raise rulefile.problem(where, review.get(rulefile.LINE), "review.interval_days",
                               "must be a whole number of days, at least 1")
    return IomRules(
        version=str(raw["version"]), title=str(raw["title"]),
        sources={k: str(v).strip() for k, v in raw["sources"].items() if k != rulefile.LINE},
        cohorts=cohorts, pathways=_coded(raw, "pathways", where),
        need_levels=_coded(raw, "need_levels", where),
        deselection_reasons=_coded(raw, "deselection_reasons", where),
        neighbourhood_crime=frozenset(normalise_offence(o) for o in crime["offences"]),
        review_interval_days=review["interval_days"])


@lru_cache(maxsize=4)
def rules(filename: str = CURRENT) -> IomRules:
    """The IOM rules of a shipped file (the current one by default)."""
    return parse(rulefile.load(__package__, filename), f"{__package__}/rules/{filename}")
