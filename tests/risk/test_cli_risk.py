"""`crimeplan risk` end to end on synthetic custody data: files, cards, audit records, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.provenance.filelog import AuditLog
from crimeplan.report.html import assert_self_contained
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.modeldir import load_model
from crimeplan.risk.synthetic import CUSTODY_FEATURES

runner = CliRunner()
FEATURES = ",".join(CUSTODY_FEATURES)


def _fit(home, train, out, *extra):
    return runner.invoke(app, ["risk", "fit", str(train), "--target", "reoffended_2y",
                               "--features", FEATURES, "--id", "custody_id",
                               "--protected", "ethnicity,sex", "--model", "logistic",
                               "--folds", "3", "--out", str(out), "--home", str(home),
                               "--purpose", "test", *extra])


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, custody_csvs):
    folder = tmp_path_factory.mktemp("cli")
    home, model = folder / "home", folder / "model"
    result = _fit(home, custody_csvs[0], model)
    assert result.exit_code == 0, result.output
    return home, model


def test_fit_writes_a_checked_model_card(fitted, custody_csvs):
    home, model = fitted
    card = json.loads((model / "model.json").read_text())
    assert card["format"] == "crimeplan-risk-model" and card["format_version"] == 3
    assert card["model"] == "logistic" and card["features"] == list(CUSTODY_FEATURES)
    assert card["cost_ratio"] == "2:1"
    assert card["bands"] == pytest.approx({"moderate_from": 1 / 3, "high_from": 2 / 3})
    assert card["calibration"]["method"] == "sigmoid"  # fewer than 1,000 rows
    assert card["protected_as_feature"] is False
    assert card["protected_used_in_calibration"] == []
    assert card["calibration"]["within"] is None and card["calibration"]["groups"] == {}
    assert card["training_data"]["rows"] == 600
    assert 0.6 < card["cv_metrics"]["auc"] < 0.95
    # protected attributes are absent from what the model sees
    encoded = " ".join(card["encoded_features"])
    assert "ethnicity" not in encoded and "sex" not in encoded
    saved = load_model(model)
    assert not {"ethnicity", "sex"} & set(saved.model.feature_names_in_)
    record = [r for r in AuditLog(home).records() if r["kind"] == "risk.fit"][-1]
    assert record["status"] == "ok" and record["purpose"] == "test"
    assert record["results"]["protected_as_feature"] is False
    assert record["inputs"][0]["sha256"] == card["training_data"]["sha256"]


def test_protected_feature_needs_the_flag_and_is_recorded(tmp_path, custody_csvs):
    home = tmp_path / "home"
    refused = runner.invoke(app, ["risk", "fit", str(custody_csvs[0]), "--target",
                                  "reoffended_2y", "--features", "age,sex", "--protected",
                                  "sex", "--out", str(tmp_path / "m"), "--home", str(home)])
    assert refused.exit_code != 0
    assert "--allow-protected-as-feature" in refused.output
    allowed = runner.invoke(app, ["risk", "fit", str(custody_csvs[0]), "--target",
                                  "reoffended_2y", "--features", "age,sex", "--protected",
                                  "sex,ethnicity", "--model", "baseline", "--folds", "3",
                                  "--allow-protected-as-feature", "--out", str(tmp_path / "m"),
                                  "--home", str(home)])
    assert allowed.exit_code == 0, allowed.output
    card = json.loads((tmp_path / "m" / "model.json").read_text())
    assert card["protected_as_feature"] is True
    assert card["protected_features_used"] == ["sex"]
    assert "sex_Male" in card["encoded_features"]
    records = [r for r in AuditLog(home).records() if r["kind"] == "risk.fit"]
    assert records[0]["status"] == "failed"
    assert records[-1]["results"]["protected_features_used"] == ["sex"]


def test_predict_gives_probability_band_and_reasons(fitted, custody_csvs, tmp_path):
    home, model = fitted
    out = tmp_path / "preds.csv"
    result = runner.invoke(app, ["risk", "predict", str(model), str(custody_csvs[1]), "--out",
                                 str(out), "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    preds = pd.read_csv(out)
    assert list(preds.columns) == ["custody_id", "probability", "band", "reasons"]
    assert len(preds) == 400
    assert preds["probability"].between(0, 1).all()
    card = load_model(model).card
    expected = card.thresholds.assign(preds["probability"].to_numpy())
    assert (preds["band"].to_numpy() == expected).all()
    assert preds["reasons"].str.contains("raises the estimate|lowers the estimate|no factor").all()
    summary = json.loads(result.output)
    assert sum(summary["band_counts"].values()) == 400
    assert any(r["kind"] == "risk.predict" for r in AuditLog(home).records())


def test_evaluate_writes_metrics_and_a_self_contained_report(fitted, custody_csvs, tmp_path):
    home, model = fitted
    out = tmp_path / "eval"
    result = runner.invoke(app, ["risk", "evaluate", str(model), str(custody_csvs[1]),
                                 "--target", "reoffended_2y", "--protected", "ethnicity,sex",
                                 "--out", str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["format"] == "crimeplan-risk-metrics" and metrics["format_version"] == 1
    assert metrics["data"]["rows"] == 400
    assert metrics["data"]["same_as_training"] is False
    groups = pd.DataFrame(metrics["groups"])
    assert set(groups["attribute"]) == {"ethnicity", "sex"}
    for column in ("attribute", "group", "n", "base_rate", "selection_rate", "fpr", "fnr",
                   "auc", "ece", "mean_predicted", "ece_ci_low", "ece_ci_high", "ece_debiased",
                   "ece_debiased_ci_low", "ece_debiased_ci_high", "calibration_in_the_large",
                   "calibration_in_the_large_se"):
        assert column in groups.columns
    assert (groups["ece_ci_low"] <= groups["ece_ci_high"]).all()
    assert (groups["ece_debiased_ci_low"] <= groups["ece_debiased_ci_high"]).all()
    gap = groups["mean_predicted"] - groups["base_rate"]
    assert groups["calibration_in_the_large"].to_numpy() == pytest.approx(gap.to_numpy())
    assert groups.groupby("attribute")["n"].sum().tolist() == [400, 400]
    test = pd.read_csv(custody_csvs[1])
    male = groups[(groups["attribute"] == "sex") & (groups["group"] == "Male")].iloc[0]
    assert male["n"] == (test["sex"] == "Male").sum()
    assert male["base_rate"] == pytest.approx(test.loc[test["sex"] == "Male",
                                                       "reoffended_2y"].mean())
    report = (out / "report.html").read_text()
    assert_self_contained(report)
    assert "Chouldechova" in report and "Kleinberg" in report
    record = [r for r in AuditLog(home).records() if r["kind"] == "risk.evaluate"][-1]
    assert record["results"]["overall"]["auc"] == metrics["overall"]["auc"]
    assert {o["path"].rsplit("/", 1)[-1] for o in record["outputs"]} == {"metrics.json",
                                                                        "report.html"}


def test_evaluating_on_the_training_file_is_flagged(fitted, custody_csvs, tmp_path):
    home, model = fitted
    result = runner.invoke(app, ["risk", "evaluate", str(model), str(custody_csvs[0]),
                                 "--target", "reoffended_2y", "--out", str(tmp_path / "e"),
                                 "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "e" / "metrics.json").read_text())["data"]["same_as_training"]
    assert "own training file" in (tmp_path / "e" / "report.html").read_text()
    # protected attributes default to the ones recorded with the model
    groups = json.loads((tmp_path / "e" / "metrics.json").read_text())["groups"]
    assert {g["attribute"] for g in groups} == {"ethnicity", "sex"}


def test_tampered_model_is_refused(fitted, tmp_path):
    import shutil
    _, model = fitted
    copy = tmp_path / "copy"
    shutil.copytree(model, copy)
    with open(copy / "model.skops", "ab") as fh:
        fh.write(b"x")
    with pytest.raises(RiskInputError, match="SHA-256 differs"):
        load_model(copy)
    card = json.loads((copy / "model.json").read_text())
    card["format_version"] = 99
    (copy / "model.json").write_text(json.dumps(card))
    with pytest.raises(RiskInputError, match="version 99"):
        load_model(copy)


def test_predictions_neutralise_formula_ids_and_keep_numbers(fitted, custody, tmp_path):
    import csv
    home, model = fitted
    people = custody.head(4).assign(custody_id=['=HYPERLINK("http://x","y")', "@SUM(1)",
                                                "-7", "C1"])
    people.to_csv(tmp_path / "people.csv", index=False)
    out = tmp_path / "p.csv"
    result = runner.invoke(app, ["risk", "predict", str(model), str(tmp_path / "people.csv"),
                                 "--out", str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [r["custody_id"] for r in rows] == ['\'=HYPERLINK("http://x","y")', "'@SUM(1)",
                                               "-7", "C1"]
    assert all(0 < float(r["probability"]) < 1 for r in rows)


class _Marker:
    """Unpickling this creates the file ``path``: proof that code from the data ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_predict_never_runs_a_pickle_named_by_the_card(fitted, custody_csvs, tmp_path):
    import pickle
    import shutil

    from crimeplan.provenance.hashing import sha256_file
    home, model = fitted
    copy = tmp_path / "copy"
    shutil.copytree(model, copy)
    marker, evil = tmp_path / "MARKER", tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(_Marker(marker)))
    card = json.loads((copy / "model.json").read_text())
    card.update(model_file="../evil.pkl", model_sha256=sha256_file(evil))
    (copy / "model.json").write_text(json.dumps(card))
    result = runner.invoke(app, ["risk", "predict", str(copy), str(custody_csvs[1]), "--out",
                                 str(tmp_path / "p.csv"), "--home", str(home)])
    assert result.exit_code == 2
    assert "'../evil.pkl' leaves the model folder" in result.output
    assert not marker.exists() and not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--target", "reoffended"], "'reoffended' not found"),
    (["--target", "reoffended_2y", "--cost-ratio", "five"], "cost ratio"),
    (["--target", "reoffended_2y", "--model", "svm"], "unknown model 'svm'"),
])
def test_bad_fit_input_exits_non_zero_with_a_clear_message(tmp_path, custody_csvs, args,
                                                            message):
    result = runner.invoke(app, ["risk", "fit", str(custody_csvs[0]), "--features", FEATURES,
                                 "--out", str(tmp_path / "m"), "--home", str(tmp_path / "h"),
                                 *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_one_class_training_file_is_refused(tmp_path, custody):
    path = tmp_path / "one.csv"
    custody.assign(reoffended_2y=0).to_csv(path, index=False)
    result = runner.invoke(app, ["risk", "fit", str(path), "--target", "reoffended_2y",
                                 "--features", FEATURES, "--out", str(tmp_path / "m"),
                                 "--home", str(tmp_path / "h")])
    assert result.exit_code == 2
    assert "only one class" in result.output and str(path.name) in result.output


def test_synth_is_seeded(tmp_path):
    for name in ("a.csv", "b.csv"):
        assert runner.invoke(app, ["risk", "synth", "--out", str(tmp_path / name), "--rows",
                                   "50", "--seed", "9", "--home", str(tmp_path / "h")]
                             ).exit_code == 0
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_calibration_within_a_protected_group_is_opt_in_and_recorded(tmp_path, custody_csvs):
    home, model = tmp_path / "home", tmp_path / "m"
    refused = _fit(home, custody_csvs[0], model, "--calibrate-within", "ethnicity")
    assert refused.exit_code == 2
    assert "--allow-protected-in-calibration" in " ".join(refused.output.split())
    not_protected = runner.invoke(app, [
        "risk", "fit", str(custody_csvs[0]), "--target", "reoffended_2y", "--features", "age",
        "--protected", "sex", "--calibrate-within", "ethnicity",
        "--allow-protected-in-calibration", "--out", str(model), "--home", str(home)])
    assert not_protected.exit_code == 2
    assert "must be one of the --protected" in " ".join(not_protected.output.split())
    allowed = _fit(home, custody_csvs[0], model, "--calibrate-within", "ethnicity",
                   "--allow-protected-in-calibration")
    assert allowed.exit_code == 0, allowed.output
    assert "used in calibration" in allowed.output
    card = json.loads((model / "model.json").read_text())
    assert card["protected_used_in_calibration"] == ["ethnicity"]
    assert card["protected_as_feature"] is False
    assert card["calibration"]["within"] == "ethnicity"
    train = pd.read_csv(custody_csvs[0])
    sizes = train["ethnicity"].value_counts()
    # groups of 100 or more get their own map, weighted n / (n + 100); the rest pooled
    assert card["calibration"]["groups"] == {
        g: {"n": int(n), "method": "sigmoid", "weight": pytest.approx(n / (n + 100))}
        for g, n in sizes.items() if n >= 100}
    assert "ethnicity" not in " ".join(card["encoded_features"])
    assert "ethnicity" not in load_model(model).model.feature_names_in_
    record = [r for r in AuditLog(home).records() if r["kind"] == "risk.fit"][-1]
    assert record["results"]["protected_used_in_calibration"] == ["ethnicity"]
    assert record["parameters"]["calibrate_within"] == "ethnicity"
    # prediction needs the group column and says why
    blind = tmp_path / "no-ethnicity.csv"
    pd.read_csv(custody_csvs[1]).drop(columns=["ethnicity"]).to_csv(blind, index=False)
    missing = runner.invoke(app, ["risk", "predict", str(model), str(blind), "--out",
                                  str(tmp_path / "p.csv"), "--home", str(home)])
    assert missing.exit_code == 2
    assert "calibrated within 'ethnicity'" in " ".join(missing.output.split())
    predicted = runner.invoke(app, ["risk", "predict", str(model), str(custody_csvs[1]),
                                    "--out", str(tmp_path / "p.csv"), "--home", str(home)])
    assert predicted.exit_code == 0, predicted.output
    # evaluation by sex only still reads ethnicity for the model, and says it was used
    evaluated = runner.invoke(app, ["risk", "evaluate", str(model), str(custody_csvs[1]),
                                    "--target", "reoffended_2y", "--protected", "sex", "--out",
                                    str(tmp_path / "e"), "--home", str(home)])
    assert evaluated.exit_code == 0, evaluated.output
    metrics = json.loads((tmp_path / "e" / "metrics.json").read_text())
    assert metrics["model"]["protected_used_in_calibration"] == ["ethnicity"]
    assert {g["attribute"] for g in metrics["groups"]} == {"sex"}
    assert "used in calibration by explicit choice: ethnicity" in \
        (tmp_path / "e" / "report.html").read_text()
