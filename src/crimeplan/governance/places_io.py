"""Gathering a place audit's inputs from a workspace and writing its outputs.

Cells are matched to areas by their centres; recorded crime is the run's data set (and crime
category, if the forecast had one) in the warehouse, projected to the run's grid and counted
per cell within each period's window. Writes ``places.json``, ``places.csv`` (one row per
model × attribute × group) and ``report.html``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crimeplan.csvsafe import write_csv
from crimeplan.forecast.grid import project
from crimeplan.forecast.metrics import flagged_cells
from crimeplan.governance.areas import (
    AreaAttributes,
    areas_of_points,
    read_attributes,
    warehouse_attributes,
)
from crimeplan.governance.forecast_run import ForecastRun, read_forecast_run
from crimeplan.governance.places import PlaceAudit, audit_places
from crimeplan.report import html
from crimeplan.store.events import list_datasets, load_events


@dataclass(frozen=True)
class PlaceAuditFiles:
    """Paths written by ``write_place_audit``."""

    json: Path
    csv: Path
    html: Path


def run_place_audit(con: duckdb.DuckDBPyConnection, record: dict[str, Any],
                    imd_file: Path | None = None, *, coverage: float = 0.05,
                    weighting: str = "score", n_boot: int = 2000, seed: int = 0) -> PlaceAudit:
    """Audit a recorded forecast run using the workspace's reference data and crime."""
    run = read_forecast_run(record)
    cells = _cells(run)
    cell_areas = pd.Series(areas_of_points(con, cells["cx"], cells["cy"], run.crs),
                           index=cells["cell_id"])
    attrs = _attributes(con, imd_file)
    crime = _crime(con, run, cells)
    return audit_places(run, cell_areas, attrs.table, attrs.population, crime,
                        coverage=coverage, weighting=weighting, n_boot=n_boot, seed=seed,
                        attribute_source=attrs.source)


def _cells(run: ForecastRun) -> pd.DataFrame:
    first = next(iter(next(iter(run.forecasts.values())).values()))
    cells = first[["cell_id", "x_min", "y_min", "x_max", "y_max"]].copy()
    cells["cx"] = (cells["x_min"] + cells["x_max"]) / 2
    cells["cy"] = (cells["y_min"] + cells["y_max"]) / 2
    return cells.sort_values("cell_id").reset_index(drop=True)


def _attributes(con: duckdb.DuckDBPyConnection, imd_file: Path | None) -> AreaAttributes:
    if imd_file is None:
        return warehouse_attributes(con)
    attrs = read_attributes(imd_file)
    if attrs.population is None:
        try:
            population = warehouse_attributes(con).population
        except ValueError:
            return attrs
        return AreaAttributes(attrs.table, population,
                              f"{attrs.source} (residents from warehouse ref_lsoa)")
    return attrs


def _crime(con: duckdb.DuckDBPyConnection, run: ForecastRun,
           cells: pd.DataFrame) -> pd.DataFrame | None:
    """Recorded crime per period (rows) and cell_id (columns), or None if not available."""
    if not run.dataset or run.dataset not in list_datasets(con):
        return None
    events = load_events(con, run.dataset, run.category).frame
    size = float((cells["x_max"] - cells["x_min"]).iloc[0])
    key = {(round(x / size), round(y / size)): c
           for x, y, c in zip(cells["x_min"], cells["y_min"], cells["cell_id"], strict=True)}
    x, y = project(events["longitude"].to_numpy(float), events["latitude"].to_numpy(float),
                   run.crs)
    ci, cj = np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64)
    cell = pd.Series([key.get((i, j)) for i, j in zip(ci, cj, strict=True)], dtype=object)
    times = pd.to_datetime(events["time"]).reset_index(drop=True)
    rows = {}
    for label, window in run.periods.items():
        inside = (times >= window.start) & (times < window.end) & cell.notna()
        rows[label] = cell[inside].value_counts()
    return pd.DataFrame(rows).T.fillna(0)


def write_place_audit(audit: PlaceAudit, out: Path) -> PlaceAuditFiles:
    """Write places.json, places.csv and report.html into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files = PlaceAuditFiles(out / "places.json", out / "places.csv", out / "report.html")
    files.json.write_text(json.dumps(audit.to_json(), indent=2), encoding="utf-8")
    long = pd.concat([r.table.assign(model=r.model, attribute=r.attribute)
                      for r in audit.results], ignore_index=True)
    write_csv(long, files.csv)
    files.html.write_text(_report(audit), encoding="utf-8")
    return files


def _report(audit: PlaceAudit) -> str:
    flagged = int(flagged_cells((audit.coverage,), audit.cells)[0])
    intro = [html.paragraph(
        f"Place fairness audit of forecast run {audit.run_id}: {audit.cells:,} cells, the top "
        f"{audit.coverage:.1%} ({flagged:,} cells) flagged each period, cells tied at the "
        "cut-off counting by expectation as in the backtest's metrics, attention weighted by "
        f"{audit.weighting}. Area attributes from {audit.attribute_source}."),
        html.note("Shares compare where the forecast sends attention with where crime was "
                  "recorded and where people live. Recorded crime is itself shaped by past "
                  "policing, so matching it is not proof of fairness."),
        *[html.note(n, warn=True) for n in audit.notes]]
    if audit.cells_outside_areas:
        intro.append(html.note(f"{audit.cells_outside_areas:,} cells have their centre outside "
                               "every reference area: group '(no area)'.", warn=True))
    sections = []
    for i, r in enumerate(audit.results):
        s = html.Section(f"{r.model}: by {r.attribute}", f"r{i}")
        for label, d in (("recorded crime", r.disparity_crime),
                         ("residents", r.disparity_residents)):
            if d is not None:
                chance = ("" if d.chance is None else
                          f" Chance alone reaches {d.chance:.3f} with this many crimes: an "
                          "index at or below that is no evidence of disproportion.")
                s.add(html.paragraph(
                    f"Disparity index against {label}: {d.estimate:.3f} (95% interval over "
                    f"periods {d.low:.3f} to {d.high:.3f}): the share of attention that would "
                    f"have to move for attention to be in proportion to {label}.{chance}"))
        s.add(html.table(r.table, float_format="{:.3f}"))
        s.add(html.svg_figure(_shares_chart(r.table, r.attribute),
                              caption=f"Shares by {r.attribute}"))
        s.add(html.paragraph("Concentration by period"))
        s.add(html.table(r.concentration, float_format="{:.3f}"))
        sections.append(s)
    return html.page(f"Place fairness audit: run {audit.run_id}", sections, intro=intro,
                     footer="crimeplan audit places")


def _shares_chart(table: pd.DataFrame, attribute: str) -> plt.Figure:
    columns = [c for c in ("attention_share", "flagged_share", "crime_share", "resident_share")
               if c in table.columns]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    width = 0.8 / len(columns)
    positions = np.arange(len(table))
    for n, column in enumerate(columns):
        ax.bar(positions + n * width, table[column].fillna(0), width, label=column)
    ax.set_xticks(positions + 0.4 - width / 2, table["group"])
    ax.set_xlabel(attribute)
    ax.set_ylabel("share")
    ax.legend(fontsize=7)
    return fig
