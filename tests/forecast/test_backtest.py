"""The backtest runner, its files and report, against a hand-computed case."""

from __future__ import annotations

import inspect
import json
import os
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import psutil
import pytest

from crimeplan.forecast.backtest import (
    SYNCHRONOUS,
    BacktestFailed,
    ModelFailure,
    backtest_periods,
    local_cluster,
    run_backtest,
)
from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.models import make_model
from crimeplan.forecast.models.learned import LearnedGrid
from crimeplan.forecast.outputs import (
    BacktestInfo,
    Comparison,
    best_vs_baseline,
    cell_table,
    ranked_cells,
    write_backtest,
)
from crimeplan.forecast.report import POLICE_UK_NOTE, build_report, verdict
from crimeplan.report.html import esc, external_references

CENTRES = {"A": (50, 50), "B": (150, 50), "C": (50, 150), "D": (150, 150)}


def grid_2x2() -> Grid:
    """Cells A=(0,0), B=(1,0), C=(0,1), D=(1,1) of 100 m."""
    return Grid("EPSG:27700", 100.0, np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1]))


def hand_events() -> pd.DataFrame:
    """Week of 6 Jan 2020: A×3, B×1; of 13 Jan: A, B×2, C; of 20 Jan: B×2, D; then 2021."""
    weeks = {"2020-01-06": "AAAB", "2020-01-13": "ABBC", "2020-01-20": "BBD", "2021-06-01": "AC"}
    rows = []
    for day, cells in weeks.items():
        for n, cell in enumerate(cells):
            x, y = CENTRES[cell]
            rows.append((pd.Timestamp(day) + pd.Timedelta(hours=n + 1), x, y))
    return pd.DataFrame(rows, columns=["time", "x", "y"])


def naive_backtest(scheduler: str | None = SYNCHRONOUS):
    return run_backtest(hand_events(), grid_2x2(), {"naive": make_model("naive")},
                        backtest_periods("2020-01-13", 2, "W"), coverage=(0.25, 0.5),
                        scheduler=scheduler)


class PastOnly(ForecastModel):
    """Fails if handed any event at or after the cut-off; predicts how many events it saw."""

    name = "past-only"

    def __init__(self) -> None:
        pass

    def fit(self, events: pd.DataFrame, until: pd.Timestamp | str,
            unit_m: float = 1.0) -> PastOnly:
        late = events["time"] >= pd.Timestamp(until)
        assert not late.any(), f"runner handed {int(late.sum())} event(s) from {until} on"
        return super().fit(events, until, unit_m)

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        self.seen_ = len(events)

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        return np.full(grid.n_cells, float(self.seen_))


class ContextSpy(PastOnly):
    """Learns from context: records the categories it was handed and the target it was given."""

    name = "context-spy"
    uses_context = True
    target: str | None = None

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        self.seen_ = len(events)
        self.categories_ = sorted(events["category"].unique())
        assert self.target == "x", self.target


