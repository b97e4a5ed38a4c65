"""Gi* against hand computation, Benjamini–Hochberg against a worked example, classes over time."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from crimeplan.forecast.grid import Grid
from crimeplan.forecast.hotspots import (
    NOT_HOT,
    benjamini_hochberg,
    classify,
    gi_star,
    hot_spots,
    hotspot_history,
    queen_weights,
)


def grid_3x3() -> Grid:
    ii, jj = np.meshgrid(np.arange(3), np.arange(3))
    return Grid("EPSG:27700", 100.0, ii.ravel(), jj.ravel())


def counts_at(grid: Grid, values: dict[tuple[int, int], float]) -> np.ndarray:
    out = np.zeros(grid.n_cells)
    for (i, j), v in values.items():
        out[(grid.i == i) & (grid.j == j)] = v
    return out


def z_at(grid: Grid, z: np.ndarray, i: int, j: int) -> float:
    return float(z[(grid.i == i) & (grid.j == j)][0])


def test_queen_weights_count_self_and_neighbours():
    grid = grid_3x3()
    w = queen_weights(grid)
    sums = np.asarray(w.sum(axis=1)).ravel()
    assert sums[(grid.i == 1) & (grid.j == 1)][0] == 9  # centre: itself and eight neighbours
    assert sums[(grid.i == 0) & (grid.j == 0)][0] == 4  # corner
    assert sums[(grid.i == 1) & (grid.j == 0)][0] == 6  # edge


def test_gi_star_matches_hand_computation_on_3x3():
    # Counts 6 at (0,0), 3 at (1,0), 0 elsewhere: n = 9, mean 1, S = sqrt(45/9 - 1) = 2.
    grid = grid_3x3()
    z = gi_star(counts_at(grid, {(0, 0): 6, (1, 0): 3}), queen_weights(grid))
    # (0,0): W=4, local 9 -> (9-4) / (2*sqrt((36-16)/8)) = 5/sqrt(10) = sqrt(10)/2
    assert z_at(grid, z, 0, 0) == pytest.approx(np.sqrt(10) / 2)
    # (1,0): W=6, local 9 -> 3 / (2*sqrt((54-36)/8)) = 3/3 = 1
    assert z_at(grid, z, 1, 0) == pytest.approx(1.0)
    # (2,2): W=4, local 0 -> -4 / sqrt(10)
    assert z_at(grid, z, 2, 2) == pytest.approx(-4 / np.sqrt(10))
    # centre: its neighbourhood is the whole grid, so nothing can stand out (zero variance)
    assert z_at(grid, z, 1, 1) == 0.0


def test_gi_star_single_peak_hand_values():
    # 9 at the centre: corner z = 5/sqrt(20) = sqrt(5)/2, edge z = 3/sqrt(18) = 1/sqrt(2)
    grid = grid_3x3()
    z = gi_star(counts_at(grid, {(1, 1): 9}), queen_weights(grid))
    assert z_at(grid, z, 0, 0) == pytest.approx(np.sqrt(5) / 2)
    assert z_at(grid, z, 0, 1) == pytest.approx(1 / np.sqrt(2))


def test_gi_star_constant_counts_are_zero():
    grid = grid_3x3()
    assert np.all(gi_star(np.full(9, 4.0), queen_weights(grid)) == 0)


def test_benjamini_hochberg_worked_example():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.20])
    # sorted 0.005, 0.01, 0.03, 0.04, 0.20; m p/k = 0.025, 0.025, 0.05, 0.05, 0.20
    q = benjamini_hochberg(p)
    np.testing.assert_allclose(q, [0.025, 0.05, 0.05, 0.025, 0.20])
    assert (q <= 0.05).sum() == 4
    assert list(np.nonzero(q <= 0.04)[0]) == [0, 3]


def test_benjamini_hochberg_step_up():
    # p_(3) = 0.021 <= 3*0.05/4 rescues p_(1), p_(2): q = 0.028 for all three
    q = benjamini_hochberg(np.array([0.01, 0.02, 0.021, 0.5]))
    np.testing.assert_allclose(q, [0.028, 0.028, 0.028, 0.5])


@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.floats(0.001, 0.5))
def test_benjamini_hochberg_rejects_as_the_step_up_rule(ps, alpha):
    p = np.array(ps)
    q = benjamini_hochberg(p)
    assert np.all(q >= p - 1e-12)
    assert np.all(q <= 1)
    m = len(p)
    ordered = np.sort(p)
    thresholds = np.arange(1, m + 1) * alpha / m
    # p-values within rounding of their threshold can fall either way in floating point
    assume(np.all(np.abs(ordered - thresholds) > 1e-9))
    passing = np.nonzero(ordered <= thresholds)[0]
    expected = 0 if len(passing) == 0 else passing[-1] + 1
    assert (q <= alpha).sum() == expected


def test_hot_spots_find_a_cluster_and_not_a_flat_field():
    ii, jj = np.meshgrid(np.arange(10), np.arange(10))
    grid = Grid("EPSG:27700", 100.0, ii.ravel(), jj.ravel())
    counts = np.ones(grid.n_cells)
    cluster = (grid.i >= 4) & (grid.i <= 5) & (grid.j >= 4) & (grid.j <= 5)
    counts[cluster] = 20
    result = hot_spots(counts, queen_weights(grid), alpha=0.05)
    assert result.hot[cluster].all()
    far = (grid.i <= 1) | (grid.i >= 8) | (grid.j <= 1) | (grid.j >= 8)
    assert not result.hot[far].any()
    assert not hot_spots(np.ones(grid.n_cells), queen_weights(grid)).hot.any()


def test_classify_by_definition():
    # columns: new, persistent (10/10), persistent missing the latest (9/10), intermittent,
    # diminishing, never hot
    hot = np.zeros((10, 6), bool)
    hot[-1, 0] = True
    hot[:, 1] = True
    hot[:-1, 2] = True
    hot[[2, 5, 9], 3] = True
    hot[[1, 3], 4] = True
    assert list(classify(hot)) == ["new", "persistent", "persistent", "intermittent",
                                   "diminishing", NOT_HOT]


def test_classify_needs_periods():
    with pytest.raises(ValueError):
        classify(np.zeros((0, 3), bool))


def test_hotspot_history_aligns_periods():
    grid = grid_3x3()
    counts = np.zeros((2, 9))
    with pytest.raises(ValueError, match="periods × grid cells"):
        hotspot_history(grid, counts, ["a"])
    history = hotspot_history(grid, counts, ["a", "b"])
    assert history.hot.shape == (2, 9)
    assert set(history.classes) == {NOT_HOT}
