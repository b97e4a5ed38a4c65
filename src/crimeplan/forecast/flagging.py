"""How much of the study area a forecast flags: a share of its cells, or an absolute area.

The US National Institute of Justice's Real-Time Crime Forecasting Challenge (2016-17) set the
flagged area as an absolute area (0.25 to 0.75 square miles, cells of 250 to 600 feet); most
hotspot studies give a share of the study area. An area becomes a whole number of cells from
the grid's cell area in square metres (the CRS's own unit converted with pyproj, so a grid in
US survey feet works): the nearest whole number, at least one and at most every cell, the
rule ``metrics.flagged_cells`` applies to shares. The flagged area is then within half a cell
of the area asked for; the number of cells and the area actually flagged are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from crimeplan.forecast.grid import Grid
from crimeplan.forecast.metrics import flagged_cells

#: Square metres per unit of area (international mile and foot).
AREA_UNITS = {"m2": 1.0, "km2": 1e6, "mi2": 1609.344**2, "ft2": 0.3048**2}
_AREA = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(m2|km2|mi2|ft2)\s*$", re.IGNORECASE)


def parse_area(text: str) -> float:
    """An area such as ``0.25mi2``, ``0.6km2``, ``250000ft2`` or ``5000m2`` in square metres."""
    match = _AREA.match(str(text))
    value = float(match.group(1)) if match else 0.0
    if not match or value <= 0:
        raise ValueError(f"area {text!r}: give a positive number and a unit, one of "
                         f"{', '.join(AREA_UNITS)} (e.g. 0.25mi2, 0.6km2)")
    return value * AREA_UNITS[match.group(2).lower()]


def area_cells(area_m2: float, grid: Grid) -> int:
    """Cells flagged for an area: the nearest whole number of cells, at least one, at most all."""
    return int(np.clip(np.floor(area_m2 / grid.cell_area + 0.5), 1, grid.n_cells))


@dataclass(frozen=True)
class FlagLevel:
    """One flagging level: its label (``1%`` or ``0.25mi2``), cells flagged and their share."""

    label: str
    cells: int
    coverage: float  # share of the study area's cells flagged

    def to_dict(self, grid: Grid) -> dict[str, object]:
        return {"label": self.label, "coverage": self.coverage, "cells": self.cells,
                "area_km2": self.cells * grid.cell_area / 1e6}


def flag_levels(grid: Grid, coverage: tuple[float, ...] = (),
                areas: tuple[str, ...] = ()) -> list[FlagLevel]:
    """Levels from shares of the study area and from areas (``parse_area``), in that order.

    An area's share is its cells over the grid's, so scoring it as a coverage level flags
    exactly those cells."""
    levels = [FlagLevel(f"{c * 100:g}%", int(k), float(c))
              for c, k in zip(coverage, flagged_cells(coverage, grid.n_cells), strict=True)
              ] if coverage else []
    for text in areas:
        k = area_cells(parse_area(text), grid)
        levels.append(FlagLevel(str(text).strip().replace(" ", ""), k, k / grid.n_cells))
    return levels
