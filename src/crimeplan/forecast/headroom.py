"""Headroom: how far could *any* forecast get on these test periods?

A backtest says how much a model beats the baselines; it does not say how much was there to
gain. The oracles here are not models — they use the test periods themselves, future included —
so they bound what a forecast from the past can be expected to reach:

* *other test periods*: the mean count of each cell over every other test period;
* that plus ``w`` × the long-run mean per cell before the test window;
* *nearby periods*: the mean over the test periods within ±h of the one forecast (itself
  excluded) plus ``w`` × the long-run mean — knowing the *current* local level, which models
  of short-term dynamics (near repeats, self-excitation, recent lags) try to learn;
* the other test periods plus ``w`` × the best non-baseline model's own forecast, which keeps
  everything that model learned from the past and knows the test year on top.

Each mixing weight is the best of ``MIX_WEIGHTS`` *on the test periods themselves*, which
flatters the oracle further. If even these barely beat the best baseline, a large honest gain
is not to be expected at this scale, whatever the model. Every oracle is scored with the same
metrics as the models (pooled PAI, ties by expectation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crimeplan.forecast.grid import Grid
from crimeplan.forecast.metrics import Evaluation, Interval, evaluate, paired_intervals
from crimeplan.forecast.models import BASELINES
from crimeplan.forecast.models.all_past import AllPastMean

#: Weights of the long-run mean (or model forecast) mixed into an oracle.
MIX_WEIGHTS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
#: Half-widths, in periods, of the nearby-period oracles.
NEARBY_HALF_WIDTHS = (4, 13)


@dataclass(frozen=True)
class Oracle:
    """One oracle's pooled PAI per coverage level, and its ratio to the best baseline's
    (``evaluation``: its scores per test period, for paired comparisons)."""

    name: str
    pai: tuple[float, ...]
    ratio: tuple[float, ...]
    evaluation: Evaluation | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Headroom:
    """The oracles scored on a backtest's test periods, against its best baseline per level."""

    coverage: tuple[float, ...]
    baseline: tuple[str, ...]  # best baseline per level
    baseline_pai: tuple[float, ...]
    oracles: tuple[Oracle, ...]

    def best_ratio(self) -> tuple[float, ...]:
        """Per level, the best oracle's PAI over the best baseline's."""
        return tuple(max(o.ratio[c] for o in self.oracles) for c in range(len(self.coverage)))

    def best_oracle(self, level: float) -> Oracle:
        """The oracle with the highest PAI at one coverage level."""
        c = self.coverage.index(float(level))
        return max(self.oracles, key=lambda o: np.nan_to_num(o.ratio[c], nan=-np.inf))

    def to_dict(self) -> dict[str, object]:
        """For summary.json: coverage, best baselines, and each oracle's PAI and ratio."""
        return {"coverage": list(self.coverage), "baseline": list(self.baseline),
                "baseline_pai": list(self.baseline_pai),
                "oracles": [{"name": o.name, "pai": list(o.pai), "ratio": list(o.ratio)}
                            for o in self.oracles]}


def long_run_mean(events: pd.DataFrame, grid: Grid, until: pd.Timestamp,
                  horizon: str | pd.DateOffset) -> np.ndarray:
    """Each cell's mean count per period over the whole history before ``until``."""
    return AllPastMean().fit(events, until).predict(grid, horizon)


def other_periods(counts: np.ndarray) -> np.ndarray:
    """For each period, the mean count per cell over every other period (periods × cells)."""
    counts = np.asarray(counts, float)
    return (counts.sum(axis=0)[None] - counts) / (counts.shape[0] - 1)


def nearby_periods(counts: np.ndarray, half: int) -> np.ndarray:
    """For each period, the mean count per cell over the periods within ±``half`` of it
    (itself excluded; fewer at the ends of the window)."""
    counts = np.asarray(counts, float)
    n = counts.shape[0]
    cum = np.vstack([np.zeros((1, counts.shape[1])), np.cumsum(counts, axis=0)])
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    return (cum[hi] - cum[lo] - counts) / (hi - lo - 1)[:, None]


def headroom(observed: np.ndarray, evaluations: Mapping[str, Evaluation],
             forecasts: Mapping[str, np.ndarray], long_run: np.ndarray,
             select: Sequence[float] | None = None) -> Headroom | None:
    """Score the oracles on ``observed`` (periods × cells) against the best baseline.

    ``evaluations`` and ``forecasts`` are the backtest's per-model scores and forecasts
    (periods × cells), baselines among them; the coverage levels are the evaluations'.
    ``long_run`` is each cell's mean count per period before the test window. Mixing weights
    and the model to mix are chosen by the sum of pooled PAI at the ``select`` levels (every
    level by default). None when there are fewer than two test periods or no baseline.
    """
    observed = np.asarray(observed, float)
    base = [m for m in evaluations if m in BASELINES]
    if observed.shape[0] < 2 or not base:
        return None
    cov = tuple(float(c) for c in next(iter(evaluations.values())).coverage)
    chosen = [cov.index(float(c)) for c in (select or cov)]

    def scored_as(scores: np.ndarray) -> Evaluation:
        return evaluate(scores, observed, cov)

    def merit(pai: np.ndarray) -> float:
        return float(np.nansum(pai[chosen]))

    model_pai = {m: ev.pooled("pai") for m, ev in evaluations.items()}
    best_base = [max(base, key=lambda m, c=c: np.nan_to_num(model_pai[m][c], nan=-np.inf))
                 for c in range(len(cov))]
    base_pai = np.array([model_pai[m][c] for c, m in enumerate(best_base)])

    others = other_periods(observed)
    families: list[dict[str, np.ndarray]] = [
        {"other test periods only": others},
        {f"other periods + {w:g} x long-run": others + w * long_run for w in MIX_WEIGHTS}]
    for half in NEARBY_HALF_WIDTHS:
        if observed.shape[0] > 2 * half:
            near = nearby_periods(observed, half)
            families.append({f"periods within ±{half} + {w:g} x long-run": near + w * long_run
                             for w in (0.0, *MIX_WEIGHTS)})
    honest = [m for m in evaluations if m not in BASELINES]
    if honest:
        top = max(honest, key=lambda m: merit(model_pai[m]))
        families.append({f"other periods + {w:g} x {top}": others + w * forecasts[top]
                         for w in MIX_WEIGHTS})
    oracles = []
    for family in families:
        scored = {name: scored_as(scores) for name, scores in family.items()}
        name = max(scored, key=lambda n: merit(scored[n].pooled("pai")))
        pai = scored[name].pooled("pai")
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = pai / base_pai
        oracles.append(Oracle(name, tuple(map(float, pai)), tuple(map(float, ratio)),
                              scored[name]))
    return Headroom(cov, tuple(best_base), tuple(map(float, base_pai)), tuple(oracles))


def share_of_gain(model: Evaluation, oracle: Evaluation, baseline: Evaluation,
                  n_boot: int = 1000, seed: int = 0) -> list[Interval]:
    """Per level, the share of the oracle's PAI gain over the baseline that the model takes,
    (model / baseline - 1) / (oracle / baseline - 1), with a paired bootstrap interval (the
    same resampled test periods for all three)."""
    def share(idx: np.ndarray | None) -> np.ndarray:
        base = baseline.pooled("pai", idx)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (model.pooled("pai", idx) / base - 1) / (oracle.pooled("pai", idx) / base - 1)

    return paired_intervals(share, model.n_periods, n_boot, seed=seed)
