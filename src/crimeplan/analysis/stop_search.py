"""Stop and search: searches, arrest rate and find rate by legislation, object of search and
ethnicity; the disproportionality ratio against a supplied reference population.

Arrest rate = searches whose outcome is an arrest / all searches. Find rate = searches whose
outcome was linked to the object of search / searches where that link was recorded (NaN when
none was; the number unrecorded is stated). Ethnicity is used here for audit of the searches, which
is what the published data are for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from crimeplan.analysis import sql
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import Scope, ScopeError, read_populations

DATASET = "stop-and-search"
BREAKDOWNS = {
    "all": "'all'",
    "legislation": "coalesce(nullif(legislation, ''), 'Not recorded')",
    "object": "coalesce(nullif(object_of_search, ''), 'Not recorded')",
    "ethnicity": "coalesce(nullif(officer_defined_ethnicity, ''), 'Not recorded')",
    "self_defined_ethnicity": "coalesce(nullif(self_defined_ethnicity, ''), 'Not recorded')",
}
ARREST = "lower(coalesce(outcome, '')) LIKE '%arrest%'"


@dataclass(frozen=True)
class StopSearch:
    """Searches, arrests, finds and rates (%) per group of one breakdown."""

    scope: Scope
    coverage: Coverage
    breakdown: str
    table: pd.DataFrame  # group, searches, arrests, arrest_rate_pct, finds, find_rate_pct,
    #                      link_unrecorded

    def note(self) -> str:
        unrecorded = int(self.table["link_unrecorded"].sum())
        parts = [self.coverage.note(),
                 f"find rate leaves out {unrecorded:,} searches with no recorded link to the "
                 "object of search" if unrecorded else ""]
        return "; ".join(p for p in parts if p)

    def rows(self) -> list[IndicatorRow]:
        note = self.note()
        out = []
        for r in self.table.itertuples():
            category = f"{self.breakdown}: {r.group}"
            for name, value, unit in (
                    ("searches", r.searches, "searches"),
                    ("arrest_rate", r.arrest_rate_pct, "% of searches"),
                    ("find_rate", r.find_rate_pct, "% of searches with the link recorded")):
                out.append(IndicatorRow(f"stop_search_{name}", "force", self.scope.label,
                                        self.scope.period, category,
                                        None if pd.isna(value) else float(value), unit, note))
        return out


def stop_search_summary(con: duckdb.DuckDBPyConnection, scope: Scope,
                        breakdown: str = "all") -> StopSearch:
    """Searches, arrest rate and find rate by one breakdown (see ``BREAKDOWNS``)."""
    if breakdown not in BREAKDOWNS:
        raise ScopeError(f"breakdown must be one of {', '.join(BREAKDOWNS)}")
    table = sql.frame(con, f"""
        SELECT {BREAKDOWNS[breakdown]} AS "group", count(*) AS searches,
               count(*) FILTER (WHERE {ARREST}) AS arrests,
               count(*) FILTER (WHERE outcome_linked_to_object_of_search) AS finds,
               count(*) FILTER (WHERE outcome_linked_to_object_of_search IS NULL)
                   AS link_unrecorded
        FROM stop_search s WHERE {scope.where('s', 's.lsoa11_code')}
        GROUP BY 1 ORDER BY searches DESC, 1""", scope.params())
    table["arrest_rate_pct"] = 100.0 * table["arrests"] / table["searches"]
    recorded = (table["searches"] - table["link_unrecorded"]).astype("float64")
    table["find_rate_pct"] = 100.0 * table["finds"] / recorded.where(recorded > 0)
    table = table.astype({c: "int64" for c in ("searches", "arrests", "finds",
                                                "link_unrecorded")})
    return StopSearch(scope, coverage(con, scope, DATASET), breakdown,
                      table[["group", "searches", "arrests", "arrest_rate_pct", "finds",
                             "find_rate_pct", "link_unrecorded"]])


def read_reference_population(path: Path) -> dict[str, float]:
    """Reference population by ethnic group: CSV with columns ``group`` and ``population``."""
    return read_populations(path, "group")


@dataclass(frozen=True)
class Disproportionality:
    """Search rate per 1,000 of each group and its ratio to the reference group's rate."""

    scope: Scope
    coverage: Coverage
    field: str
    reference_group: str
    population_label: str
    table: pd.DataFrame  # group, searches, population, rate_per_1000, ratio

    def rows(self) -> list[IndicatorRow]:
        note = "; ".join(p for p in (
            self.coverage.note(), f"reference group {self.reference_group}; "
            f"population: {self.population_label}") if p)
        out = []
        for r in self.table.itertuples():
            out.append(IndicatorRow("stop_search_rate", "force", self.scope.label,
                                    self.scope.period, f"ethnicity: {r.group}",
                                    float(r.rate_per_1000),
                                    "searches per 1,000 residents of the group", note))
            out.append(IndicatorRow("reference_population", "force", self.scope.label,
                                    self.scope.period, f"ethnicity: {r.group}",
                                    float(r.population), self.population_label, note))
            out.append(IndicatorRow("disproportionality_ratio", "force", self.scope.label,
                                    self.scope.period, f"ethnicity: {r.group}", float(r.ratio),
                                    f"rate ratio to {self.reference_group}", note))
        return out


def disproportionality(con: duckdb.DuckDBPyConnection, scope: Scope,
                       population: dict[str, float], *, reference_group: str = "White",
                       field: str = "ethnicity",
                       population_label: str = "user-supplied") -> Disproportionality:
    """(searches_g / population_g) / (searches_ref / population_ref) for each group with a
    population; groups without one are left out of the table."""
    if reference_group not in population:
        raise ScopeError(f"the reference population has no group {reference_group!r}")
    searches = stop_search_summary(con, scope, field).table[["group", "searches"]]
    pop = pd.DataFrame({"group": list(population), "population": list(population.values())})
    table = searches.merge(pop, on="group", how="inner")
    table["rate_per_1000"] = 1000.0 * table["searches"] / table["population"]
    ref = table.loc[table["group"] == reference_group, "rate_per_1000"]
    if ref.empty or ref.iloc[0] == 0:
        raise ScopeError(f"no searches of the reference group {reference_group!r} in the scope")
    table["ratio"] = table["rate_per_1000"] / ref.iloc[0]
    return Disproportionality(scope, coverage(con, scope, DATASET), field, reference_group,
                              population_label, table.reset_index(drop=True))
