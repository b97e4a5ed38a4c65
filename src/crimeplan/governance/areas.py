"""Areas for place audits: which LSOA a cell lies in, and each area's attributes.

Areas and their boundaries come from the warehouse's reference tables (``ref_lsoa`` with
``imd_decile`` and ``population``; ``ref_lsoa_geom`` with WGS84 WKB boundaries, both written by
``crimeplan reference load``), or the attributes from a user's CSV (``--imd FILE``): one row per
area, an area-code column, then any attribute columns (e.g. ``imd_decile``) and optionally
``population``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

CODE_COLUMNS = ("lsoa11_code", "lsoa11cd", "lsoa_code", "area_code", "code")


@dataclass(frozen=True)
class AreaAttributes:
    """Attributes per area code (index ``code``) and residents where known."""

    table: pd.DataFrame  # index: area code; one column per attribute
    population: pd.Series | None
    source: str

    @property
    def attributes(self) -> list[str]:
        return list(self.table.columns)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse has a table of this name."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [name]).fetchone()[0])


def areas_of_points(con: duckdb.DuckDBPyConnection, x: np.ndarray, y: np.ndarray,
                    crs: str) -> np.ndarray:
    """The LSOA code containing each point (given in ``crs``); None outside every area."""
    if not has_table(con, "ref_lsoa_geom"):
        raise ValueError("the warehouse has no LSOA boundaries (table ref_lsoa_geom): "
                         "run crimeplan reference load first")
    rows = con.execute("SELECT lsoa11_code, wkb FROM ref_lsoa_geom ORDER BY lsoa11_code").fetchall()
    codes = np.array([r[0] for r in rows], dtype=object)
    polygons = shapely.from_wkb([bytes(r[1]) for r in rows])
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        np.asarray(x, float), np.asarray(y, float))
    points = shapely.points(lon, lat)
    point_idx, area_idx = shapely.STRtree(polygons).query(points, predicate="intersects")
    out = np.full(len(points), None, dtype=object)
    # a point on a shared boundary takes the first area in code order, deterministically
    order = np.lexsort((area_idx, point_idx))[::-1]
    out[point_idx[order]] = codes[area_idx[order]]
    return out


def warehouse_attributes(con: duckdb.DuckDBPyConnection) -> AreaAttributes:
    """IMD decile and residents per LSOA from ``ref_lsoa``."""
    if not has_table(con, "ref_lsoa"):
        raise ValueError("the warehouse has no LSOA reference data (table ref_lsoa): run "
                         "crimeplan reference load, or pass --imd FILE")
    frame = con.execute("SELECT lsoa11_code, imd_decile, population FROM ref_lsoa").df()
    frame = frame.set_index("lsoa11_code")
    return AreaAttributes(frame[["imd_decile"]], frame["population"].astype(float),
                          "warehouse ref_lsoa")


def read_attributes(path: Path) -> AreaAttributes:
    """A CSV of area code → attributes (and optionally population); errors name row and field."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read as CSV ({exc})") from exc
    lower = {c.lower().strip(): c for c in frame.columns}
    code = next((lower[c] for c in CODE_COLUMNS if c in lower), None)
    if code is None:
        raise ValueError(f"{path}: no area-code column (one of {', '.join(CODE_COLUMNS)})")
    for row, value in enumerate(frame[code], start=2):
        if not value.strip():
            raise ValueError(f"{path}, row {row}, field {code}: empty area code")
    dupes = frame[code].duplicated()
    if dupes.any():
        row = int(dupes.to_numpy().nonzero()[0][0]) + 2
        raise ValueError(f"{path}, row {row}, field {code}: area {frame[code].iloc[row - 2]} "
                         "appears twice")
    frame = frame.set_index(code)
    population = None
    pop_col = lower.get("population")
    if pop_col is not None:
        numbers = pd.to_numeric(frame[pop_col], errors="coerce")
        if numbers.isna().any() or (numbers < 0).any():
            row = int((numbers.isna() | (numbers < 0)).to_numpy().nonzero()[0][0]) + 2
            raise ValueError(f"{path}, row {row}, field {pop_col}: not a resident count "
                             f"({frame[pop_col].iloc[row - 2]!r})")
        population = numbers.astype(float)
        frame = frame.drop(columns=[pop_col])
    if frame.shape[1] == 0:
        raise ValueError(f"{path}: no attribute columns besides the area code")
    return AreaAttributes(frame, population, str(path))
