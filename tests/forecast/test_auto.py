"""auto: the choice rule by hand, validation periods, and the runner's shared fits."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from crimeplan.forecast.backtest import SYNCHRONOUS, backtest_periods, run_backtest
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.models import MODELS, make_model
from crimeplan.forecast.models.auto import (
    Auto,
    Candidate,
    choose,
    validation_starts,
    validation_table,
)
from crimeplan.forecast.models.historical_mean import HistoricalMean

LEVELS = (0.25, 0.5)  # of four cells: one cell, then two
OBSERVED = np.array([[5.0, 3.0, 2.0, 0.0]])  # N = 10
CANDIDATES = [Candidate.parse(s) for s in ("historical-mean", "kde", "prospective", "sepp")]


def forecasts(**rows: list[float]) -> dict[str, np.ndarray]:
    return {name.replace("_", "-"): np.array([row], float) for name, row in rows.items()}


def test_candidate_specs_parse_to_models():
    kde = Candidate.parse("kde:bandwidth=100,decay_days=365")
    assert (kde.name, kde.params, kde.baseline) == ("kde", {"bandwidth": 100, "decay_days": 365},
                                                    True)
    assert kde.model().get_params() == {"bandwidth": 100, "decay_days": 365}
    assert not Candidate.parse("learned").baseline
    for bad, message in (("oracle", "unknown model"), ("auto", "unknown model"),
                         ("kde:bandwidth", "name=value"), ("kde:width=3", "width")):
        with pytest.raises(ValueError, match=message):
            Candidate.parse(bad)


def test_a_candidate_that_beats_the_best_baseline_at_every_level_is_chosen():
    # kde flags cell 1 (3 of 10 crimes: PAI 1.2), then cells 1 and 0 (8: PAI 1.6); the
    # historical mean flags the empty cell 3 (PAI 0). prospective flags cell 0 (5: PAI 2.0),
    # then cell 0 and one of the three tied cells by expectation (5 + 5/3: PAI 1.33)
    given = forecasts(historical_mean=[1, 2, 3, 4], kde=[3, 4, 0, 0], prospective=[9, 1, 1, 1])
    choice = choose(CANDIDATES, given, OBSERVED, LEVELS, margin=0.0, every_level=True)
    assert choice.pai["kde"] == pytest.approx((1.2, 1.6))
    assert choice.pai["prospective"] == pytest.approx((2.0, 4 / 3))
    assert choice.reference == "kde"
    # prospective's merit sqrt(2 x 1.33) = 1.633 beats kde's sqrt(1.2 x 1.6) = 1.386, but it
    # is lower at 50%: asked to be no worse at every level, the baseline stays
    assert choice.merit["prospective"] == pytest.approx(np.sqrt(2.0 * 4 / 3))
    assert choice.reason == ("the best baseline on validation: prospective was not better by "
                             "the margin (0%) and at every level")
    blend = choose(CANDIDATES, given, OBSERVED, LEVELS, 0.0)  # the default: the blend alone
    assert blend.chosen == "prospective" and blend.reason == (
        "validated 17.9% better than the best baseline kde (margin 0%)")
    better = forecasts(historical_mean=[1, 2, 3, 4], kde=[3, 4, 0, 0], prospective=[9, 8, 1, 1])
    choice = choose(CANDIDATES, better, OBSERVED, LEVELS, margin=0.0, every_level=True)
    assert choice.pai["prospective"] == pytest.approx((2.0, 1.6))  # cells 0 and 1: 8 of 10
    assert choice.chosen == "prospective"  # sqrt(2 x 1.6) = 1.789: 29% better than kde
    assert choice.reason == ("validated 29.1% better than the best baseline kde (margin 0%) "
                             "and no worse at any level")
    assert choose(CANDIDATES, better, OBSERVED, LEVELS, margin=0.25).chosen == "prospective"
    assert choose(CANDIDATES, better, OBSERVED, LEVELS, margin=0.30).chosen == "kde"


def test_ties_go_to_the_baseline():
    same = forecasts(historical_mean=[1, 2, 3, 4], kde=[3, 4, 0, 0], prospective=[3, 4, 0, 0])
    choice = choose(CANDIDATES, same, OBSERVED, LEVELS, 0.0)
    assert choice.merit["prospective"] == choice.merit["kde"] and choice.chosen == "kde"


def test_without_validation_data_the_simplest_baseline_is_used():
    given = forecasts(historical_mean=[1, 2, 3, 4], kde=[3, 4, 0, 0], prospective=[9, 8, 1, 1])
    choice = choose(CANDIDATES, given, np.zeros((1, 4)), LEVELS, 0.0)
    assert choice.chosen == "historical-mean" and "no validation data" in choice.reason
    empty = {k: np.zeros((0, 4)) for k in given}
    assert choose(CANDIDATES, empty, np.zeros((0, 4)), LEVELS, 0.0).chosen == "historical-mean"


def test_failed_candidates_are_passed_over_and_recorded():
    given = forecasts(kde=[3, 4, 0, 0], prospective=[9, 8, 1, 1])  # no historical mean, sepp
    choice = choose(CANDIDATES, given, OBSERVED, LEVELS, 0.0)
    assert choice.chosen == "prospective"
    assert choice.passed_over == ("historical-mean", "sepp")
    assert choice.to_dict()["passed_over"] == ["historical-mean", "sepp"]
    with pytest.raises(ValueError, match="no candidate"):
        choose(CANDIDATES, {}, OBSERVED, LEVELS, 0.0)
    # no baseline among the candidates: the best on validation
    only = [Candidate.parse("prospective"), Candidate.parse("sepp")]
    pick = choose(only, forecasts(prospective=[9, 1, 1, 1], sepp=[9, 8, 1, 1]), OBSERVED,
                  LEVELS, 0.0)
    assert (pick.chosen, pick.reference) == ("sepp", None)


def test_validation_table_by_hand():
    table = validation_table(forecasts(kde=[3, 4, 0, 0]), OBSERVED, ["2021-01-04"], LEVELS)
    assert table.to_dict("list") == {
        "candidate": ["kde", "kde"], "period": ["2021-01-04"] * 2, "coverage": [0.25, 0.5],
        "n": [3.0, 8.0], "N": [10.0, 10.0], "pai": [1.2, 1.6], "pei": [0.6, 1.0]}


def test_validation_periods_end_at_the_cut_off_and_need_history():
    week = pd.DateOffset(days=7)
    until = pd.Timestamp("2021-03-01")
    starts = validation_starts(until, week, 3, pd.Timestamp("2020-01-01"))
    assert starts == [pd.Timestamp(d) for d in ("2021-02-08", "2021-02-15", "2021-02-22")]
    # only periods with events before them: the first event on 10 February
    assert validation_starts(until, week, 3, pd.Timestamp("2021-02-10")) == starts[1:]
    assert validation_starts(until, week, 3, None) == []
    months = validation_starts(pd.Timestamp("2018-04-01"), pd.DateOffset(months=1), 4,
                               pd.Timestamp("2018-01-01"))
    assert months == [pd.Timestamp("2018-02-01"), pd.Timestamp("2018-03-01")]


class CountingMean(HistoricalMean):
    """A historical mean that records every cut-off it is fitted at (not a baseline)."""

    name = "counting"
    fits: ClassVar[list[pd.Timestamp]] = []

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        CountingMean.fits.append(until)
        super()._fit(events, until)


def small_auto(**params) -> Auto:
    return Auto(**{"candidates": ("historical-mean", "kde", "prospective"), "windows": 3,
                   **params})


def test_the_runner_gives_what_auto_gives_alone(events, grid):
    periods = backtest_periods("2021-06-07", 4, "1W")
    result = run_backtest(events, grid, {"auto": small_auto()}, periods, (0.01, 0.05),
                          SYNCHRONOUS)
    for p, choice in zip(periods, result.choices["auto"], strict=True):
        alone = small_auto().fit(events, p.start)
        np.testing.assert_array_equal(result.forecasts["auto"][p.index],
                                      alone.predict(grid, "1W"))
        assert alone.choice_ == choice
    # every validation period of every test period, scored once per candidate and level
    table = result.validation["auto"]
    assert sorted(table["period"].unique()) == [
        d.strftime("%Y-%m-%d") for d in pd.date_range("2021-05-17", "2021-06-21", freq="7D")]
    assert len(table) == 3 * 6 * 2
    assert result.parameters["auto"]["windows"] == 3


def test_each_candidate_forecast_is_fitted_once_and_shared(events, grid, monkeypatch):
    monkeypatch.setitem(MODELS, "counting", CountingMean)
    monkeypatch.setattr(CountingMean, "fits", [])
    periods = backtest_periods("2021-06-07", 4, "1W")
    auto = small_auto(candidates=("historical-mean", "counting"))
    result = run_backtest(events, grid, {"auto": auto, "counting": CountingMean()}, periods,
                          (0.01, 0.05), SYNCHRONOUS)
    # 3 validation weeks before the first test week, then the 4 test weeks (each also a
    # validation week of the next): 7 fits in all, shared with the plain model of the run
    expected = list(pd.date_range("2021-05-17", periods=7, freq="7D"))
    assert sorted(CountingMean.fits) == expected
    np.testing.assert_array_equal(result.forecasts["counting"],
                                  [CountingMean().fit(events, p.start).predict(grid, "1W")
                                   for p in periods])


def test_auto_on_a_local_cluster_gives_the_synchronous_result(events, grid):
    periods = backtest_periods("2021-06-07", 2, "2W")
    models = {"auto": small_auto(windows=2), "kde": make_model("kde")}
    local = run_backtest(events, grid, models, periods, (0.01, 0.05))
    here = run_backtest(events, grid, models, periods, (0.01, 0.05), SYNCHRONOUS)
    np.testing.assert_array_equal(local.forecasts["auto"], here.forecasts["auto"])
    assert local.choices == here.choices
    assert [p.end for p in periods] == [pd.Timestamp("2021-06-21"), pd.Timestamp("2021-07-05")]


def test_auto_passes_the_unit_and_context_to_its_candidates(events):
    # in feet, with a category forecast and the others as context, as the CLI calls it
    us_foot = 1200 / 3937
    feet = events.assign(x=events["x"] / us_foot, y=events["y"] / us_foot)
    grid = Grid.from_extent(np.array([0.0, 2999.0]) / us_foot,
                            np.array([0.0, 2999.0]) / us_foot, 100 / us_foot, "EPSG:3435")
    auto = small_auto(candidates=("historical-mean", "learned"), windows=2, target="street")
    scores = auto.fit(feet, "2021-06-07", grid.unit_m).predict(grid, "1W")
    street = feet.loc[feet["category"] == "street"]
    chosen = Candidate.parse(auto.choice_.chosen).model()
    if auto.choice_.chosen == "learned":
        chosen.target = "street"
        expected = chosen.fit(feet, "2021-06-07", grid.unit_m).predict(grid, "1W")
    else:
        expected = chosen.fit(street, "2021-06-07", grid.unit_m).predict(grid, "1W")
    np.testing.assert_array_equal(scores, expected)
    assert set(auto.validation_["candidate"]) == {"historical-mean", "learned"}
