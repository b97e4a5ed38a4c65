"""Deployment maps: the top cells of a forecast merged into contiguous patrol areas.

A model is fitted on every event before ``until`` and forecasts the next day, week or calendar
month. The highest-scoring cells covering ``top_pct`` percent of the study area are flagged
(ties at the cut-off go to the earlier cell in grid order, so the flagged area is exactly the
budget). Flagged cells that share an edge (rook adjacency, the default) or also a corner (queen)
form one patrol area, numbered from the highest expected number of events. Each cell also
carries its Getis-Ord Gi* hot-spot class over the periods before ``until`` (see hotspots.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from pyproj import Transformer
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from crimeplan.csvsafe import write_csv
from crimeplan.forecast.backtest import HORIZONS, UNITS, backtest_periods, observed_counts
from crimeplan.forecast.base import ForecastModel, fit_on_past
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.hotspots import CLASSES, NOT_HOT, HotspotHistory, hotspot_history
from crimeplan.forecast.study import has_table, to_crs
from crimeplan.report.html import Section, assert_self_contained, note, page, table

ADJACENCY = ("rook", "queen")
FORMATS = (".geojson", ".csv", ".html")
CLASS_COLOURS = {"new": "#f47738", "persistent": "#a1002c", "intermittent": "#6f4e9c",
                 "diminishing": "#5694ca"}


@dataclass(frozen=True)
class DeploymentPlan:
    """Flagged and hot-spot cells, their patrol areas, and how they were chosen.

    ``cells``: every flagged or hot-spot cell (cell_id, i, j, x_min, y_min, x_max, y_max in the
    grid CRS, score, rank, flagged, patrol_area (0 if not flagged), hotspot, gi_z of the latest
    period). ``areas``: patrol_area, cells, expected events, area_km2.
    """

    grid: Grid
    model: str
    until: pd.Timestamp
    freq: str
    top_pct: float
    adjacency: str
    cells: pd.DataFrame
    areas: pd.DataFrame
    history: HotspotHistory

    @property
    def horizon(self) -> str:
        return HORIZONS[self.freq]


def top_cells(scores: np.ndarray, top_pct: float) -> np.ndarray:
    """Positions of the highest scores covering ``top_pct`` % of the cells (at least one)."""
    if not 0 < top_pct <= 100:
        raise ValueError(f"--top {top_pct}: give a percentage of the study area in (0, 100]")
    scores = np.asarray(scores, float)
    k = max(1, int(np.floor(top_pct / 100 * len(scores) + 0.5)))
    return np.argsort(-scores, kind="stable")[:k]


def patrol_areas(grid: Grid, positions: np.ndarray, scores: np.ndarray,
                 adjacency: str = "rook") -> np.ndarray:
    """Patrol-area number (1 = most expected events) of each flagged cell position."""
    if adjacency not in ADJACENCY:
        raise ValueError(f"adjacency {adjacency!r}: use rook (shared edge) or queen (edge or "
                         "corner)")
    positions = np.asarray(positions, np.int64)
    local = np.full(grid.n_cells, -1)
    local[positions] = np.arange(len(positions))
    a, b = grid.neighbours(1)
    keep = (local[a] >= 0) & (local[b] >= 0)
    if adjacency == "rook":
        keep &= (np.abs(grid.i[a] - grid.i[b]) + np.abs(grid.j[a] - grid.j[b])) == 1
    n = len(positions)
    graph = sparse.coo_matrix((np.ones(keep.sum()), (local[a[keep]], local[b[keep]])),
                              shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    expected = np.bincount(labels, weights=np.asarray(scores, float)[positions])
    order = np.argsort(-expected, kind="stable")  # component ids by expected events
    number = np.empty(len(order), np.int64)
    number[order] = np.arange(1, len(order) + 1)
    return number[labels]


def plan_deployment(events: pd.DataFrame, grid: Grid, name: str, model: ForecastModel,
                    until: str | pd.Timestamp, freq: str, top_pct: float,
                    adjacency: str = "rook", history: int = 12,
                    alpha: float = 0.05, context: pd.DataFrame | None = None,
                    target: str | None = None) -> DeploymentPlan:
    """Forecast the period from ``until`` and plan patrol areas; classify hot spots over the
    ``history`` periods before it (Gi* at false discovery rate ``alpha``). ``context`` and
    ``target`` are as for :func:`crimeplan.forecast.base.fit_on_past`."""
    (period,) = backtest_periods(until, 1, freq)
    if history < 1:
        raise ValueError("hot-spot history needs at least one period")
    past = events.loc[events["time"] < period.start]
    if past.empty:
        raise ValueError(f"no events before {period.start.date()} to forecast from")
    fitted = fit_on_past(model, events, period.start, context, target)
    scores = fitted.predict(grid, HORIZONS[period.freq])
    flagged = top_cells(scores, top_pct)
    areas_of = patrol_areas(grid, flagged, scores, adjacency)
    earlier = backtest_periods(period.start - UNITS[period.freq] * history, history, period.freq)
    hist = hotspot_history(grid, observed_counts(past, grid, earlier),
                           [p.label for p in earlier], alpha)
    area = np.zeros(grid.n_cells, np.int64)
    area[flagged] = areas_of
    show = (area > 0) | (hist.classes != NOT_HOT)
    x_min, y_min, x_max, y_max = grid.bounds()
    rank = pd.Series(scores).rank(ascending=False, method="min").to_numpy(np.int64)
    cells = pd.DataFrame({
        "cell_id": grid.cell_ids, "i": grid.i, "j": grid.j, "x_min": x_min, "y_min": y_min,
        "x_max": x_max, "y_max": y_max, "score": scores, "rank": rank, "flagged": area > 0,
        "patrol_area": area, "hotspot": hist.classes.astype(str), "gi_z": hist.stats[-1].z,
    }).loc[show].sort_values(["rank", "flagged"], ascending=[True, False], kind="stable"
                             ).reset_index(drop=True)  # ties: flagged first, then grid order
    flagged_cells = cells.loc[cells["flagged"]]
    areas = (flagged_cells.groupby("patrol_area")
             .agg(cells=("cell_id", "size"), expected=("score", "sum")).reset_index())
    areas["area_km2"] = areas["cells"] * grid.cell_area / 1e6
    return DeploymentPlan(grid, name, period.start, period.freq, float(top_pct), adjacency,
                          cells, areas, hist)


# output ------------------------------------------------------------------------------------
def cell_boxes(plan: DeploymentPlan) -> np.ndarray:
    """Square polygons of the plan's cells in the grid CRS."""
    c = plan.cells
    return shapely.box(c["x_min"], c["y_min"], c["x_max"], c["y_max"])


