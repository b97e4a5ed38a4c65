"""Grids follow the contract: cells at multiples of the cell size, stable ids, vectorised lookup."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from crimeplan.forecast.grid import BNG, Grid, default_crs, project


def test_cells_cover_half_open_intervals_at_multiples_of_the_cell_size():
    grid = Grid.from_extent(np.array([-150.0, 449.0]), np.array([0.0, 10.0]), 150.0, "EPSG:32616")
    assert grid.i.tolist() == [-1, 0, 1, 2] and set(grid.j.tolist()) == {0}
    pos = grid.locate(np.array([149.999, 150.0, -0.001, 1e6, np.nan]), np.zeros(5))
    assert grid.i[pos[:3]].tolist() == [0, 1, -1]
    assert pos[3:].tolist() == [-1, -1]
    assert grid.cell_ids.tolist() == ["-1_0", "0_0", "1_0", "2_0"]


def test_same_data_and_cell_size_give_the_same_cells():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(1000, 5000, 300), rng.uniform(-2000, 0, 300)
    a = Grid.from_extent(x, y, 250.0, BNG)
    b = Grid.from_extent(x[::-1], y[::-1], 250.0, BNG)
    assert a == b
    assert np.all(a.locate(x, y) >= 0)
    assert a.counts(x, y).sum() == 300


def test_boundary_keeps_cells_sharing_area_not_those_only_touching():
    square = shapely.box(0, 0, 300, 300)
    grid = Grid.from_boundary(square, 100.0, BNG)
    assert grid.n_cells == 9
    triangle = shapely.Polygon([(0, 0), (300, 0), (0, 300)])
    assert Grid.from_boundary(triangle, 100.0, BNG).n_cells == 6


def test_counts_with_weights_and_points_outside():
    grid = Grid.from_boundary(shapely.box(0, 0, 200, 100), 100.0, BNG)
    counts = grid.counts(np.array([10.0, 20.0, 150.0, 500.0]), np.array([10.0, 20, 50, 50]),
                         weights=np.array([1.0, 2.0, 0.5, 9.0]))
    assert counts.tolist() == [3.0, 0.5]


def test_neighbours_are_queen_pairs_within_the_radius():
    grid = Grid.from_boundary(shapely.box(0, 0, 300, 300), 100.0, BNG)
    a, b = grid.neighbours(1)
    assert len(a) == 4 * 3 + 4 * 5 + 8  # corners, edges, centre
    centre = grid.locate(np.array([150.0]), np.array([150.0]))[0]
    assert np.sum(a == centre) == 8
    assert not np.any(a == b)


def test_raster_round_trip_and_bounds():
    grid = Grid.from_boundary(shapely.Polygon([(0, 0), (300, 0), (0, 300)]), 100.0, BNG)
    values = np.arange(grid.n_cells, dtype=float) + 1
    raster = grid.to_raster(values)
    assert raster.shape == grid.shape == (3, 3)
    assert raster.sum() == values.sum()
    assert np.array_equal(grid.from_raster(raster), values)
    x0, y0, x1, y1 = grid.bounds()
    assert np.all(x1 - x0 == 100) and np.all(y1 - y0 == 100)


def test_default_crs_is_bng_in_the_uk_and_utm_elsewhere():
    assert default_crs(np.array([0.47]), np.array([51.73])) == BNG  # Chelmsford
    assert default_crs(np.array([-87.63]), np.array([41.88])) == "EPSG:32616"  # Chicago
    assert default_crs(np.array([151.2]), np.array([-33.9])) == "EPSG:32756"  # Sydney


def test_project_needs_a_projected_crs():
    x, y = project(np.array([-87.63]), np.array([41.88]), "EPSG:32616")
    assert 440_000 < x[0] < 450_000 and 4_630_000 < y[0] < 4_640_000
    with pytest.raises(ValueError, match="not projected"):
        project(np.array([0.0]), np.array([51.0]), "EPSG:4326")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e5, 1e5), st.floats(-1e5, 1e5)), min_size=1, max_size=40),
       st.sampled_from([50.0, 150.0, 250.0]))
def test_locate_matches_the_contract_formula(points, size):
    x, y = np.array(points).T
    grid = Grid.from_extent(x, y, size, BNG)
    pos = grid.locate(x, y)
    assert np.array_equal(grid.i[pos], np.floor(x / size).astype(int))
    assert np.array_equal(grid.j[pos], np.floor(y / size).astype(int))


def test_grid_units_come_from_the_crs():
    metres = Grid("EPSG:27700", 250.0, np.array([0]), np.array([0]))
    assert (metres.unit, metres.unit_m, metres.cell_area) == ("metre", 1.0, 62500.0)
    feet = Grid("EPSG:3435", 500.0, np.array([0]), np.array([0]))  # Illinois East, US ft
    assert feet.unit == "US survey foot"
    assert feet.unit_m == pytest.approx(1200 / 3937)
    assert feet.cell_size_m == pytest.approx(152.4003048)
    assert feet.cell_area == pytest.approx(152.4003048**2)
    intl = Grid("EPSG:2272", 100.0, np.array([0]), np.array([0]))  # Pennsylvania S, US ft too
    assert intl.unit_m == pytest.approx(0.3048006096)
    with pytest.raises(ValueError, match="not projected"):
        project(np.array([-87.6]), np.array([41.9]), "EPSG:4326")


def test_a_state_plane_grid_in_feet_puts_chicago_points_in_feet_cells():
    # the Chicago Loop (Willis Tower) in Illinois East: about 1,174,000 ft E, 1,899,000 ft N
    x, y = project(np.array([-87.6359]), np.array([41.8789]), "EPSG:3435")
    assert 1.17e6 < x[0] < 1.18e6 and 1.89e6 < y[0] < 1.91e6
    grid = Grid.from_extent(x, y, 500.0, "EPSG:3435")
    assert grid.i.tolist() == [int(x[0] // 500)] and grid.j.tolist() == [int(y[0] // 500)]
    assert grid.bounds()[0][0] == grid.i[0] * 500.0  # cell edges at multiples of 500 ft
