"""How much better one score ranks people than another, with honest intervals.

Two intervals for an AUC gain measured by cross-validation: a paired bootstrap over people of
pooled out-of-fold predictions (both scores resampled together, so what they share cancels),
and a fold-wise interval with the Nadeau & Bengio (2003) correction, which widens the naive
t interval because cross-validation folds share training people and are not independent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from crimeplan.risk.evaluation import auc_or_nan

BOOTSTRAP_DRAWS = 2000


@dataclass(frozen=True)
class Gain:
    """An estimated difference (A − B) with a two-sided interval at ``level``."""

    estimate: float
    low: float
    high: float
    level: float


def paired_auc_gain(y: np.ndarray, p_a: np.ndarray, p_b: np.ndarray,
                    draws: int = BOOTSTRAP_DRAWS, level: float = 0.95, seed: int = 0) -> Gain:
    """AUC(A) − AUC(B) on the same people, with a percentile interval from resampling people."""
    y = np.asarray(y).astype(int)
    p_a = np.asarray(p_a, dtype=float)
    p_b = np.asarray(p_b, dtype=float)
    rng = np.random.default_rng(seed)
    gains = np.empty(draws)
    for i in range(draws):
        take = rng.integers(0, len(y), len(y))
        gains[i] = auc_or_nan(y[take], p_a[take]) - auc_or_nan(y[take], p_b[take])
    tail = (1 - level) / 2
    low, high = np.nanquantile(gains, [tail, 1 - tail])
    return Gain(auc_or_nan(y, p_a) - auc_or_nan(y, p_b), float(low), float(high), level)


def corrected_fold_interval(differences: np.ndarray, test_fraction: float,
                            level: float = 0.95) -> Gain:
    """Mean of per-fold differences with the Nadeau–Bengio corrected resampled t interval.

    The variance of the mean is ``(1/J + n_test/n_train) · s²`` over ``J`` folds (of one or
    more repeated cross-validations) instead of the naive ``s²/J``.
    """
    d = np.asarray(differences, dtype=float)
    j = len(d)
    if j < 2:
        raise ValueError("need at least two folds for an interval")
    se = np.sqrt((1 / j + test_fraction / (1 - test_fraction)) * d.var(ddof=1))
    half = stats.t.ppf(1 - (1 - level) / 2, j - 1) * se
    return Gain(float(d.mean()), float(d.mean() - half), float(d.mean() + half), level)
