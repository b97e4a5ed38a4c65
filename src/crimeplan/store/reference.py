"""Reference data in the warehouse: LSOAs with deprivation and population, their boundaries,
police force areas, and a version record of the files they came from.

A load reads and checks every file first, then, in one transaction, replaces all reference
tables and recomputes the LSOA and force area of every known location: a bad file leaves the
previous reference data (and the enrichment made with it) exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from crimeplan.provenance.hashing import sha256_file
from crimeplan.sources.reference import DOMAINS, READERS, find_reference_files
from crimeplan.store.enrich import refresh_enrichment
from crimeplan.store.spatial import (
    BNG,
    WGS84,
    AreaPieces,
    boundary_version,
    largest_overlap,
)

_DOMAIN_COLUMNS = ",\n    ".join(f"{d}_rank INTEGER, {d}_decile INTEGER" for d in DOMAINS)

#: Reference tables (DuckDB DDL); other packages read these exact names.
REFERENCE_TABLES: dict[str, str] = {
    "ref_lsoa": f"""
CREATE TABLE ref_lsoa (
    lsoa11_code VARCHAR PRIMARY KEY, lsoa11_name VARCHAR,
    lad19_code VARCHAR, lad19_name VARCHAR,
    population INTEGER,                -- mid-2015 total, excluding prisoners (IMD 2019 File_6)
    pop_0_15 INTEGER, pop_16_59 INTEGER, pop_60_plus INTEGER,
    imd_rank INTEGER, imd_decile INTEGER,   -- rank 1 = most deprived; decile 1 = most deprived 10%
    {_DOMAIN_COLUMNS},
    area_km2 DOUBLE,                   -- computed in EPSG:27700
    x DOUBLE, y DOUBLE,                -- representative point (inside the polygon), BNG metres
    pfa_code VARCHAR                   -- force area holding the LSOA (see _force_areas)
)""",
    "ref_lsoa_geom": """
CREATE TABLE ref_lsoa_geom (lsoa11_code VARCHAR PRIMARY KEY, wkb BLOB NOT NULL)  -- WGS84""",
    "ref_pfa": """
CREATE TABLE ref_pfa (
    pfa_code VARCHAR PRIMARY KEY, pfa_name VARCHAR NOT NULL,
    area_km2 DOUBLE NOT NULL, wkb BLOB NOT NULL   -- WGS84
)""",
    "ref_area_pieces": """
CREATE TABLE ref_area_pieces (         -- boundaries ready for point lookup (spatial.AreaPieces)
    layer VARCHAR NOT NULL,            -- lsoa | pfa
    piece INTEGER NOT NULL, area_code VARCHAR NOT NULL,
    wkb BLOB NOT NULL                  -- EPSG:27700; areas over 10 km across cut into tiles
)""",
    "ref_versions": """
CREATE TABLE ref_versions (
    name VARCHAR PRIMARY KEY,          -- lsoa_boundaries, pfa_boundaries, imd, domains, population
    source_path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    rows BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL   -- UTC
)""",
}

_INT_COLUMNS = ("population", "pop_0_15", "pop_16_59", "pop_60_plus", "imd_rank", "imd_decile",
                *(f"{d}_{m}" for d in DOMAINS for m in ("rank", "decile")))
LSOA_COLUMNS = ("lsoa11_code", "lsoa11_name", "lad19_code", "lad19_name", *_INT_COLUMNS,
                "area_km2", "x", "y")


@dataclass(frozen=True)
class LoadedSource:
    """One reference file as recorded in ``ref_versions``."""

    name: str
    source_path: str
    sha256: str
    rows: int
    loaded_at: dt.datetime


@dataclass(frozen=True)
class ReferenceSummary:
    """What reference data the warehouse holds and how complete it is."""

    sources: list[LoadedSource]
    missing: list[str]                 # kinds of source not loaded
    lsoa_rows: int
    lsoa_without_boundary: int
    lsoa_without_imd: int
    lsoa_without_population: int
    pfa_rows: int
    version: str                       # identifies the boundaries loaded (AreaIndex.version)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return asdict(self)


@dataclass(frozen=True)
class ReferenceLoad:
    """The outcome of a load: what is now loaded, and how many known locations were re-enriched."""

    summary: ReferenceSummary
    locations_refreshed: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {**self.summary.to_dict(), "locations_refreshed": self.locations_refreshed}


@dataclass(frozen=True)
class _Boundaries:
    """Boundaries of one layer, in BNG for measuring and as WGS84 WKB for storing."""

    codes: np.ndarray
    names: np.ndarray
    bng: np.ndarray
    wgs84: np.ndarray

    @classmethod
    def of(cls, frame: gpd.GeoDataFrame, code: str, name: str) -> _Boundaries:
        """From a boundary reader's frame, in whatever CRS the file used."""
        return cls(codes=frame[code].to_numpy(dtype=object),
                   names=frame[name].to_numpy(dtype=object),
                   bng=np.asarray(frame.to_crs(BNG).geometry.array, dtype=object),
                   wgs84=np.asarray(frame.to_crs(WGS84).geometry.array, dtype=object))

    def area_km2(self) -> np.ndarray:
        """Area of each boundary in km², measured on the grid."""
        return shapely.area(self.bng) / 1e6

    def wkb_wgs84(self) -> np.ndarray:
        """Each boundary as WGS84 WKB, as stored in the warehouse."""
        return shapely.to_wkb(self.wgs84)


