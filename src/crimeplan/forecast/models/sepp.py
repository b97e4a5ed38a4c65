"""Self-exciting point process (ETAS-style SEPP; Mohler et al. 2011, 2015), fitted by EM.

The intensity at time t and place s is a background plus the triggering of earlier events:

    lambda(t, s) = mu * nu(s) + sum_{t_j < t} theta * omega * exp(-omega (t - t_j)) * g(s - s_j)

with ``nu`` a spatial density (a Gaussian kernel density of the events weighted by their
probability of being background, as in Mohler's stochastic declustering), ``theta`` the mean
number of events each event triggers, ``1/omega`` the mean delay in days and ``g`` an isotropic
Gaussian of sd ``sigma`` metres. Candidate parent-child pairs (within ``max_lag_days`` and
``max_distance``) are found once by a compiled sweep over spatial buckets; every EM step is
then vectorised numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.models._smoothing import gaussian_cell_mass


@numba.njit(cache=True)
def _sweep(t, x, y, order, keys, starts, ends, cols, max_lag, max_d2, child, parent):
    """Visit earlier events in the 3x3 buckets around each event; count or fill the pairs."""
    n_found = 0
    fill = len(child) > 0
    ts = t[order]
    for i in range(len(t)):
        bx, by = keys[i] // cols, keys[i] % cols
        for dx in range(-1, 2):
            for dy in range(-1, 2):
                key = (bx + dx) * cols + (by + dy)
                b = np.searchsorted(starts[:, 0], key)
                if b >= len(starts) or starts[b, 0] != key:
                    continue
                s, e = starts[b, 1], ends[b]
                lo = s + np.searchsorted(ts[s:e], t[i] - max_lag, side="left")
                hi = s + np.searchsorted(ts[s:e], t[i], side="left")  # strictly earlier
                for q in range(lo, hi):
                    j = order[q]
                    if (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2 <= max_d2:
                        if fill:
                            child[n_found] = i
                            parent[n_found] = j
                        n_found += 1
    return n_found


def candidate_pairs(t: np.ndarray, x: np.ndarray, y: np.ndarray, max_lag: float,
                    max_distance: float) -> tuple[np.ndarray, np.ndarray]:
    """(child, parent) indices of every strictly earlier event within the lag and distance.

    Events are bucketed in squares of side ``max_distance``; each event looks only at the nine
    buckets around it and, inside each, binary-searches the time window.
    """
    t, x, y = (np.asarray(a, float) for a in (t, x, y))
    if len(t) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    bx = np.floor((x - x.min()) / max_distance).astype(np.int64) + 1
    by = np.floor((y - y.min()) / max_distance).astype(np.int64) + 1
    cols = int(by.max()) + 2
    keys = bx * cols + by
    order = np.lexsort((t, keys))
    sorted_keys = keys[order]
    first = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    starts = np.column_stack([sorted_keys[first], first])
    ends = np.r_[first[1:], len(t)]
    none = np.empty(0, np.int64)
    d2 = max_distance**2
    n = _sweep(t, x, y, order, keys, starts, ends, cols, max_lag, d2, none, none)
    child, parent = np.empty(n, np.int64), np.empty(n, np.int64)
    _sweep(t, x, y, order, keys, starts, ends, cols, max_lag, d2, child, parent)
    return child, parent


@dataclass(frozen=True)
class _Raster:
    """A fine raster over the events' extent, whose pixels carry the background density."""

    x0: float
    y0: float
    res: float
    shape: tuple[int, int]

    @classmethod
    def around(cls, x: np.ndarray, y: np.ndarray, res: float, pad: float) -> _Raster:
        x0, y0 = x.min() - pad, y.min() - pad
        w = int((x.max() + pad - x0) // res) + 1
        h = int((y.max() + pad - y0) // res) + 1
        return cls(x0, y0, res, (h, w))

    def pixels(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        col = ((x - self.x0) // self.res).astype(np.int64)
        row = ((y - self.y0) // self.res).astype(np.int64)
        return row * self.shape[1] + col



@dataclass(frozen=True)
class _PixelDensity:
    """A Gaussian filter of the weighted events' pixel raster, read at the events' pixels.

    Filtering the whole raster at every EM step costs most of a fit when the bandwidth is a
    few tens of metres over a city (millions of pixels, most of them empty). The density is
    only ever read at the events' own pixels, so the pairs of occupied pixels within the
    filter's reach are found once (a k-d tree, Chebyshev distance) with their separable
    Gaussian weights, exactly as ``scipy.ndimage.gaussian_filter`` samples and normalises them.
    """

    inverse: np.ndarray  # occupied pixel of each event
    n_pixels: int
    a: np.ndarray  # pixel pairs within reach, a < b
    b: np.ndarray
    weight: np.ndarray
    self_weight: float
    pixel_area: float

    @classmethod
    def build(cls, raster: _Raster, pix: np.ndarray, bandwidth: float,
              truncate: float = 4.0) -> _PixelDensity:
        occupied, inverse = np.unique(pix, return_inverse=True)
        rows, cols = np.divmod(occupied, raster.shape[1])
        sd = bandwidth / raster.res
        reach = int(truncate * sd + 0.5)  # as scipy's gaussian_filter1d
        taps = np.exp(-0.5 * (np.arange(-reach, reach + 1) / sd) ** 2)
        taps /= taps.sum()
        tree = cKDTree(np.column_stack([cols, rows]).astype(float))
        pairs = tree.query_pairs(reach + 0.5, p=np.inf, output_type="ndarray")
        a, b = pairs[:, 0], pairs[:, 1]
        weight = taps[reach + np.abs(cols[a] - cols[b])] * taps[reach + np.abs(rows[a] - rows[b])]
        return cls(inverse.ravel(), len(occupied), a, b, weight, float(taps[reach] ** 2),
                   raster.res**2)

    def density(self, weights: np.ndarray) -> np.ndarray:
        """Kernel density (per square metre) of the weighted events, read at each event."""
        mass = np.bincount(self.inverse, weights=weights, minlength=self.n_pixels)
        out = mass * self.self_weight
        out += np.bincount(self.a, weights=self.weight * mass[self.b], minlength=self.n_pixels)
        out += np.bincount(self.b, weights=self.weight * mass[self.a], minlength=self.n_pixels)
        return out[self.inverse] / self.pixel_area


class SEPP(ForecastModel):
    """Background plus exponential-in-time, Gaussian-in-space triggering, fitted by EM.

    ``min_sigma`` floors the triggering spread: many data sets round or snap coordinates, so
    repeats at one address would otherwise shrink it to nothing.
    """

    name = "sepp"

    def __init__(self, background_bandwidth: float = 25.0, max_distance: float = 500.0,
                 max_lag_days: float = 90.0, min_sigma: float = 10.0, max_iter: int = 60,
                 tol: float = 1e-4, background_decay_days: float | None = None) -> None:
        if min(background_bandwidth, max_distance, max_lag_days) <= 0:
            raise ValueError("bandwidth, max_distance and max_lag_days must be positive")
        if background_decay_days is not None and background_decay_days <= 0:
            raise ValueError("background_decay_days must be positive (or None)")
        self.background_bandwidth = background_bandwidth
        self.background_decay_days = background_decay_days
        self.max_distance = max_distance
        self.max_lag_days = max_lag_days
        self.min_sigma = min_sigma
        self.max_iter = max_iter
        self.tol = tol

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        self.events_ = events
        self.theta_, self.omega_, self.sigma_, self.mu_, self.n_iter_ = 0.0, 0.1, 50.0, 0.0, 0
        self.background_ = np.ones(len(events))
        if events.empty:
            return
        start = events["time"].min()
        t = ((events["time"] - start).dt.total_seconds() / 86400.0).to_numpy()
        # the EM works in metres, as the distance parameters are
        x, y = (events[c].to_numpy(float) * self.unit_m_ for c in ("x", "y"))
        span = max((until - start).total_seconds() / 86400.0, 1.0)
        self._em(t, x, y, span)
        self.t_ = t
        self.span_ = span

    def _em(self, t: np.ndarray, x: np.ndarray, y: np.ndarray, span: float) -> None:
        """Expectation-maximisation over candidate pairs; sets the fitted parameters."""
        n = len(t)
        child, parent = candidate_pairs(t, x, y, self.max_lag_days, self.max_distance)
        dt = t[child] - t[parent]
        d2 = (x[child] - x[parent]) ** 2 + (y[child] - y[parent]) ** 2
        raster = _Raster.around(x, y, self.background_bandwidth / 2,
                                4 * self.background_bandwidth)
        kernel = _PixelDensity.build(raster, raster.pixels(x, y), self.background_bandwidth)
        theta, omega, sigma = 0.1, 0.1, 100.0
        p_bg = np.ones(n)
        for it in range(1, self.max_iter + 1):
            self.n_iter_ = it
            mu = p_bg.sum() / span
            bg = mu * kernel.density(p_bg) / p_bg.sum()
            trig = (theta * omega * np.exp(-omega * dt) * np.exp(-d2 / (2 * sigma**2))
                    / (2 * math.pi * sigma**2))
            lam = bg + np.bincount(child, weights=trig, minlength=n)
            p_bg = bg / lam
            p_trig = trig / lam[child]
            triggered = p_trig.sum()
            # offspring each event could still have had inside the observed window
            exposure = np.sum(1.0 - np.exp(-omega * (span - t)))
            new = (triggered / max(exposure, 1e-12),
                   triggered / max(np.sum(p_trig * dt), 1e-12),
                   math.sqrt(np.sum(p_trig * d2) / max(2 * triggered, 1e-12)))
            change = max(abs(a - b) / max(abs(b), 1e-12)
                         for a, b in zip(new, (theta, omega, sigma), strict=True))
            theta, omega, sigma = new
            sigma = max(sigma, self.min_sigma)  # coordinates are rounded or snapped
            if change < self.tol:
                break
        self.theta_, self.omega_, self.sigma_ = theta, omega, sigma
        self.mu_, self.background_ = p_bg.sum() / span, p_bg

    def summary(self) -> str:
        """The fitted parameters in words."""
        return (f"background {self.mu_:.2f} events/day, theta {self.theta_:.3f} events "
                f"triggered per event, mean delay {1 / self.omega_:.1f} days, spatial sd "
                f"{self.sigma_:.0f} m, {self.n_iter_} EM iterations")

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        ev = self.events_
        if ev.empty:
            return np.zeros(grid.n_cells)
        days = (self.until_ + horizon - self.until_).total_seconds() / 86400.0
        x, y = ev["x"].to_numpy(float), ev["y"].to_numpy(float)
        age = self.span_ - self.t_
        weight = self.background_
        if self.background_decay_days is not None:
            # where the background is now: recent background events weigh more, the total kept
            decayed = weight * np.exp(-age / self.background_decay_days)
            weight = decayed * (weight.sum() / max(decayed.sum(), 1e-12))
        bg = gaussian_cell_mass(grid, x, y, weight, self.background_bandwidth)  # x, y: grid units
        live = age * self.omega_ < 30
        weight = self.theta_ * (np.exp(-self.omega_ * age[live])
                                - np.exp(-self.omega_ * (age[live] + days)))
        trig = gaussian_cell_mass(grid, x[live], y[live], weight, self.sigma_)
        return bg * days / self.span_ + trig
