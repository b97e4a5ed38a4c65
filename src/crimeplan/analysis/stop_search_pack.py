"""The stop and search community review pack: what a scrutiny panel is given for one force and
one quarter.

For the quarter: searches, arrest and find rates overall and by object of search, outcome, age,
sex, self-defined ethnic group and officer-defined ethnicity; use of section 60 (searches
without suspicion) and of searches removing more than outer clothing; disproportionality
against a population the panel supplies; and a reproducible random sample of records for the
panel to read, with only the fields police.uk publishes (no location: a panel reads the
circumstances, not where).

Ethnicity is used to scrutinise the searches, which is what it is published for.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from crimeplan.analysis import sql
from crimeplan.analysis.scope import Scope, ScopeError
from crimeplan.analysis.stop_search import (
    Disproportionality,
    StopSearch,
    disproportionality,
    stop_search_summary,
)

#: The breakdowns of the pack, in the order the report shows them, with their titles.
PACK_BREAKDOWNS = {"object": "Object of search", "outcome": "Outcome", "age": "Age range",
                   "sex": "Sex", "self_defined_group": "Self-defined ethnic group",
                   "ethnicity": "Officer-defined ethnicity", "legislation": "Power used",
                   "type": "Type of search"}
SECTION_60 = "legislation LIKE '%(section 60)%'"
#: Fields of the sample, as police.uk publishes them (coordinates and LSOA left out).
SAMPLE_FIELDS = ("date", "type", "age_range", "gender", "self_defined_ethnicity",
                 "officer_defined_ethnicity", "legislation", "object_of_search", "outcome",
                 "outcome_linked_to_object_of_search", "removal_of_more_than_just_outer_clothing")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


def quarter_months(quarter: str) -> tuple[str, str]:
    """The first and last month (YYYY-MM) of a calendar quarter given as ``YYYY-Qn``."""
    match = _QUARTER.fullmatch(quarter.strip())
    if not match:
        raise ScopeError(f"--quarter {quarter!r}: give a calendar quarter as YYYY-Qn, "
                         "e.g. 2018-Q2")
    year, q = int(match.group(1)), int(match.group(2))
    return f"{year}-{3 * q - 2:02d}", f"{year}-{3 * q:02d}"


@dataclass(frozen=True)
class Section60:
    """Searches under section 60 of the Criminal Justice and Public Order Act 1994."""

    searches: int
    share_of_all: float
    by_ethnicity: pd.DataFrame  # group, searches


@dataclass(frozen=True)
class ReviewPack:
    """Everything in the pack for one force and quarter."""

    scope: Scope
    quarter: str
    overall: StopSearch
    breakdowns: dict[str, StopSearch]
    section_60: Section60
    strip_searches: int
    disproportionality: Disproportionality | None
    sample: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def review_pack(con: duckdb.DuckDBPyConnection, scope: Scope, quarter: str, *,
                population: dict[str, float] | None = None, reference_group: str = "White",
                population_label: str = "user-supplied", sample_size: int = 20) -> ReviewPack:
    """The pack for ``scope`` (one force, the quarter's months): see the module docstring.
    The sample is the same every time for the same force, quarter and data (seeded by
    them)."""
    if len(scope.forces) != 1:
        raise ScopeError("a review pack is for one force: give --force")
    overall = stop_search_summary(con, scope, "all")
    total = int(overall.table["searches"].sum())
    if total == 0:
        raise ScopeError(f"no stop and search records for {scope.label} in {quarter}")
    breakdowns = {b: stop_search_summary(con, scope, b) for b in PACK_BREAKDOWNS}
    params = scope.params()
    where = scope.where("s", "s.lsoa11_code")
    s60 = sql.frame(con, f"""
        SELECT coalesce(nullif(officer_defined_ethnicity, ''), 'Not recorded') AS "group",
               count(*) AS searches
        FROM stop_search s WHERE {where} AND {SECTION_60}
        GROUP BY 1 ORDER BY searches DESC, 1""", params)
    n60 = int(s60["searches"].sum())
    strip = sql.rows(con, f"""SELECT count(*) FROM stop_search s WHERE {where}
                              AND removal_of_more_than_just_outer_clothing""", params)[0][0]
    notes = [overall.note()]
    dispro = None
    if population is not None:
        dispro = disproportionality(con, scope, population, reference_group=reference_group,
                                    field="self_defined_group",
                                    population_label=population_label)
        missing = sorted(set(breakdowns["self_defined_group"].table["group"])
                         - set(dispro.table["group"]) - {"Not recorded", "Not stated"})
        if missing:
            notes.append("groups with searches but no population supplied (left out of the "
                         f"ratios): {', '.join(missing)}")
    seed = int(hashlib.sha256(f"{scope.label}|{quarter}|{total}".encode()).hexdigest()[:8], 16)
    sample = sql.frame(con, f"""
        SELECT {', '.join(SAMPLE_FIELDS)} FROM stop_search s WHERE {where}
        ORDER BY hash(file_id, line, $seed), file_id, line LIMIT $n""",
                       {**params, "seed": seed, "n": sample_size})
    return ReviewPack(scope, quarter, overall, breakdowns,
                      Section60(n60, n60 / total, s60), int(strip), dispro, sample, notes)
