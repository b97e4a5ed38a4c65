"""Cross-fitted calibration repairs a deliberately miscalibrated model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crimeplan.risk.evaluation import expected_calibration_error
from crimeplan.risk.models import CalibratedRiskModel, CostSensitiveForest, LogisticBaseline
from crimeplan.risk.synthetic import CUSTODY_FEATURES, custody_records

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
