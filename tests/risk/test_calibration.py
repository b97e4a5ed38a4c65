"""Cross-fitted calibration: repairs miscalibrated models, pooled or (opt-in) within groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crimeplan.risk.bands import CostRatio
from crimeplan.risk.evaluation import auc_or_nan, expected_calibration_error
from crimeplan.risk.models import (
    CalibratedRiskModel,
    CostSensitiveForest,
    LogisticBaseline,
    make_model,
)
from crimeplan.risk.synthetic import CUSTODY_FEATURES, custody_records
from crimeplan.risk.training import select_model

FEATURES = list(CUSTODY_FEATURES)


@pytest.fixture(scope="module")
def split():
    train = custody_records(1500, seed=11)
    test = custody_records(1500, seed=12)
    return (train[FEATURES], train["reoffended_2y"].to_numpy(),
            test[FEATURES], test["reoffended_2y"].to_numpy())


def test_calibration_repairs_a_cost_weighted_forest(split):
    X, y, Xt, yt = split
    # weighting reoffenders 5 times pushes the forest's scores far above observed rates
    raw = CostSensitiveForest(cost_ratio=5.0, n_estimators=60).fit(X, y)
    raw_ece = expected_calibration_error(yt, raw.predict_proba(Xt)[:, 1])
    calibrated = CalibratedRiskModel(CostSensitiveForest(cost_ratio=5.0, n_estimators=60),
                                     method="isotonic").fit(X, y)
    p = calibrated.predict_proba(Xt)[:, 1]
    cal_ece = expected_calibration_error(yt, p)
    assert raw_ece > 0.15
    assert cal_ece < 0.06
    assert cal_ece < raw_ece / 3
    # the out-of-fold estimate made at fit time is honest: close to the held-out figure
    assert expected_calibration_error(y, calibrated.oof_probability_) < 0.06


class _Overconfident(LogisticBaseline):
    """A logistic model whose log-odds are tripled: right ranking, wrong probabilities."""

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = super().predict_proba(X)[:, 1]
        logit = 3 * np.log(p / (1 - p))
        q = 1 / (1 + np.exp(-logit))
        return np.column_stack([1 - q, q])


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_both_methods_repair_overconfidence(split, method):
    X, y, Xt, yt = split
    raw = _Overconfident().fit(X, y)
    before = expected_calibration_error(yt, raw.predict_proba(Xt)[:, 1])
    fixed = CalibratedRiskModel(_Overconfident(), method=method).fit(X, y)
    after = expected_calibration_error(yt, fixed.predict_proba(Xt)[:, 1])
    assert fixed.method_ == method
    assert after < before / 2


def test_auto_method_depends_on_size(split):
    X, y, _, _ = split
    assert CalibratedRiskModel(LogisticBaseline()).fit(X, y).method_ == "isotonic"
    assert CalibratedRiskModel(LogisticBaseline()).fit(X.head(300), y[:300]).method_ == "sigmoid"
    with pytest.raises(ValueError, match="unknown calibration"):
        CalibratedRiskModel(LogisticBaseline(), method="beta").fit(X, y)


def _group_shifted(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Risk depends on x and on a group the model never sees: A higher, B lower, C tiny."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B", "C"], size=n, p=[0.49, 0.49, 0.02])
    x = rng.normal(size=n)
    logit = x + np.select([group == "A", group == "B"], [0.8, -0.8], 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"x": x, "group": group}), y


@pytest.fixture(scope="module")
def shifted():
    return _group_shifted(4000, 1), _group_shifted(4000, 2)


def _ece_by_group(y, p, group):
    return {g: expected_calibration_error(y[group == g], p[group == g]) for g in ("A", "B")}


def test_calibrating_within_groups_fixes_group_miscalibration(shifted):
    (X, y), (Xt, yt) = shifted
    blind = CalibratedRiskModel(LogisticBaseline()).fit(X[["x"]], y)
    within = CalibratedRiskModel(LogisticBaseline(), within="group").fit(X, y)
    group = Xt["group"].to_numpy()
    before = _ece_by_group(yt, blind.predict_proba(Xt[["x"]])[:, 1], group)
    after = _ece_by_group(yt, within.predict_proba(Xt)[:, 1], group)
    assert min(before.values()) > 0.08  # race-blind: A under-, B over-predicted
    assert max(after.values()) < 0.04
    # the cross-fitted estimate made at fit time agrees
    oof = _ece_by_group(y, within.oof_probability_, X["group"].to_numpy())
    assert max(oof.values()) < 0.04
    # the group is a calibration input only, never a model input
    assert list(within.feature_names_in_) == ["x"]
    assert within.encoded_feature_names == ["x"]


def test_small_and_unseen_groups_use_the_pooled_map(shifted):
    (X, y), (Xt, _) = shifted
    blind = CalibratedRiskModel(LogisticBaseline()).fit(X[["x"]], y)
    within = CalibratedRiskModel(LogisticBaseline(), within="group").fit(X, y)
    n = {g: int((X["group"] == g).sum()) for g in ("A", "B", "C")}
    assert n["C"] < 100  # below min_group
    assert within.group_calibration == {
        g: {"n": n[g], "method": "isotonic" if n[g] >= 1000 else "sigmoid",
            "weight": pytest.approx(n[g] / (n[g] + 100))} for g in ("A", "B")}
    small = Xt[Xt["group"] == "C"]
    np.testing.assert_allclose(within.predict_proba(small), blind.predict_proba(small[["x"]]))
    unseen = Xt.head(20).assign(group="D")
    np.testing.assert_allclose(within.predict_proba(unseen), blind.predict_proba(unseen[["x"]]))


def test_a_model_calibrated_within_a_group_needs_that_column(shifted):
    (X, y), (Xt, _) = shifted
    within = CalibratedRiskModel(LogisticBaseline(), within="group").fit(X, y)
    with pytest.raises(ValueError, match="calibrated within 'group'"):
        within.predict_proba(Xt[["x"]])
    with pytest.raises(ValueError, match="calibrated within 'group'"):
        CalibratedRiskModel(LogisticBaseline(), within="group").fit(X[["x"]], y)


def test_out_of_fold_scores_are_those_auto_selects_on(split):
    # benchmarks/risk.py picks auto's model from oof_score_ instead of refitting every candidate
    X, y, _, _ = split
    _, scores = select_model(X, y, ("baseline", "forest"), CostRatio(2.0, 1.0), folds=3, seed=4)
    for name in ("baseline", "forest"):
        model = CalibratedRiskModel(make_model(name, random_state=4), folds=3,
                                    random_state=4).fit(X, y)
        assert auc_or_nan(y, model.oof_score_) == pytest.approx(scores[name])
