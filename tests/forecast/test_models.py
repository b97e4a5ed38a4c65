"""Each model against hand-computed cases, and the learned model on the repo's real sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from crimeplan.forecast.features import (
    FeatureSpec,
    category_features,
    history,
    long_run_prior,
)
from crimeplan.forecast.grid import BNG, Grid, default_crs, project
from crimeplan.forecast.metrics import evaluate
from crimeplan.forecast.models import make_model
from crimeplan.forecast.models.ensemble import simplex
from crimeplan.forecast.periods import period_counts, period_starts

SAMPLE = (Path(__file__).resolve().parents[2] / "data" / "sample" / "chicago"
          / "chicago_aggravated_assaults_2018_2019.csv.gz")
LINE = Grid.from_boundary(shapely.box(0, 0, 300, 100), 100.0, BNG)  # three cells in a row


def frame(times: list[str], xs: list[float]) -> pd.DataFrame:
    time = pd.to_datetime(times, format="ISO8601")
    return pd.DataFrame({"time": time, "x": xs, "y": [50.0] * len(xs)})


def test_naive_counts_the_last_period():
    ev = frame(["2021-03-01", "2021-03-20", "2021-03-25", "2021-03-31 23:59"], [50, 50, 150, 250])
    assert make_model("naive").fit(ev, "2021-04-01").predict(LINE, "1W").tolist() == [0, 1, 1]
    assert make_model("naive").fit(ev, "2021-04-01").predict(LINE, "1M").tolist() == [2, 1, 1]


def test_historical_mean_over_the_window_and_all_past_mean():
    months = ["2021-01-01", "2021-02-01", "2021-02-01", "2021-03-01", "2021-03-01", "2021-03-01"]
    ev = frame(months, [50, 50, 150, 150, 150, 250])
    hist = make_model("historical-mean", window=2).fit(ev, "2021-04-01").predict(LINE, "1M")
    assert hist.tolist() == pytest.approx([0.5, 1.5, 0.5])  # February and March
    allp = make_model("all-past-mean").fit(ev, "2021-04-01").predict(LINE, "1M")
    assert allp.tolist() == pytest.approx([2 / 3, 1.0, 1 / 3])


def test_kde_spreads_symmetrically_and_reads_as_expected_counts():
    grid = Grid.from_boundary(shapely.box(-1000, -1000, 1100, 1100), 100.0, BNG)
    ev = frame(["2021-03-29"] * 4, [50.0] * 4).assign(y=50.0)
    scores = make_model("kde", bandwidth=100.0).fit(ev, "2021-04-05").predict(grid, "1W")
    assert scores.sum() == pytest.approx(4.0)  # four events in the last week
    at = {(int(i), int(j)): s for i, j, s in zip(grid.i, grid.j, scores, strict=True)}
    assert at[(0, 0)] == max(scores)
    assert at[(1, 0)] == pytest.approx(at[(-1, 0)]) == pytest.approx(at[(0, 1)])
    # one-dimensional Gaussian mass of a 100 m cell centred on the event, sd 100 m: 0.3829;
    # binning on 50 m pixels blurs it by a few per cent
    assert at[(0, 0)] / scores.sum() == pytest.approx(0.3829**2, rel=0.05)


def test_prospective_weights_by_distance_and_elapsed_weeks():
    grid = Grid.from_boundary(shapely.box(0, 0, 500, 100), 100.0, BNG)
    # one event this week in cell 0, one event two weeks ago in cell 4
    ev = frame(["2021-03-30", "2021-03-18"], [50.0, 450.0])
    model = make_model("prospective", bandwidth=250.0, weeks=4).fit(ev, "2021-04-05")
    risk = model.predict(grid, "1W")
    # cell 0: 1 (own) ; cell 1: 1/2 ; cell 2: 1/3 + (1/3)(1/3) ; cell 3: (1/3)(1/2) ; cell 4: 1/3
    raw = np.array([1.0, 0.5, 1 / 3 + 1 / 9, 1 / 6, 1 / 3])
    assert risk / risk[0] == pytest.approx(raw / raw[0])


def test_ensemble_of_one_member_is_that_member(events, grid):
    one = make_model("ensemble", members=("kde",), windows=2).fit(events, "2021-06-07")
    kde = make_model("kde").fit(events, "2021-06-07")
    assert np.allclose(one.predict(grid, "1W"), kde.predict(grid, "1W"))
    assert one.weights_ == {"kde": 1.0}


def test_ensemble_weights_come_from_the_grid_and_sum_to_one(events, grid):
    model = make_model("ensemble", members=("naive", "all-past-mean"), windows=3, step=0.5)
    model.fit(events, "2021-06-07").predict(grid, "1W")
    assert sum(model.weights_.values()) == pytest.approx(1.0)
    assert set(model.weights_.values()) <= {0.0, 0.5, 1.0}
    assert simplex(3, 0.5).tolist() == [[0, 0, 1], [0, 0.5, 0.5], [0, 1, 0], [0.5, 0, 0.5],
                                         [0.5, 0.5, 0], [1, 0, 0]]


def test_learned_model_finds_the_generated_hotspots(events, grid, hotspots):
    scores = make_model("learned").fit(events, "2021-06-07").predict(grid, "1W")
    top = np.argsort(-scores)[:6]
    cx, cy = grid.centres()
    d = np.hypot(cx[top, None] - hotspots[:, 0], cy[top, None] - hotspots[:, 1]).min(axis=1)
    assert np.all(d < 150)


def test_learned_target_category_uses_other_events_as_context(events, grid):
    model = make_model("learned", target="residence").fit(events, "2021-06-07")
    scores = model.predict(grid, "1W")
    weekly = (events["category"] == "residence").sum() / 30
    assert scores.sum() == pytest.approx(weekly, rel=0.5)
    with pytest.raises(ValueError, match="category"):
        make_model("learned", target="street").fit(events.drop(columns="category"),
                                                   "2021-06-07").predict(grid, "1W")


@pytest.fixture(scope="module")
def chicago_sample() -> tuple[pd.DataFrame, Grid]:
    raw = pd.read_csv(SAMPLE)
    crs = default_crs(raw["longitude"].to_numpy(), raw["latitude"].to_numpy())
    x, y = project(raw["longitude"].to_numpy(), raw["latitude"].to_numpy(), crs)
    events = pd.DataFrame({"time": pd.to_datetime(raw["date"]), "x": x, "y": y,
                           "category": raw["loc_cat"].astype(str)})
    return events, Grid.from_extent(x, y, 300.0, crs)


def test_learned_without_categories_on_the_real_chicago_sample(chicago_sample):
    """Points loaded with no category column hold None: the learned model forecasts them, with
    no category features, exactly as events with no category column at all."""
    events, grid = chicago_sample
    uncategorised = events.assign(category=None)
    model = make_model("learned", anchors=13, n_estimators=20)
    scores = model.fit(uncategorised, "2019-06-03").predict(grid, "1W")
    same = model.clone().fit(events.drop(columns="category"), "2019-06-03").predict(grid, "1W")
    np.testing.assert_array_equal(scores, same)
    week = ((events["time"] >= "2019-06-03") & (events["time"] < "2019-06-10")).sum()
    assert np.isfinite(scores).all() and scores.min() > 0
    assert scores.sum() == pytest.approx(week, rel=0.2)  # the week's 359 assaults


def test_category_features_skip_missing_categories():
    ev = frame(["2021-01-01"] * 4, [50, 50, 150, 250]).assign(category=["a", None, "b", "a"])
    rows, names = category_features(ev, LINE, FeatureSpec(categories=6))
    assert names == ["cat_a_s1", "cat_b_s1", "cat_a_s3", "cat_b_s3"]
    np.testing.assert_allclose(rows[:2], [[1, 0, 1], [0, 1, 0]])  # the None event counts nowhere
    np.testing.assert_allclose(rows[2:], [[1, 2, 1], [1, 1, 1]])  # 3x3 sums along the line
    rows, names = category_features(ev.assign(category=None), LINE, FeatureSpec())
    assert rows.shape == (0, 3) and names == []


def test_models_beat_chance_on_the_real_chicago_sample(chicago_sample):
    """Four weeks of mid-2019 from the repo's sample: long-run models concentrate crime."""
    events, grid = chicago_sample
    start, week = pd.Timestamp("2019-06-03"), pd.DateOffset(days=7)
    starts = period_starts(start + week * 3, week, 3)
    counts = np.array([period_counts(events, grid, s + week, week, 1)[0] for s in starts])
    pai = {}
    for name in ("naive", "all-past-mean", "learned"):
        scores = np.array([make_model(name).fit(events, s).predict(grid, week) for s in starts])
        pai[name] = evaluate(scores, counts).pooled("pai")
    assert counts.sum() > 500
    assert pai["all-past-mean"][3] > 4 and pai["learned"][3] > 4  # 5% coverage
    assert pai["all-past-mean"][3] > pai["naive"][3]


