"""Spatial enrichment of loaded rows: British National Grid x/y, LSOA (2011), force area.

Published police.uk locations are a limited set of anonymous map points, so enrichment is
done once per distinct point and kept in the ``locations`` table; rows take their x/y, LSOA
and force area from it. When reference boundaries are (re)loaded, ``refresh_enrichment``
recomputes every point and updates the data tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from crimeplan.store.spatial import AreaIndex, to_bng
from crimeplan.store.warehouse import register_frame

#: Data tables whose rows carry enrichment columns.
ENRICHED_TABLES = ("street", "outcomes", "stop_search")


def _compute(points: pd.DataFrame, index: AreaIndex | None) -> pd.DataFrame:
    lon = points["longitude"].to_numpy(float)
    lat = points["latitude"].to_numpy(float)
    x, y = to_bng(lon, lat)
    if index is not None:
        lsoa, pfa = index.lookup(x, y)
        version = index.version
    else:
        lsoa = pfa = np.full(len(lon), None, dtype=object)
        version = None
    return pd.DataFrame({"longitude": lon, "latitude": lat, "x": x, "y": y,
                         "lsoa11_code": lsoa, "pfa_code": pfa,
                         "enriched_with": pd.Series([version] * len(lon), dtype=object)})


class LocationEnricher:
    """Adds new map points to ``locations`` during one ingest; the reference index is built
    once, the first time a new point needs it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._index: AreaIndex | None = None
        self._built = False

    def _area_index(self) -> AreaIndex | None:
        if not self._built:
            self._index = AreaIndex.from_warehouse(self.con)
            self._built = True
        return self._index

    def add_new(self, tables: Sequence[str]) -> int:
        """Add every distinct (longitude, latitude) of ``tables`` (tables, views or
        subqueries) not yet in ``locations``."""
        if not tables:
            return 0
        union = " UNION ".join(
            f"SELECT longitude, latitude FROM {t} WHERE longitude IS NOT NULL" for t in tables)
        new = self.con.execute(f"""SELECT DISTINCT n.longitude, n.latitude FROM ({union}) n
            ANTI JOIN locations l ON l.longitude = n.longitude
                                 AND l.latitude = n.latitude""").df()
        if new.empty:
            return 0
        computed = _compute(new, self._area_index())
        register_frame(self.con, "new_locations", computed)
        self.con.execute("INSERT INTO locations SELECT longitude, latitude, x, y, lsoa11_code, "
                         "pfa_code, enriched_with FROM new_locations")
        self.con.unregister("new_locations")
        return len(new)


def refresh_enrichment(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute LSOA and force area of every known point with the reference data now loaded,
    and update the data tables. Call inside the transaction that loads reference data."""
    points = con.execute("SELECT longitude, latitude FROM locations").df()
    computed = _compute(points, AreaIndex.from_warehouse(con))
    con.execute("DELETE FROM locations")
    register_frame(con, "new_locations", computed)
    con.execute("INSERT INTO locations SELECT longitude, latitude, x, y, lsoa11_code, pfa_code, "
                "enriched_with FROM new_locations")
    con.unregister("new_locations")
    for table in ENRICHED_TABLES:
        # Rewriting the table is far faster in DuckDB than an UPDATE joined row by row.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE enriched AS
            SELECT t.* REPLACE (coalesce(l.x, t.x) AS x, coalesce(l.y, t.y) AS y,
                                l.lsoa11_code AS lsoa11_code, l.pfa_code AS pfa_code)
            FROM {table} t LEFT JOIN locations l
              ON t.longitude = l.longitude AND t.latitude = l.latitude""")
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} SELECT * FROM enriched")
        con.execute("DROP TABLE enriched")
    return len(points)
