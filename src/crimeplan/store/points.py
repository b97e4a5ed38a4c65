"""Ingest of any point data: a force's own export or another country's open data.

The user names the time, x and y columns and the CRS of the coordinates (and optionally a
category column); rows become timestamped ``points`` in WGS84, kept with the coordinates as
supplied. Partitions are data set × month, so a later export replaces the months it covers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
from pyproj import CRS
from pyproj.exceptions import CRSError

from crimeplan.store import validation as v
from crimeplan.store.ingest import (
    LINE,
    IngestReport,
    Progress,
    staged_rows,
)
from crimeplan.store.mapped import ingest_mapped
from crimeplan.store.spatial import reproject
from crimeplan.store.warehouse import register_frame


@dataclass(frozen=True)
class PointsSpec:
    """How to read a point file: its columns, CRS and the data set name to load it as."""

    name: str
    time: str
    x: str
    y: str
    crs: str
    category: str | None = None
    time_format: str | None = None  # strptime format; None: ISO 8601 and common forms


def _check_spec(spec: PointsSpec) -> None:
    if not spec.name or not spec.name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"data set name {spec.name!r}: use letters, digits, '-' or '_'")
    try:
        CRS.from_user_input(spec.crs)
    except CRSError as exc:
        raise ValueError(f"unknown CRS {spec.crs!r}: give it as EPSG:XXXX") from exc


def _builder(spec: PointsSpec, mapping: dict[str, str]):  # type: ignore[no-untyped-def]
    """Candidate query for point rows (coordinates are reprojected afterwards)."""
    t, x, y = (f"s.{mapping[c]}" for c in (spec.time, spec.x, spec.y))
    cat = f"{v.text('s.' + mapping[spec.category])}" if spec.category else "NULL::VARCHAR"
    time = v.timestamp(t, spec.time_format)
    xv, yv = f"TRY_CAST({v.text(x)} AS DOUBLE)", f"TRY_CAST({v.text(y)} AS DOUBLE)"
    fields = {spec.time: t, spec.x: x, spec.y: y}
    rules = [
        (f"{time} IS NULL", "unparsable time", v.literal(spec.time)),
        (f"{v.text(x)} IS NULL", "missing coordinates", v.literal(spec.x)),
        (f"{v.text(y)} IS NULL", "missing coordinates", v.literal(spec.y)),
        (f"{xv} IS NULL OR NOT isfinite({xv})", "coordinates unparsable", v.literal(spec.x)),
        (f"{yv} IS NULL OR NOT isfinite({yv})", "coordinates unparsable", v.literal(spec.y)),
    ]
    reasons = v.reason_columns(rules, fields)
    raw_cols = ", ".join(f"coalesce(s.{c}, '')" for c in mapping.values())

    def build(stage: str, lines: str, present: set[str]) -> str:
        del present
        return f"""
            SELECT fm.file_id, {LINE} AS line, 'points' AS dataset,
                   {v.literal(spec.name)} AS force,
                   date_trunc('month', {time})::DATE AS month, {time} AS time,
                   {cat} AS category, {xv} AS source_x, {yv} AS source_y,
                   {v.literal(spec.crs)} AS source_crs, NULL::DOUBLE AS longitude,
                   NULL::DOUBLE AS latitude,
                   {reasons},
                   CASE WHEN reason IS NOT NULL THEN concat_ws(',', {raw_cols}) END AS raw
            {staged_rows(stage, lines)}"""

    return build


def reprojector(crs: str, x_field: str):  # type: ignore[no-untyped-def]
    """Post-stage step: WGS84 longitude/latitude for valid rows with source coordinates in
    ``crs``; a row whose coordinates fall outside the CRS's valid area is quarantined, naming
    ``x_field``. Rows without source coordinates are left unlocated."""

    def post(con: duckdb.DuckDBPyConnection, cand: str) -> None:
        xy = con.execute(f"SELECT DISTINCT source_x, source_y FROM {cand} "
                         "WHERE reason IS NULL AND source_x IS NOT NULL").df()
        lon, lat = reproject(xy["source_x"].to_numpy(float), xy["source_y"].to_numpy(float),
                             crs, "EPSG:4326")
        ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
        xy["longitude"] = np.where(ok, lon, np.nan)
        xy["latitude"] = np.where(ok, lat, np.nan)
        register_frame(con, "points_lonlat", xy)
        con.execute(f"""UPDATE {cand} SET longitude = p.longitude, latitude = p.latitude
            FROM points_lonlat p WHERE {cand}.source_x = p.source_x
              AND {cand}.source_y = p.source_y AND {cand}.reason IS NULL""")
        con.unregister("points_lonlat")
        con.execute(f"""UPDATE {cand} SET reason = 'coordinates outside the CRS''s valid area',
                field = {v.literal(x_field)}, value = source_x::VARCHAR
            WHERE reason IS NULL AND source_x IS NOT NULL
              AND (longitude IS NULL OR isnan(longitude))""")

    return post


def ingest_points(home: Path, path: Path, spec: PointsSpec, progress: Progress | None = None,
                  before_commit: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """Load one CSV (or gzip-compressed CSV) of point events as data set ``spec.name``, as
    the workspace's one writer (``Warehouse.writing``). ``before_commit`` gets the filled-in
    report just before the COMMIT, which it stops by raising."""
    _check_spec(spec)
    columns = [spec.time, spec.x, spec.y] + ([spec.category] if spec.category else [])
    return ingest_mapped(home, path, dataset="points", name=spec.name, columns=columns,
                         builder=partial(_builder, spec), post=reprojector(spec.crs, spec.x),
                         progress=progress, before_commit=before_commit)
