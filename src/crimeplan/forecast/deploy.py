"""Deployment maps: the top cells of a forecast merged into contiguous patrol areas.

A model is fitted on every event before ``until`` and forecasts the next horizon (a day, one or
two weeks, one to three calendar months). The highest-scoring cells covering ``top`` (a
percentage of the study area, or an area such as ``0.25mi2``; see ``flagging``) are flagged
(ties at the cut-off go to the earlier cell in grid order, so the flagged area is exactly the
budget). Flagged cells that share an edge (rook adjacency, the default) or also a corner (queen)
form one patrol area, numbered from the highest expected number of events. Each cell also
carries its Getis-Ord Gi* hot-spot class over the periods before ``until`` (see hotspots.py).

The map shows where the patrol areas are on the ground: the outlines and names of the districts
and neighbourhoods of the reference data (local authority districts and LSOAs for police.uk
data) or of a user's file of named areas (e.g. police districts), and, only when a tile server
is configured, map tiles under it. The patrol-area table names the neighbourhoods and
districts each area lies in.
"""

from __future__ import annotations

import json
import math
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
from crimeplan.forecast.backtest import backtest_periods, observed_counts
from crimeplan.forecast.base import ForecastModel, fit_on_past
from crimeplan.forecast.flagging import FlagLevel, flag_levels
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.hotspots import CLASSES, NOT_HOT, HotspotHistory, hotspot_history
from crimeplan.forecast.periods import horizon_offset
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
    period). ``areas``: patrol_area, cells, expected events, area_km2. ``choice``: what
    ``auto`` chose and why (None for other models).
    """

    grid: Grid
    model: str
    until: pd.Timestamp
    horizon: str
    top: FlagLevel
    adjacency: str
    cells: pd.DataFrame
    areas: pd.DataFrame
    history: HotspotHistory
    choice: dict[str, object] | None = None


def top_level(grid: Grid, top: float | str) -> FlagLevel:
    """The flagged area: a percentage of the study area (a number) or an area (``0.25mi2``)."""
    if isinstance(top, str):
        return flag_levels(grid, areas=(top,))[0]
    if not 0 < top <= 100:
        raise ValueError(f"--top {top}: give a percentage of the study area in (0, 100]")
    return flag_levels(grid, coverage=(top / 100,))[0]


def top_cells(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores (ties: the earlier cell in grid order)."""
    return np.argsort(-np.asarray(scores, float), kind="stable")[:k]


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
                    until: str | pd.Timestamp, horizon: str, top: float | str,
                    adjacency: str = "rook", history: int = 12,
                    alpha: float = 0.05, context: pd.DataFrame | None = None,
                    target: str | None = None) -> DeploymentPlan:
    """Forecast the ``horizon`` from ``until`` and plan patrol areas over ``top`` (a percentage
    or an area); classify hot spots over the ``history`` periods before it (Gi* at false
    discovery rate ``alpha``). ``context`` and ``target`` are as for
    :func:`crimeplan.forecast.base.fit_on_past`."""
    (period,) = backtest_periods(until, 1, horizon)
    level = top_level(grid, top)
    if history < 1:
        raise ValueError("hot-spot history needs at least one period")
    past = events.loc[events["time"] < period.start]
    if past.empty:
        raise ValueError(f"no events before {period.start.date()} to forecast from")
    fitted = fit_on_past(model, events, period.start, context, target, grid.unit_m)
    scores = fitted.predict(grid, period.horizon)
    flagged = top_cells(scores, level.cells)
    areas_of = patrol_areas(grid, flagged, scores, adjacency)
    earlier = backtest_periods(period.start - horizon_offset(period.horizon) * history,
                               history, period.horizon)
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
    return DeploymentPlan(grid, name, period.start, period.horizon, level, adjacency, cells,
                          areas, hist, model_choice(fitted))


def model_choice(fitted: ForecastModel) -> dict[str, object] | None:
    """What a fitted ``auto`` chose, why, and its validation table (candidate x period x
    level); None for other models."""
    choice = getattr(fitted, "choice_", None)
    if choice is None:
        return None
    table = fitted.validation_  # type: ignore[attr-defined]
    return {**choice.to_dict(), "validation": json.loads(table.to_json(orient="records"))}


