"""People fairness reading: Wilson and Newcombe intervals by hand, sentences, CLI."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from crimeplan.app.actors import cli_actor
from crimeplan.cli.main import app
from crimeplan.governance.people import newcombe, read_people, wilson
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.runs import RunRecorder
from crimeplan.report.html import assert_self_contained

runner = CliRunner()


def _row(attribute, group, n, base_rate, fpr, fnr, mean_predicted, selection_rate=0.5):
    return {"attribute": attribute, "group": group, "n": n, "base_rate": base_rate,
            "mean_predicted": mean_predicted, "auc": 0.7, "brier": 0.2, "log_loss": 0.6,
            "ece": 0.03, "accuracy": 0.7, "selection_rate": selection_rate, "fpr": fpr,
            "fnr": fnr, "dangerous_error_rate": fnr, "cautious_error_rate": 0.05}


GROUPS = [
    # 200 people, 100 non-reoffenders (20 flagged), 100 reoffenders (30 missed)
    _row("sex", "Male", 200, 0.5, 0.20, 0.30, 0.50),
    # 100 people, 50 non-reoffenders (20 flagged), 50 reoffenders (10 missed); over-predicted
    _row("sex", "Female", 100, 0.5, 0.40, 0.20, 0.58),
    # 20 people: too few for a reading
    _row("sex", "Other", 20, 0.5, 0.30, 0.30, 0.50),
]


@pytest.fixture
def evaluation_run(tmp_path):
    home = tmp_path / "home"
    out = tmp_path / "eval"
    out.mkdir()
    metrics = {"format": "crimeplan-risk-metrics", "format_version": 1,
               "protected_attributes": ["sex"], "overall": _row("all", "all", 320, 0.5, 0.27,
                                                                0.26, 0.52), "groups": GROUPS}
    (out / "metrics.json").write_text(json.dumps(metrics))
    with RunRecorder(home, "risk.evaluate", cli_actor("board review")) as run:
        run.add_output(out / "metrics.json")
    return home, run.run_id


def test_wilson_interval_matches_the_textbook():
    r = wilson(20, 100)  # Newcombe (1998) table: 20/100 → 0.1334 to 0.2888
    assert (r.estimate, round(r.low, 4), round(r.high, 4)) == (0.2, 0.1334, 0.2888)
    assert math.isnan(wilson(0, 0).estimate)


def test_newcombe_difference_by_hand():
    a, b = wilson(20, 50), wilson(20, 100)
    d = newcombe(a, b)
    assert d.estimate == pytest.approx(0.2)
    assert d.low == pytest.approx(0.2 - math.sqrt((0.4 - a.low) ** 2 + (b.high - 0.2) ** 2))
    assert d.high == pytest.approx(0.2 + math.sqrt((a.high - 0.4) ** 2 + (0.2 - b.low) ** 2))
    assert d.low > 0  # 40% vs 20% on these numbers is beyond chance


@given(st.integers(0, 200), st.integers(1, 200))
def test_wilson_contains_the_estimate(k, n):
    k = min(k, n)
    r = wilson(k, n)
    assert 0 <= r.low <= r.estimate <= r.high <= 1


def test_reading_by_hand(evaluation_run):
    home, run_id = evaluation_run
    audit = read_people(AuditLog(home).find(run_id))
    male, female, other = audit.groups
    assert male.group == "Male"  # the largest group is the reference
    assert female.fpr.denominator == 50 and female.fnr.denominator == 50
    assert female.fpr_gap.estimate == pytest.approx(0.2)
    assert female.fpr_gap.low == pytest.approx(newcombe(wilson(20, 50), wilson(20, 100)).low)
    assert female.fnr_gap.estimate == pytest.approx(-0.1)
    assert female.calibration_gap == pytest.approx(0.08)
    assert other.small and not female.small
    text = audit.reading["sex"]
    assert any("'Female'" in s and "more people wrongly flagged" in s for s in text)
    assert any("false negative rate" in s and "could be chance" in s for s in text)
    assert any("over-predicts" in s and "58.0%" in s for s in text)
    assert any("'Other'" in s and "too small" in s for s in text)
    assert not any("Base rates differ" in s for s in text)  # all 50%


def test_base_rate_difference_explains_the_trade_off(tmp_path):
    home = tmp_path / "h"
    out = tmp_path / "e"
    out.mkdir()
    rows = [_row("ethnicity", "A", 400, 0.30, 0.1, 0.3, 0.3),
            _row("ethnicity", "B", 300, 0.45, 0.2, 0.2, 0.45)]
    (out / "metrics.json").write_text(json.dumps({"groups": rows}))
    with RunRecorder(home, "risk.evaluate", cli_actor()) as run:
        run.add_output(out / "metrics.json")
    text = read_people(AuditLog(home).find(run.run_id)).reading["ethnicity"]
    assert any("Base rates differ" in s and "30.0% to 45.0%" in s for s in text)


def test_cli_people_records_and_writes(evaluation_run, tmp_path):
    home, run_id = evaluation_run
    out = tmp_path / "reading"
    result = runner.invoke(app, ["audit", "people", run_id, "--out", str(out), "--json",
                                 "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["groups"][1]["fpr_gap"]["estimate"] == pytest.approx(0.2)
    assert (out / "people.csv").read_text().count("\n") == 4
    assert_self_contained((out / "report.html").read_text())
    record = AuditLog(home).records()[-1]
    assert record["kind"] == "audit.people" and record["parameters"]["run"] == run_id


def test_people_refuses_other_runs_and_broken_metrics(evaluation_run, tmp_path):
    home, run_id = evaluation_run
    with RunRecorder(home, "forecast.predict", cli_actor()) as other:
        pass
    result = runner.invoke(app, ["audit", "people", other.run_id, "--home", str(home)])
    assert result.exit_code == 2 and "not a risk.evaluate run" in " ".join(result.output.split())
    path = tmp_path / "eval" / "metrics.json"
    path.write_text(json.dumps({"groups": [{"attribute": "sex", "group": "x"}]}))
    result = runner.invoke(app, ["audit", "people", run_id, "--home", str(home)])
    assert result.exit_code == 2 and "lacks field(s) n" in " ".join(result.output.split())
