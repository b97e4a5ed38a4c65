"""Trends: crimes by category × area × month, rolling 12 months, year-on-year change and
indexed trends (base period = 100).

Monthly counts come from one SQL aggregate; force-months missing from ``partitions`` are NaN
(not zero), so rolling sums, year-on-year changes and indices that need them are NaN too and
the note says which force-months were missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from crimeplan.analysis import sql
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import LSOA_EXPR, Scope, ScopeError, add_months, month_text

ALL = "all"
AREA_TYPES = ("force", "lad", "lsoa")


def area_expr(area_type: str, alias: str = "s") -> tuple[str, str]:
    """SQL for the area of a street row, and the join it needs."""
    lsoa = LSOA_EXPR.format(a=alias)
    if area_type == "force":
        return f"{alias}.force", ""
    if area_type == "lsoa":
        return lsoa, ""
    if area_type == "lad":
        return "r.lad19_code", f"JOIN ref_lsoa r ON r.lsoa11_code = {lsoa}"
    raise ScopeError(f"area type must be one of {', '.join(AREA_TYPES)}, not {area_type!r}")


@dataclass(frozen=True)
class Trends:
    """Monthly counts (``monthly``: area, category, month, crimes) with derived series."""

    scope: Scope
    coverage: Coverage
    area_type: str
    monthly: pd.DataFrame

    def rolling_12(self) -> pd.DataFrame:
        """Sum of the last 12 months ending each month; NaN unless all 12 are covered."""
        wide = self.monthly.pivot(index=["area", "category"], columns="month", values="crimes")
        sums = np.full(wide.shape, np.nan)
        if wide.shape[1] >= 12:
            windows = np.lib.stride_tricks.sliding_window_view(wide.to_numpy(), 12, axis=1)
            sums[:, 11:] = windows.sum(axis=2)   # NaN when any month of the window is missing
        out = pd.DataFrame(sums, index=wide.index, columns=wide.columns)
        return (out.stack(future_stack=True).rename("crimes_12m").reset_index()
                [["area", "category", "month", "crimes_12m"]])

    def year_on_year(self) -> pd.DataFrame:
        """Each month against the same month a year before: change and percentage change."""
        before = self.monthly.assign(month=self.monthly["month"].map(lambda m: add_months(m, 12)))
        out = self.monthly.merge(before, on=["area", "category", "month"],
                                 suffixes=("", "_year_before"))
        out["change"] = out["crimes"] - out["crimes_year_before"]
        base = out["crimes_year_before"].where(out["crimes_year_before"] > 0)
        out["pct_change"] = 100.0 * out["change"] / base
        return out

    def indexed(self, base_start: dt.date | None = None,
                base_end: dt.date | None = None) -> pd.DataFrame:
        """Counts as an index: the mean of the base period (default: first month) = 100."""
        base_start = base_start or self.scope.start
        base_end = base_end or base_start
        in_base = self.monthly["month"].between(base_start, base_end)
        grouped = self.monthly[in_base].groupby(["area", "category"])["crimes"]
        complete = grouped.count() == grouped.size()
        base = grouped.mean().where(complete).rename("base")
        out = self.monthly.join(base, on=["area", "category"])
        out["index"] = 100.0 * out["crimes"] / out["base"].where(out["base"] > 0)
        return out

    def base_label(self, base_start: dt.date | None = None,
                   base_end: dt.date | None = None) -> str:
        start = base_start or self.scope.start
        end = base_end or start
        span = month_text(start) if start == end else f"{month_text(start)} to {month_text(end)}"
        return f"index, {span} = 100"

    def rows(self) -> list[IndicatorRow]:
        """Monthly counts, rolling 12-month sums, year-on-year and index values."""
        note = self.coverage.note()
        rows = [IndicatorRow("crimes", self.area_type, str(r.area), month_text(r.month),
                             r.category, _num(r.crimes), "crimes", note)
                for r in self.monthly.itertuples()]
        for r in self.rolling_12().dropna(subset=["crimes_12m"]).itertuples():
            rows.append(IndicatorRow("crimes_rolling_12_months", self.area_type, str(r.area),
                                     month_text(r.month), r.category, float(r.crimes_12m),
                                     "crimes in the 12 months to this month", note))
        for r in self.year_on_year().itertuples():
            rows.append(IndicatorRow("year_on_year_change_pct", self.area_type, str(r.area),
                                     month_text(r.month), r.category, _num(r.pct_change),
                                     "% change on the same month a year before", note))
        unit = self.base_label()
        for r in self.indexed().itertuples():
            rows.append(IndicatorRow("indexed_trend", self.area_type, str(r.area),
                                     month_text(r.month), r.category, _num(r.index), unit, note))
        return rows


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def monthly_counts(con: duckdb.DuckDBPyConnection, scope: Scope, area_type: str = "force",
                   by_category: bool = True) -> Trends:
    """Crimes per area × category × month; category ``all`` holds the total."""
    area, join = area_expr(area_type)
    cov = coverage(con, scope, "street")
    cat = "s.category" if by_category else "$all"
    counts = sql.frame(con, f"""
        SELECT {area} AS area, {cat} AS category, s.month, count(*) AS crimes
        FROM street s {join} WHERE {scope.where('s')} AND {area} IS NOT NULL
        GROUP BY ALL""", {**scope.params(), "all": ALL})
    if by_category:
        totals = counts.groupby(["area", "month"], as_index=False)["crimes"].sum()
        counts = pd.concat([counts, totals.assign(category=ALL)], ignore_index=True)
    counts["month"] = pd.to_datetime(counts["month"]).dt.date
    grid = pd.MultiIndex.from_product(
        [sorted(counts["area"].unique()), sorted(counts["category"].unique()),
         list(scope.months)], names=["area", "category", "month"]).to_frame(index=False)
    monthly = grid.merge(counts, on=["area", "category", "month"], how="left")
    monthly["crimes"] = monthly["crimes"].fillna(0).astype("float64")
    if area_type == "force":
        missing = pd.DataFrame(list(cov.missing), columns=["area", "month"])
        key = ["area", "month"]
    else:
        missing = pd.DataFrame({"month": sorted({m for _, m in cov.missing})})
        key = ["month"]
    uncovered = monthly[key].merge(missing.assign(gap=True), on=key, how="left")["gap"]
    uncovered = uncovered.fillna(False).astype(bool).to_numpy()
    monthly.loc[uncovered, "crimes"] = np.nan
    monthly["area"] = monthly["area"].astype(object)
    monthly["category"] = monthly["category"].astype(object)
    return Trends(scope, cov, area_type, monthly)
