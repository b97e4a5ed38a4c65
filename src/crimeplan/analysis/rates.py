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

from crimeplan.analysis import sql
from crimeplan.analysis.areas import IMD_DENOMINATOR, CoveredAreas, covered_areas
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import LSOA_EXPR, Scope, ScopeError, read_populations
from crimeplan.standard.forces import FORCES

AREA_TYPES = ("force", "lad", "lsoa", "custom")
#: The category of a rate over every crime.
ALL = "all"


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
    user_pops = denominator.populations if denominator is not None else None
    own_populations = user_pops is not None and area_type == "force"
    areas = None if own_populations else covered_areas(con, scope)
    if area_type == "force":
        cat = "s.category" if by_category else "$all"
        counts = sql.frame(con, f"""
            SELECT s.force AS area, {cat} AS category, count(*) AS crimes
            FROM street s WHERE {scope.where('s')} GROUP BY ALL""",
            {**scope.params(), "all": ALL})
    if areas is not None:
        places = _places(areas, area_type, area_set)
        if area_type != "force":
            counts = _area_counts(places, _lsoa_counts(con, scope, areas, by_category),
                                  by_category)
    if denominator is not None and user_pops is not None:
        pops = user_pops.assign(area_name=user_pops["area"])
        label = denominator.label
    else:
        pops = (places.groupby("area", as_index=False)
                .agg(area_name=("area_name", "first"),
                     population=("population", lambda p: p.sum(min_count=1))))
        label = IMD_DENOMINATOR
    table = counts.merge(pops, on="area", how="left")
    if area_type == "force":
        names = {f.slug: f.name for f in FORCES}
        table["area_name"] = table["area"].map(lambda a: names.get(a, a))
    table["population"] = table["population"].astype("float64")
    table["crimes"] = table["crimes"].astype("int64")
    table["rate_per_1000"] = 1000.0 * table["crimes"] / table["population"].where(
        table["population"] > 0)
    table = table.sort_values(["category", "rate_per_1000", "area"],
                              ascending=[True, False, True],
                              na_position="last").reset_index(drop=True)
    return Rates(scope, cov, area_type, label,
                 table[["area", "area_name", "category", "crimes", "population",
                        "rate_per_1000"]], areas)


def _places(areas: CoveredAreas, area_type: str, area_set: pd.DataFrame | None
            ) -> pd.DataFrame:
    """The covered LSOAs with the area each belongs to: lsoa11_code, area, area_name,
    population (an LSOA in two areas of a custom set counts in both)."""
    covered = areas.covered
    if area_type == "custom" and area_set is not None:
        chosen = covered.merge(area_set.astype({"lsoa11_code": str, "area": str}),
                               on="lsoa11_code")
        key, name = "area", "area"
    else:
        chosen = covered
        key, name = {"force": ("force", "force"), "lad": ("lad19_code", "lad19_name"),
                     "lsoa": ("lsoa11_code", "lsoa11_name")}[area_type]
    return pd.DataFrame({"lsoa11_code": chosen["lsoa11_code"], "area": chosen[key],
                         "area_name": chosen[name], "population": chosen["population"]})


def _lsoa_counts(con: duckdb.DuckDBPyConnection, scope: Scope, areas: CoveredAreas,
                 by_category: bool) -> pd.DataFrame:
    """Crimes per covered LSOA (and category): lsoa11_code, category, crimes."""
    lsoa = LSOA_EXPR.format(a="s")
    cat = "s.category" if by_category else "$all"
    return sql.frame(con, f"""
        SELECT {lsoa} AS lsoa11_code, {cat} AS category, count(*) AS crimes
        FROM street s WHERE {scope.where('s')} AND {lsoa} IN (SELECT unnest($lsoas))
        GROUP BY ALL""", {**scope.params(), "all": ALL, "lsoas": areas.codes})


def _area_counts(places: pd.DataFrame, per_lsoa: pd.DataFrame, by_category: bool
                 ) -> pd.DataFrame:
    """Crimes per area (and category): every area of ``places``, with an explicit zero for a
    category an area had none of (not a missing row)."""
    found = (per_lsoa.merge(places[["lsoa11_code", "area"]], on="lsoa11_code")
             .groupby(["area", "category"], as_index=False)["crimes"].sum())
    cats = sorted(found["category"].unique()) if by_category else [ALL]
    grid = pd.MultiIndex.from_product([places["area"].unique(), cats],
                                      names=["area", "category"]).to_frame(index=False)
    out = grid.merge(found, on=["area", "category"], how="left")
    out["crimes"] = out["crimes"].fillna(0)
    return out
