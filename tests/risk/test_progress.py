"""Long risk steps report progress through a callback, with counts that add up."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console

from crimeplan.cli import common
from crimeplan.risk import training
from crimeplan.risk.bands import CostRatio
from crimeplan.risk.synthetic import CUSTODY_FEATURES
from crimeplan.risk.training import fit_risk_model, select_model

FEATURES = list(CUSTODY_FEATURES)


@pytest.fixture
def xy(custody):
    return custody[FEATURES], custody["reoffended_2y"].to_numpy()


def test_fit_reports_each_fit_and_the_same_model_results(xy):
    X, y = xy
    calls = []
    fitted = fit_risk_model(X, y, model="baseline", folds=3,
                            progress=lambda *call: calls.append(call))
    assert calls == [("calibrating baseline: fold 1/3", 0, 5),
                     ("calibrating baseline: fold 2/3", 1, 5),
                     ("calibrating baseline: fold 3/3", 2, 5),
                     ("calibrating baseline: refit on everyone", 3, 5),
                     ("explaining: importance and checks", 4, 5),
                     ("fitted", 5, 5)]
    silent = fit_risk_model(X, y, model="baseline", folds=3)
    np.testing.assert_array_equal(fitted.model.predict_proba(X),
                                  silent.model.predict_proba(X))


def test_choosing_a_model_reports_every_candidate_and_fold(xy):
    X, y = xy
    calls = []
    select_model(X, y, ("baseline", "forest"), CostRatio(2, 1), folds=3,
                 progress=lambda *call: calls.append(call))
    assert calls == [(f"candidate {i}/2 ({name}), fold {k}/3", 3 * (i - 1) + k - 1, 6)
                     for i, name in ((1, "baseline"), (2, "forest")) for k in (1, 2, 3)]


def test_auto_counts_every_step_once_in_order(xy, monkeypatch):
    X, y = xy
    monkeypatch.setattr(training, "AUTO_CANDIDATES", ("baseline", "forest"))
    calls = []
    fitted = fit_risk_model(X, y, model="auto", folds=2,
                            progress=lambda *call: calls.append(call))
    total = 2 * 2 + 2 + 2
    assert [done for _, done, _ in calls] == list(range(total + 1))
    assert {t for _, _, t in calls} == {total}
    assert calls[0][0] == "choosing a model: candidate 1/2 (baseline), fold 1/2"
    assert calls[4][0] == f"calibrating {fitted.model_name}: fold 1/2"


def test_the_bar_shows_what_is_being_done(monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(common, "err_console",
                        Console(file=screen, force_terminal=True, width=150, markup=False))
    with common.StepBar("risk fit") as bar:
        bar("choosing a model: candidate 3/4 (boosting), fold 2/5 [/red]", 12, 27)
        bar.progress.refresh()
    shown = screen.getvalue()
    assert "candidate 3/4 (boosting), fold 2/5 [/red]" in shown and "12/27" in shown


def test_the_bar_is_off_for_json_and_when_stderr_is_not_a_terminal(monkeypatch):
    terminal = Console(file=io.StringIO(), force_terminal=True)
    monkeypatch.setattr(common, "err_console", terminal)
    assert common.StepBar("x", enabled=False).progress.disable
    assert not common.StepBar("x").progress.disable
    monkeypatch.setattr(common, "err_console", Console(file=io.StringIO(), force_terminal=False))
    assert common.StepBar("x").progress.disable


def test_predict_and_evaluate_report_their_steps(tmp_path, custody_csvs):
    from crimeplan.risk.workflow import evaluate_csv, fit_csv, predict_csv
    train, test = custody_csvs
    fit_csv(train, tmp_path / "m", target="reoffended_2y", features=FEATURES,
            model="baseline", folds=3)
    calls = []
    predict_csv(tmp_path / "m", test, tmp_path / "p.csv", progress=lambda *c: calls.append(c))
    assert calls == [("reading the model and the people", 0, 4), ("scoring 400 people", 1, 4),
                     ("explaining: reasons for each person", 2, 4),
                     (f"writing {tmp_path / 'p.csv'}", 3, 4), ("predicted", 4, 4)]
    calls.clear()
    evaluate_csv(tmp_path / "m", test, tmp_path / "e", target="reoffended_2y",
                 progress=lambda *c: calls.append(c))
    assert [(done, total) for _, done, total in calls] == [(k, 5) for k in range(6)]
    assert calls[2][0] == "measuring accuracy, calibration and error balance by group"


def test_cohort_report_shows_its_steps(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from crimeplan.cli.main import app
    from crimeplan.risk.synthetic import offence_histories
    history = tmp_path / "offences.csv"
    offence_histories(50, years=2, seed=1).to_csv(history, index=False)
    screen = io.StringIO()
    monkeypatch.setattr(common, "err_console",
                        Console(file=screen, force_terminal=True, width=150, markup=False))
    result = CliRunner().invoke(app, [
        "cohort", "report", str(history), "--person", "person_id", "--date", "offence_date",
        "--offence", "offence_type", "--split", "2023-01-01", "--out", str(tmp_path / "r"),
        "--home", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    shown = screen.getvalue()
    assert "cohort report" in shown and "3/3" in shown
