"""Forecast evaluation: hit rate, PAI and PEI at coverage levels, bootstrap intervals, deviance.

With N crimes in a test period, n of them inside the flagged cells, flagged area a of a study
area A: hit rate = n/N, PAI = (n/N)/(a/A), PEI = n/n*, n* the most crimes any set of the same
number of cells captured. Cells tied at the cut-off count by expectation over every random order
of the tied cells: with m places left for t tied cells holding c crimes, they add c*m/t. Scoring
is vectorised over cells and coverage levels; only periods are looped over.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Shares of the study area flagged (0.5%, 1%, 2%, 5%, 10%).
DEFAULT_COVERAGE = (0.005, 0.01, 0.02, 0.05, 0.10)
METRICS = ("hit_rate", "pai", "pei")


def flagged_cells(coverage: np.ndarray | tuple[float, ...], n_cells: int) -> np.ndarray:
    """Cells flagged at each coverage level: the nearest whole number, at least one."""
    cov = np.asarray(coverage, float)
    if np.any((cov <= 0) | (cov > 1)):
        raise ValueError(f"coverage levels must be in (0, 1], got {cov.tolist()}")
    return np.clip(np.floor(cov * n_cells + 0.5), 1, n_cells).astype(np.int64)


def flag_shares(scores: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Each cell's chance of being among the ``k`` highest-scoring cells (levels x cells).

    Ties at the cut-off are broken at random: a cell scoring above the cut-off is flagged (1),
    below it not (0), and each of the ``t`` cells tied at it, with ``m`` places left, is
    flagged with chance m/t. The shares of a level sum to its ``k``.
    """
    scores = np.asarray(scores, float)
    k = np.atleast_1d(np.asarray(k, np.int64))
    if scores.ndim != 1:
        raise ValueError("scores must be a 1-D array")
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN")
    cut = np.sort(scores)[::-1][k - 1][:, None]  # the score at each level's cut-off
    above = scores[None, :] > cut
    tied = scores[None, :] == cut
    left = k - above.sum(axis=1)
    return above + tied * (left / tied.sum(axis=1))[:, None]


def captured(scores: np.ndarray, counts: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Expected crimes in the ``k`` highest-scoring cells, ties at the cut-off by expectation."""
    counts = np.asarray(counts, float)
    if np.shape(scores) != counts.shape:
        raise ValueError("scores and counts must be 1-D arrays of the same length")
    return flag_shares(scores, k) @ counts


def best_possible(counts: np.ndarray, k: np.ndarray) -> np.ndarray:
    """n*: the most crimes any ``k`` cells captured (a perfect forecast)."""
    c = np.sort(np.asarray(counts, float))[::-1]
    return np.concatenate([[0.0], np.cumsum(c)])[np.asarray(k, np.int64)]


def poisson_deviance(expected: np.ndarray, counts: np.ndarray, floor: float = 1e-9) -> float:
    """Mean Poisson deviance per cell of predicted counts (lower is better)."""
    mu = np.maximum(np.asarray(expected, float), floor)
    y = np.asarray(counts, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(np.mean(2.0 * (term - (y - mu))))


@dataclass(frozen=True)
class Interval:
    """A point estimate with a bootstrap percentile interval."""

    estimate: float
    low: float
    high: float
    level: float


@dataclass(frozen=True)
class Evaluation:
    """Scores of one model over test periods at each coverage level.

    ``n`` and ``n_star`` are periods x levels; ``total`` (N) and ``deviance`` are per period.
    """

    coverage: np.ndarray
    area_share: np.ndarray  # a/A actually flagged: whole cells / cells in the study area
    n: np.ndarray
    n_star: np.ndarray
    total: np.ndarray
    deviance: np.ndarray

    @property
    def n_periods(self) -> int:
        return len(self.total)

    # per period (NaN where a period has no crimes) ----------------------------------------
    @property
    def hit_rate(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.n / self.total[:, None]

    @property
    def pai(self) -> np.ndarray:
        return self.hit_rate / self.area_share[None, :]

    @property
    def pei(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.n / self.n_star

    # pooled over periods: ratios of sums -------------------------------------------------
    def pooled(self, metric: str, periods: np.ndarray | None = None) -> np.ndarray:
        """Pooled ``hit_rate``, ``pai`` or ``pei`` per level over (a sample of) periods."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; use one of {METRICS}")
        idx = slice(None) if periods is None else periods
        n = self.n[idx].sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN when no crimes at all
            if metric == "pei":
                return n / self.n_star[idx].sum(axis=0)
            hit = n / self.total[idx].sum()
        return hit if metric == "hit_rate" else hit / self.area_share

    def bootstrap(self, metric: str, n_boot: int = 1000, level: float = 0.95,
                  seed: int = 0) -> list[Interval]:
        """Pooled metric per coverage level with a percentile interval from resampled periods."""
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, self.n_periods, size=(n_boot, self.n_periods))
        samples = np.array([self.pooled(metric, d) for d in draws])
        return _intervals(self.pooled(metric), samples, level)


