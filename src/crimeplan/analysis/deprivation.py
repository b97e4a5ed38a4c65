"""Deprivation: crime rate by IMD 2019 decile, and the rank correlation of LSOA crime rate with
IMD rank, over a scope's covered LSOAs.

The IMD contains a crime domain (9.3% of its weight, built from recorded crime), so part of any
association is built in: read it as description, not as cause.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
from scipy import stats

from crimeplan.analysis import sql
from crimeplan.analysis.areas import IMD_DENOMINATOR, CoveredAreas, covered_areas
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import LSOA_EXPR, Scope

CRIME_DOMAIN_NOTE = ("the IMD contains a crime domain (9.3% of its weight, from recorded "
                     "crime), so part of this association is built in")


@dataclass(frozen=True)
class Deprivation:
    """Rates by IMD decile (1 = most deprived) and Spearman's rho of LSOA rate with IMD rank."""

    scope: Scope
    coverage: Coverage
    areas: CoveredAreas
    by_decile: pd.DataFrame  # imd_decile, lsoas, crimes, population, rate_per_1000
    lsoa: pd.DataFrame       # lsoa11_code, lsoa11_name, imd_rank, imd_decile, crimes,
    #                          population, rate_per_1000
    spearman_rho: float
    spearman_p: float

    @property
    def unit(self) -> str:
        return f"crimes per 1,000 residents, {self.scope.period} ({IMD_DENOMINATOR})"

    def note(self) -> str:
        return "; ".join(p for p in (self.coverage.note(), self.areas.note(),
                                     CRIME_DOMAIN_NOTE) if p)

    def rows(self) -> list[IndicatorRow]:
        note, period, area = self.note(), self.scope.period, self.scope.label
        rows = []
        for r in self.by_decile.itertuples():
            decile = str(int(r.imd_decile))
            rows += [
                IndicatorRow("crime_rate_by_imd_decile", "imd_decile", decile, period, "all",
                             float(r.rate_per_1000), self.unit, note),
                IndicatorRow("crimes_by_imd_decile", "imd_decile", decile, period, "all",
                             float(r.crimes), "crimes", note),
                IndicatorRow("population_by_imd_decile", "imd_decile", decile, period, "all",
                             float(r.population), f"residents ({IMD_DENOMINATOR})", note),
                IndicatorRow("lsoas_by_imd_decile", "imd_decile", decile, period, "all",
                             float(r.lsoas), "covered LSOAs", note),
            ]
        rows.append(IndicatorRow("spearman_rate_vs_imd_rank", "scope", area, period, "all",
                                 self.spearman_rho,
                                 f"Spearman rho over {len(self.lsoa):,} LSOAs (IMD rank 1 = "
                                 "most deprived, so negative = more crime where more deprived)",
                                 note))
        return rows


def deprivation(con: duckdb.DuckDBPyConnection, scope: Scope,
                category: str | None = None) -> Deprivation:
    """Crime rate by IMD decile and its rank correlation with IMD rank across LSOAs."""
    areas = covered_areas(con, scope)
    lsoa = LSOA_EXPR.format(a="s")
    cat = "" if category is None else "AND s.category = $category"
    found = sql.frame(con, f"""
        SELECT {lsoa} AS lsoa11_code, count(*) AS crimes FROM street s
        WHERE {scope.where('s')} {cat} AND {lsoa} IN (SELECT unnest($lsoas)) GROUP BY 1""",
        {**scope.params(), "category": category, "lsoas": areas.codes})
    frame = (areas.covered[["lsoa11_code", "lsoa11_name", "imd_rank", "imd_decile",
                            "population"]]
             .merge(found, on="lsoa11_code", how="left").fillna({"crimes": 0})
             .sort_values("lsoa11_code").reset_index(drop=True))
    frame = frame[["lsoa11_code", "lsoa11_name", "imd_rank", "imd_decile", "crimes",
                   "population"]]
    frame = frame.astype({"crimes": "int64", "population": "float64"})
    frame["rate_per_1000"] = 1000.0 * frame["crimes"] / frame["population"].where(
        frame["population"] > 0)
    by_decile = (frame.groupby("imd_decile", as_index=False)
                 .agg(lsoas=("lsoa11_code", "size"), crimes=("crimes", "sum"),
                      population=("population", "sum")))
    by_decile["rate_per_1000"] = 1000.0 * by_decile["crimes"] / by_decile["population"]
    valid = frame.dropna(subset=["rate_per_1000", "imd_rank"])
    if len(valid) >= 3:
        result = stats.spearmanr(valid["rate_per_1000"], valid["imd_rank"])
        rho, p = float(result.statistic), float(result.pvalue)
    else:
        rho = p = float("nan")
    return Deprivation(scope, coverage(con, scope, "street"), areas, by_decile, frame, rho, p)
