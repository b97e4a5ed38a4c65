"""A forecasting study: one data set's located events projected onto a grid over a study area.

The study area is a user boundary file, else the force area (``ref_pfa``) when the data set is
a police.uk force and reference data is loaded, else the extent of the data. Monthly police.uk
data can only be forecast by calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from crimeplan.forecast.grid import Grid, default_crs, project
from crimeplan.forecast.periods import horizon_unit, parse_horizon
from crimeplan.sources.api import read_boundary as read_wgs84_boundary
from crimeplan.standard.forces import find_force
from crimeplan.store.events import EventData, load_events


@dataclass(frozen=True)
class Study:
    """Events (time, x, y, category in the grid CRS) and the grid of their study area."""

    data: EventData
    category: str | None
    events: pd.DataFrame
    grid: Grid
    boundary: shapely.Geometry | None  # study area in the grid CRS, None for the data extent
    area_source: str
    outside: int  # located events outside the study area
    context: pd.DataFrame | None = None  # every category, when ``events`` are one of them
    target: str | None = None  # the forecast category as stored in the events
    context_hash: str | None = None  # content hash of the context events as loaded

    @property
    def fit_inputs(self) -> dict[str, object]:
        """Keyword arguments giving context-aware models every category (see ``fit_on_past``)."""
        return {"context": self.context, "target": self.target}

    @property
    def months_used(self) -> list[str]:
        """Calendar months (YYYY-MM) that hold at least one event."""
        return sorted(self.events["time"].dt.strftime("%Y-%m").unique().tolist())

    def coverage(self) -> dict[str, object]:
        """Months used and missing, unmapped and out-of-area events, for run records."""
        return {"months_used": self.months_used, "months_missing": self.data.months_missing,
                "unmapped_events": self.data.unmapped, "events_outside_area": self.outside}


def check_horizon(horizon: str, data: EventData) -> str:
    """The horizon in normal form (``1W``, ``3M``); days and weeks are refused for monthly
    police.uk data."""
    horizon = parse_horizon(horizon)
    if data.resolution == "month" and horizon_unit(horizon) != "M":
        raise ValueError(f"{data.dataset} is police.uk data, published by month with no dates: "
                         f"it can only be forecast by calendar month (1M, 2M, 3M), not "
                         f"{horizon}")
    return horizon


def read_boundary(path: Path, crs: str) -> shapely.Geometry:
    """The union of every polygon in a vector file (any CRS it declares), in ``crs``."""
    return to_crs(read_wgs84_boundary(Path(path)), crs)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse holds a table (reference tables exist once reference data loads)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [name]).fetchone()[0])


def force_area(con: duckdb.DuckDBPyConnection, dataset: str, crs: str) -> shapely.Geometry | None:
    """The force area of a police.uk data set from ``ref_pfa`` in ``crs``, if loaded."""
    force = find_force(dataset)
    if force is None or force.pfa_code is None or not has_table(con, "ref_pfa"):
        return None
    row = con.execute("SELECT wkb FROM ref_pfa WHERE pfa_code = ?", [force.pfa_code]).fetchone()
    if row is None:
        return None
    return to_crs(shapely.from_wkb(bytes(row[0])), crs)


def to_crs(geom: shapely.Geometry, crs: str) -> shapely.Geometry:
    """A WGS84 geometry in ``crs``."""
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def load_study(con: duckdb.DuckDBPyConnection, dataset: str, *, cell_size: float,
               category: str | None = None, grid_crs: str | None = None,
               boundary: Path | None = None) -> Study:
    """Events of a data set on the grid of its study area."""
    if not cell_size > 0:
        raise ValueError("--cell-size must be a positive number (in the grid CRS's units)")
    data = load_events(con, dataset, category)
    frame = data.frame
    if frame.empty:
        what = f"category {category!r} of " if category else ""
        raise ValueError(f"no located events in {what}data set {dataset!r}")
    crs = grid_crs or default_crs(frame["longitude"].to_numpy(float),
                                  frame["latitude"].to_numpy(float))
    events = _projected(frame, crs)
    x, y = events["x"].to_numpy(), events["y"].to_numpy()
    area, source = None, "extent of the data"
    if boundary is not None:
        area, source = read_boundary(boundary, crs), f"boundary file {boundary}"
    elif data.kind == "police-uk":
        area = force_area(con, dataset, crs)
        if area is not None:
            source = "force area (ref_pfa)"
    grid = (Grid.from_boundary(area, cell_size, crs) if area is not None
            else Grid.from_extent(x, y, cell_size, crs))
    inside = grid.locate(x, y) >= 0
    if not inside.any():
        raise ValueError(f"no event of {dataset!r} falls inside the study area ({source})")
    context, target, context_hash = None, None, None
    if category:
        every = load_events(con, dataset)
        projected = _projected(every.frame, crs)
        inside_all = grid.locate(projected["x"].to_numpy(), projected["y"].to_numpy()) >= 0
        context = projected.loc[inside_all].reset_index(drop=True)
        target, context_hash = str(frame["category"].iloc[0]), every.content_hash
    return Study(data=data, category=category, events=events.loc[inside].reset_index(drop=True),
                 grid=grid, boundary=area, area_source=source, outside=int((~inside).sum()),
                 context=context, target=target, context_hash=context_hash)


def _projected(frame: pd.DataFrame, crs: str) -> pd.DataFrame:
    """Events (time, x, y, category) in ``crs`` from rows with longitude and latitude."""
    x, y = project(frame["longitude"].to_numpy(float), frame["latitude"].to_numpy(float), crs)
    return pd.DataFrame({"time": pd.to_datetime(frame["time"]), "x": x, "y": y,
                         "category": frame["category"].to_numpy()})
