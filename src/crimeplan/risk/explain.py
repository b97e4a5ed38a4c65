"""Plain-words reasons for each person's estimate, and global importance.

Method (occlusion against a typical person): for each feature, the person's value is swapped
for the training data's typical value (median of a number, most common category) and the
change in the estimated probability is that feature's contribution. Reasons are the features
that move the estimate most, up or down (by at least ``MIN_REASON``). Limits: contributions are
one at a time and do not add up to the whole estimate when features interact; they describe the
model, not the causes of anyone's behaviour; correlated features share credit unevenly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crimeplan.risk.base import RiskModel, numeric_columns

#: Contributions smaller than this (in probability) are not given as reasons.
MIN_REASON = 0.005

LIMITS = (
    "Each reason is the change in the estimate if that one factor were typical for the training "
    "data, with everything else unchanged. Reasons describe how the model works, not why a person "
    "behaves as they do; they do not add up exactly to the estimate when factors interact, and "
    "closely related factors (such as age and age at first arrest) share credit unevenly. Global "
    "importance is the average size of these changes over many people: a large value means the "
    "model leans on the factor, not that the factor causes offending."
)


def reference_values(X: pd.DataFrame) -> dict[str, float | str]:
    """The typical value of each feature: the median of numbers, the commonest category."""
    numbers = set(numeric_columns(X))
    return {c: float(X[c].median()) if c in numbers else str(X[c].mode().iloc[0])
            for c in X.columns}


def contributions(model: RiskModel, X: pd.DataFrame,
                  reference: dict[str, float | str]) -> pd.DataFrame:
    """Per person and feature: estimate minus the estimate with that feature made typical."""
    base = model.predict_proba(X)[:, 1]
    out = {}
    for column in model.feature_names_in_:
        swapped = X.copy()
        swapped[column] = reference[column]
        out[column] = base - model.predict_proba(swapped)[:, 1]
    return pd.DataFrame(out, index=X.index)


def _shown(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{value:.1f}"
    return str(value)


def reasons(X: pd.DataFrame, contrib: pd.DataFrame, reference: dict[str, float | str],
            top: int = 3) -> list[str]:
    """For each person, the ``top`` factors moving their estimate most, in plain words.

    Factors are ordered by the size of their contribution, exact ties (common with trees) in
    column order; one array sort for everyone, as batches of tens of thousands of people are
    common.
    """
    columns = list(contrib.columns)
    values = contrib.to_numpy(dtype=float)
    size = np.abs(values)
    order = np.argsort(-size, axis=1, kind="stable")[:, :top]
    if not X.index.equals(contrib.index):
        X = X.loc[contrib.index]
    shown = {c: [_shown(v) for v in X[c]] for c in columns}
    typical = {c: _shown(reference[c]) for c in columns}
    out = []
    for i, row in enumerate(order):
        parts = [f"{columns[j]} is {shown[columns[j]][i]} (typical {typical[columns[j]]}): "
                 f"{'raises' if values[i, j] > 0 else 'lowers'} the estimate by "
                 f"{100 * size[i, j]:.0f} points" for j in row if size[i, j] >= MIN_REASON]
        out.append("; ".join(parts) if parts else
                   "no factor moves the estimate from that of a typical person")
    return out


@dataclass(frozen=True)
class Importance:
    """A feature's global importance: mean absolute contribution, in probability points."""

    feature: str
    mean_abs_contribution: float


def global_importance(contrib: pd.DataFrame) -> list[Importance]:
    """Features ordered by how much, on average, making them typical moves the estimate."""
    means = contrib.abs().mean().sort_values(ascending=False)
    return [Importance(str(c), float(v)) for c, v in means.items()]
