"""One conformance suite run on every risk model, as scikit-learn's estimator checks are."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from crimeplan.risk.base import RiskModel
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.models import (
    MODELS,
    BlendedRiskModel,
    CalibratedRiskModel,
    CostSensitiveForest,
    GradientBoosting,
    LogisticBaseline,
    PenalisedLogistic,
)
from crimeplan.risk.scorecard import Scorecard
from crimeplan.risk.synthetic import CUSTODY_FEATURES

FEATURES = list(CUSTODY_FEATURES)


def _small(model: RiskModel) -> RiskModel:
    """Keep the suite quick: fewer trees and folds, same code paths."""
    if isinstance(model, CostSensitiveForest | GradientBoosting):
        return model.set_params(n_estimators=30)
    if isinstance(model, PenalisedLogistic):
        return model.set_params(folds=3)
    if isinstance(model, Scorecard):
        return model.set_params(folds=3, Cs=(0.1, 1.0))
    return model


ALL_MODELS = [
    pytest.param(lambda: _small(LogisticBaseline()), id="baseline"),
    pytest.param(lambda: _small(PenalisedLogistic()), id="logistic"),
    pytest.param(lambda: _small(CostSensitiveForest(cost_ratio=3.0)), id="forest"),
    pytest.param(lambda: _small(GradientBoosting()), id="boosting"),
    pytest.param(lambda: _small(PenalisedLogistic(interactions=(True,))),
                 id="logistic-pairs"),
    pytest.param(lambda: BlendedRiskModel((_small(PenalisedLogistic()),
                                           _small(GradientBoosting()))), id="blend"),
    pytest.param(lambda: BlendedRiskModel((LogisticBaseline(), _small(GradientBoosting())),
                                          weights="cv", folds=3), id="blend-cv"),
    pytest.param(lambda: _small(PenalisedLogistic(monotone={"prior_arrests": 1, "age": -1})),
                 id="logistic-monotone"),
    pytest.param(lambda: _small(CostSensitiveForest(monotone={"prior_arrests": 1})),
                 id="forest-monotone"),
    pytest.param(lambda: _small(Scorecard()), id="scorecard"),
    pytest.param(lambda: _small(Scorecard(monotone={"prior_arrests": 1, "age": -1})),
                 id="scorecard-monotone"),
    pytest.param(lambda: CalibratedRiskModel(_small(Scorecard()), folds=3),
                 id="calibrated-scorecard"),
    pytest.param(lambda: CalibratedRiskModel(_small(GradientBoosting()), folds=3),
                 id="calibrated-boosting"),
    pytest.param(lambda: CalibratedRiskModel(
        _small(GradientBoosting(monotone={"prior_arrests": 1})), folds=3),
        id="calibrated-boosting-monotone"),
    pytest.param(lambda: CalibratedRiskModel(LogisticBaseline(), method="isotonic", folds=3),
                 id="calibrated-baseline-isotonic"),
]


@pytest.fixture(scope="module")
def xy(custody):
    return custody[FEATURES], custody["reoffended_2y"].to_numpy()


def test_every_named_model_is_in_the_suite():
    assert set(MODELS) == {"baseline", "logistic", "forest", "boosting", "blend", "scorecard"}


@pytest.mark.parametrize("make", ALL_MODELS)
def test_init_only_stores_parameters(make):
    model = make()
    params = model.get_params(deep=False)
    for name, value in params.items():
        assert getattr(model, name) is value
    assert not [a for a in vars(model) if a.endswith("_")], "no fitted state before fit"
    assert clone(model).get_params(deep=False).keys() == params.keys()


@pytest.mark.parametrize("make", ALL_MODELS)
def test_fit_predict_contract(make, xy):
    X, y = xy
    model = make()
    assert model.fit(X, y) is model
    p = model.predict_proba(X)
    assert p.shape == (len(X), 2)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert list(model.feature_names_in_) == FEATURES
    assert list(model.classes_) == [0, 1]
    assert set(model.predict(X)) <= {0, 1}
    # the features it learned from carry signal
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(y, p[:, 1]) > 0.6


@pytest.mark.parametrize("make", ALL_MODELS)
def test_deterministic_and_picklable(make, xy):
    X, y = xy
    first = make().fit(X, y).predict_proba(X)
    model = make().fit(X, y)
    np.testing.assert_allclose(model.predict_proba(X), first)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict_proba(X), first)


@pytest.mark.parametrize("make", ALL_MODELS)
def test_column_order_and_unseen_categories(make, xy):
    X, y = xy
    model = make().fit(X, y)
    shuffled = X[list(reversed(FEATURES))]
    np.testing.assert_allclose(model.predict_proba(shuffled), model.predict_proba(X))
    unseen = X.head(5).assign(offence_group="never seen before")
    assert np.isfinite(model.predict_proba(unseen)).all()


@pytest.mark.parametrize("make", ALL_MODELS)
def test_text_features_are_one_hot_encoded_inside(make, xy):
    X, y = xy
    model = make().fit(X, y)
    encoded = model.encoded_feature_names
    assert "offence_group" not in encoded
    assert {f"offence_group_{g}" for g in X["offence_group"].unique()} <= set(encoded)


@pytest.mark.parametrize("make", ALL_MODELS)
def test_bad_training_data_is_refused(make, xy):
    X, y = xy
    with pytest.raises(RiskInputError, match="one class"):
        make().fit(X, np.zeros(len(X), dtype=int))
    model = make().fit(X, y)
    with pytest.raises(RiskInputError, match="prior_arrests"):
        model.predict_proba(X.drop(columns=["prior_arrests"]))


def test_forest_cost_ratio_is_its_class_weight(xy):
    X, y = xy
    forest = CostSensitiveForest(cost_ratio=4.0, n_estimators=20).fit(X, y)
    assert forest.pipeline_[-1].class_weight == {0: 1.0, 1: 4.0}
    even = CostSensitiveForest(cost_ratio=1.0, n_estimators=20).fit(X, y)
    # weighting reoffenders up pushes raw scores up: the "cautious" lean HART chose
    assert forest.predict_proba(X)[:, 1].mean() > even.predict_proba(X)[:, 1].mean() + 0.05


def test_knots_and_penalty_are_chosen_from_the_grid(xy):
    X, y = xy
    model = PenalisedLogistic(knot_counts=(3, 5), Cs=(0.001, 1.0), folds=3).fit(X, y)
    assert model.n_knots_ in (3, 5) and model.C_ in (0.001, 1.0)
    # age has many distinct values, so all n_knots_ quantile knots are distinct
    assert len(model.pipeline_[0].named_transformers_["curve_age"].knots) == model.n_knots_
    # a one-point grid is a fixed choice
    fixed = PenalisedLogistic(knot_counts=(4,), Cs=(1.0,), folds=3).fit(X, y)
    assert (fixed.n_knots_, fixed.C_) == (4, 1.0)
    assert fixed.interactions_ is False
    assert not [n for n in fixed.encoded_feature_names if "×" in n]


def test_mostly_zero_counts_get_distinct_knots_or_a_straight_line():
    rng = np.random.default_rng(5)
    n = 400
    X = pd.DataFrame({
        "age": rng.integers(18, 70, n),
        # 90% zeros, then 1..12: quantiles at 0, 0, 0, 0, ... 12 merge to [0, 12]
        "juvenile": np.where(rng.random(n) < 0.9, 0, rng.integers(1, 13, n)),
        # 40% zeros: some quantiles repeat, the rest stay
        "priors": np.where(rng.random(n) < 0.4, 0, rng.integers(1, 40, n)),
    })
    y = (rng.random(n) < 0.4).astype(int)
    model = PenalisedLogistic(knot_counts=(6,), Cs=(1.0,), folds=3).fit(X, y)
    columns = model.pipeline_[0]
    assert "curve_juvenile" not in columns.named_transformers_
    assert "juvenile" in columns.named_transformers_["straight"].feature_names_in_
    knots = columns.named_transformers_["curve_priors"].knots.ravel()
    assert knots[0] == 0 and np.all(np.diff(knots) > 0)
    expected = np.unique(np.quantile(X["priors"], np.linspace(0, 1, 6)))
    np.testing.assert_array_equal(knots, expected)


def test_pairwise_products_are_an_inner_cv_choice(xy):
    X, y = xy
    paired = PenalisedLogistic(knot_counts=(4,), Cs=(1.0,), folds=3,
                               interactions=(True,)).fit(X, y)
    assert paired.interactions_ is True
    assert "age×prior_arrests" in paired.encoded_feature_names
    numbers = X.select_dtypes("number").shape[1]
    assert sum("×" in n for n in paired.encoded_feature_names) == numbers * (numbers - 1) // 2
    chosen = PenalisedLogistic(knot_counts=(4,), folds=3, interactions=(False, True)).fit(X, y)
    assert chosen.interactions_ in (False, True)


def test_plain_arrays_get_generated_names():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    model = LogisticBaseline().fit(X, y)
    assert list(model.feature_names_in_) == ["x0", "x1"]
    assert model.predict_proba(pd.DataFrame(X, columns=["x0", "x1"])).shape == (200, 2)