def _lsoa_table(frames: dict[str, pd.DataFrame], lsoas: _Boundaries | None) -> pd.DataFrame:
    """One row per LSOA in any source (outer join on the code)."""
    parts: list[pd.DataFrame] = []
    if lsoas is not None:
        inside = shapely.get_coordinates(shapely.point_on_surface(lsoas.bng))
        parts.append(pd.DataFrame({"lsoa11_code": lsoas.codes, "lsoa11_name": lsoas.names,
                                   "area_km2": lsoas.area_km2(),
                                   "x": inside[:, 0], "y": inside[:, 1]}))
    parts += [frames[k] for k in ("imd", "domains", "population") if k in frames]
    table = pd.DataFrame({"lsoa11_code": pd.Series(dtype="str")})
    for i, part in enumerate(parts):
        table = table.merge(part, on="lsoa11_code", how="outer", suffixes=("", f"_{i}"))
    for name in ("lsoa11_name", "lad19_code", "lad19_name"):
        dupes = [c for c in table.columns if c == name or c.startswith(name + "_")]
        merged = pd.Series(None, index=table.index, dtype=object)
        for column in dupes:
            merged = merged.fillna(table[column])
        table[name] = merged
    for name in LSOA_COLUMNS:
        if name not in table.columns:
            table[name] = None
    for name in _INT_COLUMNS:
        table[name] = table[name].astype("Int64")
    for name in ("area_km2", "x", "y"):
        table[name] = table[name].astype("float64")
    return table[list(LSOA_COLUMNS)].sort_values("lsoa11_code", ignore_index=True)


def _force_areas(table: pd.DataFrame, lsoas: _Boundaries, forces: _Boundaries) -> pd.Series:
    """The force area of each LSOA: the one most of its district's LSOAs overlap most (districts
    nest exactly in force areas; the published force polygons are far more generalised than the
    LSOAs'), else the one it overlaps most itself."""
    best = largest_overlap(lsoas.bng, forces.bng)
    own = pd.Series(np.append(forces.codes, None)[best], index=lsoas.codes, dtype=object)
    pfa = table["lsoa11_code"].map(own)
    votes = pd.DataFrame({"lad": table["lad19_code"], "pfa": pfa}).dropna()
    counts = votes.value_counts().rename("n").reset_index()
    counts = counts.sort_values(["lad", "n", "pfa"], ascending=[True, False, True])
    district = counts.drop_duplicates("lad").set_index("lad")["pfa"]
    return table["lad19_code"].map(district).fillna(pfa).astype(object)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _replace_tables(con, tables: dict[str, pa.Table],  # type: ignore[no-untyped-def]
                    before_commit: Callable[[], None] | None = None) -> int:
    """Drop, recreate and fill every reference table and re-enrich every known location, in one
    transaction; return the number of locations re-enriched."""
    con.execute("BEGIN TRANSACTION")
    try:
        for name, ddl in REFERENCE_TABLES.items():
            con.execute(f"DROP TABLE IF EXISTS {name}")
            con.execute(ddl)
            data = tables[name]
            if data.num_rows:
                con.register("_ref_rows", data)
                columns = ", ".join(data.column_names)
                con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM _ref_rows")
                con.unregister("_ref_rows")
        refreshed = refresh_enrichment(con)
        if before_commit is not None:
            before_commit()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return refreshed


