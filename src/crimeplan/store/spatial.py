"""Projection to British National Grid and point-in-polygon lookup of LSOAs and force areas.

Done in Python (pyproj, shapely 2) rather than a DuckDB extension, which would download at run
time. pyproj offline uses the ~2 m Helmert transform for EPSG:27700 (the OSTN15 grid is not
shipped): fine for police.uk points, which are snapped to anonymous map points anyway.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import shapely

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"

#: Polygons larger than this (metres, either side of the bounding box) are cut into tiles of
#: this size for the lookup index, so a point is tested against a small piece, not a whole
#: force area.
TILE_METRES = 10_000.0

#: Points are looked up in chunks of this many to bound the memory of point geometries.
LOOKUP_CHUNK = 500_000

#: Reference sources whose content decides what the lookup returns.
BOUNDARY_SOURCES = ("lsoa_boundaries", "pfa_boundaries")


@lru_cache(maxsize=16)
def _transformer(src_crs: str, dst_crs: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src_crs, dst_crs, always_xy=True)


def reproject(x: np.ndarray, y: np.ndarray, src_crs: str, dst_crs: str
              ) -> tuple[np.ndarray, np.ndarray]:
    """Points from one CRS to another (x = easting or longitude), vectorised; NaN in -> NaN out,
    and points the transform cannot handle come out NaN too."""
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    out_x, out_y = _transformer(src_crs, dst_crs).transform(x, y)
    out_x, out_y = np.array(out_x, dtype="float64"), np.array(out_y, dtype="float64")
    bad = ~(np.isfinite(x) & np.isfinite(y) & np.isfinite(out_x) & np.isfinite(out_y))
    out_x[bad] = np.nan
    out_y[bad] = np.nan
    return out_x, out_y


def to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 -> EPSG:27700 metres, vectorised (pyproj Transformer, always_xy); NaN in -> NaN out."""
    return reproject(lon, lat, WGS84, BNG)


def project_geometries(geoms: np.ndarray, src_crs: str, dst_crs: str) -> np.ndarray:
    """Shapely geometries from one CRS to another, all vertices in one vectorised call."""
    def _move(coords: np.ndarray) -> np.ndarray:
        x, y = _transformer(src_crs, dst_crs).transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(np.asarray(geoms, dtype=object), _move)


