"""Feedback-loop simulation: how patrols that follow forecasts bend the crime record.

True crime per area and period is taken as given (from a data set). Each true crime is
reported by its victim with probability ``reported`` whatever the patrols do; otherwise it
is discovered with a probability that grows with patrol presence in its area:
``p = min(1, discovery × patrol share × number of areas)`` (a uniform patrol gives every area
``discovery``). The model forecasts next period from what it was trained on and patrols
follow the forecast: the top share of areas (``policy="top"``), or in proportion to the
forecast (``"proportional"``), with an optional exploration share spread evenly.

Training schemes (the mitigations): ``recorded`` (all recorded crime: the naive loop),
``reported`` (only victim-reported crime, which patrols do not influence) and ``corrected``
(discovered counts divided by their patrol-dependent discovery probability, Ensign et al. 2018;
an area with no chance of being observed in a period teaches the model nothing about it).
The default count forecaster predicts an area's mean training count over the periods it was
observed; any other forecaster can be passed in (``Forecaster``), e.g. a model of the forecast
package (see ``feedback_study.model_forecaster``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

SCHEMES = ("recorded", "reported", "corrected")
#: (training counts, observed mask, both periods × areas, period t) → forecast for period t.
Forecaster = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
POLICIES = ("top", "proportional")


@dataclass(frozen=True)
class FeedbackSettings:
    """Parameters of one simulated loop (see the module docstring)."""

    scheme: str = "recorded"
    policy: str = "top"
    top_share: float = 0.05
    discovery: float = 0.5
    reported: float = 0.0
    exploration: float = 0.0
    window: int = 0  # periods of history the forecaster uses; 0 = all
    warmup: int = 1  # periods patrolled uniformly before the model takes over
    seed: int = 0

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme {self.scheme!r}: use one of {', '.join(SCHEMES)}")
        if self.policy not in POLICIES:
            raise ValueError(f"policy {self.policy!r}: use one of {', '.join(POLICIES)}")
        for name in ("top_share", "discovery", "reported", "exploration"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.warmup < 1:
            raise ValueError("warmup must be at least one period (the model needs a history)")
        if self.scheme == "reported" and self.reported == 0:
            raise ValueError("scheme 'reported' needs a reported share above 0")


@dataclass
class FeedbackRun:
    """Trajectories of one simulated loop; arrays are periods × areas."""

    settings: FeedbackSettings
    true: np.ndarray
    attention: np.ndarray  # patrol share of each area (rows sum to 1)
    recorded: np.ndarray  # crimes that entered the record (reported + discovered)
    estimate: np.ndarray  # the model's forecast for the period (NaN during warm-up)
    metrics: dict[str, list[float]] = field(default_factory=dict)


def simulate(true: np.ndarray, settings: FeedbackSettings,
             forecaster: Forecaster | None = None) -> FeedbackRun:
    """Run the loop over ``true`` (periods × areas counts of true crime).

    ``forecaster`` sees only the training rows before ``t``; by default the count forecaster.
    """
    true = np.asarray(true, dtype=np.int64)
    periods, areas = true.shape
    if periods <= settings.warmup:
        raise ValueError(f"{periods} periods: need more than the {settings.warmup} warm-up")
    rng = np.random.default_rng(settings.seed)
    attention = np.zeros((periods, areas))
    recorded = np.zeros((periods, areas))
    estimate = np.full((periods, areas), np.nan)
    training = np.zeros((periods, areas))
    observed = np.zeros((periods, areas), dtype=bool)
    for t in range(periods):
        if t < settings.warmup:
            share = np.full(areas, 1.0 / areas)
        else:
            if forecaster is None:
                estimate[t] = count_forecast(training, observed, t, settings.window)
            else:
                estimate[t] = forecaster(training[:t].copy(), observed[:t].copy(), t)
            share = patrol_shares(estimate[t], settings)
        attention[t] = share
        discovery_p = np.minimum(1.0, settings.discovery * share * areas)
        reported = rng.binomial(true[t], settings.reported)
        discovered = rng.binomial(true[t] - reported, discovery_p)
        recorded[t] = reported + discovered
        training[t], observed[t] = _training_counts(reported, discovered, discovery_p, settings)
    run = FeedbackRun(settings, true, attention, recorded, estimate)
    run.metrics = trajectory_metrics(run)
    return run


def patrol_shares(forecast: np.ndarray, settings: FeedbackSettings) -> np.ndarray:
    """Patrol share of each area given the forecast, with the exploration share spread evenly.

    ``top`` patrols the ``ceil(top_share × areas)`` highest forecasts equally (ties broken by
    area order, as a dispatcher reading a sorted list would); ``proportional`` follows the
    forecast's shares (evenly when the forecast is all zero).
    """
    areas = len(forecast)
    if settings.policy == "top":
        k = max(1, int(np.ceil(settings.top_share * areas - 1e-9)))
        order = np.argsort(-forecast, kind="stable")[:k]
        share = np.zeros(areas)
        share[order] = 1.0 / k
    else:
        total = forecast.sum()
        share = forecast / total if total > 0 else np.full(areas, 1.0 / areas)
    return (1 - settings.exploration) * share + settings.exploration / areas


def count_forecast(training: np.ndarray, observed: np.ndarray, t: int,
                   window: int) -> np.ndarray:
    """Mean training count per observed period over the window before ``t`` (0 if never seen)."""
    lo = 0 if window <= 0 else max(0, t - window)
    seen = observed[lo:t].sum(axis=0)
    total = training[lo:t].sum(axis=0)
    return np.divide(total, seen, out=np.zeros_like(total), where=seen > 0)


def _training_counts(reported: np.ndarray, discovered: np.ndarray, discovery_p: np.ndarray,
                     settings: FeedbackSettings) -> tuple[np.ndarray, np.ndarray]:
    """What the model learns from one period under the scheme, and which areas it observed."""
    everywhere = np.ones(len(reported), dtype=bool)
    if settings.scheme == "recorded":
        return (reported + discovered).astype(float), everywhere
    if settings.scheme == "reported":
        return reported.astype(float), everywhere
    # corrected: an unbiased estimate of true crime wherever the area could be observed
    r = settings.reported
    patrolled = discovery_p > 0
    estimate = np.where(patrolled, reported + discovered / np.where(patrolled, discovery_p, 1.0),
                        reported / r if r > 0 else 0.0)
    return estimate, patrolled | (r > 0)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """Half the L1 distance between two distributions (share that would have to move)."""
    p_sum, q_sum = p.sum(), q.sum()
    if p_sum <= 0 or q_sum <= 0:
        return float("nan")
    return float(0.5 * np.abs(p / p_sum - q / q_sum).sum())


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = even, → 1 = all in one place)."""
    v = np.sort(np.asarray(values, dtype=float))
    n, total = len(v), v.sum()
    if n == 0 or total <= 0:
        return float("nan")
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * v).sum()) / (n * total) - (n + 1) / n)


def trajectory_metrics(run: FeedbackRun) -> dict[str, list[float]]:
    """Per-period drift of the record, the model and the patrols from the truth."""
    cum_true = np.cumsum(run.true, axis=0)
    cum_rec = np.cumsum(run.recorded, axis=0)
    out: dict[str, list[float]] = {"recorded_vs_true": [], "estimate_vs_true": [],
                                   "attention_vs_true": [], "attention_gini": [],
                                   "attention_top_decile": []}
    areas = run.true.shape[1]
    top_n = max(1, int(np.ceil(0.1 * areas)))
    for t in range(run.true.shape[0]):
        out["recorded_vs_true"].append(total_variation(cum_rec[t], cum_true[t]))
        est = run.estimate[t]
        out["estimate_vs_true"].append(
            total_variation(est, cum_true[t - 1]) if t > 0 and np.isfinite(est).all()
            else float("nan"))
        out["attention_vs_true"].append(total_variation(run.attention[t], cum_true[t]))
        out["attention_gini"].append(gini(run.attention[t]))
        out["attention_top_decile"].append(float(np.sort(run.attention[t])[::-1][:top_n].sum()))
    return out
