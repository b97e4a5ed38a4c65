"""The blend: weights, a hand-checkable average, inner-CV weights, the card, explanations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.risk.base import RiskModel
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.models import (
    BlendedRiskModel,
    GradientBoosting,
    LogisticBaseline,
    PenalisedLogistic,
    make_model,
)
from crimeplan.risk.synthetic import CUSTODY_FEATURES

FEATURES = list(CUSTODY_FEATURES)


class Constant(RiskModel):
    """Predicts the same probability for everyone."""

    name = "constant"

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Constant:
        self._start_fit(X, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        n = len(self._columns(X))
        return np.column_stack([np.full(n, 1 - self.p), np.full(n, self.p)])

    @property
    def encoded_feature_names(self) -> list[str]:
        return list(self.feature_names_in_)


class Noise(Constant):
    """Seeded random probabilities: no information about the outcome."""

    name = "noise"

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        n = len(self._columns(X))
        p = np.random.default_rng(n).random(n)
        return np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def xy(custody):
    return custody[FEATURES], custody["reoffended_2y"].to_numpy()


def test_equal_weights_average_by_hand(xy):
    X, y = xy
    blend = BlendedRiskModel((Constant(0.2), Constant(0.6))).fit(X, y)
    np.testing.assert_allclose(blend.weights_, [0.5, 0.5])
    np.testing.assert_allclose(blend.predict_proba(X.head(3))[:, 1], 0.4)
    three = BlendedRiskModel((Constant(0.1), Constant(0.2), Constant(0.9))).fit(X, y)
    np.testing.assert_allclose(three.predict_proba(X.head(2))[:, 1], 0.4)


def test_fixed_weights_are_scaled_to_sum_to_one(xy):
    X, y = xy
    blend = BlendedRiskModel((Constant(0.2), Constant(0.6)), weights=(3.0, 1.0)).fit(X, y)
    np.testing.assert_allclose(blend.weights_, [0.75, 0.25])
    np.testing.assert_allclose(blend.predict_proba(X.head(2))[:, 1], 0.75 * 0.2 + 0.25 * 0.6)


def test_average_of_fitted_members(xy):
    X, y = xy
    members = (LogisticBaseline(), GradientBoosting(n_estimators=30))
    blend = BlendedRiskModel(members).fit(X, y)
    each = [m.fit(X, y).predict_proba(X)[:, 1] for m in members]
    np.testing.assert_allclose(blend.predict_proba(X)[:, 1], (each[0] + each[1]) / 2)


@pytest.mark.parametrize("weights", [(1.0,), (1.0, -1.0), (0.0, 0.0), "best"])
def test_bad_weights_are_refused(xy, weights):
    X, y = xy
    with pytest.raises(RiskInputError, match="weights"):
        BlendedRiskModel((Constant(0.2), Constant(0.6)), weights=weights).fit(X, y)


def test_cv_weights_sum_to_one_and_drop_an_uninformative_member(xy):
    X, y = xy
    blend = BlendedRiskModel((LogisticBaseline(), Noise()), weights="cv", folds=3).fit(X, y)
    assert blend.weights_.sum() == pytest.approx(1.0)
    assert (blend.weights_ >= 0).all()
    assert blend.weights_[0] >= 0.9
    assert set(np.round(blend.weights_ * 10, 9)) <= set(range(11))  # on the 0.1 grid


def test_cv_ties_go_to_equal_weights(xy):
    # a constant member does not change the ranking: every weight below 1 on it ties
    X, y = xy
    blend = BlendedRiskModel((LogisticBaseline(), Constant(0.3)), weights="cv",
                             folds=3).fit(X, y)
    np.testing.assert_allclose(blend.weights_, [0.5, 0.5])


def test_cv_weights_are_deterministic(xy):
    X, y = xy

    def fitted(seed):
        members = (PenalisedLogistic(folds=3, random_state=seed),
                   GradientBoosting(n_estimators=30, random_state=seed))
        return BlendedRiskModel(members, weights="cv", folds=3, random_state=seed).fit(X, y)

    first, again = fitted(1), fitted(1)
    np.testing.assert_array_equal(first.weights_, again.weights_)
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))


def test_member_weights_are_named(xy):
    X, y = xy
    blend = BlendedRiskModel((Constant(0.2), Constant(0.4), LogisticBaseline()),
                             weights=(1, 1, 2)).fit(X, y)
    assert blend.member_weights == {"constant": 0.25, "constant_2": 0.25, "baseline": 0.5}
    default = make_model("blend", random_state=2)
    assert default.members is None and default.random_state == 2


def test_fit_records_blend_weights_and_gives_reasons(tmp_path, custody_csvs):
    runner = CliRunner()
    model, home = tmp_path / "model", tmp_path / "home"
    result = runner.invoke(app, ["risk", "fit", str(custody_csvs[0]), "--target",
                                 "reoffended_2y", "--features", ",".join(FEATURES),
                                 "--id", "custody_id", "--model", "blend", "--folds", "3",
                                 "--out", str(model), "--home", str(home)])
    assert result.exit_code == 0, result.output
    card = json.loads((model / "model.json").read_text())
    assert card["model"] == "blend"
    assert card["blend_weights"] == {"logistic": 0.5, "boosting": 0.5}
    out = tmp_path / "preds.csv"
    result = runner.invoke(app, ["risk", "predict", str(model), str(custody_csvs[1]),
                                 "--out", str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    reasons = pd.read_csv(out)["reasons"]
    assert reasons.str.contains("raises the estimate|lowers the estimate").mean() > 0.5
