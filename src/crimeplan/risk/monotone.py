"""Monotone constraints: risk that may only rise, or only fall, as a number grows.

An officer reading a risk estimate expects it never to fall as prior offences rise. Flexible
models (trees, splines) can bend the wrong way where the data are thin, say among the few
people with 30 priors, and then "explain" someone's risk by a reversal nobody could defend.
A constraint names a numeric feature and a direction (``priors_count:+``, ``age:-``); the
logistic, forest, boosting and blend models then hold to it by construction:

* boosting and forest pass it to their tree learners (LightGBM ``monotone_constraints``,
  scikit-learn ``monotonic_cst``), which refuse any split that goes the wrong way;
* penalised logistic replaces that feature's spline with ramps between quantile knots whose
  coefficients are bounded at zero (``Ramps``, ``BoundedLogistic``): a sum of rising ramps rises.

Calibration keeps the order of scores (isotonic and sigmoid maps are increasing), so the
calibrated probability is monotone too; ``largest_reversal`` checks a fitted model by sweeping
each constrained feature over its range for a sample of people.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from crimeplan.risk.base import numeric_columns
from crimeplan.risk.errors import RiskInputError

#: Column -> +1 (risk may only rise with it) or -1 (may only fall).
Monotone = dict[str, int]

_SIGNS = {"+": 1, "increasing": 1, "up": 1, "-": -1, "decreasing": -1, "down": -1}


def parse_monotone(text: str | None) -> Monotone:
    """``"priors_count:+,age:-"`` as ``{"priors_count": 1, "age": -1}``; empty gives ``{}``."""
    out: Monotone = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        column, sep, sign = item.rpartition(":")
        column, sign = column.strip(), sign.strip().lower()
        if not sep or not column or sign not in _SIGNS:
            raise RiskInputError(f"monotone constraint {item!r}: write COLUMN:+ (risk only rises"
                                 " with it) or COLUMN:- (only falls)")
        if column in out:
            raise RiskInputError(f"monotone constraint for {column!r} given twice")
        out[column] = _SIGNS[sign]
    return out


def check_monotone(monotone: Mapping[str, int] | None, X: pd.DataFrame) -> Monotone:
    """The constraints, checked against the features: each a numeric feature, sign ±1."""
    monotone = dict(monotone or {})
    numbers = set(numeric_columns(X))
    for column, sign in monotone.items():
        if column not in X.columns:
            raise RiskInputError(f"monotone constraint on {column!r}, which is not a model "
                                 f"feature (features: {', '.join(map(str, X.columns))})")
        if column not in numbers:
            raise RiskInputError(f"monotone constraint on {column!r}, a text column; only "
                                 "numeric features can rise or fall")
        if sign not in (1, -1):
            raise RiskInputError(f"monotone constraint on {column!r} must be +1 or -1, not "
                                 f"{sign!r}")
    return monotone


def shown(monotone: Mapping[str, int]) -> dict[str, str]:
    """Constraints as the model card writes them: ``{"age": "-"}``."""
    return {c: "+" if s > 0 else "-" for c, s in monotone.items()}


def tree_constraints(monotone: Mapping[str, int], X: pd.DataFrame, width: int) -> list[int]:
    """Per encoded column (numbers first, then one-hot text, as ``base.encoder`` lays them
    out, ``width`` in all): +1, -1 or 0 for unconstrained."""
    numbers = numeric_columns(X)
    return [int(monotone.get(c, 0)) for c in numbers] + [0] * (width - len(numbers))


class Ramps(TransformerMixin, BaseEstimator):
    """Rising ramps of ``sign × x`` between quantile knots, one block per column.

    For knots k_0 < ... < k_m (distinct quantiles of the training values), ramp j is 0 below
    k_j, 1 above k_{j+1} and linear between, so any non-negative sum of ramps is a
    non-decreasing, piecewise-linear curve of ``sign × x``, flat outside the training range.
    """

    def __init__(self, signs: Mapping[str, int] | None = None, n_knots: int = 6) -> None:
        self.signs = signs
        self.n_knots = n_knots

    def fit(self, X: pd.DataFrame, y: np.ndarray | None = None) -> Ramps:
        X = pd.DataFrame(X)
        signs = dict(self.signs or {})
        self.columns_ = [str(c) for c in X.columns]
        self.signs_ = [int(signs.get(c, 1)) for c in self.columns_]
        quantiles = np.linspace(0.0, 1.0, max(self.n_knots, 2))
        self.knots_ = []
        for column, sign in zip(self.columns_, self.signs_, strict=True):
            z = sign * X[column].to_numpy(dtype=float)
            knots = np.unique(np.quantile(z, quantiles))
            if len(knots) < 2:  # a constant column: one flat ramp
                knots = np.array([knots[0], knots[0] + 1.0])
            self.knots_.append(knots)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "knots_")
        X = pd.DataFrame(X)
        blocks = []
        for column, sign, knots in zip(self.columns_, self.signs_, self.knots_, strict=True):
            z = sign * X[column].to_numpy(dtype=float)[:, None]
            lo, hi = knots[:-1][None], knots[1:][None]
            blocks.append(np.clip((z - lo) / (hi - lo), 0.0, 1.0))
        return np.hstack(blocks) if blocks else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "knots_")
        names = []
        for column, sign, knots in zip(self.columns_, self.signs_, self.knots_, strict=True):
            arrow = "↑" if sign > 0 else "↓"
            names += [f"{column}{arrow}{j}" for j in range(len(knots) - 1)]
        return np.asarray(names, dtype=object)


class BoundedLogistic(ClassifierMixin, BaseEstimator):
    """Ridge-penalised logistic regression with a lower bound on chosen coefficients.

    Minimises the same objective as scikit-learn's ``LogisticRegression(C=C)`` — total log
    loss plus ‖w‖² / (2C), intercept unpenalised — by L-BFGS-B, with ``w_j ≥ 0`` for the
    columns in ``nonnegative``. Without bounds it agrees with scikit-learn (tested).
    """

    def __init__(self, C: float = 1.0, nonnegative: tuple[int, ...] = (),
                 max_iter: int = 1000) -> None:
        self.C = C
        self.nonnegative = nonnegative
        self.max_iter = max_iter

    def fit(self, Z: np.ndarray, y: np.ndarray) -> BoundedLogistic:
        Z = np.asarray(Z, dtype=float)
        y = np.asarray(y, dtype=float)
        n, k = Z.shape
        design = np.hstack([Z, np.ones((n, 1))])
        penalty = np.r_[np.full(k, 1.0 / self.C), 0.0]

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            z = design @ w
            loss = float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(penalty * w * w))
            grad = design.T @ (expit(z) - y) + penalty * w
            return loss, grad

        bounds = [(0.0, None) if j in set(self.nonnegative) else (None, None) for j in range(k)]
        start = np.zeros(k + 1)
        mean = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
        start[-1] = np.log(mean / (1 - mean))
        result = minimize(objective, start, jac=True, method="L-BFGS-B",
                          bounds=[*bounds, (None, None)],
                          options={"maxiter": self.max_iter, "ftol": 1e-12, "gtol": 1e-8})
        self.coef_ = result.x[:k][None, :]
        self.intercept_ = result.x[k:]
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = k
        return self

    def predict_proba(self, Z: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "coef_")
        p = expit(np.asarray(Z, dtype=float) @ self.coef_[0] + self.intercept_[0])
        return np.column_stack([1.0 - p, p])


def largest_reversal(model: object, X: pd.DataFrame, monotone: Mapping[str, int],
                     sample: int = 200, steps: int = 25, seed: int = 0) -> dict[str, float]:
    """Per constrained feature, the largest wrong-way change in probability found.

    For ``sample`` people from ``X``, the feature is swept over ``steps`` values spanning its
    range (with everything else unchanged); a reversal is a fall in probability between two
    adjacent values where the constraint says it may only rise (or the reverse). 0 means none.
    """
    rows = X.sample(min(sample, len(X)), random_state=seed)
    out: dict[str, float] = {}
    for column, sign in monotone.items():
        values = np.unique(np.quantile(X[column].to_numpy(dtype=float),
                                       np.linspace(0.0, 1.0, steps)))
        probs = []
        for value in values:
            probs.append(model.predict_proba(rows.assign(**{column: value}))[:, 1])
        change = sign * np.diff(np.column_stack(probs), axis=1)
        out[column] = float(max(0.0, -change.min())) if change.size else 0.0
    return out
