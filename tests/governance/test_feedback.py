"""The feedback-loop simulation against answers known by hand (Ensign et al. 2018's urn)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.forecast.grid import Grid
from crimeplan.governance.feedback import (
    FeedbackSettings,
    gini,
    patrol_shares,
    simulate,
    total_variation,
)
from crimeplan.governance.feedback_study import TrueCrime, model_forecaster, run_study, true_crime
from crimeplan.provenance.filelog import AuditLog
from crimeplan.report.html import assert_self_contained
from crimeplan.store.events import EventData

# Two areas with equal true crime; area A had one more crime in the warm-up period.
TWO_AREAS = np.array([[11, 10]] + [[10, 10]] * 50)
GREEDY = dict(policy="top", top_share=0.5, discovery=1.0, reported=0.0)


def test_greedy_patrols_run_away_with_equal_true_rates():
    run = simulate(TWO_AREAS, FeedbackSettings(scheme="recorded", **GREEDY))
    # every period after the warm-up patrols A only, finds all 10 of its crimes, none of B's
    assert (run.attention[1:, 0] == 1).all()
    assert run.recorded[1:].tolist() == [[10, 0]] * 50
    share_a = np.cumsum(run.recorded[:, 0]) / np.cumsum(run.recorded.sum(axis=1))
    t = np.arange(51)
    np.testing.assert_allclose(share_a, (11 + 10 * t) / (21 + 10 * t))
    assert share_a[-1] > 0.98
    # the model believes A has (11 + 10(t-1))/t crimes a period and B 10/t: share tends to 1
    est = run.estimate[-1]
    np.testing.assert_allclose(est, [(11 + 10 * 49) / 50, 10 / 50])
    # the truth so far is 511:510, the record 511:10
    np.testing.assert_allclose(run.metrics["recorded_vs_true"][-1],
                               abs(511 / 521 - 511 / 1021))


def test_dose_correction_keeps_the_model_at_the_truth():
    run = simulate(TWO_AREAS, FeedbackSettings(scheme="corrected", **GREEDY))
    # the record still goes to A (patrols still go there) ...
    assert run.recorded[1:].tolist() == [[10, 0]] * 50
    # ... but B, never observed after the warm-up, keeps its true rate in the model
    for t in range(1, 51):
        np.testing.assert_allclose(run.estimate[t], [(11 + 10 * (t - 1)) / t, 10.0])
    est = run.estimate[-1]
    assert est[0] / est.sum() == pytest.approx(0.5, abs=0.002)
    assert run.metrics["estimate_vs_true"][-1] == pytest.approx(
        total_variation(est, np.array([11 + 49 * 10, 500])))


def test_unequal_rates_proportional_patrols_run_to_the_higher_area():
    true = np.array([[600, 400]] * 200)
    naive = simulate(true, FeedbackSettings(scheme="recorded", policy="proportional",
                                            discovery=0.5, seed=1))
    fixed = simulate(true, FeedbackSettings(scheme="corrected", policy="proportional",
                                            discovery=0.5, seed=1))
    naive_share = naive.estimate[1:, 0] / naive.estimate[1:].sum(axis=1)
    assert naive_share[-1] > 0.85 and naive_share[-1] > naive_share[50] > naive_share[0]
    fixed_share = fixed.estimate[-1, 0] / fixed.estimate[-1].sum()
    assert fixed_share == pytest.approx(0.6, abs=0.02)


def test_training_on_reported_crime_only_is_unbiased():
    true = np.array([[1000, 1000]] * 40)
    run = simulate(true, FeedbackSettings(scheme="reported", reported=0.4, seed=3, **{
        k: v for k, v in GREEDY.items() if k != "reported"}))
    est = run.estimate[-1]
    assert est[0] / est.sum() == pytest.approx(0.5, abs=0.02)
    assert est.mean() == pytest.approx(400, rel=0.03)  # 40% of 1000 reported


def test_exploration_spreads_a_floor_of_patrols():
    run = simulate(TWO_AREAS, FeedbackSettings(scheme="recorded", exploration=0.2, **GREEDY))
    np.testing.assert_allclose(run.attention[1:].min(axis=1), 0.1)  # 0.2 / 2 areas
    np.testing.assert_allclose(run.attention.sum(axis=1), 1.0)


def test_simulation_is_deterministic_for_a_seed():
    true = np.random.default_rng(0).poisson(5, size=(12, 30))
    settings = FeedbackSettings(reported=0.3, discovery=0.4, top_share=0.1, seed=7)
    a, b = simulate(true, settings), simulate(true, settings)
    np.testing.assert_array_equal(a.recorded, b.recorded)
    c = simulate(true, FeedbackSettings(reported=0.3, discovery=0.4, top_share=0.1, seed=8))
    assert not np.array_equal(a.recorded, c.recorded)


def test_patrol_policies_by_hand():
    forecast = np.array([3.0, 1.0, 0.0, 4.0])
    top = patrol_shares(forecast, FeedbackSettings(policy="top", top_share=0.5))
    np.testing.assert_allclose(top, [0.5, 0, 0, 0.5])
    prop = patrol_shares(forecast, FeedbackSettings(policy="proportional", exploration=0.2))
    np.testing.assert_allclose(prop, 0.8 * forecast / 8 + 0.05)


def test_gini_and_total_variation_by_hand():
    assert gini(np.array([1.0, 1.0, 1.0, 1.0])) == pytest.approx(0.0)
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)  # (n-1)/n
    # values 1,2,3: sum |xi-xj| over ordered pairs = 8, / (2 n^2 mean) = 8 / 36
    assert gini(np.array([3.0, 1.0, 2.0])) == pytest.approx(8 / 36)
    assert total_variation(np.array([3.0, 1.0]), np.array([1.0, 1.0])) == pytest.approx(0.25)


@pytest.mark.parametrize("bad", [dict(scheme="guess"), dict(policy="random"),
                                 dict(discovery=1.5), dict(warmup=0),
                                 dict(scheme="reported", reported=0.0)])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError):
        FeedbackSettings(**bad)


def test_true_crime_counts_cells_and_periods():
    # three events in one 500 m cell in January, one in another cell in February (BNG)
    frame = pd.DataFrame({
        "time": pd.to_datetime(["2018-01-01", "2018-01-01", "2018-01-01", "2018-02-01"]),
        "longitude": [0.7100, 0.7101, 0.7102, 0.7300], "latitude": [51.540] * 3 + [51.545],
        "category": "burglary"})
    truth = true_crime(EventData("essex", "police-uk", "month", frame, 0), 500, "month")
    assert truth.grid.crs == "EPSG:27700"
    assert truth.periods == ["2018-01", "2018-02"]
    assert truth.grid.n_cells == 2
    assert sorted(truth.counts.sum(axis=0).tolist()) == [1, 3]
    assert truth.counts.sum(axis=1).tolist() == [3, 1]
    with pytest.raises(ValueError, match="monthly"):
        true_crime(EventData("essex", "police-uk", "month", frame, 0), 500, "week")


def test_cli_feedback_writes_report_summary_and_run_record(chicago_home, tmp_path):
    out = tmp_path / "sim"
    result = CliRunner().invoke(app, ["simulate", "feedback", "--dataset", "chicago", "--out",
                                      str(out), "--period", "week", "--purpose", "ethics panel",
                                      "--home", str(chicago_home)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["true_crimes"] == 7347
    assert len(summary["periods"]) == 26
    naive = summary["scenarios"]["naive: train on all recorded crime"]
    assert len(naive["trajectories"]["recorded_vs_true"]) == 26
    assert naive["final"]["attention_top_decile"] == pytest.approx(1.0)
    page = (out / "report.html").read_text()
    assert page.count("<svg") == 5
    assert_self_contained(page)
    record = AuditLog(chicago_home).records()[-1]
    assert record["kind"] == "simulate.feedback"
    assert record["purpose"] == "ethics panel"
    assert {o["path"] for o in record["outputs"]} == {str(out / "summary.json"),
                                                      str(out / "report.html")}


def test_cli_feedback_unknown_dataset_fails_clearly(chicago_home, tmp_path):
    result = CliRunner().invoke(app, ["simulate", "feedback", "--dataset", "nowhere", "--out",
                                      str(tmp_path / "x"), "--home", str(chicago_home)])
    assert result.exit_code != 0
    assert "nowhere" in result.output


def _two_area_truth(counts: np.ndarray) -> TrueCrime:
    grid = Grid("EPSG:27700", 500.0, np.array([1000, 1001]), np.array([400, 400]))
    months = pd.date_range("2018-01-01", periods=len(counts), freq="MS").strftime("%Y-%m")
    return TrueCrime(counts, grid, list(months), "month")


def test_forecast_package_model_drives_the_loop():
    """The naive model (last month's counts) in the greedy two-area world, by hand."""
    truth = _two_area_truth(TWO_AREAS[:8])
    settings = FeedbackSettings(scheme="recorded", **GREEDY)
    run = simulate(truth.counts, settings, model_forecaster("naive", truth, settings))
    np.testing.assert_allclose(run.estimate[1], [11, 10])  # the warm-up month
    np.testing.assert_allclose(run.estimate[2:], [[10, 0]] * 6)  # B is never seen again
    assert run.recorded[1:].tolist() == [[10, 0]] * 7


def test_study_runs_every_scenario_with_a_package_model():
    truth = _two_area_truth(TWO_AREAS[:6])
    study = run_study("two-areas", truth, FeedbackSettings(reported=0.2, **{
        k: v for k, v in GREEDY.items() if k != "reported"}), 0.2, model="historical-mean")
    assert len(study.scenarios) == 4 and study.summary()["model"] == "historical-mean"
    explore = next(r for n, r in study.scenarios.items() if n.startswith("explore"))
    np.testing.assert_allclose(explore.attention[1:].min(axis=1), 0.1)


def test_cli_feedback_too_few_periods_fails_before_recording(chicago_home, tmp_path):
    before = len(AuditLog(chicago_home).records())
    result = CliRunner().invoke(app, ["simulate", "feedback", "--dataset", "chicago", "--out",
                                      str(tmp_path / "x"), "--warmup", "6", "--home",
                                      str(chicago_home)])
    assert result.exit_code == 2 and "warm-up" in result.output
    assert len(AuditLog(chicago_home).records()) == before
