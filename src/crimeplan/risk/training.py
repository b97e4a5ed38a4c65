"""Fit a risk model as the CLI does: choose by cross-validation, calibrate, measure, explain.

``auto`` compares the candidate models by ``folds``-fold cross-validated AUC on the training
data (ranking is what calibration cannot repair) and keeps the best; the chosen model is then
wrapped in cross-fitted calibration. Reported metrics use the calibrated model's out-of-fold
probabilities, so they are estimates for unseen people, not training fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from crimeplan.risk.bands import BandThresholds, CostRatio
from crimeplan.risk.base import RiskModel
from crimeplan.risk.evaluation import GroupMetrics, auc_or_nan, group_metrics
from crimeplan.risk.explain import Importance, contributions, global_importance, reference_values
from crimeplan.risk.models import CalibratedRiskModel, make_model
from crimeplan.risk.monotone import check_monotone, largest_reversal
from crimeplan.risk.progress import Progress, part

#: Models ``auto`` chooses between.
AUTO_CANDIDATES: tuple[str, ...] = ("logistic", "forest", "boosting", "blend")
#: People used to estimate global importance (a sample keeps large files quick).
IMPORTANCE_SAMPLE = 2000


def out_of_fold(model: RiskModel, X: pd.DataFrame, y: np.ndarray, folds: int = 5,
                seed: int = 0, progress: Progress | None = None) -> np.ndarray:
    """Probability for each person from a copy of ``model`` fitted without their fold."""
    y = np.asarray(y).astype(int)
    p = np.empty(len(y))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(splitter.split(X, y)):
        if progress:
            progress(f"fold {k + 1}/{folds}", k, folds)
        fitted = clone(model).fit(X.iloc[train], y[train])
        p[test] = fitted.predict_proba(X.iloc[test])[:, 1]
    return p


def select_model(X: pd.DataFrame, y: np.ndarray, candidates: tuple[str, ...],
                 cost: CostRatio, folds: int = 5, seed: int = 0,
                 monotone: dict[str, int] | None = None,
                 progress: Progress | None = None) -> tuple[str, dict[str, float]]:
    """The candidate with the best cross-validated AUC, and every candidate's AUC.

    ``progress`` hears of each of the ``len(candidates) × folds`` fits as it starts.
    """
    scores = {}
    for i, name in enumerate(candidates):
        model = make_model(name, cost_ratio=cost.ratio, random_state=seed, monotone=monotone)
        step = part(progress, i * folds, len(candidates) * folds,
                    f"candidate {i + 1}/{len(candidates)} ({name}), ")
        scores[name] = auc_or_nan(y, out_of_fold(model, X, y, folds, seed, step))
    return max(scores, key=lambda n: scores[n]), scores


@dataclass(frozen=True)
class FittedRisk:
    """A calibrated model with what it was chosen from and how well it did out of sample."""

    model: CalibratedRiskModel
    model_name: str
    selection_auc: dict[str, float]
    thresholds: BandThresholds
    cost: CostRatio
    cv_metrics: GroupMetrics
    reference: dict[str, float | str]
    importance: list[Importance]
    #: Constraints applied ({column: +1 or -1}) and, per column, the largest wrong-way change
    #: in probability found when checking the fitted model (0 when it holds).
    monotone: dict[str, int]
    monotone_check: dict[str, float]


def fit_risk_model(X: pd.DataFrame, y: np.ndarray, *, model: str = "auto",
                   cost: CostRatio | None = None, calibration: str = "auto", folds: int = 5,
                   seed: int = 0, calibrate_within: pd.Series | None = None,
                   monotone: dict[str, int] | None = None,
                   progress: Progress | None = None) -> FittedRisk:
    """Choose (if ``auto``), calibrate, cross-validate and fit a model on all the data.

    ``calibrate_within`` (opt-in): a column, aligned with ``X``, whose groups each get their own
    calibration map; it is never a model input (see ``CalibratedRiskModel``). ``monotone``
    (``{column: +1 or -1}``): risk may only rise (+1) or fall (-1) with those numbers, in every
    candidate; the fitted model is checked (``monotone_check``). ``progress`` hears of each
    step: with ``auto``, every candidate's fit in every fold, then the calibration's
    ``folds + 1`` fits, then the explanation.
    """
    cost = cost or CostRatio(2.0, 1.0)
    y = np.asarray(y).astype(int)
    monotone = check_monotone(monotone, X)
    choosing = len(AUTO_CANDIDATES) * folds if model == "auto" else 0
    total = choosing + folds + 2
    if model == "auto":
        name, scores = select_model(X, y, AUTO_CANDIDATES, cost, folds, seed, monotone,
                                    part(progress, 0, total, "choosing a model: "))
    else:
        name, scores = model, {}
    within = None if calibrate_within is None else str(calibrate_within.name)
    calibrated = CalibratedRiskModel(make_model(name, cost_ratio=cost.ratio, random_state=seed,
                                                monotone=monotone),
                                     method=calibration, folds=folds, random_state=seed,
                                     within=within)
    thresholds = BandThresholds.from_cost_ratio(cost)
    reference = reference_values(X)
    if within is not None:
        X = X.assign(**{within: calibrate_within.to_numpy()})
    calibrated.fit(X, y, progress=part(progress, choosing, total, f"calibrating {name}: "))
    if progress:
        progress("explaining: importance and checks", total - 1, total)
    cv = group_metrics(y, calibrated.oof_probability_, thresholds)
    sample = X.sample(min(len(X), IMPORTANCE_SAMPLE), random_state=seed)
    importance = global_importance(contributions(calibrated, sample, reference))
    check = largest_reversal(calibrated, X, monotone, seed=seed) if monotone else {}
    if progress:
        progress("fitted", total, total)
    return FittedRisk(model=calibrated, model_name=name, selection_auc=scores,
                      thresholds=thresholds, cost=cost, cv_metrics=cv, reference=reference,
                      importance=importance, monotone=monotone, monotone_check=check)
