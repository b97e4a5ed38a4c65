"""Spatial enrichment benchmark: reference load, index build, and LSOA / force area lookup of
1 million points against every LSOA (2011) of England and Wales.

Loads ../shared/data (its boundaries and imd2019 files) into a temporary workspace, builds
the ``AreaIndex`` from the warehouse, projects 1M WGS84 points to BNG and looks them up. The
points are LSOA representative points drawn in proportion to population and jittered by 300 m,
so they fall where crime does (towns) rather than uniformly over moors and sea. A geopandas
``sjoin`` of the same points is timed as the baseline and must find the same LSOAs.

    .venv/bin/python benchmarks/spatial.py [--points N] [--no-baseline]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from crimeplan.store import Warehouse
from crimeplan.store.reference import load_reference
from crimeplan.store.spatial import BNG, WGS84, AreaIndex, reproject, to_bng

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SOURCES = (SHARED / "boundaries" / "lsoa11.gpkg", SHARED / "boundaries" / "pfa20.gpkg",
           SHARED / "imd2019")


def _points(con, n: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """WGS84 points near LSOA representative points, drawn in proportion to population."""
    x, y, pop = (np.array(c, dtype=float) for c in zip(*con.execute(
        "SELECT x, y, coalesce(population, 1500) FROM ref_lsoa WHERE x IS NOT NULL"
    ).fetchall(), strict=True))
    rng = np.random.default_rng(2018)
    pick = rng.choice(len(x), size=n, p=pop / pop.sum())
    return reproject(x[pick] + rng.normal(0, 300, n), y[pick] + rng.normal(0, 300, n), BNG, WGS84)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--no-baseline", action="store_true", help="skip the geopandas sjoin")
    args = parser.parse_args()
    missing = [p for p in SOURCES if not p.exists()]
    if missing:
        print(f"shared data absent ({', '.join(map(str, missing))}): spatial benchmark skipped")
        return 0
    with tempfile.TemporaryDirectory() as home:
        con = Warehouse(home).connect()
        t0 = time.perf_counter()
        loaded = load_reference(con, SHARED).summary
        t_load = time.perf_counter() - t0
        print(f"reference load: {t_load:.1f} s ({loaded.lsoa_rows:,} LSOAs, "
              f"{loaded.pfa_rows} force areas, {loaded.lsoa_without_imd:,} without IMD)")
        t0, c0 = time.perf_counter(), time.process_time()
        index = AreaIndex.from_warehouse(con)
        t_build, c_build = time.perf_counter() - t0, time.process_time() - c0
        print(f"index build from warehouse: {t_build:.2f} s wall ({c_build:.2f} s CPU)")
        assert index is not None
        lon, lat = _points(con, args.points)
        t0 = time.perf_counter()
        x, y = to_bng(lon, lat)
        t_proj = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        lsoa, pfa = index.lookup(x, y)
        t_lookup, c_lookup = time.perf_counter() - t0, time.process_time() - c0
        found = np.array([c is not None for c in lsoa])
        print(f"{args.points:,} points: to_bng {t_proj:.2f} s, lookup {t_lookup:.2f} s "
              f"wall ({c_lookup:.2f} s CPU); {found.mean():.2%} in an LSOA, "
              f"{np.mean([c is not None for c in pfa]):.2%} in a force area")
        if not args.no_baseline:
            rows = con.execute("SELECT lsoa11_code, wkb FROM ref_lsoa_geom").fetchall()
            polygons = gpd.GeoDataFrame(
                {"code": [r[0] for r in rows]},
                geometry=shapely.from_wkb([r[1] for r in rows]), crs=WGS84).to_crs(BNG)
            points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=BNG)
            t0, c0 = time.perf_counter(), time.process_time()
            joined = gpd.sjoin(points, polygons, how="left", predicate="intersects")
            t_sjoin, c_sjoin = time.perf_counter() - t0, time.process_time() - c0
            first = joined.groupby(level=0)["code"].min()
            same = (first.reindex(range(len(x))).to_numpy(dtype=object) == lsoa) | (
                first.reindex(range(len(x))).isna().to_numpy() & ~found)
            print(f"baseline geopandas sjoin (LSOA only): {t_sjoin:.2f} s wall "
                  f"({c_sjoin:.2f} s CPU); "
                  f"same LSOA for {same.mean():.4%} of points")
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
