"""Hand-built warehouses for analysis tests: every count is known, so every indicator has a
hand-computable answer."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import shapely
from shapely.geometry import box

from crimeplan.store import Warehouse
from crimeplan.store.reference import REFERENCE_TABLES

STREET_COLUMNS = ("force", "month", "crime_id", "reported_by", "falls_within", "longitude",
                  "latitude", "x", "y", "mapped", "location", "lsoa_code", "lsoa_name",
                  "lsoa11_code", "pfa_code", "crime_type", "category",
                  "last_outcome_category", "context", "file_id", "line")
SEARCH_COLUMNS = ("force", "month", "type", "officer_defined_ethnicity",
                  "self_defined_ethnicity", "legislation", "object_of_search", "outcome",
                  "outcome_linked_to_object_of_search", "mapped", "file_id", "line")


def month(text: str) -> dt.date:
    year, mon = text.split("-")
    return dt.date(int(year), int(mon), 1)


def months(start: str, end: str) -> list[dt.date]:
    out, m = [], month(start)
    while m <= month(end):
        out.append(m)
        m = dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)
    return out


class Builder:
    """Writes street, stop-and-search, partition and reference rows into a fresh warehouse."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.con: duckdb.DuckDBPyConnection = Warehouse(home).connect()
        self._line = 1
        self._street: list[tuple] = []
        self._search: list[tuple] = []

    def street(self, force: str, when: dt.date, category: str, n: int = 1, *,
               lsoa: str | None = None, outcome: str | None = None,
               point: tuple[float, float] | None = None) -> Builder:
        for _ in range(n):
            self._line += 1
            lon, lat = point if point else (None, None)
            x, y = (lon * 1000, lat * 1000) if point else (None, None)
            self._street.append((force, when, None, force, force, lon, lat, x, y,
                                 point is not None, None, lsoa, None, lsoa, None, category,
                                 category, outcome, None, 1, self._line))
        return self

    def search(self, force: str, when: dt.date, n: int = 1, *, ethnicity: str = "White",
               legislation: str = "Misuse of Drugs Act 1971 (section 23)",
               object_of_search: str = "Controlled drugs",
               outcome: str = "A no further action disposal",
               linked: bool | None = None) -> Builder:
        for _ in range(n):
            self._line += 1
            self._search.append((force, when, "Person search", ethnicity, ethnicity,
                                 legislation, object_of_search, outcome, linked, False, 2,
                                 self._line))
        return self

    def partitions(self, dataset: str, force: str, start: str, end: str,
                   skip: tuple[str, ...] = ()) -> Builder:
        for m in months(start, end):
            if m in {month(s) for s in skip}:
                continue
            self.con.execute("INSERT INTO partitions VALUES (?, ?, ?, 1, 'x', '2019-01', 0, "
                             "now())", [dataset, force, m])
        return self

    def reference(self, lsoas: list[dict], pfas: list[tuple[str, str, tuple]]) -> Builder:
        """LSOAs as dicts (code, lad, lad_name, population, imd_rank, imd_decile, area_km2,
        bounds) and force areas as (code, name, bounds); bounds are (minx, miny, maxx, maxy)."""
        for name, ddl in REFERENCE_TABLES.items():
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
            self.con.execute(ddl)
        for lsoa in lsoas:
            self.con.execute(
                "INSERT INTO ref_lsoa (lsoa11_code, lsoa11_name, lad19_code, lad19_name, "
                "population, imd_rank, imd_decile, area_km2) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [lsoa["code"], lsoa["code"] + " name", lsoa["lad"], lsoa["lad_name"],
                 lsoa["population"], lsoa["imd_rank"], lsoa["imd_decile"], lsoa["area_km2"]])
            self.con.execute("INSERT INTO ref_lsoa_geom VALUES (?, ?)",
                             [lsoa["code"], shapely.to_wkb(box(*lsoa["bounds"]))])
        for code, name, bounds in pfas:
            self.con.execute("INSERT INTO ref_pfa VALUES (?, ?, 1.0, ?)",
                             [code, name, shapely.to_wkb(box(*bounds))])
        return self

    def done(self) -> duckdb.DuckDBPyConnection:
        """Write the collected rows and return the open connection."""
        for table, columns, rows in (("street", STREET_COLUMNS, self._street),
                                     ("stop_search", SEARCH_COLUMNS, self._search)):
            if rows:
                frame = pd.DataFrame(rows, columns=list(columns)).astype(
                    {"longitude": "float64", "latitude": "float64", "x": "float64",
                     "y": "float64"} if table == "street" else {})
                self.con.register("_rows", frame)
                cols = ", ".join(columns)
                self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows")
                self.con.unregister("_rows")
        self._street, self._search = [], []
        return self.con


SAMPLE = Path(__file__).parents[2] / "data" / "sample"
#: A small real slice: two months of Essex street crime and one month of Met stop and search.
SLICE = ("2018-06/2018-06-essex-street.csv", "2018-07/2018-07-essex-street.csv",
         "2018-07/2018-07-metropolitan-stop-and-search.csv")


def real_slice_home(home: Path) -> Path:
    """A workspace holding the real slice (ingested) and the bundled reference data."""
    from crimeplan.store.ingest import ingest_paths
    from crimeplan.store.reference import load_reference

    files = home / "slice"
    with zipfile.ZipFile(SAMPLE / "police-uk-2018-sample.zip") as archive:
        for member in SLICE:
            archive.extract(member, files)
    ingest_paths(home, [files / m for m in SLICE])
    con = Warehouse(home).connect()
    try:
        load_reference(con, SAMPLE / "reference")
    finally:
        con.close()
    return files
