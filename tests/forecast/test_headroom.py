"""Headroom oracles: leave-one-out and nearby means by hand, oracle scores against evaluate."""

import numpy as np
import pandas as pd
import pytest

from crimeplan.forecast.grid import Grid
from crimeplan.forecast.headroom import (
    MIX_WEIGHTS,
    headroom,
    long_run_mean,
    nearby_periods,
    other_periods,
)
from crimeplan.forecast.metrics import evaluate


def test_other_periods_by_hand():
    counts = np.array([[1, 0], [3, 2], [2, 4]])
    assert other_periods(counts).tolist() == [[2.5, 3.0], [1.5, 2.0], [2.0, 1.0]]


def test_nearby_periods_by_hand():
    counts = np.array([[1.0], [2.0], [4.0], [8.0]])
    # ±1: the neighbours only, one at each end of the window
    assert nearby_periods(counts, 1)[:, 0].tolist() == [2.0, 2.5, 5.0, 4.0]
    # ±3 covers the whole window: the same as every other period
    assert np.allclose(nearby_periods(counts, 3), other_periods(counts))


def test_a_stable_hotspot_gives_the_oracle_a_pai_of_four():
    # 4 cells, 1% -> 1 cell flagged. Every crime is in cell 0 in both periods, so the oracle
    # (the other period) flags it: hit rate 1, PAI 1 / (1/4) = 4. Naive forecasts all zeros
    # before any crime: 4 tied cells share 1 place, capturing 2 * 1/4 per period: PAI 1.
    observed = np.array([[2.0, 0, 0, 0], [2.0, 0, 0, 0]])
    naive = np.zeros((2, 4))
    room = headroom(observed, {"naive": evaluate(naive, observed, (0.25,))}, {"naive": naive},
                    np.zeros(4))
    assert room is not None
    assert room.baseline == ("naive",) and room.baseline_pai == pytest.approx((1.0,))
    first = room.oracles[0]
    assert first.name == "other test periods only"
    assert first.pai == pytest.approx((4.0,)) and first.ratio == pytest.approx((4.0,))
    assert room.best_ratio() == pytest.approx((4.0,))


def test_weights_are_the_best_on_the_test_periods_and_the_model_is_mixed_in():
    rng = np.random.default_rng(3)
    lam = rng.gamma(0.5, 1.0, 300)
    observed = rng.poisson(lam, (12, 300)).astype(float)
    long_run = lam * rng.uniform(0.5, 1.5, 300)
    model = np.broadcast_to(lam, observed.shape) + rng.normal(0, 0.05, observed.shape)
    forecasts = {"historical-mean": np.broadcast_to(long_run, observed.shape),
                 "learned": model}
    cov = (0.01, 0.05, 0.1)
    evaluations = {m: evaluate(f, observed, cov) for m, f in forecasts.items()}
    room = headroom(observed, evaluations, forecasts, long_run, select=(0.01, 0.05))
    names = [o.name for o in room.oracles]
    assert names[0] == "other test periods only"
    assert names[-1].endswith(" x learned")
    assert len(names) == 4  # 12 periods: ±4 fits (12 > 8), ±13 does not

    others = other_periods(observed)

    def merit(scores):
        pai = evaluate(scores, observed, cov).pooled("pai")
        return pai[0] + pai[1]

    best_w = max(MIX_WEIGHTS, key=lambda w: merit(others + w * long_run))
    assert names[1] == f"other periods + {best_w:g} x long-run"
    base = evaluate(forecasts["historical-mean"], observed, cov).pooled("pai")
    mixed = evaluate(others + best_w * long_run, observed, cov).pooled("pai")
    assert room.oracles[1].pai == pytest.approx(tuple(mixed))
    assert room.oracles[1].ratio == pytest.approx(tuple(mixed / base))


def test_no_headroom_without_two_periods_or_a_baseline():
    observed = np.ones((1, 4))
    naive = {"naive": np.zeros((1, 4))}
    scored = {"naive": evaluate(naive["naive"], observed)}
    assert headroom(observed, scored, naive, np.zeros(4)) is None
    three = np.ones((3, 4))
    learned = {"learned": np.zeros((3, 4))}
    assert headroom(three, {"learned": evaluate(learned["learned"], three)}, learned,
                    np.zeros(4)) is None


def test_long_run_mean_uses_only_the_past():
    grid = Grid.from_extent(np.array([0.0, 199.0]), np.array([0.0, 99.0]), 100, "EPSG:27700")
    events = pd.DataFrame({"time": pd.to_datetime(["2020-01-01", "2020-01-08", "2020-01-15"]),
                           "x": [10.0, 10.0, 150.0], "y": [10.0, 10.0, 10.0]})
    # two whole weeks before 2020-01-15, two events in cell 0: one a week; the later event
    # in the other cell is at the cut-off and not seen
    mean = long_run_mean(events, grid, pd.Timestamp("2020-01-15"), "1W")
    assert mean.tolist() == [1.0, 0.0]