def test_feature_history_windows_and_time_since_last_event():
    months = ["2021-01-01", "2021-01-01", "2021-03-01", "2021-04-01"]
    ev = frame(months, [50, 150, 50, 50])
    hist = history(ev, LINE, pd.Timestamp("2021-05-01"), pd.DateOffset(months=1))
    assert hist.n_periods == 4 and hist.year == 12
    assert hist.window_mean(4, 2).tolist() == [1.0, 0.0, 0.0]  # March and April
    assert hist.window_mean(4, 99).tolist() == [0.75, 0.25, 0.0]
    assert hist.since_last(4).tolist() == [1.0, 4.0, 5.0]  # last in April, January, never
    assert np.isnan(hist.last_year(4)).all()  # no year of history yet
    # half-life one month: April weighs 1, March 1/2, February 1/4, January 1/8 (sum 15/8)
    assert hist.decayed_mean(4, 1) == pytest.approx([(1 + 0.5 + 0.125) / 1.875,
                                                     0.125 / 1.875, 0.0])
    assert hist.decayed_mean(2, 1) == pytest.approx([0.5 / 1.5, 0.5 / 1.5, 0.0])  # Jan, Feb
    assert hist.decayed_mean(0, 1).tolist() == [0.0, 0.0, 0.0]  # nothing before the first
    prior = long_run_prior(LINE, hist, 4)
    floor = 1 / 3 * 0.1  # a tenth of the mean cell's long-run count
    assert prior == pytest.approx([0.75 + 0.1 * 1.0 / 9 + floor, 0.25 + 0.1 * 1.0 / 9 + floor,
                                   0.1 * 0.25 / 9 + floor])