# where the patrol areas are -----------------------------------------------------------------
@dataclass(frozen=True)
class NamedArea:
    """A named place drawn for context: a district, a neighbourhood, or an area of a user's
    file (``layer``), its outline in the grid CRS."""

    layer: str
    name: str
    geometry: shapely.Geometry


#: Layers of named areas, largest first: how they are drawn and listed.
LAYERS = {"district": "districts", "neighbourhood": "neighbourhoods", "area": "areas"}


def _extent(grid: Grid, study_area: shapely.Geometry | None) -> shapely.Geometry:
    x_min, y_min, x_max, y_max = grid.bounds()
    return study_area if study_area is not None else shapely.box(
        x_min.min(), y_min.min(), x_max.max(), y_max.max())


def reference_areas(con: duckdb.DuckDBPyConnection, grid: Grid,
                    study_area: shapely.Geometry | None) -> list[NamedArea]:
    """Local authority districts and LSOAs (neighbourhoods) of the reference data in the study
    area (an LSOA's representative point inside it), in the grid CRS, with their names
    (``ref_lsoa``; an LSOA without one is named by its code), simplified to a quarter of a
    cell (the map cannot show finer detail). Districts are their LSOAs dissolved; nothing
    when no boundaries are loaded."""
    if not has_table(con, "ref_lsoa_geom"):
        return []
    extent = _extent(grid, study_area)
    lon0, lat0, lon1, lat1 = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True
                                                  ).transform_bounds(*extent.bounds)
    names = "NULL, NULL, NULL"
    join = ""
    if has_table(con, "ref_lsoa"):
        names, join = "l.lsoa11_name, l.lad19_code, l.lad19_name", \
            " LEFT JOIN ref_lsoa l USING (lsoa11_code)"
    rows = con.execute(f"SELECT g.lsoa11_code, {names}, g.wkb FROM ref_lsoa_geom g{join}"
                       ).fetchall()
    if not rows:
        return []
    geoms = shapely.from_wkb(np.array([bytes(r[4]) for r in rows], dtype=object))
    near = shapely.intersects(geoms, shapely.box(lon0, lat0, lon1, lat1))
    lsoas = pd.DataFrame([r[:4] for r in rows], columns=["code", "name", "lad", "lad_name"]
                         ).loc[near].reset_index(drop=True)
    lsoas["geometry"] = to_crs(geoms[near], grid.crs)
    inside = shapely.within(shapely.point_on_surface(lsoas["geometry"].to_numpy()), extent)
    lsoas = lsoas.loc[inside]  # a neighbour's LSOA only touching the edge is left out
    tolerance = grid.cell_size / 4
    out = [NamedArea("district", str(name), shapely.simplify(
               shapely.union_all(part["geometry"].to_numpy()), tolerance))
           for name, part in lsoas.dropna(subset=["lad"]).groupby("lad_name", sort=True)]
    out += [NamedArea("neighbourhood", str(r.name if isinstance(r.name, str) else r.code),
                      shapely.simplify(r.geometry, tolerance))
            for r in lsoas.itertuples(index=False)]
    return out


def file_areas(path: Path, grid: Grid, name_field: str | None = None) -> list[NamedArea]:
    """Named polygons from a vector file (e.g. police districts as KML), in the grid CRS.

    The name is ``name_field``, else the first of the columns called name (any case), else the
    first text column; the file must declare its CRS (KML is WGS84 by definition)."""
    path = Path(path)
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own errors for unreadable files
        raise ValueError(f"--areas {path}: cannot read it as a vector file ({exc})") from exc
    if frame.crs is None:
        raise ValueError(f"--areas {path}: the file declares no CRS")
    frame = frame.loc[frame.geometry.notna() & frame.geom_type.isin(
        ["Polygon", "MultiPolygon"])]
    if frame.empty:
        raise ValueError(f"--areas {path}: no polygons")
    columns = [c for c in frame.columns if c != "geometry"]
    if name_field is None:
        named = [c for c in columns if c.lower() == "name"]
        text = [c for c in columns
                if pd.api.types.is_string_dtype(frame[c]) and frame[c].notna().any()]
        name_field = (named or text or [None])[0]
    elif name_field not in columns:
        raise ValueError(f"--areas {path}, field {name_field}: no such field (fields: "
                         f"{', '.join(columns)})")
    names = (frame[name_field].astype(str) if name_field is not None
             else pd.Series([f"area {k + 1}" for k in range(len(frame))], index=frame.index))
    geoms = frame.to_crs(grid.crs).geometry.to_numpy()
    return [NamedArea("area", name, shapely.simplify(shapely.force_2d(g), grid.cell_size / 4))
            for name, g in zip(names, geoms, strict=True)]


