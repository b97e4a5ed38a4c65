"""Metrics against hand-computed tiny cases and hypothesis properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crimeplan.forecast.metrics import (
    best_possible,
    captured,
    compare,
    evaluate,
    flag_shares,
    flagged_cells,
    poisson_deviance,
)

SCORES = np.array([3.0, 2.0, 2.0, 2.0, 1.0])
COUNTS = np.array([1.0, 0.0, 3.0, 0.0, 5.0])


def test_ties_at_cut_off_count_by_expectation():
    # top cell holds 1; one place left for three tied cells holding 3 crimes: 3 * 1/3 = 1
    assert captured(SCORES, COUNTS, np.array([1, 2, 3, 4, 5])).tolist() == [1, 2, 3, 4, 9]


def test_flag_shares_split_the_places_left_among_tied_cells():
    # k=2: the top cell, and one place for three cells tied at 2.0; k=5: every cell
    shares = flag_shares(SCORES, np.array([2, 5]))
    np.testing.assert_allclose(shares, [[1, 1 / 3, 1 / 3, 1 / 3, 0], [1, 1, 1, 1, 1]])
    # a naive forecast: two cells with crime last period, eight zeros; k=4 flags 4 cells, not 10
    naive = np.array([3.0, 1.0] + [0.0] * 8)
    np.testing.assert_allclose(flag_shares(naive, np.array([4]))[0], [1, 1] + [0.25] * 8)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=6), st.data())
def test_flag_shares_are_the_flagging_chances_over_every_order_of_ties(values, data):
    scores = np.array(values, float)
    k = data.draw(st.integers(1, len(values)))
    shares = flag_shares(scores, np.array([k]))[0]
    # break ties by every order in turn: a cell is flagged when among the k first
    flagged = np.zeros(len(values))
    orders = list(itertools.permutations(range(len(values))))
    for p in orders:
        top = np.argsort(-(scores + np.array(p) * 1e-3), kind="stable")[:k]
        flagged[top] += 1
    np.testing.assert_allclose(shares, flagged / len(orders))
    assert shares.sum() == pytest.approx(k)


def test_hand_computed_hit_rate_pai_pei():
    ev = evaluate(SCORES[None], COUNTS[None], coverage=(0.4,))
    assert ev.area_share.tolist() == [0.4]
    assert ev.hit_rate[0, 0] == pytest.approx(2 / 9)
    assert ev.pai[0, 0] == pytest.approx((2 / 9) / 0.4)
    assert ev.n_star[0, 0] == 8  # cells holding 5 and 3
    assert ev.pei[0, 0] == pytest.approx(2 / 8)


def test_pooled_is_ratio_of_sums_over_periods():
    scores = np.array([[1.0, 0.0], [0.0, 1.0]])
    counts = np.array([[2.0, 2.0], [0.0, 4.0]])
    ev = evaluate(scores, counts, coverage=(0.5,))
    assert ev.hit_rate[:, 0].tolist() == [0.5, 1.0]
    assert ev.pooled("hit_rate")[0] == pytest.approx(6 / 8)
    assert ev.pooled("pai")[0] == pytest.approx(1.5)
    assert ev.pooled("pei")[0] == pytest.approx(6 / 6)


def test_flagged_cells_round_to_nearest_whole_cell_at_least_one():
    assert flagged_cells((0.005, 0.01, 0.05, 1.0), 1000).tolist() == [5, 10, 50, 1000]
    assert flagged_cells((0.001,), 100).tolist() == [1]
    with pytest.raises(ValueError, match="coverage"):
        flagged_cells((0.0,), 10)


def test_poisson_deviance_hand_computed():
    # cell 1: y=2, mu=1 -> 2*(2 ln 2 - 1); cell 2: y=0, mu=0.5 -> 2*0.5
    expected = (2 * (2 * np.log(2) - 1) + 1.0) / 2
    assert poisson_deviance(np.array([1.0, 0.5]), np.array([2.0, 0.0])) == pytest.approx(expected)
    assert poisson_deviance(np.array([3.0, 1.0]), np.array([3.0, 1.0])) == pytest.approx(0.0)


def test_bootstrap_interval_contains_the_estimate_and_is_seeded():
    rng = np.random.default_rng(1)
    counts = rng.poisson(1.0, size=(20, 50)).astype(float)
    scores = counts + rng.normal(0, 1, size=counts.shape)
    ev = evaluate(scores, counts)
    a = ev.bootstrap("pai", n_boot=200, seed=3)
    assert a == ev.bootstrap("pai", n_boot=200, seed=3)
    for iv in a:
        assert iv.low <= iv.estimate <= iv.high


def test_compare_paired_ratio_of_a_model_with_itself_is_one():
    rng = np.random.default_rng(2)
    counts = rng.poisson(1.0, size=(10, 40)).astype(float)
    ev = evaluate(rng.random((10, 40)), counts)
    cmp = compare(ev, ev, n_boot=100)
    assert all(iv.estimate == iv.low == iv.high == 1.0 for iv in cmp.ratio)


def test_mismatched_shapes_are_rejected():
    with pytest.raises(ValueError, match="shape"):
        evaluate(np.zeros((2, 3)), np.zeros((2, 4)))


cells = st.integers(min_value=2, max_value=60)


@st.composite
def forecasts(draw):
    n = draw(cells)
    scores = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), float)
    counts = np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)), float)
    return scores, counts


@settings(max_examples=80, deadline=None)
@given(forecasts())
def test_hit_rate_monotone_in_coverage_and_pei_at_most_one(fc):
    scores, counts = fc
    ev = evaluate(scores[None], counts[None], coverage=np.linspace(0.01, 1.0, 25))
    n = ev.n[0]
    assert np.all(np.diff(n) >= -1e-9)
    assert np.all(n <= ev.n_star[0] + 1e-9)
    assert n[-1] == pytest.approx(counts.sum())


@settings(max_examples=80, deadline=None)
@given(forecasts(), st.randoms(use_true_random=False))
def test_captured_is_invariant_to_the_order_of_cells(fc, rnd):
    scores, counts = fc
    perm = np.arange(len(scores))
    rnd.shuffle(perm)
    k = np.arange(1, len(scores) + 1)
    assert np.allclose(captured(scores, counts, k), captured(scores[perm], counts[perm], k))


@settings(max_examples=40, deadline=None)
@given(forecasts().filter(lambda fc: len(fc[0]) <= 6))
def test_ties_equal_the_average_over_every_order_of_tied_cells(fc):
    scores, counts = fc
    k = np.arange(1, len(scores) + 1)
    # break ties by every order in turn (a rank added below the smallest score gap)
    orders = [captured(scores + np.array(p) * 1e-3, counts, k)
              for p in itertools.permutations(range(len(scores)))]
    assert np.allclose(np.mean(orders, axis=0), captured(scores, counts, k))


def test_best_possible_takes_the_largest_counts():
    best = best_possible(np.array([0.0, 4.0, 1.0, 7.0]), np.array([1, 2, 4]))
    assert best.tolist() == [7, 11, 12]
