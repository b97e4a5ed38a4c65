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
    params = {"category": category} if category else {}
    where = f"{scope.where('s')} {cat}"
    if places == "lsoa" and table_exists(con, "ref_lsoa"):
        covered_areas(con, scope)
        lsoa = LSOA_EXPR.format(a="s")
        counts_sql = f"""SELECT count(s.force) AS c FROM scope_lsoa l
                         LEFT JOIN street s ON {lsoa} = l.lsoa11_code AND {where}
                         GROUP BY l.lsoa11_code"""
        universe = "places: every covered LSOA, including those with no crime"
    else:
        keys = {"lsoa": [LSOA_EXPR.format(a="s")],
                "grid": [f"floor(s.x / {cell_size})", f"floor(s.y / {cell_size})"],
                "location": ["s.longitude", "s.latitude"]}[places]
        present = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        counts_sql = f"""SELECT count(*) AS c FROM street s WHERE {where} AND {present}
                         GROUP BY {", ".join(keys)}"""
        universe = "places: those with at least one crime"
    tops = ", ".join(
        f"coalesce(sum(c) FILTER (WHERE r_desc <= greatest(1, ceil({k} / 100.0 * n))), 0) "
        f"AS top_{k}" for k in TOP_PERCENTS)
    row = con.execute(f"""
        WITH counts AS ({counts_sql}),
        ranked AS (SELECT c, row_number() OVER (ORDER BY c DESC) AS r_desc,
                          row_number() OVER (ORDER BY c ASC) AS r_asc,
                          count(*) OVER () AS n FROM counts)
        SELECT count(*) AS n, coalesce(sum(c), 0) AS total, {tops},
               2.0 * sum(r_asc * c) / (count(*) * sum(c)) - (count(*) + 1.0) / count(*) AS gini
        FROM ranked""", params).fetchall()[0]
    n, total = int(row[0]), int(row[1])
    shares = {k: (100.0 * row[2 + i] / total if total else float("nan"))
              for i, k in enumerate(TOP_PERCENTS)}
    repeat, at_repeat, mapped = con.execute(f"""
        WITH pts AS (SELECT s.longitude, s.latitude, count(*) AS c FROM street s
                     WHERE {where} AND s.mapped GROUP BY 1, 2)
        SELECT count(*) FILTER (WHERE c >= 2), coalesce(sum(c) FILTER (WHERE c >= 2), 0),
               coalesce(sum(c), 0) FROM pts""", params).fetchall()[0]
    return Concentration(
        scope, coverage(con, scope, "street"), places, universe, n, total, shares,
        float(row[2 + len(TOP_PERCENTS)]) if total else float("nan"), int(repeat),
        100.0 * at_repeat / mapped if mapped else float("nan"),
        cell_size if places == "grid" else None)
