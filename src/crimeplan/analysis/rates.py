"""Crime rates per 1,000 residents for forces, districts, LSOAs or any area set.

The denominator is the IMD 2019 population denominators (mid-2015, from ``ref_lsoa``) unless
the user supplies a table; its name and year go into every output's unit. Rates cover the
scope's loaded months; areas with missing force-months are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from crimeplan.analysis.areas import IMD_DENOMINATOR, CoveredAreas, covered_areas
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import LSOA_EXPR, Scope, ScopeError, read_populations
from crimeplan.standard.forces import FORCES

AREA_TYPES = ("force", "lad", "lsoa", "custom")


@dataclass(frozen=True)
class Denominator:
    """Population per area and what it is ('mid-2015 population, IMD 2019 denominators')."""

    label: str
    populations: pd.DataFrame | None = None  # area, population; None = from ref_lsoa


def read_denominator(path: Path, label: str) -> Denominator:
    """A user-supplied population table: CSV with columns ``area`` and ``population``."""
    populations = read_populations(path, "area")
    return Denominator(label, pd.DataFrame({"area": list(populations),
                                            "population": list(populations.values())},
                                           columns=["area", "population"]))


def read_area_set(path: Path) -> pd.DataFrame:
    """An area set: CSV with columns ``lsoa11_code`` and ``area`` (e.g. wards, beats)."""
    frame = pd.read_csv(path, dtype=str)
    for field in ("lsoa11_code", "area"):
        if field not in frame.columns:
            raise ScopeError(f"{path}: missing column {field!r} (need lsoa11_code, area)")
    blank = frame[frame[["lsoa11_code", "area"]].isna().any(axis=1)]
    if len(blank):
        raise ScopeError(f"{path}: row {int(blank.index[0]) + 2}: empty lsoa11_code or area")
    return frame[["lsoa11_code", "area"]]


@dataclass(frozen=True)
class Rates:
    """Crimes, population and rate per 1,000 residents per area (and category)."""

    scope: Scope
    coverage: Coverage
    area_type: str
    denominator: str
    table: pd.DataFrame  # area, area_name, category, crimes, population, rate_per_1000
    areas: CoveredAreas | None

    @property
    def unit(self) -> str:
        return f"crimes per 1,000 residents, {self.scope.period} ({self.denominator})"

    def note(self) -> str:
        parts = [self.coverage.note(), self.areas.note() if self.areas else ""]
        return "; ".join(p for p in parts if p)

    def rows(self) -> list[IndicatorRow]:
        """Rate, crimes and population of every area."""
        note = self.note()
        rows = []
        for r in self.table.itertuples():
            rate = None if pd.isna(r.rate_per_1000) else float(r.rate_per_1000)
            population = None if pd.isna(r.population) else float(r.population)
            rows += [
                IndicatorRow("crime_rate", self.area_type, str(r.area), self.scope.period,
                             r.category, rate, self.unit, note),
                IndicatorRow("crimes_in_period", self.area_type, str(r.area), self.scope.period,
                             r.category, float(r.crimes), "crimes", note),
                IndicatorRow("population", self.area_type, str(r.area), self.scope.period,
                             r.category, population, f"residents ({self.denominator})", note),
            ]
        return rows


def crime_rates(con: duckdb.DuckDBPyConnection, scope: Scope, area_type: str = "force", *,
                by_category: bool = False, denominator: Denominator | None = None,
                area_set: pd.DataFrame | None = None) -> Rates:
    """Rates per 1,000 residents; ``area_set`` (lsoa11_code, area) defines custom areas."""
    if area_type not in AREA_TYPES:
        raise ScopeError(f"area type must be one of {', '.join(AREA_TYPES)}")
    if area_type == "custom" and area_set is None:
        raise ScopeError("custom areas need an area set (lsoa11_code, area)")
    cov = coverage(con, scope, "street")
    lsoa = LSOA_EXPR.format(a="s")
    cat = "s.category" if by_category else "'all'"
    areas = None
    if denominator is None or denominator.populations is None or area_type != "force":
        areas = covered_areas(con, scope)
    if area_set is not None:
        con.register("_area_set", area_set)
        con.execute("CREATE OR REPLACE TEMP TABLE area_set AS SELECT lsoa11_code::VARCHAR "
                    "AS lsoa11_code, area::VARCHAR AS area FROM _area_set")
        con.unregister("_area_set")
    place = {"force": ("l.force", "l.force"), "lad": ("l.lad19_code", "l.lad19_name"),
             "lsoa": ("l.lsoa11_code", "l.lsoa11_name"), "custom": ("a.area", "a.area")}
    key, name = place[area_type]
    set_join = "JOIN area_set a ON a.lsoa11_code = l.lsoa11_code" if area_type == "custom" else ""
    if area_type == "force":
        counts = con.execute(f"""
            SELECT s.force AS area, {cat} AS category, count(*) AS crimes
            FROM street s WHERE {scope.where('s')} GROUP BY ALL""").df()
    else:
        counts = con.execute(f"""
            SELECT {key} AS area, {cat} AS category, count(s.force) AS crimes
            FROM scope_lsoa l {set_join} LEFT JOIN street s
              ON {lsoa} = l.lsoa11_code AND {scope.where('s')}
            GROUP BY ALL""").df()
        if by_category:
            counts = _complete_categories(counts)
    if denominator is not None and denominator.populations is not None:
        pops = denominator.populations.rename(columns={"population": "population"})
        pops = pops.assign(area_name=pops["area"])
        label = denominator.label
    else:
        pops = con.execute(f"""
            SELECT {key} AS area, any_value({name}) AS area_name, sum(l.population) AS population
            FROM scope_lsoa l {set_join} GROUP BY 1""").df()
        label = IMD_DENOMINATOR
    table = counts.merge(pops, on="area", how="left")
    if area_type == "force":
        names = {f.slug: f.name for f in FORCES}
        table["area_name"] = table["area"].map(lambda a: names.get(a, a))
    table["population"] = table["population"].astype("float64")
    table["crimes"] = table["crimes"].astype("int64")
    table["rate_per_1000"] = 1000.0 * table["crimes"] / table["population"].where(
        table["population"] > 0)
    table = table.sort_values(["category", "rate_per_1000"], ascending=[True, False],
                              na_position="last").reset_index(drop=True)
    return Rates(scope, cov, area_type, label,
                 table[["area", "area_name", "category", "crimes", "population",
                        "rate_per_1000"]], areas)


def _complete_categories(counts: pd.DataFrame) -> pd.DataFrame:
    """Areas with no crime of a category get an explicit zero row (not a missing row)."""
    cats = sorted(c for c in counts["category"].dropna().unique() if c != "all")
    areas = counts["area"].unique()
    grid = pd.MultiIndex.from_product([areas, cats], names=["area", "category"]).to_frame(
        index=False)
    out = grid.merge(counts.dropna(subset=["category"]), on=["area", "category"], how="left")
    out["crimes"] = out["crimes"].fillna(0)
    return out