def where_areas_are(plan: DeploymentPlan, areas: list[NamedArea]) -> pd.DataFrame:
    """The patrol-area table with, for each layer of named areas, the areas its cells' centres
    fall in (most cells first)."""
    table_ = plan.areas.copy()
    flagged = plan.cells.loc[plan.cells["flagged"]]
    centres = shapely.points((flagged["x_min"] + flagged["x_max"]) / 2,
                             (flagged["y_min"] + flagged["y_max"]) / 2)
    for layer, column in LAYERS.items():
        mine = [a for a in areas if a.layer == layer]
        if not mine:
            continue
        tree = shapely.STRtree([a.geometry for a in mine])
        point, area = tree.query(centres, predicate="within")
        found = pd.DataFrame({"patrol_area": flagged["patrol_area"].to_numpy()[point],
                              "name": [mine[k].name for k in area]})
        listed = (found.groupby("patrol_area")["name"]
                  .agg(lambda n: ", ".join(n.value_counts().index)))
        table_[column] = [listed.get(a, "") for a in table_["patrol_area"]]
    return table_


# output ------------------------------------------------------------------------------------
def cell_boxes(plan: DeploymentPlan) -> np.ndarray:
    """Square polygons of the plan's cells in the grid CRS."""
    c = plan.cells
    return shapely.box(c["x_min"], c["y_min"], c["x_max"], c["y_max"])


def to_geojson(plan: DeploymentPlan, areas: list[NamedArea] | None = None) -> dict[str, object]:
    """Patrol areas and cells as a WGS84 GeoJSON FeatureCollection; grid-CRS bounds kept as
    properties, the grid and what auto chose in a ``grid`` member, and (given named areas)
    the neighbourhoods and districts of each patrol area."""
    crs = plan.grid.crs
    cells = gpd.GeoDataFrame(plan.cells.assign(kind="cell", grid_crs=crs),
                             geometry=cell_boxes(plan), crs=crs)
    boxes = cells.loc[cells["flagged"]]
    areas = gpd.GeoDataFrame(
        where_areas_are(plan, areas or []).assign(kind="patrol_area", grid_crs=crs),
        geometry=[shapely.union_all(boxes.geometry[boxes["patrol_area"] == a].to_numpy())
                  for a in plan.areas["patrol_area"]], crs=crs)
    collection = {"type": "FeatureCollection", "features": [
        feature for frame in (areas, cells)
        for feature in json.loads(frame.to_crs("EPSG:4326").to_json(drop_id=True))["features"]]}
    collection["grid"] = {"crs": crs, "unit": plan.grid.unit,
                          "cell_size": plan.grid.cell_size,
                          "cell_size_m": plan.grid.cell_size_m, "model": plan.model,
                          "from": plan.until.isoformat(), "horizon": plan.horizon,
                          "top": plan.top.to_dict(plan.grid), "adjacency": plan.adjacency,
                          "model_choice": plan.choice}
    return collection


WEB_MERCATOR = "EPSG:3857"
_EARTH = 2 * math.pi * 6378137.0  # width of the Web Mercator world in metres
#: At most this many tiles across the map (a fixed zoom: the page stays light).
_TILES_ACROSS = 8