def to_geojson(plan: DeploymentPlan) -> dict[str, object]:
    """Patrol areas and cells as a WGS84 GeoJSON FeatureCollection; grid-CRS bounds kept as
    properties, and the grid described in a ``grid`` member."""
    crs = plan.grid.crs
    cells = gpd.GeoDataFrame(plan.cells.assign(kind="cell", grid_crs=crs),
                             geometry=cell_boxes(plan), crs=crs)
    boxes = cells.loc[cells["flagged"]]
    areas = gpd.GeoDataFrame(
        plan.areas.assign(kind="patrol_area", grid_crs=crs),
        geometry=[shapely.union_all(boxes.geometry[boxes["patrol_area"] == a].to_numpy())
                  for a in plan.areas["patrol_area"]], crs=crs)
    collection = {"type": "FeatureCollection", "features": [
        feature for frame in (areas, cells)
        for feature in json.loads(frame.to_crs("EPSG:4326").to_json(drop_id=True))["features"]]}
    collection["grid"] = {"crs": crs, "cell_size_m": plan.grid.cell_size, "model": plan.model,
                          "from": plan.until.isoformat(), "horizon": plan.horizon,
                          "top_pct": plan.top_pct, "adjacency": plan.adjacency}
    return collection


def _ring_xy(geoms: list[shapely.Geometry]) -> tuple[list[float | None], list[float | None]]:
    """Exterior and interior rings of polygons or lines, None-separated for one plotly trace."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for geom in geoms:
        for part in shapely.get_parts(geom):
            rings = ([part.exterior, *part.interiors] if isinstance(part, shapely.Polygon)
                     else [part])
            for ring in rings:
                coords = np.asarray(ring.coords)
                xs.extend([*coords[:, 0].tolist(), None])
                ys.extend([*coords[:, 1].tolist(), None])
    return xs, ys


def _boxes_xy(frame: pd.DataFrame) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for x0, y0, x1, y1 in frame[["x_min", "y_min", "x_max", "y_max"]].itertuples(index=False):
        xs.extend([x0, x1, x1, x0, x0, None])
        ys.extend([y0, y0, y1, y1, y0, None])
    return xs, ys


def map_figure(plan: DeploymentPlan, outlines: list[shapely.Geometry],
               study_area: shapely.Geometry | None) -> go.Figure:
    """The deployment map in grid-CRS metres: context outlines, hot spots, flagged cells."""
    fig = go.Figure()
    if outlines:
        xs, ys = _ring_xy(outlines)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="LSOA outlines",
                                 line={"color": "#b1b4b6", "width": 0.6}, hoverinfo="skip"))
    if study_area is not None:
        xs, ys = _ring_xy([study_area])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="study area",
                                 line={"color": "#0b0c0c", "width": 1.5}, hoverinfo="skip"))
    cells = plan.cells
    for cls in CLASSES:
        rows = cells.loc[cells["hotspot"] == cls]
        if len(rows):
            xs, ys = _boxes_xy(rows)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself",
                                     name=f"{cls} hot spot", hoverinfo="skip",
                                     line={"color": CLASS_COLOURS[cls], "width": 0.5},
                                     fillcolor=CLASS_COLOURS[cls], opacity=0.35))
    flagged = cells.loc[cells["flagged"]]
    xs, ys = _boxes_xy(flagged)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", name="patrol cells",
                             line={"color": "#d4351c", "width": 1.2},
                             fillcolor="rgba(212,53,28,0.25)", hoverinfo="skip"))
    text = [f"cell {r.cell_id}<br>expected {r.score:.3g}<br>rank {r.rank}<br>"
            f"patrol area {r.patrol_area}<br>hot spot: {r.hotspot}"
            for r in flagged.itertuples(index=False)]
    fig.add_trace(go.Scatter(
        x=(flagged["x_min"] + flagged["x_max"]) / 2, y=(flagged["y_min"] + flagged["y_max"]) / 2,
        mode="markers", name="expected events", text=text, hoverinfo="text",
        marker={"size": 6, "color": flagged["score"], "colorscale": "YlOrRd", "showscale": True,
                "colorbar": {"title": {"text": "expected"}}}))
    fig.update_layout(
        title=f"{plan.model}: top {plan.top_pct:g}% of cells from {plan.until.date()} "
              f"({plan.horizon})",
        xaxis={"title": f"easting (m, {plan.grid.crs})"},
        yaxis={"title": "northing (m)", "scaleanchor": "x", "scaleratio": 1},
        height=750, template="plotly_white", legend={"orientation": "h"})
    return fig


#: plotly.js holds hyperlinks (its logo, map-tile attributions) written as "http(s)://" string
#: literals. The map loads none of them (no tiles, no logo); writing "//" as "\/\/" inside those
#: JavaScript strings keeps their value and leaves no URL that a reference check could mistake
#: for a load.
_PLOTLY_LINK = re.compile(r"""((?:src|href)\s*=\s*["']?\s*(?:https?:)?)//""", re.IGNORECASE)


def inline_plotly(fig: go.Figure) -> str:
    """The figure as an HTML fragment with plotly.js inlined (works offline); the "share"
    button, which would upload the map to Plotly Cloud, is removed."""
    fragment = fig.to_html(full_html=False, include_plotlyjs=True,
                           config={"displaylogo": False, "showSendToCloud": False,
                                   "modeBarButtonsToRemove": ["sendDataToCloud"]})
    return _PLOTLY_LINK.sub(r"\1\\/\\/", fragment)


def map_page(plan: DeploymentPlan, outlines: list[shapely.Geometry],
             study_area: shapely.Geometry | None) -> str:
    """A self-contained, offline HTML page with the interactive map and the patrol areas."""
    counts = plan.cells["hotspot"].value_counts()
    classes = pd.DataFrame({"class": list(CLASSES), "cells": [int(counts.get(c, 0))
                                                              for c in CLASSES]})
    areas = plan.areas.assign(expected=plan.areas["expected"].astype(float))
    sections = [
        Section("Map", "map").add(inline_plotly(map_figure(plan, outlines, study_area))),
        Section("Patrol areas", "areas").add(note(
            f"Flagged cells sharing an {'edge' if plan.adjacency == 'rook' else 'edge or corner'}"
            f" ({plan.adjacency} adjacency) form one patrol area; areas are numbered from the "
            "most expected events.")).add(table(areas)),
        Section("Hot spots over time", "hotspots").add(note(
            f"Getis-Ord Gi* in each of the {len(plan.history.periods)} periods before "
            f"{plan.until.date()} ({plan.history.periods[0]} to {plan.history.periods[-1]}), "
            "Benjamini–Hochberg false discovery rate "
            f"{plan.history.stats[0].alpha:g}. new: hot in the latest period only; persistent: "
            "hot in at least 90% of the periods; intermittent: hot in the latest and an earlier "
            "period; diminishing: hot before but not in the latest period.")).add(table(classes)),
    ]
    document = page(f"Deployment map: {plan.model}", sections,
                    footer="crimeplan forecast predict — expected events are a forecast, not a "
                           "record; review with local knowledge before deploying.")
    assert_self_contained(document)
    return document


def context_outlines(con: duckdb.DuckDBPyConnection, grid: Grid,
                     study_area: shapely.Geometry | None) -> list[shapely.Geometry]:
    """LSOA outlines (``ref_lsoa_geom``, if loaded) meeting the study area, in the grid CRS,
    simplified to a quarter of a cell (the map cannot show finer detail)."""
    if not has_table(con, "ref_lsoa_geom"):
        return []
    x_min, y_min, x_max, y_max = grid.bounds()
    extent = study_area if study_area is not None else shapely.box(
        x_min.min(), y_min.min(), x_max.max(), y_max.max())
    lon0, lat0, lon1, lat1 = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True
                                                  ).transform_bounds(*extent.bounds)
    wkbs = [bytes(r[0]) for r in con.execute("SELECT wkb FROM ref_lsoa_geom").fetchall()]
    if not wkbs:
        return []
    geoms = shapely.from_wkb(np.array(wkbs, dtype=object))
    geoms = geoms[shapely.intersects(geoms, shapely.box(lon0, lat0, lon1, lat1))]
    geoms = to_crs(geoms, grid.crs)
    geoms = shapely.simplify(geoms[shapely.intersects(geoms, extent)], grid.cell_size / 4)
    return list(geoms)


def write_plan(plan: DeploymentPlan, out: Path, outlines: list[shapely.Geometry] | None = None,
               study_area: shapely.Geometry | None = None) -> Path:
    """Write the plan as GeoJSON, CSV or an HTML map, chosen by the file's extension."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"--out {out}: use a .geojson, .csv or .html file")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".geojson":
        out.write_text(json.dumps(to_geojson(plan)) + "\n")
    elif suffix == ".csv":
        write_csv(plan.cells.assign(grid_crs=plan.grid.crs), out)
    else:
        out.write_text(map_page(plan, outlines or [], study_area), encoding="utf-8")
    return out
