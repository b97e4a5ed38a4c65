"""Saving and loading a model folder: the card round-trips and predictions are identical."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crimeplan.risk.bands import CostRatio
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.modeldir import load_model
from crimeplan.risk.synthetic import CUSTODY_FEATURES
from crimeplan.risk.workflow import fit_csv


def test_round_trip(custody_csvs, custody, tmp_path):
    result = fit_csv(custody_csvs[0], tmp_path / "m", target="reoffended_2y",
                     features=list(CUSTODY_FEATURES), protected=["ethnicity"],
                     cost=CostRatio(3, 1), model="baseline", folds=3)
    saved = load_model(tmp_path / "m")
    assert saved.card == result.card
    assert saved.card.thresholds.moderate_from == pytest.approx(0.25)
    assert saved.card.cost == CostRatio(3.0, 1.0)
    X = custody[list(CUSTODY_FEATURES)]
    np.testing.assert_allclose(saved.model.predict_proba(X),
                               load_model(tmp_path / "m").model.predict_proba(X))
    assert set(saved.card.reference_values) == set(CUSTODY_FEATURES)
    sizes = [i["mean_abs_contribution"] for i in saved.card.global_importance]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) == len(CUSTODY_FEATURES)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(RiskInputError, match=r"no model\.json"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(RiskInputError, match="expected 'crimeplan-risk-model'"):
        load_model(tmp_path)