def test_context_goes_only_to_models_that_learn_from_it():
    events = hand_events()
    events["category"] = ["x", "y"] * (len(events) // 2) + ["x"] * (len(events) % 2)
    target = events.loc[events["category"] == "x"].reset_index(drop=True)
    periods = backtest_periods("2020-01-13", 3, "W")
    for scheduler in (SYNCHRONOUS, None):
        result = run_backtest(target, grid_2x2(), {"spy": ContextSpy(), "plain": PastOnly()},
                              periods, coverage=(0.25,), scheduler=scheduler,
                              context=events, target="x")
        every = [(events["time"] < p.start).sum() for p in periods]
        only_x = [(target["time"] < p.start).sum() for p in periods]
        np.testing.assert_array_equal(result.forecasts["spy"][:, 0], every)
        np.testing.assert_array_equal(result.forecasts["plain"][:, 0], only_x)
        # scored against the target category only
        assert result.observed.sum() == sum(
            ((target["time"] >= p.start) & (target["time"] < p.end)).sum() for p in periods)


@pytest.fixture(scope="module")
def cluster():
    with local_cluster() as c:
        yield c


def test_periods_by_frequency():
    days = backtest_periods("2020-02-28", 3, "D")
    assert [p.label for p in days] == ["2020-02-28", "2020-02-29", "2020-03-01"]
    weeks = backtest_periods("2018-12-31", 2, "w")
    assert [(p.start, p.end) for p in weeks] == [
        (pd.Timestamp("2018-12-31"), pd.Timestamp("2019-01-07")),
        (pd.Timestamp("2019-01-07"), pd.Timestamp("2019-01-14"))]
    months = backtest_periods("2018-01-01", 3, "M")
    assert [p.label for p in months] == ["2018-01", "2018-02", "2018-03"]
    assert months[1].end == pd.Timestamp("2018-03-01")


@pytest.mark.parametrize(("start", "count", "freq", "message"), [
    ("2018-04-15", 2, "M", "first day of a month"),
    ("2018-04-01", 0, "M", "at least one"),
    ("2018-04-01", 2, "Q", "horizon"),
    ("2018-04-01 12:00", 2, "D", "midnight"),
])
def test_periods_refuse_bad_input(start, count, freq, message):
    with pytest.raises(ValueError, match=message):
        backtest_periods(start, count, freq)


def test_scores_match_hand_computation():
    result = naive_backtest()
    table = result.scores_table()
    assert list(table.columns) == ["model", "period", "coverage", "n", "N", "hit_rate", "pai",
                                   "pei"]
    expected = pd.DataFrame({
        "model": ["naive"] * 4, "period": ["2020-01-13"] * 2 + ["2020-01-20"] * 2,
        "coverage": [0.25, 0.5, 0.25, 0.5],
        # week 2 forecast = week 1 (A3 B1): A catches 1 of 4; A+B catch 3 (best 2, then 3)
        # week 3 forecast = week 2 (A1 B2 C1): B catches 2 of 3; A, C tie for one place: +0
        "n": [1.0, 3.0, 2.0, 2.0], "N": [4.0, 4.0, 3.0, 3.0],
        "hit_rate": [0.25, 0.75, 2 / 3, 2 / 3], "pai": [1.0, 1.5, 8 / 3, 4 / 3],
        "pei": [0.5, 1.0, 1.0, 2 / 3]})
    pd.testing.assert_frame_equal(table, expected)
    np.testing.assert_array_equal(result.observed, [[1, 2, 1, 0], [0, 2, 0, 1]])
    np.testing.assert_array_equal(result.forecasts["naive"], [[3, 1, 0, 0], [1, 2, 1, 0]])
    pooled = result.pooled_table(n_boot=50)
    pai = pooled.set_index("coverage")["pai"]
    assert pai[0.25] == pytest.approx(3 / 7 / 0.25)  # (1 + 2) of (4 + 3) in a quarter
    assert pai[0.5] == pytest.approx(5 / 7 / 0.5)


def test_runner_never_hands_a_model_the_future():
    events = hand_events()
    periods = backtest_periods("2020-01-13", 3, "W")
    result = run_backtest(events, grid_2x2(), {"past-only": PastOnly()}, periods,
                          coverage=(0.25,), scheduler=SYNCHRONOUS)
    seen = [(events["time"] < p.start).sum() for p in periods]  # 4, 8, 11 events
    np.testing.assert_array_equal(result.forecasts["past-only"][:, 0], seen)


def test_local_cluster_gives_the_synchronous_result():
    result = run_backtest(hand_events(), grid_2x2(),
                          {"naive": make_model("naive"), "past-only": PastOnly()},
                          backtest_periods("2020-01-13", 2, "W"), coverage=(0.25, 0.5))
    reference = run_backtest(hand_events(), grid_2x2(),
                             {"naive": make_model("naive"), "past-only": PastOnly()},
                             backtest_periods("2020-01-13", 2, "W"), coverage=(0.25, 0.5),
                             scheduler=SYNCHRONOUS)
    pd.testing.assert_frame_equal(result.scores_table(), reference.scores_table())
    assert result.models == ["naive", "past-only"]


def listening() -> set[tuple[str, int]]:
    """(address, port) of every socket this process listens on."""
    return {(c.laddr.ip, c.laddr.port)
            for c in psutil.Process(os.getpid()).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN}


def http_status(ip: str, port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://{ip}:{port}{path}", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_default_cluster_listens_on_loopback_only_and_serves_no_dashboard():
    before = listening()
    seen: dict[tuple[str, int], dict[str, int]] = {}

    def probe(done: int, total: int) -> None:  # runs while the cluster is up
        for ip, port in listening() - before:
            seen[ip, port] = {path: http_status(ip, port, path)
                              for path in ("/health", "/status", "/info/main/workers.html")}

    result = run_backtest(hand_events(), grid_2x2(), {"naive": make_model("naive")},
                          backtest_periods("2020-01-13", 2, "W"), coverage=(0.25,),
                          progress=probe)
    assert result.models == ["naive"]
    assert seen, "the probe saw no socket of the cluster"  # Dask always serves /health
    assert {ip for ip, _ in seen} == {"127.0.0.1"}, seen
    assert all(port != 8787 for _, port in seen)
    for pages in seen.values():
        assert pages == {"/health": 200, "/status": 404, "/info/main/workers.html": 404}
    assert listening() - before == set()  # closed with the run


def test_existing_cluster_by_address(cluster):
    done = []
    result = naive_backtest(cluster.scheduler_address)
    pd.testing.assert_frame_equal(result.scores_table(), naive_backtest().scores_table())
    run_backtest(hand_events(), grid_2x2(), {"naive": make_model("naive")},
                 backtest_periods("2020-01-13", 2, "W"), coverage=(0.25,),
                 scheduler=cluster.scheduler_address, progress=lambda d, t: done.append((d, t)))
    assert done == [(1, 2), (2, 2)]


class FailsFrom(PastOnly):
    """Forecasts like PastOnly until 2020-01-20, then raises."""

    name = "fails-from"

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        if self.until_ >= pd.Timestamp("2020-01-20"):
            raise RuntimeError("diverged")
        return super()._predict(grid, horizon)


def line_of(function: object, text: str) -> int:
    """The line number of the first line of ``function`` holding ``text``."""
    lines, first = inspect.getsourcelines(function)
    return first + next(n for n, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("scheduler", [SYNCHRONOUS, None])
def test_a_failing_model_is_reported_and_the_others_kept(scheduler):
    # the learned model told to forecast a category, on events that have none: fails in both
    models = {"naive": make_model("naive"), "learned": make_model("learned", target="burglary"),
              "fails-from": FailsFrom()}
    result = run_backtest(hand_events(), grid_2x2(), models,
                          backtest_periods("2020-01-13", 2, "W"), coverage=(0.25, 0.5),
                          scheduler=scheduler)
    assert result.models == ["naive"]
    pd.testing.assert_frame_equal(result.scores_table(), naive_backtest().scores_table())
    learned_line = line_of(LearnedGrid._targets, "raise ValueError")
    assert result.failures == {
        "learned": ModelFailure(
            "learned", "2020-01-13", 2,
            "ValueError: target category 'burglary' given but events lack 'category'",
            f"crimeplan/forecast/models/learned.py:{learned_line} in _targets"),
        "fails-from": ModelFailure(
            "fails-from", "2020-01-20", 1, "RuntimeError: diverged",
            f"test_backtest.py:{line_of(FailsFrom._predict, 'diverged')} in _predict")}
    assert result.failures["learned"].describe() == (
        "model learned failed in test period 2020-01-13 (and 1 more): ValueError: target "
        "category 'burglary' given but events lack 'category' (at crimeplan/forecast/models/"
        f"learned.py:{learned_line} in _targets)")


def test_runner_raises_when_every_model_fails():
    with pytest.raises(BacktestFailed, match=r"every model failed: model fails-from failed in "
                       r"test period 2020-01-20: RuntimeError: diverged") as caught:
        run_backtest(hand_events(), grid_2x2(), {"fails-from": FailsFrom()},
                     backtest_periods("2020-01-13", 2, "W"), scheduler=SYNCHRONOUS)
    assert list(caught.value.failures) == ["fails-from"]


def test_failed_models_in_summary_and_report(tmp_path):
    result = run_backtest(hand_events(), grid_2x2(),
                          {"naive": make_model("naive"), "fails-from": FailsFrom()},
                          backtest_periods("2020-01-13", 2, "W"), coverage=(0.25, 0.5),
                          scheduler=SYNCHRONOUS)
    info = BacktestInfo("hand", "points", None, "W", "extent of the data", {})
    pooled = result.pooled_table(n_boot=20)
    files = write_backtest(tmp_path, result, info, pooled, [])
    summary = json.loads(files.summary.read_text())
    failure = result.failures["fails-from"]
    assert summary["models"] == ["naive"]
    assert summary["failed_models"] == [{
        "model": "fails-from", "period": "2020-01-20", "periods_failed": 1,
        "error": "RuntimeError: diverged", "where": failure.where}]
    assert sorted(p.name for p in (tmp_path / "forecasts").iterdir()) == ["naive"]
    page = build_report(result, info, pooled, [])
    assert esc(f"Left out of this report: {failure.describe()}.") in page


def test_runner_refuses_a_start_before_any_event():
    with pytest.raises(ValueError, match="no events before"):
        run_backtest(hand_events(), grid_2x2(), {"naive": make_model("naive")},
                     backtest_periods("2019-01-07", 1, "W"), scheduler=SYNCHRONOUS)


def test_ranked_cells_share_rank_when_tied():
    frame = ranked_cells(cell_table(grid_2x2()), np.array([1.0, 2.0, 1.0, 0.0]))
    assert list(frame["cell_id"]) == ["1_0", "0_0", "0_1", "1_1"]
    assert list(frame["rank"]) == [1, 2, 2, 4]
    assert frame.loc[0, ["x_min", "y_min", "x_max", "y_max"]].tolist() == [100, 0, 200, 100]


def test_written_files(tmp_path):
    result = naive_backtest()
    info = BacktestInfo("hand", "points", None, "W", "extent of the data",
                        {"months_missing": []})
    pooled = result.pooled_table(n_boot=50)
    files = write_backtest(tmp_path, result, info, pooled, [])
    scores = pd.read_csv(files.scores, dtype={"period": str})
    pd.testing.assert_frame_equal(scores, result.scores_table().assign(
        level=["25%", "50%"] * 2), check_dtype=False)
    forecast = pd.read_csv(tmp_path / "forecasts" / "naive" / "2020-01-13.csv")
    assert list(forecast.columns) == ["cell_id", "x_min", "y_min", "x_max", "y_max", "score",
                                      "rank"]
    assert forecast.iloc[0].tolist() == ["0_0", 0, 0, 100, 100, 3.0, 1]
    assert sorted(p.name for p in (tmp_path / "forecasts" / "naive").iterdir()) == [
        "2020-01-13.csv", "2020-01-20.csv"]
    summary = json.loads(files.summary.read_text())
    assert summary["grid"] == {"crs": "EPSG:27700", "unit": "metre", "cell_size": 100.0,
                               "cell_size_m": 100.0, "cells": 4, "area_km2": 0.04,
                               "study_area": "extent of the data"}
    assert (summary["freq"], summary["horizon"]) == ("W", "W")
    assert summary["levels"] == [
        {"label": "25%", "coverage": 0.25, "cells": 1, "area_km2": 0.01},
        {"label": "50%", "coverage": 0.5, "cells": 2, "area_km2": 0.02}]
    assert summary["auto"] == {} and summary["model_parameters"] == {"naive": {}}
    assert [p["events"] for p in summary["periods"]] == [4, 3]
    assert summary["best_by_pai"] == {"0.25": "naive", "0.5": "naive"}
    assert summary["failed_models"] == []


def test_best_against_baseline_and_report():
    events = hand_events()
    result = run_backtest(events, grid_2x2(), {"naive": make_model("naive"),
                                               "past-only": PastOnly()},
                          backtest_periods("2020-01-13", 2, "W"), coverage=(0.25, 0.5),
                          scheduler=SYNCHRONOUS)
    comparisons = best_vs_baseline(result, n_boot=50)
    # past-only scores every cell the same: expected capture is a quarter of the crimes
    first = comparisons[0]
    assert (first.model, first.baseline) == ("past-only", "naive")
    assert first.ratio == pytest.approx(1.0 / (12 / 7))
    assert verdict(first).startswith("At 25%: past-only's PAI is 0.58 times naive's")
    pooled = result.pooled_table(n_boot=50)
    police = BacktestInfo("essex", "police-uk", "burglary", "W", "force area (ref_pfa)",
                          {"months_missing": ["2018-02"]})
    page = build_report(result, police, pooled, comparisons)
    assert external_references(page) == []
    assert esc(POLICE_UK_NOTE) in page
    assert esc(verdict(first)) in page
    assert "2018-02" in page
    points = BacktestInfo("chicago", "points", None, "W", "extent of the data", {})
    assert esc(POLICE_UK_NOTE) not in build_report(result, points, pooled, comparisons)


def test_summary_is_strict_json_when_a_gap_is_undefined(tmp_path):
    # a baseline with PEI 1 leaves no gap to close: the share is undefined and written as null
    result = naive_backtest()
    undefined = Comparison(0.25, "m", "naive", 1.0, 0.9, 1.1, 1.0, float("-inf"))
    info = BacktestInfo("hand", "points", None, "W", "extent of the data", {})
    files = write_backtest(tmp_path, result, info, result.pooled_table(n_boot=20), [undefined])
    text = files.summary.read_text()
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text)["best_vs_baseline"][0]["gap_closed"] is None


def test_forecast_files_keep_only_the_top_cells_with_their_ties(tmp_path):
    result = naive_backtest()
    info = BacktestInfo("hand", "points", None, "W", "extent of the data",
                        {"months_missing": []})
    files = write_backtest(tmp_path, result, info, result.pooled_table(n_boot=20), [],
                           keep_top=0.5)
    # week of 13 Jan forecasts A3 B1 C0 D0: the top two cells; week of 20 Jan forecasts A1 B2
    # C1 D0: B ranks first and A, C tie for second, so all three are kept
    first = pd.read_csv(tmp_path / "forecasts" / "naive" / "2020-01-13.csv")
    second = pd.read_csv(tmp_path / "forecasts" / "naive" / "2020-01-20.csv")
    assert first["cell_id"].tolist() == ["0_0", "1_0"]
    assert second["cell_id"].tolist() == ["1_0", "0_0", "0_1"]
    assert second["rank"].tolist() == [1, 2, 2]
    summary = json.loads(files.summary.read_text())
    assert summary["forecast_files"] == "cells ranked in the top 0.5 of the study area"
    with pytest.raises(ValueError, match="keep_top"):
        write_backtest(tmp_path, result, info, result.pooled_table(n_boot=20), [], keep_top=0)
