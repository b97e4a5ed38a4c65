"""Use cases of the hotspot map: the forecasts recorded in the workspace, and one forecast's
flagged cells and patrol areas with the outlines and names of the areas around them, as WGS84
GeoJSON for the service's interactive map.

A forecast is shown from the GeoJSON file its ``forecast predict`` run wrote, and only while
that file has the SHA-256 the run recorded. The outlines are the run's own boundary file when
it had one (police districts for point data), else the LSOAs and local authority districts of
the reference data that meet the forecast's cells (police.uk data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from crimeplan.app.recorded import recorded_output
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.errors import DataMissing, NotFound
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.hashing import sha256_file

PREDICT = "forecast.predict"
SHOWS = "it shows a forecast already recorded, checked against its run record"
#: Outlines are simplified to about 10 m (WGS84 degrees): finer than any map scale that shows
#: a whole district, and a tenth of the size on the wire.
SIMPLIFY_DEGREES = 0.0001
#: Columns that name a feature of a boundary file, in order of preference (KML: Name).
NAME_COLUMNS = ("name", "Name", "NAME", "dist_label", "label", "district", "DISTRICT")
def _empty() -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": []}


@dataclass(frozen=True)
class ForecastListing:
    """A recorded forecast that can be mapped: its run and what it forecast."""

    run_id: str
    dataset: str
    model: str
    start: str
    horizon: str
    top_pct: float
    finished_at: str


def _mappable(record: dict[str, Any]) -> bool:
    return (record.get("kind") == PREDICT and record.get("status") == "ok"
            and any(str(o.get("path", "")).endswith(".geojson")
                    for o in record.get("outputs", [])))


def _listing(record: dict[str, Any]) -> ForecastListing:
    p = record.get("parameters", {})
    return ForecastListing(record["run_id"], str(p.get("dataset", "")), str(p.get("model", "")),
                           str(p.get("until", "")), str(p.get("horizon", "")),
                           float(p.get("top_pct") or 0), str(record.get("finished_at", "")))


@use_case("maps.forecasts", run_kind=None, no_run_because=SHOWS)
def forecasts(actor: Actor, home: Path) -> list[ForecastListing]:
    """Every forecast written as GeoJSON in the workspace, newest first."""
    return [_listing(r) for r in reversed(AuditLog(home).records()) if _mappable(r)]


@dataclass(frozen=True)
class HotspotMap:
    """One forecast for the map: cells and patrol areas, outlines (with ``name`` and ``layer``
    properties) and where the outlines came from."""

    forecast: ForecastListing
    cells: dict[str, Any]
    outlines: dict[str, Any]
    outlines_from: str

    def patrol_areas(self) -> list[dict[str, Any]]:
        """The patrol areas' properties, most expected events first."""
        return sorted((f["properties"] for f in self.cells["features"]
                       if f["properties"].get("kind") == "patrol_area"),
                      key=lambda p: p["patrol_area"])


@use_case("maps.hotspots", run_kind=None, no_run_because=SHOWS)
def hotspots(actor: Actor, home: Path, run_id: str, *, outlines: bool = True) -> HotspotMap:
    """The forecast of run ``run_id`` (the full id) with the outlines of its areas (none with
    ``outlines=False``, for a page that lists the patrol areas only)."""
    entry = AuditLog(home).find_entry(run_id)
    if entry is None or entry["record"]["run_id"] != run_id or not _mappable(entry["record"]):
        raise NotFound(f"no forecast map {run_id}")
    record = entry["record"]
    path = recorded_output(record, lambda p: p.suffix == ".geojson")
    cells = json.loads(path.read_text(encoding="utf-8"))
    cells.pop("grid", None)  # a foreign member; the listing says what was forecast
    boundary = _boundary_input(record)
    if boundary is not None:
        source = f"boundary file {boundary.name}"
        areas = _boundary_outlines(boundary) if outlines else _empty()
    else:
        source = "reference data (LSOAs and districts)"
        areas = _reference_outlines(home, cells) if outlines else _empty()
    return HotspotMap(_listing(record), cells, areas, source)


def _boundary_input(record: dict[str, Any]) -> Path | None:
    """The boundary file the run read, if it still has the SHA-256 recorded."""
    wanted = record.get("parameters", {}).get("boundary")
    for entry in record.get("inputs", []):
        if wanted and entry.get("path") == wanted:
            path = Path(wanted)
            if not path.is_file() or sha256_file(path) != entry.get("sha256"):
                raise DataMissing(f"{path}, the boundary file of run {record['run_id']}, is "
                                  "gone or was changed afterwards")
            return path
    return None


def _collection(geoms: np.ndarray, names: list[str], layer: str,
                codes: list[str] | None = None) -> list[dict[str, Any]]:
    geoms = shapely.set_precision(shapely.simplify(geoms, SIMPLIFY_DEGREES), 1e-6)
    return [{"type": "Feature", "geometry": json.loads(shapely.to_geojson(g)),
             "properties": {"layer": layer, "name": name,
                            **({"code": codes[k]} if codes else {})}}
            for k, (g, name) in enumerate(zip(geoms, names, strict=True)) if not g.is_empty]


def _boundary_outlines(path: Path) -> dict[str, Any]:
    """The features of a boundary file in WGS84, named from its name column."""
    import geopandas as gpd

    frame = gpd.read_file(path).to_crs(4326)
    column = next((c for c in NAME_COLUMNS if c in frame.columns), None)
    names = ([str(v) for v in frame[column]] if column
             else [f"area {k + 1}" for k in range(len(frame))])
    geoms = frame.geometry.make_valid().to_numpy()
    return {"type": "FeatureCollection",
            "features": _collection(geoms, names, "boundary")}


def _reference_outlines(home: Path, cells: dict[str, Any]) -> dict[str, Any]:
    """LSOAs meeting the forecast's cells and the districts holding them (whole), WGS84."""
    from crimeplan.analysis.scope import table_exists
    from crimeplan.store import Warehouse

    shapes = [shapely.from_geojson(json.dumps(f["geometry"])) for f in cells["features"]]
    if not shapes:
        return _empty()
    lon0, lat0, lon1, lat1 = shapely.union_all(shapes).bounds
    with Warehouse(home).connect(read_only=True) as con:
        if not table_exists(con, "ref_lsoa_geom"):
            return _empty()
        rows = con.execute("""
            SELECT g.lsoa11_code, coalesce(l.lsoa11_name, g.lsoa11_code), l.lad19_code,
                   coalesce(l.lad19_name, l.lad19_code), g.wkb
            FROM ref_lsoa_geom g LEFT JOIN ref_lsoa l USING (lsoa11_code)
            ORDER BY g.lsoa11_code""").fetchall()
    if not rows:
        return _empty()
    geoms = shapely.from_wkb(np.array([bytes(r[4]) for r in rows], dtype=object))
    near = shapely.intersects(geoms, shapely.box(lon0, lat0, lon1, lat1))
    districts = sorted({(r[2], r[3]) for r, hit in zip(rows, near, strict=True)
                        if hit and r[2]})
    lad_of = np.array([r[2] for r in rows], dtype=object)
    district_geoms = np.array([shapely.union_all(geoms[lad_of == code])
                               for code, _ in districts], dtype=object)
    lsoas = [r for r, hit in zip(rows, near, strict=True) if hit]
    features = [
        *_collection(district_geoms, [name for _, name in districts], "district",
                     [code for code, _ in districts]),
        *_collection(geoms[near], [r[1] for r in lsoas], "lsoa", [r[0] for r in lsoas]),
    ]
    return {"type": "FeatureCollection", "features": features}
