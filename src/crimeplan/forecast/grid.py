"""Grids of square cells in a projected CRS, as the forecasting contract defines them.

Cell (i, j) covers x in [i*s, (i+1)*s) and y in [j*s, (j+1)*s), s the cell size in the units
of the grid's projected CRS (metres for British National Grid and UTM, US survey feet for a US
state plane CRS such as EPSG:3435), so the same data and cell size always give the same cells
and forecasts from any tool compare. A grid holds the cells of a study area (a boundary polygon
or the data's extent) in a fixed order; every score array is aligned with that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer

BNG = "EPSG:27700"
#: Rough bounds of Great Britain and Northern Ireland in WGS84 (lon_min, lat_min, lon_max, lat_max).
_UK_BOUNDS = (-8.7, 49.8, 2.0, 60.9)


def default_crs(longitude: np.ndarray, latitude: np.ndarray) -> str:
    """EPSG:27700 for UK data, else the UTM zone of the data's median point."""
    lon = float(np.nanmedian(longitude))
    lat = float(np.nanmedian(latitude))
    w, s, e, n = _UK_BOUNDS
    if w <= lon <= e and s <= lat <= n:
        return BNG
    zone = int((lon + 180) // 6) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


@lru_cache(maxsize=64)
def crs_unit(crs: str) -> tuple[str, float]:
    """Name of the projected CRS's linear unit and metres per unit, read with pyproj
    (``('metre', 1.0)``, ``('US survey foot', 0.3048006...)``); ValueError if not projected."""
    parsed = CRS.from_user_input(crs)
    axis = parsed.axis_info[0] if parsed.axis_info else None
    if not parsed.is_projected or axis is None or axis.unit_conversion_factor <= 0:
        raise ValueError(f"grid CRS {crs} is not projected: cells need a linear unit such as "
                         "metres or feet (e.g. EPSG:27700, or EPSG:3435 in US survey feet)")
    return axis.unit_name, float(axis.unit_conversion_factor)


def project(longitude: np.ndarray, latitude: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude to ``crs`` (in its own units); vectorised."""
    crs_unit(crs)  # refuses a CRS that is not projected
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(np.asarray(longitude, float), np.asarray(latitude, float))
    return np.asarray(x), np.asarray(y)


@dataclass(frozen=True, eq=False)
class Grid:
    """The cells of a study area. ``i``/``j`` are the cells' column/row indices; ``cell_size``
    and every coordinate are in the units of ``crs`` (``unit``, ``unit_m`` metres each)."""

    crs: str
    cell_size: float
    i: np.ndarray
    j: np.ndarray
    _i0: int = field(default=0, repr=False, compare=False)
    _j0: int = field(default=0, repr=False, compare=False)
    _index: np.ndarray = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.cell_size <= 0:
            raise ValueError("cell size must be positive (in the units of the grid CRS)")
        i = np.asarray(self.i, dtype=np.int64)
        j = np.asarray(self.j, dtype=np.int64)
        object.__setattr__(self, "i", i)
        object.__setattr__(self, "j", j)
        i0, j0 = (int(i.min()), int(j.min())) if len(i) else (0, 0)
        width = int(i.max()) - i0 + 1 if len(i) else 0
        height = int(j.max()) - j0 + 1 if len(j) else 0
        index = np.full((height, width), -1, dtype=np.int64)
        index[j - j0, i - i0] = np.arange(len(i))
        object.__setattr__(self, "_i0", i0)
        object.__setattr__(self, "_j0", j0)
        object.__setattr__(self, "_index", index)

    def __eq__(self, other: object) -> bool:
        """Grids are equal when they have the same CRS, cell size and cells in the same order."""
        return (isinstance(other, Grid) and self.crs == other.crs
                and self.cell_size == other.cell_size
                and np.array_equal(self.i, other.i) and np.array_equal(self.j, other.j))

    __hash__ = None  # type: ignore[assignment]

    # construction --------------------------------------------------------------------------
    @classmethod
    def from_extent(cls, x: np.ndarray, y: np.ndarray, cell_size: float, crs: str) -> Grid:
        """Every cell of the bounding box of the points."""
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any():
            raise ValueError("no located events to define a study area")
        i_lo, i_hi = np.floor(np.array([x[ok].min(), x[ok].max()]) / cell_size).astype(int)
        j_lo, j_hi = np.floor(np.array([y[ok].min(), y[ok].max()]) / cell_size).astype(int)
        ii, jj = np.meshgrid(np.arange(i_lo, i_hi + 1), np.arange(j_lo, j_hi + 1))
        return cls(crs, float(cell_size), ii.ravel(), jj.ravel())

    @classmethod
    def from_boundary(cls, boundary: shapely.Geometry, cell_size: float, crs: str) -> Grid:
        """Cells sharing area with a study-area polygon (in ``crs``); touching is not enough."""
        xmin, ymin, xmax, ymax = boundary.bounds
        i_lo, i_hi = int(np.floor(xmin / cell_size)), int(np.floor(xmax / cell_size))
        j_lo, j_hi = int(np.floor(ymin / cell_size)), int(np.floor(ymax / cell_size))
        ii, jj = np.meshgrid(np.arange(i_lo, i_hi + 1), np.arange(j_lo, j_hi + 1))
        ii, jj = ii.ravel(), jj.ravel()
        boxes = shapely.box(ii * cell_size, jj * cell_size, (ii + 1) * cell_size,
                            (jj + 1) * cell_size)
        shapely.prepare(boundary)
        keep = shapely.intersects(boundary, boxes) & ~shapely.touches(boundary, boxes)
        return cls(crs, float(cell_size), ii[keep], jj[keep])

    # geometry ------------------------------------------------------------------------------
    @property
    def n_cells(self) -> int:
        return len(self.i)

    @property
    def unit(self) -> str:
        """Name of the CRS's linear unit (``metre``, ``US survey foot``, ...)."""
        return crs_unit(self.crs)[0]

    @property
    def unit_m(self) -> float:
        """Metres per unit of the CRS (1 for metric CRSs)."""
        return crs_unit(self.crs)[1]

    @property
    def cell_size_m(self) -> float:
        """Side of one cell in metres."""
        return self.cell_size * self.unit_m

    @property
    def cell_area(self) -> float:
        """Area of one cell in square metres, whatever the CRS's unit."""
        return self.cell_size_m**2

    @property
    def cell_ids(self) -> np.ndarray:
        """Stable identifiers ``"i_j"``: the same cell has the same id in every run."""
        return np.char.add(np.char.add(self.i.astype(str), "_"), self.j.astype(str))

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """x_min, y_min, x_max, y_max of every cell."""
        s = self.cell_size
        return self.i * s, self.j * s, (self.i + 1) * s, (self.j + 1) * s

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        s = self.cell_size
        return (self.i + 0.5) * s, (self.j + 0.5) * s

    # the grid's bounding raster (row j, column i), for smoothing and neighbourhood sums ----
    @property
    def origin(self) -> tuple[int, int]:
        """Indices (i, j) of the lower-left cell of the grid's bounding box."""
        return self._i0, self._j0

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns of the grid's bounding raster."""
        return self._index.shape  # type: ignore[return-value]

    def to_raster(self, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """Cell values (cells, or periods x cells) laid out on the bounding raster."""
        values = np.asarray(values, float)
        out = np.full((*values.shape[:-1], *self.shape), fill)
        out[..., self.j - self._j0, self.i - self._i0] = values
        return out

    def from_raster(self, raster: np.ndarray) -> np.ndarray:
        """The grid cells' values read back from a bounding raster (or a stack of them)."""
        return np.asarray(raster)[..., self.j - self._j0, self.i - self._i0]

    # assignment ----------------------------------------------------------------------------
    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Position of each point's cell in this grid, -1 if outside the study area."""
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        out = np.full(len(x), -1, dtype=np.int64)
        ok = np.isfinite(x) & np.isfinite(y)
        ci = np.floor(x[ok] / self.cell_size).astype(np.int64) - self._i0
        cj = np.floor(y[ok] / self.cell_size).astype(np.int64) - self._j0
        h, w = self._index.shape
        inside = (ci >= 0) & (ci < w) & (cj >= 0) & (cj < h)
        pos = np.full(len(ci), -1, dtype=np.int64)
        pos[inside] = self._index[cj[inside], ci[inside]]
        out[ok] = pos
        return out

    def counts(self, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Events per cell (points outside the study area are dropped)."""
        pos = self.locate(x, y)
        keep = pos >= 0
        w = None if weights is None else np.asarray(weights, float)[keep]
        return np.bincount(pos[keep], weights=w, minlength=self.n_cells).astype(float)

    def neighbours(self, radius: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (a, b) of cell positions within ``radius`` cells (queen), a != b."""
        src, dst = [], []
        h, w = self._index.shape
        ci = self.i - self._i0
        cj = self.j - self._j0
        for di in range(-radius, radius + 1):
            for dj in range(-radius, radius + 1):
                if di == 0 and dj == 0:
                    continue
                ni, nj = ci + di, cj + dj
                ok = (ni >= 0) & (ni < w) & (nj >= 0) & (nj < h)
                other = np.full(len(ci), -1)
                other[ok] = self._index[nj[ok], ni[ok]]
                has = other >= 0
                src.append(np.nonzero(has)[0])
                dst.append(other[has])
        return np.concatenate(src), np.concatenate(dst)
