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

import duckdb
import numpy as np
import pandas as pd
import shapely

from crimeplan.analysis.scope import LSOA_EXPR, Scope, quote, require_reference, table_exists
from crimeplan.standard.forces import FORCES

#: A district counts as covered when its rate is at least this share of the scope's rate.
MIN_SHARE_OF_RATE = 0.05

#: What the reference population is, named in every rate's unit.
IMD_DENOMINATOR = "mid-2015 population, IMD 2019 denominators"


@dataclass(frozen=True)
class CoveredAreas:
    """The LSOAs a scope covers (temp table ``scope_lsoa``) and the districts left out."""

    lsoas: int
    population: int
    districts: tuple[str, ...]
    uncovered_districts: tuple[str, ...]
    without_population: int = 0

    def note(self) -> str:
        parts = []
        if self.uncovered_districts:
            parts.append("districts with (next to) no crime loaded treated as not covered: "
                         + ", ".join(self.uncovered_districts))
        if self.without_population:
            parts.append(f"{self.without_population:,} LSOAs of the force areas have no "
                         "reference population (the IMD 2019 denominators cover England only)")
        return "; ".join(parts)


def ensure_lsoa_force(con: duckdb.DuckDBPyConnection) -> None:
    """Create temp table ``lsoa_force(lsoa11_code, force)`` once per connection: from
    ``ref_lsoa.pfa_code`` when the reference load filled it, else by point-in-polygon."""
    if table_exists(con, "lsoa_force"):
        return
    slug_of = pd.DataFrame([(f.pfa_code, f.slug) for f in FORCES if f.pfa_code],
                           columns=["pfa_code", "force"])
    con.register("_force_slugs", slug_of)
    if _has_column(con, "ref_lsoa", "pfa_code") and con.execute(
            "SELECT count(pfa_code) FROM ref_lsoa").fetchall()[0][0]:
        con.execute("CREATE TEMP TABLE lsoa_force AS SELECT r.lsoa11_code, f.force::VARCHAR "
                    "AS force FROM ref_lsoa r JOIN _force_slugs f USING (pfa_code)")
        con.unregister("_force_slugs")
        return
    require_reference(con, "ref_lsoa_geom", "ref_pfa")
    lsoa = con.execute("SELECT lsoa11_code, wkb FROM ref_lsoa_geom").fetchnumpy()
    pfa = con.execute("SELECT pfa_code, wkb FROM ref_pfa").fetchnumpy()
    points = shapely.point_on_surface(_geometries(lsoa["wkb"]))
    inside, area = shapely.STRtree(_geometries(pfa["wkb"])).query(points, predicate="within")
    lookup = pd.DataFrame({
        "lsoa11_code": np.asarray(lsoa["lsoa11_code"], dtype=object)[inside],
        "pfa_code": np.asarray(pfa["pfa_code"], dtype=object)[area],
    }).drop_duplicates("lsoa11_code")
    con.register("_lsoa_pfa", lookup)
    con.execute("CREATE TEMP TABLE lsoa_force AS SELECT l.lsoa11_code::VARCHAR AS lsoa11_code, "
                "f.force::VARCHAR AS force FROM _lsoa_pfa l JOIN _force_slugs f USING (pfa_code)")
    con.unregister("_lsoa_pfa")
    con.unregister("_force_slugs")


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND "
        "column_name = ?", [table, column]).fetchall()[0][0])


def _geometries(wkb: np.ndarray) -> np.ndarray:
    """Shapely geometries from a column of WKB blobs (DuckDB returns bytearrays)."""
    return shapely.from_wkb(np.array([bytes(b) for b in wkb], dtype=object))


def covered_areas(con: duckdb.DuckDBPyConnection, scope: Scope) -> CoveredAreas:
    """Create temp table ``scope_lsoa`` (lsoa11_code, lsoa11_name, lad19_code, lad19_name, force,
    population, imd_rank, imd_decile, area_km2) of the scope's covered LSOAs."""
    require_reference(con, "ref_lsoa")
    ensure_lsoa_force(con)
    lsoa = LSOA_EXPR.format(a="s")
    if scope.lad_code:
        place = f"r.lad19_code = {quote(scope.lad_code)}"
    else:
        place = "lf.force IN (SELECT unnest($forces))"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _candidate_lsoa AS
        SELECT r.lsoa11_code, r.lsoa11_name, r.lad19_code, r.lad19_name, lf.force,
               r.population, r.imd_rank, r.imd_decile, r.area_km2
        FROM ref_lsoa r LEFT JOIN lsoa_force lf USING (lsoa11_code)
        WHERE {place}""", {"forces": list(scope.forces)} if not scope.lad_code else None)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE scope_lsoa AS
        WITH per_lsoa AS (
            SELECT {lsoa} AS lsoa11_code, count(*) AS crimes FROM street s
            WHERE {scope.where('s')} GROUP BY 1),
        district AS (
            SELECT c.lad19_code, sum(c.population) AS population,
                   coalesce(sum(k.crimes), 0) AS crimes
            FROM _candidate_lsoa c LEFT JOIN per_lsoa k USING (lsoa11_code) GROUP BY 1),
        overall AS (SELECT sum(crimes) / nullif(sum(population), 0) AS rate FROM district)
        SELECT * FROM _candidate_lsoa WHERE lad19_code IN (
            SELECT d.lad19_code FROM district d, overall o
            WHERE d.crimes > 0 AND d.crimes >= {MIN_SHARE_OF_RATE} * o.rate * d.population)""")
    lsoas, population = con.execute(
        "SELECT count(*), coalesce(sum(population), 0) FROM scope_lsoa").fetchall()[0]
    districts = tuple(r[0] for r in con.execute(
        "SELECT DISTINCT lad19_name FROM scope_lsoa ORDER BY 1").fetchall())
    uncovered = tuple(r[0] for r in con.execute(
        "SELECT DISTINCT lad19_name FROM _candidate_lsoa WHERE lad19_code NOT IN "
        "(SELECT lad19_code FROM scope_lsoa) ORDER BY 1").fetchall())
    no_population = con.execute(
        "SELECT count(*) FROM _candidate_lsoa WHERE population IS NULL").fetchall()[0][0]
    return CoveredAreas(int(lsoas), int(population), districts, uncovered, int(no_population))
