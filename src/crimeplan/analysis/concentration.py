"""Concentration: the share of crime in the top 1/5/10% of places, the Gini coefficient of
crime across places, and repeat locations (map points with two or more crimes).

Places are LSOAs, grid cells (British National Grid, ``cell_size`` metres, cells at multiples
of the size) or police.uk map points. Grid cells and map points count places with at least one
crime; LSOAs count every covered LSOA, crime-free ones too, when the reference is loaded.
With n places sorted ascending (x_1 ≤ … ≤ x_n), Gini = 2·Σ i·x_i / (n·Σ x) − (n + 1)/n.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from crimeplan.analysis import sql
from crimeplan.analysis.areas import covered_areas
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import LSOA_EXPR, Scope, ScopeError, table_exists

PLACES = ("lsoa", "grid", "location")
TOP_PERCENTS = (1, 5, 10)


@dataclass(frozen=True)
class Concentration:
    """How concentrated crime is across places."""

    scope: Scope
    coverage: Coverage
    places: str
    universe: str
    n_places: int
    crimes: int
    top_share_pct: dict[int, float]
    gini: float
    repeat_locations: int
    repeat_share_pct: float
    cell_size: float | None = None

    @property
    def place_label(self) -> str:
        if self.places == "grid":
            return f"{self.cell_size:g} m grid cells"
        return {"lsoa": "LSOAs", "location": "map points"}[self.places]

    def note(self) -> str:
        return "; ".join(p for p in (self.coverage.note(), self.universe) if p)

    def rows(self) -> list[IndicatorRow]:
        note, period, area = self.note(), self.scope.period, self.scope.label
        rows = [IndicatorRow(f"share_in_top_{k}pct_places", "scope", area, period, "all",
                             v, f"% of crimes in the top {k}% of {self.place_label}", note)
                for k, v in self.top_share_pct.items()]
        rows += [
            IndicatorRow("gini", "scope", area, period, "all", self.gini,
                         f"Gini coefficient across {self.place_label}", note),
            IndicatorRow("places", "scope", area, period, "all", float(self.n_places),
                         self.place_label, note),
            IndicatorRow("crimes_in_places", "scope", area, period, "all", float(self.crimes),
                         f"crimes located in the {self.place_label}", note),
            IndicatorRow("repeat_locations", "scope", area, period, "all",
                         float(self.repeat_locations), "map points with 2 or more crimes", note),
            IndicatorRow("crimes_at_repeat_locations", "scope", area, period, "all",
                         self.repeat_share_pct, "% of mapped crimes", note),
        ]
        return rows


def concentration(con: duckdb.DuckDBPyConnection, scope: Scope, places: str = "lsoa", *,
                  cell_size: float = 250.0, category: str | None = None) -> Concentration:
    """Top-place shares, Gini and repeat locations for a scope (optionally one category)."""
    if places not in PLACES:
        raise ScopeError(f"places must be one of {', '.join(PLACES)}")
    if cell_size <= 0:
        raise ScopeError("cell size must be positive")
    cat = "" if category is None else "AND s.category = $category"
    params = {**scope.params(), "category": category, "cell": cell_size}
    where = f"{scope.where('s')} {cat}"
    if places == "lsoa" and table_exists(con, "ref_lsoa"):
        areas = covered_areas(con, scope)
        lsoa = LSOA_EXPR.format(a="s")
        found = sql.frame(con, f"""
            SELECT {lsoa} AS lsoa11_code, count(*) AS c FROM street s
            WHERE {where} AND {lsoa} IN (SELECT unnest($lsoas)) GROUP BY 1""",
            {**params, "lsoas": areas.codes})
        counts = (areas.covered[["lsoa11_code"]].merge(found, on="lsoa11_code", how="left")
                  ["c"].fillna(0).to_numpy())
        universe = "places: every covered LSOA, including those with no crime"
    else:
        keys = {"lsoa": [LSOA_EXPR.format(a="s")],
                "grid": ["floor(s.x / $cell)", "floor(s.y / $cell)"],
                "location": ["s.longitude", "s.latitude"]}[places]
        present = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        counts = sql.arrays(con, f"""SELECT count(*) AS c FROM street s
                                     WHERE {where} AND {present} GROUP BY {", ".join(keys)}""",
                            params)["c"]
        universe = "places: those with at least one crime"
    n, total, shares, gini = _spread(np.asarray(counts, dtype="float64"))
    repeat, at_repeat, mapped = sql.rows(con, f"""
        WITH pts AS (SELECT s.longitude, s.latitude, count(*) AS c FROM street s
                     WHERE {where} AND s.mapped GROUP BY 1, 2)
        SELECT count(*) FILTER (WHERE c >= 2), coalesce(sum(c) FILTER (WHERE c >= 2), 0),
               coalesce(sum(c), 0) FROM pts""", params)[0]
    return Concentration(
        scope, coverage(con, scope, "street"), places, universe, n, total, shares, gini,
        int(repeat), 100.0 * at_repeat / mapped if mapped else float("nan"),
        cell_size if places == "grid" else None)


def _spread(counts: np.ndarray) -> tuple[int, int, dict[int, float], float]:
    """Places, crimes, the % of crimes in the top k% of places (the ceiling of k% of the
    places, at least one) and the Gini coefficient of a set of per-place counts."""
    n, total = len(counts), int(counts.sum())
    if not total:
        return n, total, {k: float("nan") for k in TOP_PERCENTS}, float("nan")
    descending = np.sort(counts)[::-1]
    shares = {k: 100.0 * descending[:max(1, -(-k * n // 100))].sum() / total
              for k in TOP_PERCENTS}
    ranks = np.arange(1, n + 1)
    gini = 2.0 * float((ranks * descending[::-1]).sum()) / (n * total) - (n + 1.0) / n
    return n, total, shares, gini
