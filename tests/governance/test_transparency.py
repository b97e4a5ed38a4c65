"""Transparency records: schema-valid, built from the run and owner file, nothing invented."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.governance.transparency import build_record, read_owner_file, record_schema
from crimeplan.provenance.filelog import AuditLog
from crimeplan.report.html import assert_self_contained

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "owner-example.yaml"


def _validate(record):
    jsonschema.Draft202012Validator(record_schema()).validate(record)


def test_example_owner_file_gives_a_valid_record(toy_home, tmp_path):
    home, run_id = toy_home
    out = tmp_path / "record"
    result = runner.invoke(app, ["transparency", run_id, "--owner-file", str(EXAMPLE), "--out",
                                 str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "record.json").read_text())
    _validate(record)
    assert record["tier1"]["name"] == "Burglary hot spot forecast"
    assert record["run"]["run_id"] == run_id and record["run"]["purpose"] == "test hot spots"
    # what the example leaves out is listed, never filled in
    assert record["tier2"]["owner_and_responsibility"]["team"] == "Performance and Analysis Unit"
    assert record["tier2"]["owner_and_responsibility"]["supplier_role"] is None
    assert "tier2.owner_and_responsibility.supplier_role" in record["missing"]
    assert record["algo_care"]["explainable"]["answer"] is None
    assert "algo_care.explainable" in record["missing"]
    assert record["tier2"]["risks_mitigations_and_impact_assessments"]["impact_assessments"][0][
        "date"] == "2026-03-01"
    # model card from scores.csv: Jan 2 of 4 captured, Feb 1 of 4 → pooled hit rate 3/8
    (scores,) = record["model_card"]["quantitative_results"]["forecast_scores"]
    assert scores["hit_rate"] == pytest.approx(3 / 8)
    assert scores["mean_pai"] == pytest.approx(0.75)
    # the forecast run's input cards and the log hash come from the audit log
    entry = next(e for e in AuditLog(home).entries() if e["record"]["run_id"] == run_id)
    assert record["run"]["log_hash"] == entry["hash"]
    assert any(m.startswith("fairness_audits") for m in record["missing"])
    page = (out / "record.html").read_text()
    assert_self_contained(page)
    assert "Not supplied by the owner." in page and "Burglary hot spot forecast" in page
    assert AuditLog(home).records()[-1]["kind"] == "transparency"


def test_fairness_audit_is_included_once_run(toy_home, tmp_path):
    home, run_id = toy_home
    assert runner.invoke(app, ["audit", "places", run_id, "--coverage", "0.5", "--home",
                               str(home)]).exit_code == 0
    record = build_record(home, run_id, read_owner_file(EXAMPLE))
    _validate(record)
    (audit,) = record["fairness_audits"]
    assert audit["kind"] == "audit.places"
    assert audit["results"]["naive by imd_decile"]["disparity_vs_crime"]["estimate"] == (
        pytest.approx(7 / 16))
    assert not any(m.startswith("fairness_audits") for m in record["missing"])


def test_empty_owner_file_lists_everything_as_missing(toy_home, tmp_path):
    home, run_id = toy_home
    empty = tmp_path / "owner.yaml"
    empty.write_text("")
    record = build_record(home, run_id, read_owner_file(empty))
    _validate(record)
    props = record_schema()["properties"]
    assert all(v is None for v in record["tier1"].values())
    expected = len(props["tier1"]["properties"]) + len(props["algo_care"]["properties"])
    tier2 = props["tier2"]["properties"]
    expected += sum(len(tier2[s]["properties"]) for s in tier2) - 2  # two data fields from run
    assert len(record["missing"]) == expected + 1  # + no fairness audit
    assert record["tier2"]["data"]["datasets"] == []


@pytest.mark.parametrize(("content", "message"), [
    ("tier1:\n  nmae: Typo\n", "field tier1.nmae: unknown field"),
    ("tier3:\n  name: x\n", "field tier3: unknown section"),
    ("tier1:\n  phase: live\n", "field tier1.phase"),
    ("tier1: [\n", "line"),
    ("risks_mitigations_and_impact_assessments:\n  risks:\n    - category: x\n",
     "field risks_mitigations_and_impact_assessments.risks/0"),
])
def test_bad_owner_files_are_named(toy_home, tmp_path, content, message):
    home, run_id = toy_home
    bad = tmp_path / "owner.yaml"
    bad.write_text(content)
    result = runner.invoke(app, ["transparency", run_id, "--owner-file", str(bad), "--out",
                                 str(tmp_path / "o"), "--home", str(home)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert message in text and "owner.yaml" in "".join(result.output.splitlines())
    assert not (tmp_path / "o").exists()


def test_unknown_run_fails(toy_home, tmp_path):
    home, _ = toy_home
    result = runner.invoke(app, ["transparency", "nope", "--owner-file", str(EXAMPLE), "--out",
                                 str(tmp_path / "o"), "--home", str(home)])
    assert result.exit_code == 2 and "nope" in result.output


def test_schema_rejects_an_invented_field(toy_home):
    home, run_id = toy_home
    record = build_record(home, run_id, read_owner_file(EXAMPLE))
    record["tier1"]["mission_statement"] = "invented"
    with pytest.raises(jsonschema.ValidationError):
        _validate(record)