def load_reference(con, folder: Path | str,  # type: ignore[no-untyped-def]
                   before_commit: Callable[[list[LoadedSource]], None] | None = None,
                   ) -> ReferenceLoad:
    """Read every reference file found under ``folder`` and replace the warehouse's reference
    data with it (sources not found are left empty, not kept from an earlier load).
    ``before_commit`` gets the sources being loaded just before the COMMIT (e.g. to append the
    run record); if it raises, the previous reference data stays."""
    files = find_reference_files(Path(folder))
    found = files.found()
    frames = {name: READERS[name](path) for name, path in found.items()}
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    versions = pd.DataFrame([
        {"name": name, "source_path": str(path.resolve()), "sha256": sha256_file(path),
         "rows": len(frames[name]), "loaded_at": loaded_at} for name, path in found.items()
    ], columns=["name", "source_path", "sha256", "rows", "loaded_at"])
    lsoas = forces = None
    if "lsoa_boundaries" in frames:
        lsoas = _Boundaries.of(frames["lsoa_boundaries"], "lsoa11_code", "lsoa11_name")
    if "pfa_boundaries" in frames:
        forces = _Boundaries.of(frames["pfa_boundaries"], "pfa_code", "pfa_name")
    lsoa = _lsoa_table(frames, lsoas)
    if lsoas is not None and forces is not None:
        lsoa["pfa_code"] = _force_areas(lsoa, lsoas, forces)
    geom = pd.DataFrame({"lsoa11_code": pd.Series(dtype="str"), "wkb": pd.Series(dtype=object)})
    if lsoas is not None:
        geom = pd.DataFrame({"lsoa11_code": lsoas.codes, "wkb": lsoas.wkb_wgs84()})
    pfa = pd.DataFrame({"pfa_code": pd.Series(dtype="str"), "pfa_name": pd.Series(dtype="str"),
                        "area_km2": pd.Series(dtype="float64"), "wkb": pd.Series(dtype=object)})
    if forces is not None:
        pfa = pd.DataFrame({"pfa_code": forces.codes, "pfa_name": forces.names,
                            "area_km2": forces.area_km2(), "wkb": forces.wkb_wgs84()})
    refreshed = _replace_tables(con, {
        "ref_lsoa": _arrow(lsoa),
        "ref_lsoa_geom": pa.table({"lsoa11_code": pa.array(geom["lsoa11_code"], pa.string()),
                                   "wkb": pa.array(geom["wkb"], pa.binary())}),
        "ref_pfa": pa.table({"pfa_code": pa.array(pfa["pfa_code"], pa.string()),
                             "pfa_name": pa.array(pfa["pfa_name"], pa.string()),
                             "area_km2": pa.array(pfa["area_km2"], pa.float64()),
                             "wkb": pa.array(pfa["wkb"], pa.binary())}),
        "ref_area_pieces": _pieces_table({"lsoa": lsoas, "pfa": forces}),
        "ref_versions": _arrow(versions),
    }, partial(before_commit, [LoadedSource(**row) for row in versions.to_dict("records")])
        if before_commit else None)
    return ReferenceLoad(_summarise(con, loaded_sources(con)), refreshed)


def _pieces_table(layers: dict[str, _Boundaries | None]) -> pa.Table:
    """Each layer's boundaries projected and tiled for lookup, as ``ref_area_pieces`` rows."""
    names, numbers, codes, wkb = [], [], [], []
    for name, boundaries in layers.items():
        if boundaries is None:
            continue
        pieces = AreaPieces.of(boundaries.codes, boundaries.wgs84)
        names += [name] * len(pieces.codes)
        numbers += range(len(pieces.codes))
        codes += list(pieces.codes)
        wkb += list(shapely.to_wkb(pieces.geoms))
    return pa.table({"layer": pa.array(names, pa.string()), "piece": pa.array(numbers, pa.int32()),
                     "area_code": pa.array(codes, pa.string()), "wkb": pa.array(wkb, pa.binary())})


def _has_table(con, name: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                            [name]).fetchone()[0])


def loaded_sources(con) -> list[LoadedSource]:  # type: ignore[no-untyped-def]
    """The reference files currently loaded (empty when none ever were)."""
    if not _has_table(con, "ref_versions"):
        return []
    rows = con.execute("SELECT name, source_path, sha256, rows, loaded_at FROM ref_versions "
                       "ORDER BY name").fetchall()
    return [LoadedSource(*row) for row in rows]


def reference_summary(con) -> ReferenceSummary | None:  # type: ignore[no-untyped-def]
    """What reference data is loaded, or None when none is."""
    sources = loaded_sources(con)
    return _summarise(con, sources) if sources else None


def _summarise(con, sources: list[LoadedSource]) -> ReferenceSummary:  # type: ignore[no-untyped-def]
    """Counts of what the reference tables hold, with the sources they came from."""
    counts = con.execute("""
        SELECT count(*),
               count(*) FILTER (WHERE lsoa11_code NOT IN (SELECT lsoa11_code FROM ref_lsoa_geom)),
               count(*) FILTER (WHERE imd_rank IS NULL),
               count(*) FILTER (WHERE population IS NULL),
               (SELECT count(*) FROM ref_pfa)
        FROM ref_lsoa""").fetchone()
    names = {s.name for s in sources}
    return ReferenceSummary(
        sources=sources, missing=[n for n in READERS if n not in names],
        lsoa_rows=counts[0], lsoa_without_boundary=counts[1], lsoa_without_imd=counts[2],
        lsoa_without_population=counts[3], pfa_rows=counts[4],
        version=boundary_version({s.name: s.sha256 for s in sources}))
