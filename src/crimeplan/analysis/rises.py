"""Largest rises: the areas (or categories) with the largest percentage and absolute rise in
crime between two periods, with a minimum-count guard against small-number noise.

Forces missing any month of either period are left out, and named, so a gap never reads as
a fall or a rise. Districts and LSOAs are those the scope covers (``areas.covered_areas``), so
a force's stray rows recorded in other forces' districts do not make a table of their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from crimeplan.analysis import sql
from crimeplan.analysis.areas import CoveredAreas, covered_areas
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import LSOA_EXPR, Scope, ScopeError, add_months, month_text
from crimeplan.analysis.trends import area_expr
from crimeplan.standard.forces import FORCES

GROUPINGS = ("force", "lad", "lsoa", "category")


@dataclass(frozen=True)
class Period:
    """An inclusive month range."""

    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{month_text(self.start)} to {month_text(self.end)}"


def default_periods(scope: Scope) -> tuple[Period, Period]:
    """The last 12 months against the 12 before when the scope spans 24 months or more,
    else the first against the last k months, k = half the span (rounded down)."""
    n = len(scope.months)
    if n < 2:
        raise ScopeError("a rise needs at least two months in the period")
    k = 12 if n >= 24 else n // 2
    after = Period(add_months(scope.end, -(k - 1)), scope.end)
    before = Period(add_months(after.start, -k), add_months(after.start, -1))
    return before, after


@dataclass(frozen=True)
class Rises:
    """Counts in both periods per area; top-N tables by percentage and by absolute rise."""

    scope: Scope
    coverage: Coverage
    grouping: str
    before: Period
    after: Period
    min_count: int
    table: pd.DataFrame  # area, name, before, after, change, pct_change, eligible
    excluded_forces: tuple[str, ...]
    n: int = 10
    category: str = "all"
    areas: CoveredAreas | None = None

    def top_percentage(self) -> pd.DataFrame:
        """The N largest percentage rises among areas with at least ``min_count`` before."""
        eligible = self.table[self.table["eligible"] & (self.table["change"] > 0)]
        return eligible.sort_values(["pct_change", "area"], ascending=[False, True]).head(self.n)

    def top_absolute(self) -> pd.DataFrame:
        """The N largest absolute rises; percentages only where the guard allows them."""
        rising = self.table[self.table["change"] > 0]
        top = rising.sort_values(["change", "area"], ascending=[False, True]).head(self.n)
        return top.assign(pct_change=top["pct_change"].where(top["eligible"]))

    def note(self) -> str:
        parts = [f"{self.after.label} against {self.before.label}",
                 f"percentage rises only where the earlier period had ≥ {self.min_count} crimes"]
        if self.excluded_forces:
            parts.append("left out for missing months: " + ", ".join(self.excluded_forces))
        if self.areas and self.areas.note():
            parts.append(self.areas.note())
        return "; ".join(parts)

    def rows(self) -> list[IndicatorRow]:
        note = self.note()
        period = f"{self.before.label} vs {self.after.label}"
        rows = []
        for label, frame, column, unit in (
                ("largest_rise_pct", self.top_percentage(), "pct_change", "% change"),
                ("largest_rise_abs", self.top_absolute(), "change", "change in crimes")):
            for r in frame.itertuples():
                if self.grouping == "category":
                    area_type, area, category = "scope", self.scope.label, str(r.area)
                else:
                    area_type, area, category = self.grouping, str(r.area), self.category
                rows.append(IndicatorRow(label, area_type, area, period, category,
                                         float(getattr(r, column)), unit, note))
                for name, count, span in (("crimes_before", r.before, self.before.label),
                                          ("crimes_after", r.after, self.after.label),
                                          ("change", r.change, period)):
                    rows.append(IndicatorRow(f"{label}:{name}", area_type, area, span,
                                             category, float(count), "crimes", note))
                if label == "largest_rise_abs" and pd.notna(r.pct_change):
                    rows.append(IndicatorRow(f"{label}:pct_change", area_type, area, period,
                                             category, float(r.pct_change), "% change", note))
        return rows


def largest_rises(con: duckdb.DuckDBPyConnection, scope: Scope, grouping: str = "force", *,
                  before: Period | None = None, after: Period | None = None, n: int = 10,
                  min_count: int = 20, category: str | None = None) -> Rises:
    """Top-N rises between two periods by area or by crime category."""
    if grouping not in GROUPINGS:
        raise ScopeError(f"rises group by one of {', '.join(GROUPINGS)}, not {grouping!r}")
    if (before is None) != (after is None):
        raise ScopeError("give both periods or neither")
    if before is None or after is None:
        before, after = default_periods(scope)
    span = scope.with_months(min(before.start, after.start), max(before.end, after.end))
    cov = coverage(con, span, "street")
    excluded = tuple(f for f in span.forces
                     if not (cov.complete_between(f, before.start, before.end)
                             and cov.complete_between(f, after.start, after.end)))
    kept = tuple(f for f in span.forces if f not in excluded)
    kept_scope = Scope(kept, span.start, span.end, scope.lad_code, scope.label)
    if grouping == "category":
        key, join, name = "s.category", "", "s.category"
    else:
        key, join = area_expr(grouping)
        name = {"force": "s.force", "lad": "any_value(r.lad19_name)",
                "lsoa": "any_value(s.lsoa_name)"}[grouping]
    cat_filter = "" if category is None else "AND s.category = $category"
    areas = None
    if grouping in ("lad", "lsoa"):  # only the scope's covered districts, not stray rows
        areas = covered_areas(con, kept_scope)
        cat_filter += f" AND {LSOA_EXPR.format(a='s')} IN (SELECT unnest($lsoas))"
    table = sql.frame(con, f"""
        SELECT {key} AS area, {name} AS name,
               count(*) FILTER (WHERE s.month BETWEEN $b0 AND $b1) AS before,
               count(*) FILTER (WHERE s.month BETWEEN $a0 AND $a1) AS after
        FROM street s {join}
        WHERE {kept_scope.where('s')} AND {key} IS NOT NULL {cat_filter}
        GROUP BY 1""", {**kept_scope.params(), "b0": before.start, "b1": before.end,
                        "a0": after.start, "a1": after.end, "category": category,
                        "lsoas": areas.codes if areas else []})
    if grouping == "force":
        names = {f.slug: f.name for f in FORCES}
        table["name"] = table["area"].map(lambda a: names.get(a, a))
    table["change"] = table["after"] - table["before"]
    table["pct_change"] = 100.0 * table["change"] / table["before"].where(table["before"] > 0)
    table["eligible"] = table["before"] >= min_count
    return Rises(scope, cov, grouping, before, after, min_count,
                 table.astype({"before": "int64", "after": "int64", "change": "int64"}),
                 excluded, n, category or "all", areas)
