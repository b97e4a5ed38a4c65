"""Flagged areas as shares of the study area or as absolute areas (the NIJ challenge's)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crimeplan.forecast.flagging import area_cells, flag_levels, parse_area
from crimeplan.forecast.grid import Grid, project
from crimeplan.forecast.metrics import evaluate

SAMPLE = (Path(__file__).resolve().parents[2] / "data" / "sample" / "chicago"
          / "chicago_aggravated_assaults_2018_2019.csv.gz")


@pytest.fixture(scope="module")
def chicago_feet() -> tuple[Grid, np.ndarray, np.ndarray]:
    """The sample's assaults in Illinois East (EPSG:3435, US survey feet), 500 ft cells."""
    frame = pd.read_csv(SAMPLE)
    x, y = project(frame["longitude"].to_numpy(), frame["latitude"].to_numpy(), "EPSG:3435")
    return Grid.from_extent(x, y, 500.0, "EPSG:3435"), x, y


def test_units_of_area():
    assert parse_area("0.25mi2") == pytest.approx(0.25 * 1609.344**2)
    assert parse_area("0.6 km2") == pytest.approx(600_000.0)
    assert parse_area("250000ft2") == pytest.approx(250_000 * 0.3048**2)
    assert parse_area("5000M2") == 5000.0
    for bad in ("0.25", "mi2", "-1km2", "0km2", "1 acre", "1e3km2"):
        with pytest.raises(ValueError, match="area"):
            parse_area(bad)


def test_a_quarter_square_mile_of_500_ft_cells_is_28_cells(chicago_feet):
    grid = chicago_feet[0]
    # 0.25 mi2 = 647,497 m2; a 500 US-ft cell is 152.4003 m square, 23,225.9 m2: 27.88 cells,
    # rounded to the nearest whole number of cells (the rule of coverage shares)
    assert parse_area("0.25mi2") / grid.cell_area == pytest.approx(27.878, abs=1e-3)
    assert area_cells(parse_area("0.25mi2"), grid) == 28
    assert area_cells(parse_area("0.75mi2"), grid) == 84  # 83.63
    (level,) = flag_levels(grid, areas=("0.25mi2",))
    assert (level.label, level.cells) == ("0.25mi2", 28)
    assert level.coverage == 28 / grid.n_cells
    assert level.to_dict(grid)["area_km2"] == pytest.approx(28 * 0.0232259, rel=1e-4)


def test_area_levels_flag_exactly_their_cells_when_scored(chicago_feet):
    grid, x, y = chicago_feet
    counts = grid.counts(x, y)[None]
    levels = flag_levels(grid, (0.01,), ("0.25mi2", "0.6km2"))
    ev = evaluate(counts, counts, tuple(level.coverage for level in levels))
    assert (ev.area_share * grid.n_cells).round().astype(int).tolist() == [
        level.cells for level in levels]
    # a perfect forecast captures the busiest 28 cells: PEI 1
    assert ev.pei[0, 1] == pytest.approx(1.0)
    assert ev.n[0, 1] == np.sort(counts[0])[::-1][:28].sum()


@given(st.floats(1e-3, 1e9), st.floats(10, 1000))
@settings(max_examples=200, deadline=None)
def test_the_flagged_area_is_within_half_a_cell_of_the_area_asked(area, size):
    grid = Grid("EPSG:27700", size, np.arange(20000) % 200, np.arange(20000) // 200)
    k = area_cells(area, grid)
    assert 1 <= k <= grid.n_cells
    if grid.cell_area <= area <= (grid.n_cells - 1) * grid.cell_area:
        assert abs(k * grid.cell_area - area) <= grid.cell_area / 2 + 1e-6