def largest_overlap(geoms: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """For each geometry, the index of the area it overlaps most (ties: lowest index), or
    ``len(areas)`` where it overlaps none. Both in the same projected CRS."""
    geom_idx, area_idx = shapely.STRtree(areas).query(geoms, predicate="intersects")
    overlap = shapely.area(shapely.intersection(geoms[geom_idx], areas[area_idx]))
    order = np.lexsort((area_idx, -overlap, geom_idx))
    first = order[np.unique(geom_idx[order], return_index=True)[1]]
    best = np.full(len(geoms), len(areas), dtype=np.int64)
    best[geom_idx[first]] = area_idx[first]
    return best


def boundary_version(sha256_by_source: dict[str, str]) -> str:
    """Short identifier of the boundary files loaded (their names and content hashes)."""
    text = "\n".join(f"{name}:{sha256_by_source[name]}"
                     for name in BOUNDARY_SOURCES if name in sha256_by_source)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Layer:
    """One set of areas ready for lookup: tiled BNG polygons and the area each piece is from."""

    codes: np.ndarray          # object array, sorted, one per area, then None for "no area"
    tree: shapely.STRtree
    owner: np.ndarray          # area index (into codes) of each tree piece

    @classmethod
    def build(cls, codes: np.ndarray, geoms_bng: np.ndarray) -> _Layer:
        """Sort areas by code (so the smallest code wins ties) and tile the large ones."""
        order = np.argsort(codes, kind="stable")
        pieces, owner = _tiled(geoms_bng[order], TILE_METRES)
        return cls._of(codes[order], pieces, owner)

    @classmethod
    def from_pieces(cls, pieces: AreaPieces) -> _Layer:
        """From pieces tiled beforehand (as stored at reference load)."""
        codes, owner = np.unique(pieces.codes.astype(str), return_inverse=True)
        return cls._of(codes.astype(object), pieces.geoms, owner.astype(np.int64))

    @classmethod
    def _of(cls, sorted_codes: np.ndarray, pieces: np.ndarray, owner: np.ndarray) -> _Layer:
        shapely.prepare(pieces)
        return cls(codes=np.append(sorted_codes, None), tree=shapely.STRtree(pieces),
                   owner=owner)

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index into ``codes`` of the area each point lies in or on: a point on a shared
        boundary goes to the area with the smallest code; the final None outside every area.
        Bounding boxes first (STRtree), then an exact test of each candidate piece."""
        found = np.full(len(x), len(self.codes) - 1, dtype=np.int64)
        if len(self.owner) and len(x):
            point_idx, piece_idx = self.tree.query(shapely.points(x, y))
            inside = shapely.intersects_xy(self.tree.geometries[piece_idx], x[point_idx],
                                           y[point_idx])
            np.minimum.at(found, point_idx[inside], self.owner[piece_idx[inside]])
        return found


@dataclass(frozen=True)
class AreaPieces:
    """One layer's areas as lookup pieces: BNG polygons, large ones cut into tiles, with the
    code of the area each piece is from. Built once at reference load and stored, so an
    ingest need not project and tile every boundary again."""

    codes: np.ndarray  # object array of area codes, one per piece
    geoms: np.ndarray  # shapely polygons in EPSG:27700

    @classmethod
    def of(cls, codes: np.ndarray, geoms_wgs84: np.ndarray) -> AreaPieces:
        """Project WGS84 areas to BNG and tile them (the geometry an index built from the
        stored WGS84 boundaries would use)."""
        codes = np.asarray(codes, dtype=object)
        pieces, owner = _tiled(project_geometries(geoms_wgs84, WGS84, BNG), TILE_METRES)
        return cls(codes=codes[owner], geoms=pieces)


def _tiled(geoms: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Cut polygons wider or taller than ``size`` into grid tiles; return pieces and owners."""
    bounds = shapely.bounds(geoms).reshape(-1, 4)
    large = ((bounds[:, 2] - bounds[:, 0]) > size) | ((bounds[:, 3] - bounds[:, 1]) > size)
    pieces, owner = [geoms[~large]], [np.flatnonzero(~large)]
    for i in np.flatnonzero(large):
        x0, y0, x1, y1 = bounds[i]
        xs = np.arange(np.floor(x0 / size) * size, x1, size)
        ys = np.arange(np.floor(y0 / size) * size, y1, size)
        gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
        cut = shapely.intersection(geoms[i], shapely.box(gx, gy, gx + size, gy + size))
        cut = cut[~shapely.is_empty(cut)]
        pieces.append(cut)
        owner.append(np.full(len(cut), i))
    return np.concatenate(pieces), np.concatenate(owner)


class AreaIndex:
    """LSOA (2011) and police force area lookup for BNG points, built from the warehouse's
    reference boundaries (projected to BNG once, when the index is built).

    A point in an LSOA takes the force area the LSOA was assigned when the reference data was
    loaded, so the two always agree; only points outside every LSOA (or in an LSOA with no
    force area) are tested against the force area polygons themselves.
    """

    def __init__(self, lsoa_codes: np.ndarray, lsoa_wgs84: np.ndarray, pfa_codes: np.ndarray,
                 pfa_wgs84: np.ndarray, version: str,
                 lsoa_pfa: np.ndarray | None = None) -> None:
        lsoa_codes = np.asarray(lsoa_codes, dtype=object)
        self._attach(_Layer.build(lsoa_codes, project_geometries(lsoa_wgs84, WGS84, BNG)),
                     _Layer.build(np.asarray(pfa_codes, dtype=object),
                                  project_geometries(pfa_wgs84, WGS84, BNG)),
                     dict(zip(lsoa_codes, lsoa_pfa if lsoa_pfa is not None
                              else np.full(len(lsoa_codes), None), strict=True)), version)

    def _attach(self, lsoa: _Layer, pfa: _Layer, pfa_by_lsoa: dict[str, str | None],
                version: str) -> None:
        self.version = version
        self._lsoa, self._pfa = lsoa, pfa
        self._pfa_of_lsoa = np.array([pfa_by_lsoa.get(c) for c in lsoa.codes], dtype=object)

    @classmethod
    def from_pieces(cls, lsoa: AreaPieces, pfa: AreaPieces, pfa_by_lsoa: dict[str, str | None],
                    version: str) -> AreaIndex:
        """The index of areas already projected and tiled (``AreaPieces``)."""
        index = cls.__new__(cls)
        index._attach(_Layer.from_pieces(lsoa), _Layer.from_pieces(pfa), pfa_by_lsoa, version)
        return index

    @classmethod
    def from_warehouse(cls, con) -> AreaIndex | None:  # type: ignore[no-untyped-def]
        """The index of the loaded reference boundaries; None when none are loaded."""
        has_versions = con.execute("SELECT count(*) FROM duckdb_tables() "
                                   "WHERE table_name = 'ref_versions'").fetchone()[0]
        sources = dict(con.execute("SELECT name, sha256 FROM ref_versions").fetchall()
                       ) if has_versions else {}
        if not any(name in sources for name in BOUNDARY_SOURCES):
            return None
        version = boundary_version(sources)
        has_pieces = con.execute("SELECT count(*) FROM duckdb_tables() "
                                 "WHERE table_name = 'ref_area_pieces'").fetchone()[0]
        if has_pieces and con.execute("SELECT count(*) FROM ref_area_pieces").fetchone()[0]:
            layers = {name: AreaPieces(np.array([], dtype=object), np.array([], dtype=object))
                      for name in ("lsoa", "pfa")}
            for name, codes, wkb in con.execute(
                    "SELECT layer, list(area_code ORDER BY piece), list(wkb ORDER BY piece) "
                    "FROM ref_area_pieces GROUP BY layer").fetchall():
                layers[name] = AreaPieces(np.array(codes, dtype=object), shapely.from_wkb(wkb))
            pfa_by_lsoa = dict(con.execute("SELECT lsoa11_code, pfa_code FROM ref_lsoa "
                                           "WHERE pfa_code IS NOT NULL").fetchall())
            return cls.from_pieces(layers["lsoa"], layers["pfa"], pfa_by_lsoa, version)
        lsoa = con.execute("SELECT g.lsoa11_code, g.wkb, l.pfa_code FROM ref_lsoa_geom g "
                           "LEFT JOIN ref_lsoa l USING (lsoa11_code)").fetchall()
        pfa = con.execute("SELECT pfa_code, wkb FROM ref_pfa").fetchall()
        return cls(lsoa_codes=np.array([r[0] for r in lsoa], dtype=object),
                   lsoa_wgs84=shapely.from_wkb([r[1] for r in lsoa]),
                   lsoa_pfa=np.array([r[2] for r in lsoa], dtype=object),
                   pfa_codes=np.array([r[0] for r in pfa], dtype=object),
                   pfa_wgs84=shapely.from_wkb([r[1] for r in pfa]),
                   version=version)

    def lookup(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """BNG points -> (lsoa11_code, pfa_code) object arrays, None where outside every
        polygon (and where x or y is NaN)."""
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        lsoa = np.full(len(x), None, dtype=object)
        pfa = np.full(len(x), None, dtype=object)
        usable = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        for start in range(0, len(usable), LOOKUP_CHUNK):
            rows = usable[start:start + LOOKUP_CHUNK]
            found = self._lsoa.locate(x[rows], y[rows])
            lsoa[rows] = self._lsoa.codes[found]
            pfa[rows] = self._pfa_of_lsoa[found]
            unknown = rows[np.equal(pfa[rows], None)]
            if len(unknown):
                pfa[unknown] = self._pfa.codes[self._pfa.locate(x[unknown], y[unknown])]
        return lsoa, pfa
