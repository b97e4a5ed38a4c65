"""`crimeplan cohort` end to end on a hand-built history and on synthetic histories."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.provenance.filelog import AuditLog
from crimeplan.report.html import assert_self_contained

runner = CliRunner()
COLUMNS = ["--person", "who", "--date", "when", "--offence", "what"]
HISTORY = ("who,when,what\n"
           "A,2023-01-05,robbery\nB,2023-02-01,shoplifting\nC,2023-02-02,shoplifting\n"
           "D,2023-03-01,criminal damage\nA,2024-01-10,robbery\nE,2024-02-01,shoplifting\n")


def _history(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(HISTORY)
    return path


def test_score_and_concentration(tmp_path):
    path, home = _history(tmp_path), tmp_path / "home"
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["cohort", "score", str(path), *COLUMNS, "--from", "2023-01-01",
                                 "--to", "2024-01-01", "--out", str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    # illustrative CCHI-style table: robbery 365, criminal damage 5, shoplifting 2
    assert scores["person"].tolist() == ["A", "D", "B", "C"]
    assert scores["harm"].tolist() == [365, 5, 2, 2]
    assert AuditLog(home).records()[-1]["kind"] == "cohort.score"
    result = runner.invoke(app, ["cohort", "concentration", str(path), *COLUMNS, "--harm-table",
                                 "count", "--shares", "0.25,0.5", "--json", "--home", str(home)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # counts over all dates: A 2, others 1 each (5 people, 6 offences)
    assert data["people"] == 5 and data["total_harm"] == 6
    assert [r["people"] for r in data["rows"]] == [2, 3]
    assert data["rows"][0]["harm_share"] == 3 / 6


def test_stability_and_report(tmp_path):
    path, home = _history(tmp_path), tmp_path / "home"
    result = runner.invoke(app, ["cohort", "stability", str(path), *COLUMNS, "--split",
                                 "2024-01-01", "--share", "0.25", "--json", "--home", str(home)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # 2023 top 25% of 4 = {A}; 2024 top 25% of 2 = {A}
    assert (data["earlier_top"], data["later_top"], data["both"]) == (1, 1, 1)
    assert data["carried_over"] == 1.0
    record = AuditLog(home).records()[-1]
    assert record["kind"] == "cohort.stability" and record["results"]["stability"]["both"] == 1
    out = tmp_path / "report"
    result = runner.invoke(app, ["cohort", "report", str(path), *COLUMNS, "--split",
                                 "2024-01-01", "--out", str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    assert_self_contained(html)
    assert "illustrative" in html and "Sherman" in html and "Stability between periods" in html
    assert (out / "scores.csv").is_file() and (out / "concentration.csv").is_file()


def test_bad_input_exits_non_zero(tmp_path):
    path = _history(tmp_path)
    result = runner.invoke(app, ["cohort", "score", str(path), "--person", "who", "--date",
                                 "date", "--offence", "what", "--out", str(tmp_path / "s.csv"),
                                 "--home", str(tmp_path / "h")])
    assert result.exit_code == 2 and "'date' not found" in result.output
    path.write_text(HISTORY + "F,2024-03-01,arson\n")
    result = runner.invoke(app, ["cohort", "concentration", str(path), *COLUMNS,
                                 "--home", str(tmp_path / "h")])
    assert result.exit_code == 2
    assert "'arson' (line 8)" in " ".join(result.output.split())


def test_synth_then_report(tmp_path):
    history, home = tmp_path / "synthetic.csv", tmp_path / "home"
    assert runner.invoke(app, ["cohort", "synth", "--out", str(history), "--people", "300",
                               "--seed", "2", "--home", str(home)]).exit_code == 0
    result = runner.invoke(app, ["cohort", "report", str(history), "--person", "person_id",
                                 "--date", "offence_date", "--offence", "offence_type",
                                 "--split", "2024-01-01", "--out", str(tmp_path / "r"),
                                 "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "Concentration of harm" in (tmp_path / "r" / "report.html").read_text()


def test_cohort_csvs_neutralise_formula_ids(tmp_path):
    import csv
    path, home = tmp_path / "history.csv", tmp_path / "home"
    path.write_text(HISTORY.replace("A,", "=1+1,").replace("D,", "@D,"))
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["cohort", "score", str(path), *COLUMNS, "--from", "2023-01-01",
                                 "--to", "2024-01-01", "--out", str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [r["person"] for r in rows] == ["'=1+1", "'@D", "B", "C"]
    assert [float(r["harm"]) for r in rows] == [365, 5, 2, 2]
    result = runner.invoke(app, ["cohort", "report", str(path), *COLUMNS, "--out",
                                 str(tmp_path / "report"), "--home", str(home)])
    assert result.exit_code == 0, result.output
    report = list(csv.DictReader((tmp_path / "report" / "scores.csv").open(newline="")))
    assert {r["person"] for r in report} == {"'=1+1", "'@D", "B", "C", "E"}
