"""Statistically significant hot spots per period and how they change over time.

Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis 1995) compares the events in a cell and its
neighbours with the study area's mean. Cells are tested one-sided for *high* values (hot
spots), and the many tests of one period are controlled with the Benjamini–Hochberg false
discovery rate. Classes over time (``classify``) are defined in docs/forecast-cli.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.stats import norm

from crimeplan.forecast.grid import Grid

#: Hot-spot classes over time, in the order they are tested.
CLASSES = ("new", "persistent", "intermittent", "diminishing")
NOT_HOT = "not hot"
#: Share of periods a cell must be hot in to be persistent (as in Esri's emerging hot spots).
PERSISTENT_SHARE = 0.9


@dataclass(frozen=True)
class GiStar:
    """Gi* z-scores of one period, their one-sided p-values, BH q-values and hot flags."""

    z: np.ndarray
    p: np.ndarray
    q: np.ndarray
    hot: np.ndarray
    alpha: float


@dataclass(frozen=True)
class HotspotHistory:
    """Gi* of each of several consecutive periods and the resulting class of every cell."""

    periods: list[str]
    stats: list[GiStar]
    classes: np.ndarray  # one of CLASSES or NOT_HOT per cell

    @property
    def hot(self) -> np.ndarray:
        """Periods × cells matrix of hot flags."""
        return np.vstack([s.hot for s in self.stats])


def queen_weights(grid: Grid) -> sparse.csr_matrix:
    """Binary weights of each cell with itself and its (up to eight) queen neighbours."""
    a, b = grid.neighbours(1)
    n = grid.n_cells
    rows = np.concatenate([np.arange(n), a])
    cols = np.concatenate([np.arange(n), b])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def gi_star(counts: np.ndarray, weights: sparse.csr_matrix) -> np.ndarray:
    """Gi* z-score of every cell (Ord & Getis 1995, eq. 7, self included in the weights).

    Gi* = (Σ_j w_ij x_j − x̄ W_i) / (S √((n Σ_j w_ij² − W_i²) / (n − 1))), W_i = Σ_j w_ij,
    x̄ and S the mean and (population) standard deviation of all n cells. Zero when every
    cell has the same count (nothing stands out).
    """
    x = np.asarray(counts, float)
    n = len(x)
    if n < 2:
        raise ValueError("Gi* needs at least two cells")
    mean = x.mean()
    s = np.sqrt(np.mean(x**2) - mean**2)
    w_sum = np.asarray(weights.sum(axis=1)).ravel()
    w_sq = np.asarray(weights.multiply(weights).sum(axis=1)).ravel()
    local = weights @ x
    denom = s * np.sqrt((n * w_sq - w_sum**2) / (n - 1))
    z = np.zeros(n)
    ok = denom > 0
    z[ok] = (local[ok] - mean * w_sum[ok]) / denom[ok]
    return z


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values): reject where q <= alpha.

    q_(k) = min over j >= k of m·p_(j)/j for the ascending p-values p_(1..m), capped at 1.
    """
    p = np.asarray(p, float)
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def hot_spots(counts: np.ndarray, weights: sparse.csr_matrix, alpha: float = 0.05) -> GiStar:
    """Cells whose Gi* is significantly high at false discovery rate ``alpha``."""
    if not 0 < alpha < 1:
        raise ValueError("alpha (false discovery rate) must be between 0 and 1")
    z = gi_star(counts, weights)
    p = norm.sf(z)
    q = benjamini_hochberg(p)
    return GiStar(z=z, p=p, q=q, hot=(q <= alpha) & (z > 0), alpha=alpha)


def classify(hot: np.ndarray) -> np.ndarray:
    """Class of each cell from a periods × cells matrix of hot flags (last row = latest).

    new: hot in the latest period and in none before; persistent: hot in at least 90% of the
    periods; intermittent: hot in the latest period and at least one earlier one, but less
    than 90% of the periods; diminishing: hot in some earlier period but not in the latest;
    otherwise not hot.
    """
    hot = np.asarray(hot, bool)
    if hot.ndim != 2 or hot.shape[0] == 0:
        raise ValueError("classify needs a periods × cells matrix with at least one period")
    latest = hot[-1]
    earlier = hot[:-1].any(axis=0)
    share = hot.mean(axis=0)
    out = np.full(hot.shape[1], NOT_HOT, dtype=object)
    rules = [
        ("new", latest & ~earlier),
        ("persistent", share >= PERSISTENT_SHARE),
        ("intermittent", latest & earlier),
        ("diminishing", ~latest & earlier),
    ]
    undecided = np.ones(hot.shape[1], bool)
    for name, rule in rules:
        take = undecided & rule
        out[take] = name
        undecided &= ~take
    return out


def hotspot_history(grid: Grid, counts_by_period: np.ndarray, periods: list[str],
                    alpha: float = 0.05) -> HotspotHistory:
    """Gi* hot spots of every period (rows of ``counts_by_period``) and the cells' classes."""
    counts_by_period = np.asarray(counts_by_period, float)
    if counts_by_period.shape != (len(periods), grid.n_cells):
        raise ValueError("counts_by_period must be periods × grid cells")
    weights = queen_weights(grid)
    stats = [hot_spots(row, weights, alpha) for row in counts_by_period]
    return HotspotHistory(periods=list(periods), stats=stats,
                          classes=classify(np.vstack([s.hot for s in stats])))
