"""Areas for rates and maps: LSOAs assigned to force areas, and the LSOAs a scope covers.

The reference tables give each LSOA its district (LAD 2019), population and force area
(``ref_lsoa.pfa_code``; for reference loads without it, a point inside each LSOA polygon is
placed in the force-area polygons of ``ref_pfa``).

A scope's *covered* LSOAs are those of its force areas (or district) in districts whose crime
rate is at least 5% of the scope's overall rate: a district with (next to) no crime loaded is
treated as not loaded, not as crime-free, and named in notes. Every district of a force's
complete data passes easily; extracts (such as the bundled sample's four Essex districts)
do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import shapely

from crimeplan.analysis import sql
from crimeplan.analysis.scope import LSOA_EXPR, Scope, require_reference
from crimeplan.standard.forces import FORCES

#: A district counts as covered when its rate is at least this share of the scope's rate.
MIN_SHARE_OF_RATE = 0.05

#: What the reference population is, named in every rate's unit.
IMD_DENOMINATOR = "mid-2015 population, IMD 2019 denominators"
#: The columns of a scope's LSOAs.
LSOA_FIELDS = ("lsoa11_code", "lsoa11_name", "lad19_code", "lad19_name", "force", "population",
               "imd_rank", "imd_decile", "area_km2")


@dataclass(frozen=True)
class CoveredAreas:
    """The LSOAs of a scope's force areas or district (``table``, with ``covered`` true for
    those in covered districts) and the districts left out."""

    table: pd.DataFrame  # LSOA_FIELDS and covered
    districts: tuple[str, ...]
    uncovered_districts: tuple[str, ...]

    @property
    def covered(self) -> pd.DataFrame:
        """The covered LSOAs."""
        return self.table[self.table["covered"]].reset_index(drop=True)

    @property
    def codes(self) -> list[str]:
        """The covered LSOAs' codes (for ``IN (SELECT unnest($lsoas))``)."""
        return [str(c) for c in self.covered["lsoa11_code"]]

    @property
    def lsoas(self) -> int:
        return int(self.table["covered"].sum())

    @property
    def population(self) -> int:
        return int(self.covered["population"].sum())

    @property
    def without_population(self) -> int:
        return int(self.table["population"].isna().sum())

    def note(self) -> str:
        parts = []
        if self.uncovered_districts:
            parts.append("districts with (next to) no crime loaded treated as not covered: "
                         + ", ".join(self.uncovered_districts))
        if self.without_population:
            parts.append(f"{self.without_population:,} LSOAs of the force areas have no "
                         "reference population (the IMD 2019 denominators cover England only)")
        return "; ".join(parts)


def lsoa_force(con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, Any]]:
    """A subquery of (lsoa11_code, force) and its parameters: from ``ref_lsoa.pfa_code`` when
    the reference load filled it, else by placing a point inside each LSOA polygon in the
    force-area polygons of ``ref_pfa``."""
    slugs = [(f.pfa_code, f.slug) for f in FORCES if f.pfa_code]
    if _has_column(con, "ref_lsoa", "pfa_code") and sql.rows(
            con, "SELECT count(pfa_code) FROM ref_lsoa")[0][0]:
        return ("SELECT r.lsoa11_code, f.force FROM ref_lsoa r JOIN (SELECT unnest($pfa_codes) "
                "AS pfa_code, unnest($pfa_forces) AS force) f USING (pfa_code)",
                {"pfa_codes": [c for c, _ in slugs], "pfa_forces": [f for _, f in slugs]})
    require_reference(con, "ref_lsoa_geom", "ref_pfa")
    lsoa = sql.arrays(con, "SELECT lsoa11_code, wkb FROM ref_lsoa_geom")
    pfa = sql.arrays(con, "SELECT pfa_code, wkb FROM ref_pfa")
    points = shapely.point_on_surface(_geometries(lsoa["wkb"]))
    inside, area = shapely.STRtree(_geometries(pfa["wkb"])).query(points, predicate="within")
    lookup = pd.DataFrame({
        "lsoa11_code": np.asarray(lsoa["lsoa11_code"], dtype=object)[inside],
        "pfa_code": np.asarray(pfa["pfa_code"], dtype=object)[area],
    }).drop_duplicates("lsoa11_code").merge(
        pd.DataFrame(slugs, columns=["pfa_code", "force"]), on="pfa_code")
    return ("SELECT unnest($lf_lsoas) AS lsoa11_code, unnest($lf_forces) AS force",
            {"lf_lsoas": [str(c) for c in lookup["lsoa11_code"]],
             "lf_forces": list(lookup["force"])})


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(sql.rows(
        con, "SELECT count(*) FROM information_schema.columns WHERE table_name = $table AND "
             "column_name = $column", {"table": table, "column": column})[0][0])


def _geometries(wkb: np.ndarray) -> np.ndarray:
    """Shapely geometries from a column of WKB blobs (DuckDB returns bytearrays)."""
    return shapely.from_wkb(np.array([bytes(b) for b in wkb], dtype=object))


def covered_areas(con: duckdb.DuckDBPyConnection, scope: Scope) -> CoveredAreas:
    """The LSOAs of the scope's force areas (or district), marked covered when their district's
    crime rate is at least ``MIN_SHARE_OF_RATE`` of the scope's."""
    require_reference(con, "ref_lsoa")
    forces_sql, forces_params = lsoa_force(con)
    lsoa = LSOA_EXPR.format(a="s")
    place = "r.lad19_code = $lad" if scope.lad_code else "lf.force IN (SELECT unnest($forces))"
    table = sql.frame(con, f"""
        WITH lf AS ({forces_sql}),
        candidate AS (
            SELECT r.lsoa11_code, r.lsoa11_name, r.lad19_code, r.lad19_name, lf.force,
                   r.population, r.imd_rank, r.imd_decile, r.area_km2
            FROM ref_lsoa r LEFT JOIN lf USING (lsoa11_code) WHERE {place}),
        per_lsoa AS (
            SELECT {lsoa} AS lsoa11_code, count(*) AS crimes FROM street s
            WHERE {scope.where('s')} GROUP BY 1),
        district AS (
            SELECT c.lad19_code, sum(c.population) AS population,
                   coalesce(sum(k.crimes), 0) AS crimes
            FROM candidate c LEFT JOIN per_lsoa k USING (lsoa11_code) GROUP BY 1),
        overall AS (SELECT sum(crimes) / nullif(sum(population), 0) AS rate FROM district)
        SELECT c.*, coalesce(c.lad19_code IN (
            SELECT d.lad19_code FROM district d, overall o
            WHERE d.crimes > 0 AND d.crimes >= $min_share * o.rate * d.population), false)
            AS covered
        FROM candidate c ORDER BY c.lsoa11_code""",
        {**scope.params(), **forces_params, "min_share": MIN_SHARE_OF_RATE})
    table["covered"] = table["covered"].astype(bool)
    districts = tuple(sorted(set(table.loc[table["covered"], "lad19_name"].dropna())))
    uncovered = tuple(sorted(set(table.loc[~table["covered"], "lad19_name"].dropna())
                             - set(districts)))
    return CoveredAreas(table, districts, uncovered)