def evaluate(scores: np.ndarray, counts: np.ndarray,
             coverage: tuple[float, ...] | np.ndarray = DEFAULT_COVERAGE) -> Evaluation:
    """Score forecasts (periods x cells) against observed counts (periods x cells)."""
    scores = np.atleast_2d(np.asarray(scores, float))
    counts = np.atleast_2d(np.asarray(counts, float))
    if scores.shape != counts.shape:
        raise ValueError(f"scores {scores.shape} and counts {counts.shape} differ in shape")
    n_cells = scores.shape[1]
    cov = np.asarray(coverage, float)
    k = flagged_cells(cov, n_cells)
    n = np.array([captured(s, c, k) for s, c in zip(scores, counts, strict=True)])
    n_star = np.array([best_possible(c, k) for c in counts])
    dev = np.array([poisson_deviance(s, c) for s, c in zip(scores, counts, strict=True)])
    return Evaluation(cov, k / n_cells, n, n_star, counts.sum(axis=1), dev)


@dataclass(frozen=True)
class Comparison:
    """How much better a model is than a reference, as a ratio of pooled metrics per level."""

    metric: str
    ratio: list[Interval]  # model / reference
    gap_closed: list[Interval]  # (model - reference) / (1 - reference), for PEI-style ceilings


def paired_intervals(statistic: Callable[[np.ndarray | None], np.ndarray], n_periods: int,
                     n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> list[Interval]:
    """A statistic of pooled scores per level (``statistic(None)`` on every period,
    ``statistic(idx)`` on resampled periods) with a percentile interval; every evaluation it
    reads sees the same resampled periods (a paired bootstrap)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_periods, size=(n_boot, n_periods))
    return _intervals(statistic(None), np.array([statistic(d) for d in draws]), level)


def compare(model: Evaluation, reference: Evaluation, metric: str = "pai", n_boot: int = 1000,
            level: float = 0.95, seed: int = 0) -> Comparison:
    """Paired bootstrap (same resampled periods for both) of model vs reference."""
    if model.n_periods != reference.n_periods:
        raise ValueError("model and reference were scored on different numbers of periods")

    def ratio(idx: np.ndarray | None) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return model.pooled(metric, idx) / reference.pooled(metric, idx)

    def gap(idx: np.ndarray | None) -> np.ndarray:
        m, r = model.pooled("pei", idx), reference.pooled("pei", idx)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (m - r) / (1.0 - r)

    return Comparison(metric, paired_intervals(ratio, model.n_periods, n_boot, level, seed),
                      paired_intervals(gap, model.n_periods, n_boot, level, seed))


def _intervals(estimate: np.ndarray, samples: np.ndarray, level: float) -> list[Interval]:
    """Percentile intervals per column of bootstrap samples."""
    tail = (1.0 - level) / 2.0
    samples = np.where(np.isfinite(samples), samples, np.nan)  # e.g. no gap left to close
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN bounds
        low = np.nanquantile(samples, tail, axis=0)
        high = np.nanquantile(samples, 1.0 - tail, axis=0)
    return [Interval(float(e), float(lo), float(hi), level)
            for e, lo, hi in zip(estimate, low, high, strict=True)]
