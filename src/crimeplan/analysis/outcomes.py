"""Outcomes: the share of crimes by last outcome group (charged or summonsed, under
investigation, no suspect identified, ...) by category and area.

Anti-social behaviour has no outcomes and is left out. The last outcome is revised in later
releases, so recent months show more 'Under investigation' than they eventually will.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from crimeplan.analysis import sql
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import Scope
from crimeplan.analysis.trends import area_expr
from crimeplan.standard.codes import OUTCOME_CATEGORIES, OUTCOME_GROUPS

UNRECOGNISED = "Unrecognised outcome"
NO_OUTCOME = "No outcome recorded"
REVISION_NOTE = ("last outcomes are revised in later releases; recent months show more "
                 "'Under investigation' than they will")


@dataclass(frozen=True)
class Outcomes:
    """Crimes and shares (%) per area × category × outcome group."""

    scope: Scope
    coverage: Coverage
    area_type: str
    table: pd.DataFrame  # area, category, outcome_group, crimes, share_pct

    def note(self) -> str:
        return "; ".join(p for p in (self.coverage.note(), REVISION_NOTE) if p)

    def pivot(self, area: str | None = None) -> pd.DataFrame:
        """Shares with categories as rows and outcome groups as columns (report order)."""
        frame = self.table if area is None else self.table[self.table["area"] == area]
        wide = frame.pivot_table(index="category", columns="outcome_group", values="share_pct",
                                 aggfunc="sum", fill_value=0.0)
        order = [g for g in (*OUTCOME_GROUPS, UNRECOGNISED) if g in wide.columns]
        return wide[order]

    def rows(self) -> list[IndicatorRow]:
        note = self.note()
        return [IndicatorRow(f"outcome_share:{r.outcome_group}", self.area_type, str(r.area),
                             self.scope.period, r.category, float(r.share_pct),
                             "% of crimes in the category", note)
                for r in self.table.itertuples()]


def outcome_shares(con: duckdb.DuckDBPyConnection, scope: Scope,
                   area_type: str = "force") -> Outcomes:
    """Share of crimes by last outcome group, per area and category (plus ``all``)."""
    lookup = pd.DataFrame(
        [(name, o.group) for o in OUTCOME_CATEGORIES for name in (o.label, o.slug)],
        columns=["label", "outcome_group"]).drop_duplicates("label")
    area, join = area_expr(area_type)
    counts = sql.frame(con, f"""
        WITH lookup AS (SELECT unnest($labels) AS label, unnest($groups) AS outcome_group),
        rows AS (
            SELECT {area} AS area, s.category,
                   CASE WHEN nullif(trim(s.last_outcome_category), '') IS NULL THEN $none
                        ELSE coalesce(o.outcome_group, $unrecognised) END AS outcome_group
            FROM street s {join}
            LEFT JOIN lookup o ON o.label = s.last_outcome_category
            WHERE {scope.where('s')} AND s.category <> 'anti-social-behaviour'
              AND {area} IS NOT NULL)
        SELECT area, category, outcome_group, count(*) AS crimes FROM rows
        GROUP BY GROUPING SETS ((area, category, outcome_group), (area, outcome_group))
        """, {**scope.params(), "labels": list(lookup["label"]),
              "groups": list(lookup["outcome_group"]), "none": NO_OUTCOME,
              "unrecognised": UNRECOGNISED})
    counts["category"] = counts["category"].astype(object).where(counts["category"].notna(),
                                                                 "all")
    totals = counts.groupby(["area", "category"])["crimes"].transform("sum")
    counts["share_pct"] = 100.0 * counts["crimes"] / totals
    counts = counts.sort_values(["area", "category", "outcome_group"]).reset_index(drop=True)
    return Outcomes(scope, coverage(con, scope, "street"), area_type,
                    counts.astype({"crimes": "int64"}))
