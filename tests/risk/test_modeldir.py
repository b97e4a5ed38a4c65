"""Saving and loading a model folder: the card round-trips, predictions are identical, and
nothing in a folder can run code or reach outside it."""

from __future__ import annotations

import dataclasses
import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from crimeplan.provenance.hashing import sha256_file
from crimeplan.risk.bands import CostRatio
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.modeldir import FORMAT_VERSION, MODEL_FILE, load_model, save_model
from crimeplan.risk.models import (
    BlendedRiskModel,
    CalibratedRiskModel,
    CostSensitiveForest,
    GradientBoosting,
    LogisticBaseline,
    PenalisedLogistic,
)
from crimeplan.risk.synthetic import CUSTODY_FEATURES
from crimeplan.risk.workflow import fit_csv

FEATURES = list(CUSTODY_FEATURES)


class Marker:
    """Unpickling (or rebuilding) this creates the file ``path``: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, custody_csvs):
    """A small fitted model folder (baseline, 3 folds)."""
    folder = tmp_path_factory.mktemp("model") / "m"
    result = fit_csv(custody_csvs[0], folder, target="reoffended_2y", features=FEATURES,
                     protected=["ethnicity"], id_column="custody_id", cost=CostRatio(3, 1),
                     model="baseline", folds=3)
    return folder, result


def _copy(fitted, tmp_path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(fitted[0], copy)
    return copy


def _edit_card(folder: Path, **changes) -> None:
    card = json.loads((folder / "model.json").read_text())
    card.update(changes)
    (folder / "model.json").write_text(json.dumps(card))


def test_round_trip(fitted, custody):
    folder, result = fitted
    saved = load_model(folder)
    assert saved.card == result.card
    assert saved.card.format_version == FORMAT_VERSION == 3
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "model.skops"]
    assert saved.card.thresholds.moderate_from == pytest.approx(0.25)
    assert saved.card.cost == CostRatio(3.0, 1.0)
    X = custody[FEATURES]
    np.testing.assert_allclose(saved.model.predict_proba(X),
                               load_model(folder).model.predict_proba(X))
    assert set(saved.card.reference_values) == set(CUSTODY_FEATURES)
    sizes = [i["mean_abs_contribution"] for i in saved.card.global_importance]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) == len(CUSTODY_FEATURES)


def test_the_model_file_is_not_a_pickle(fitted):
    raw = (fitted[0] / MODEL_FILE).read_bytes()
    assert raw[:4] == b"PK\x03\x04"  # a zip of JSON and .npy arrays (skops)
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(raw)


SMALL_LOGISTIC = {"knot_counts": (4,), "Cs": (1.0,), "folds": 2}


@pytest.mark.parametrize("estimator", [
    LogisticBaseline(),
    PenalisedLogistic(**SMALL_LOGISTIC),
    PenalisedLogistic(**SMALL_LOGISTIC, interactions=(True,)),
    PenalisedLogistic(**SMALL_LOGISTIC, monotone={"prior_arrests": 1, "age": -1}),
    CostSensitiveForest(n_estimators=20),
    CostSensitiveForest(n_estimators=20, monotone={"prior_arrests": 1}),
    GradientBoosting(n_estimators=30),
    GradientBoosting(n_estimators=30, monotone={"prior_arrests": 1}),
    BlendedRiskModel(members=(PenalisedLogistic(**SMALL_LOGISTIC),
                              GradientBoosting(n_estimators=30))),
], ids=["baseline", "logistic", "logistic-pairs", "logistic-monotone", "forest",
        "forest-monotone", "boosting", "boosting-monotone", "blend"])
def test_every_model_type_round_trips_exactly(estimator, custody, tmp_path):
    X, y = custody[FEATURES], custody["reoffended_2y"].to_numpy()
    method = "isotonic" if isinstance(estimator, GradientBoosting) else "sigmoid"
    model = CalibratedRiskModel(estimator, method=method, folds=2).fit(X, y)
    card = _card(model)
    save_model(tmp_path, model, card)
    again = load_model(tmp_path).model
    assert type(again.estimator_) is type(estimator)
    np.testing.assert_allclose(again.predict_proba(X), model.predict_proba(X), rtol=0,
                               atol=1e-12)


def test_calibration_within_groups_round_trips_exactly(custody, tmp_path):
    X = custody[FEATURES].assign(sex=custody["sex"].to_numpy())
    y = custody["reoffended_2y"].to_numpy()
    model = CalibratedRiskModel(LogisticBaseline(), folds=2, within="sex",
                                min_group=50).fit(X, y)
    assert model.group_calibration  # at least one group has its own map
    save_model(tmp_path, model, _card(model))
    again = load_model(tmp_path).model
    np.testing.assert_allclose(again.predict_proba(X), model.predict_proba(X), rtol=0,
                               atol=1e-12)
    assert again.group_calibration == model.group_calibration


def _card(model: CalibratedRiskModel):
    """A card for ``model``: the fixture's card with this model's features."""
    from crimeplan.risk.modeldir import ModelCard
    return ModelCard(model=model.estimator_.name, target="reoffended_2y", features=FEATURES,
                     categorical_features=["offence_group"], encoded_features=[],
                     id_column=None, protected=[], protected_as_feature=False,
                     protected_features_used=[], protected_used_in_calibration=[],
                     cost_ratio="2:1", bands={"moderate_from": 1 / 3, "high_from": 2 / 3},
                     calibration={"within": model.within}, training_data={}, cv_metrics={},
                     model_selection_auc={}, reference_values={}, global_importance=[])


@pytest.mark.parametrize("name", ["../evil.pkl", "/tmp/evil.pkl", "sub/../../evil.pkl",
                                  "..\\evil.pkl", ""])
def test_a_card_cannot_point_outside_its_folder(fitted, tmp_path, name):
    folder = _copy(fitted, tmp_path)
    marker = tmp_path / "MARKER"
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(Marker(marker)))
    _edit_card(folder, model_file=name, model_sha256=sha256_file(evil))
    with pytest.raises(RiskInputError, match="model_file"):
        load_model(folder)
    assert not marker.exists()


def test_a_symbolic_link_out_of_the_folder_is_refused(fitted, tmp_path):
    folder = _copy(fitted, tmp_path)
    outside = tmp_path / "elsewhere.skops"
    shutil.move(folder / MODEL_FILE, outside)
    (folder / MODEL_FILE).symlink_to(outside)
    with pytest.raises(RiskInputError, match="leads outside the model folder"):
        load_model(folder)
    # a link that stays inside the folder is fine
    shutil.move(outside, folder / "real.skops")
    (folder / MODEL_FILE).unlink()
    (folder / MODEL_FILE).symlink_to(folder / "real.skops")
    assert load_model(folder).card.model_file == MODEL_FILE


def test_an_old_pickle_folder_is_refused_with_the_refit_command(fitted, tmp_path):
    folder = _copy(fitted, tmp_path)
    marker = tmp_path / "MARKER"
    (folder / MODEL_FILE).unlink()
    (folder / "model.joblib").write_bytes(pickle.dumps(Marker(marker)))
    _edit_card(folder, format_version=2, model_file="model.joblib",
               model_sha256=sha256_file(folder / "model.joblib"))
    with pytest.raises(RiskInputError) as error:
        load_model(folder)
    message = str(error.value)
    assert "pickle" in message and "no longer loads" in message
    card = fitted[1].card
    assert (f"crimeplan risk fit {card.training_data['file']} --target reoffended_2y "
            f"--features {','.join(FEATURES)} --out {folder}-v3 --model baseline "
            "--cost-ratio 3:1 --id custody_id --protected ethnicity --calibration sigmoid "
            "--folds 3") in message
    assert not marker.exists()


def test_a_skops_file_with_other_types_is_refused_without_building_them(fitted, tmp_path,
                                                                        custody):
    folder = _copy(fitted, tmp_path)
    model = load_model(folder).model
    marker = tmp_path / "MARKER"
    model.note_ = Marker(marker)  # an untrusted type inside a real model
    sio.dump(model, folder / MODEL_FILE)
    assert not marker.exists()
    _edit_card(folder, model_sha256=sha256_file(folder / MODEL_FILE))
    with pytest.raises(RiskInputError, match=r"does not load.*test_modeldir\.Marker"):
        load_model(folder)
    assert not marker.exists()


def test_a_damaged_model_file_is_refused(fitted, tmp_path):
    folder = _copy(fitted, tmp_path)
    (folder / MODEL_FILE).write_bytes(b"not a zip")
    _edit_card(folder, model_sha256=sha256_file(folder / MODEL_FILE))
    with pytest.raises(RiskInputError, match="not a readable skops model file"):
        load_model(folder)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(RiskInputError, match=r"no model\.json"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(RiskInputError, match="expected 'crimeplan-risk-model'"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text("[1, 2]")
    with pytest.raises(RiskInputError, match="not a model card"):
        load_model(tmp_path)


def test_card_fields_are_checked(fitted, tmp_path):
    folder = _copy(fitted, tmp_path)
    card = dataclasses.asdict(load_model(folder).card)
    card["unexpected"] = 1
    (folder / "model.json").write_text(json.dumps(card))
    with pytest.raises(RiskInputError, match="card fields do not match"):
        load_model(folder)