def tile_images(url: str, bounds: tuple[float, float, float, float]) -> list[dict[str, object]]:
    """Layout images of the XYZ tiles (``{z}/{x}/{y}`` in ``url``) covering Web Mercator
    ``bounds``, at the zoom giving at most eight tiles across."""
    x0, y0, x1, y1 = bounds
    zoom = int(np.clip(math.floor(math.log2(_TILES_ACROSS * _EARTH / max(x1 - x0, y1 - y0,
                                                                         1.0))), 0, 19))
    size = _EARTH / 2**zoom
    last = 2**zoom - 1
    cols = range(max(0, int((x0 + _EARTH / 2) // size)),
                 min(last, int((x1 + _EARTH / 2) // size)) + 1)
    rows = range(max(0, int((_EARTH / 2 - y1) // size)),
                 min(last, int((_EARTH / 2 - y0) // size)) + 1)
    return [{"source": url.replace("{z}", str(zoom)).replace("{x}", str(c)).replace(
                 "{y}", str(r)),
             "xref": "x", "yref": "y", "x": c * size - _EARTH / 2, "y": _EARTH / 2 - r * size,
             "sizex": size, "sizey": size, "xanchor": "left", "yanchor": "top",
             "sizing": "stretch", "layer": "below"}
            for r in rows for c in cols]


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


def _labels(geoms: list[shapely.Geometry]) -> tuple[np.ndarray, np.ndarray]:
    """A point inside each polygon, for its name."""
    points = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    return shapely.get_x(points), shapely.get_y(points)


#: Patrol areas numbered on the map (the table lists every one; hovering a cell names its area).
MAP_LABELS = 10
#: How each layer of named areas is drawn: outline colour and width, names shown or on hover.
_AREA_STYLE = {"district": ("#0b0c0c", 1.6, "text"), "area": ("#0b0c0c", 1.6, "text"),
               "neighbourhood": ("#8d9194", 0.6, "hover")}


def map_figure(plan: DeploymentPlan, areas: list[NamedArea],
               study_area: shapely.Geometry | None, tiles: str | None = None) -> go.Figure:
    """The deployment map: named areas, hot spots, patrol cells and their numbers.

    Drawn in the grid CRS (its own units, equal scale on both axes) with no tiles; with a tile
    server (``tiles``, an XYZ URL template) in Web Mercator over its tiles."""
    if tiles:
        tr = Transformer.from_crs(plan.grid.crs, WEB_MERCATOR, always_xy=True)

        def project(geoms: list[shapely.Geometry]) -> list[shapely.Geometry]:
            dense = shapely.segmentize(np.asarray(geoms, dtype=object), plan.grid.cell_size)
            return list(shapely.transform(dense, lambda xy: np.column_stack(
                tr.transform(xy[:, 0], xy[:, 1]))))
    else:
        def project(geoms: list[shapely.Geometry]) -> list[shapely.Geometry]:
            return list(geoms)

    fig = go.Figure()
    # the first patrol areas are numbered on the map, and the neighbourhoods they lie in named
    labelled = plan.cells.loc[plan.cells["flagged"]
                              & (plan.cells["patrol_area"] <= MAP_LABELS)]
    centres = shapely.points((labelled["x_min"] + labelled["x_max"]) / 2,
                             (labelled["y_min"] + labelled["y_max"]) / 2)
    for layer in ("neighbourhood", "district", "area"):
        mine = [a for a in areas if a.layer == layer]
        if not mine:
            continue
        colour, width, names = _AREA_STYLE[layer]
        geoms = project([a.geometry for a in mine])
        xs, ys = _ring_xy(geoms)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=LAYERS[layer],
                                 line={"color": colour, "width": width}, hoverinfo="skip"))
        lx, ly = _labels(geoms)
        text = [a.name for a in mine]
        if names == "hover":  # every neighbourhood named on hover (invisible markers)
            fig.add_trace(go.Scatter(x=lx, y=ly, mode="markers", name=f"{layer} names",
                                     text=text, hoverinfo="text", showlegend=False,
                                     marker={"size": 8, "opacity": 0}))
            holding = np.array([bool(shapely.intersects(a.geometry, centres).any())
                                for a in mine])
            if holding.any():
                fig.add_trace(go.Scatter(
                    x=lx[holding], y=ly[holding], mode="text", showlegend=False,
                    text=[t for t, h in zip(text, holding, strict=True) if h],
                    name="neighbourhoods of the first patrol areas", hoverinfo="skip",
                    textfont={"size": 9, "color": "#505a5f"}))
        else:
            fig.add_trace(go.Scatter(x=lx, y=ly, mode="text", text=text, hoverinfo="skip",
                                     name=f"{LAYERS[layer]} names", showlegend=False,
                                     textfont={"size": 13, "color": colour}))
    if study_area is not None:
        xs, ys = _ring_xy(project([study_area]))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="study area",
                                 line={"color": "#0b0c0c", "width": 1.5, "dash": "dot"},
                                 hoverinfo="skip"))
    cells = plan.cells
    boxes = cell_boxes(plan)
    for cls in CLASSES:
        rows = (cells["hotspot"] == cls).to_numpy()
        if rows.any():
            xs, ys = _ring_xy(project(list(boxes[rows])))
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself",
                                     name=f"{cls} hot spot", hoverinfo="skip",
                                     line={"color": CLASS_COLOURS[cls], "width": 0.5},
                                     fillcolor=CLASS_COLOURS[cls], opacity=0.35))
    flagged = cells["flagged"].to_numpy()
    xs, ys = _ring_xy(project(list(boxes[flagged])))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", name="patrol cells",
                             line={"color": "#d4351c", "width": 1.2},
                             fillcolor="rgba(212,53,28,0.25)", hoverinfo="skip"))
    rows = cells.loc[flagged]
    mid = project(list(shapely.points((rows["x_min"] + rows["x_max"]) / 2,
                                      (rows["y_min"] + rows["y_max"]) / 2)))
    text = [f"cell {r.cell_id}<br>expected {r.score:.3g}<br>rank {r.rank}<br>"
            f"patrol area {r.patrol_area}<br>hot spot: {r.hotspot}"
            for r in rows.itertuples(index=False)]
    fig.add_trace(go.Scatter(
        x=shapely.get_x(np.asarray(mid, dtype=object)),
        y=shapely.get_y(np.asarray(mid, dtype=object)),
        mode="markers", name="expected events", text=text, hoverinfo="text",
        marker={"size": 6, "color": rows["score"], "colorscale": "YlOrRd", "showscale": True,
                "colorbar": {"title": {"text": "expected"}}}))
    first = plan.areas["patrol_area"].loc[plan.areas["patrol_area"] <= MAP_LABELS]
    numbers = [shapely.union_all(boxes[flagged][rows["patrol_area"].to_numpy() == a])
               for a in first]
    if numbers:
        nx, ny = _labels(project(numbers))
        fig.add_trace(go.Scatter(x=nx, y=ny, mode="text", name="patrol area numbers",
                                 text=[f"<b>P{a}</b>" for a in first],
                                 hoverinfo="skip", textposition="top right",
                                 textfont={"size": 15, "color": "#6b1a0e"}))
    unit = "m" if plan.grid.unit == "metre" else plan.grid.unit
    axes = ({"xaxis": {"title": "easting (m, Web Mercator)", "showgrid": False},
             "yaxis": {"title": "northing (m)", "scaleanchor": "x", "scaleratio": 1,
                       "showgrid": False}} if tiles else
            {"xaxis": {"title": f"easting ({unit}, {plan.grid.crs})"},
             "yaxis": {"title": f"northing ({unit})", "scaleanchor": "x", "scaleratio": 1}})
    fig.update_layout(
        title=f"{plan.model}: top {plan.top.label} of the study area from {plan.until.date()} "
              f"({plan.horizon})",
        height=750, template="plotly_white", legend={"orientation": "h"}, **axes)
    if tiles:
        every = [*project([a.geometry for a in areas]), *project(list(boxes))]
        if study_area is not None:
            every += project([study_area])
        fig.update_layout(images=tile_images(tiles, tuple(
            shapely.total_bounds(np.asarray(every, dtype=object)))))
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


def map_page(plan: DeploymentPlan, areas: list[NamedArea],
             study_area: shapely.Geometry | None, tiles: str | None = None) -> str:
    """A self-contained HTML page with the interactive map and the patrol areas; it loads
    nothing from elsewhere, except map tiles from ``tiles`` when one is configured."""
    counts = plan.cells["hotspot"].value_counts()
    classes = pd.DataFrame({"class": list(CLASSES), "cells": [int(counts.get(c, 0))
                                                              for c in CLASSES]})
    where = where_areas_are(plan, areas)
    sections = [
        Section("Map", "map").add(inline_plotly(map_figure(plan, areas, study_area, tiles))),
        Section("Patrol areas", "areas").add(note(
            f"Flagged cells sharing an {'edge' if plan.adjacency == 'rook' else 'edge or corner'}"
            f" ({plan.adjacency} adjacency) form one patrol area; areas are numbered from the "
            f"most expected events; the first {MAP_LABELS} are marked P1, P2, … on the map, "
            f"and hovering any flagged cell names its area. {plan.top.cells:,} cells flagged "
            f"({plan.top.label}, {plan.top.cells * plan.grid.cell_area / 1e6:.3g} km²)."
            + (" Neighbourhoods and districts: where the cells' centres lie." if areas else "")
        )).add(table(where)),
        Section("Hot spots over time", "hotspots").add(note(
            f"Getis-Ord Gi* in each of the {len(plan.history.periods)} periods before "
            f"{plan.until.date()} ({plan.history.periods[0]} to {plan.history.periods[-1]}), "
            "Benjamini–Hochberg false discovery rate "
            f"{plan.history.stats[0].alpha:g}. new: hot in the latest period only; persistent: "
            "hot in at least 90% of the periods; intermittent: hot in the latest and an earlier "
            "period; diminishing: hot before but not in the latest period.")).add(table(classes)),
    ]
    if plan.choice is not None:
        sections.append(choice_section(plan.choice))
    document = page(f"Deployment map: {plan.model}", sections,
                    footer="crimeplan forecast predict — expected events are a forecast, not a "
                           "record; review with local knowledge before deploying."
                           + (f" Map tiles: {tiles}." if tiles else ""))
    assert_self_contained(document)
    return document


def choice_section(choice: dict[str, object]) -> Section:
    """What auto chose and its candidates' pooled PAI on the validation periods."""
    levels = list(choice["levels"])  # type: ignore[arg-type]
    pai: dict[str, list[float | None]] = choice["pai"]  # type: ignore[assignment]
    merit: dict[str, float | None] = choice["merit"]  # type: ignore[assignment]
    frame = pd.DataFrame({"candidate": list(pai)})
    for c, level in enumerate(levels):
        frame[f"PAI {level * 100:g}%"] = [float(np.nan if p[c] is None else p[c])
                                           for p in pai.values()]
    frame["merit"] = [float(np.nan if merit[k] is None else merit[k]) for k in pai]
    frame["chosen"] = [k == choice["chosen"] for k in pai]
    periods = list(choice["periods"])  # type: ignore[arg-type]
    span = f"{periods[0]} to {periods[-1]}" if periods else "none"
    return (Section("Model chosen by auto", "auto")
            .add(note(f"auto chose {choice['chosen']}: {choice['reason']}. Validation periods "
                      f"before the forecast (each forecast by models fitted before it): {span}."))
            .add(table(frame, caption="Pooled PAI on the validation periods")))


def write_plan(plan: DeploymentPlan, out: Path, areas: list[NamedArea] | None = None,
               study_area: shapely.Geometry | None = None, tiles: str | None = None) -> Path:
    """Write the plan as GeoJSON, CSV or an HTML map, chosen by the file's extension."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"--out {out}: use a .geojson, .csv or .html file")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".geojson":
        out.write_text(json.dumps(to_geojson(plan, areas)) + "\n")
    elif suffix == ".csv":
        write_csv(plan.cells.assign(grid_crs=plan.grid.crs), out)
    else:
        out.write_text(map_page(plan, areas or [], study_area, tiles), encoding="utf-8")
    return out
