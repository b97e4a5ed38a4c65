"""Cell features for the learned grid model: lagged counts at several temporal and spatial scales.

For a forecast anchor (a period start) every feature uses only events before that anchor:
mean counts of the cell over the last 1, 4, 13, 52 and 156 periods and the whole history,
exponentially decayed means (a half-life in periods), the same summed over 3x3 and 7x7
neighbourhoods, the count around the same time a year earlier, periods
since the cell's last event, and the mix of event categories nearby. When a target category is
forecast, the same lags of all events are added as context (all crime marks where people are).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import ndimage

from crimeplan.forecast.grid import Grid
from crimeplan.forecast.periods import period_counts, periods_covered

#: Longest history considered, in periods (ten years of weeks).
MAX_HISTORY = 520


@dataclass(frozen=True)
class FeatureSpec:
    """Lags (periods) and neighbourhoods (cells per side) to build; categories to count."""

    windows: tuple[int, ...] = (1, 4, 13, 52, 156)
    half_lives: tuple[int, ...] = ()
    scales: tuple[int, ...] = (1, 3, 7)
    categories: int = 6


@dataclass
class History:
    """Cumulative per-period counts before a cut-off, from which any anchor's lags are read."""

    cum: np.ndarray  # (periods + 1) x cells, cumulative over periods, oldest first
    year: int  # periods in a year (52 weekly, 12 monthly, 365 daily)

    @property
    def n_periods(self) -> int:
        return self.cum.shape[0] - 1

    def window_mean(self, p: int, w: int) -> np.ndarray:
        """Mean count per cell over the (up to) ``w`` periods before anchor ``p``."""
        lo = max(0, p - w)
        return (self.cum[p] - self.cum[lo]) / max(1, p - lo)

    def last_year(self, p: int) -> np.ndarray:
        """Mean count over the four periods around anchor ``p`` one year earlier (NaN if absent)."""
        lo, hi = p - self.year - 2, p - self.year + 2
        if lo < 0:
            return np.full(self.cum.shape[1], np.nan)
        return (self.cum[hi] - self.cum[lo]) / 4.0

    def since_last(self, p: int) -> np.ndarray:
        """Periods since the cell's last event before anchor ``p`` (``p + 1`` if none)."""
        if p == 0:
            return np.ones(self.cum.shape[1])
        last = self.last_event[p - 1]
        return np.where(last >= 0, p - last, p + 1).astype(float)

    def decayed_mean(self, p: int, half_life: int) -> np.ndarray:
        """Mean count before anchor ``p``, a period ``a`` periods old weighing 2^(-a/half_life)."""
        return self._decayed(half_life)[p]

    def _decayed(self, half_life: int) -> np.ndarray:
        """Decayed means at every anchor (row ``p`` uses periods before ``p`` only), cached."""
        cache = self.__dict__.setdefault("_decay_cache", {})
        if half_life not in cache:
            d = np.float32(0.5 ** (1.0 / half_life))
            counts = np.diff(self.cum, axis=0)
            out = np.zeros_like(self.cum)
            norm = np.zeros(self.cum.shape[0], np.float32)
            for p in range(1, self.cum.shape[0]):  # a loop over periods, not events
                out[p] = d * out[p - 1] + counts[p - 1]
                norm[p] = d * norm[p - 1] + 1
            norm[0] = 1
            cache[half_life] = out / norm[:, None]
        return cache[half_life]

    @cached_property
    def last_event(self) -> np.ndarray:
        """Index of the latest period up to each period holding an event in the cell, or -1."""
        busy = np.diff(self.cum, axis=0) > 0
        idx = np.where(busy, np.arange(busy.shape[0], dtype=np.int32)[:, None], np.int32(-1))
        return np.maximum.accumulate(idx, axis=0)


def history(events: pd.DataFrame, grid: Grid, until: pd.Timestamp,
            horizon: pd.DateOffset) -> History:
    """Counts per cell in every whole period of the events' history before ``until``."""
    n = periods_covered(events["time"].min(), until, horizon, MAX_HISTORY) if len(events) else 1
    counts = period_counts(events, grid, until, horizon, n).astype(np.float32)
    cum = np.concatenate([np.zeros((1, grid.n_cells), np.float32), np.cumsum(counts, axis=0)])
    days = (until - (until - horizon)).days
    return History(cum, max(1, round(365.25 / days)))


def neighbourhood_sum(grid: Grid, values: np.ndarray, size: int) -> np.ndarray:
    """Sum of ``values`` (features x cells) over the ``size`` x ``size`` block around each cell."""
    if size == 1:
        return values
    raster = grid.to_raster(values)
    summed = ndimage.uniform_filter(raster, size=(1, size, size), mode="constant") * size**2
    return grid.from_raster(summed)


def lag_features(grid: Grid, hist: History, p: int, spec: FeatureSpec,
                 prefix: str) -> tuple[np.ndarray, list[str]]:
    """Window and decayed means at every spatial scale, last year's count, time since the last
    event."""
    windows = [*spec.windows, MAX_HISTORY]
    base = np.stack([hist.window_mean(p, w) for w in windows]
                    + [hist.decayed_mean(p, h) for h in spec.half_lives])
    labels = [f"mean{w if w < MAX_HISTORY else 'all'}" for w in windows]
    labels += [f"decay{h}" for h in spec.half_lives]
    cols, names = [], []
    for s in spec.scales:
        cols.append(neighbourhood_sum(grid, base, s))
        names += [f"{prefix}{label}_s{s}" for label in labels]
    cols.append(hist.last_year(p)[None])
    cols.append(hist.since_last(p)[None])
    names += [f"{prefix}last_year", f"{prefix}since_last"]
    return np.concatenate(cols), names


def category_features(events: pd.DataFrame, grid: Grid,
                      spec: FeatureSpec) -> tuple[np.ndarray, list[str]]:
    """Counts of the most common categories per cell and 3x3 block (from the given events).

    No features when the events carry no category (a point data set loaded without one):
    events without a category count in no row.
    """
    known = events["category"].dropna() if "category" in events.columns else pd.Series()
    if spec.categories == 0 or known.empty:
        return np.zeros((0, grid.n_cells)), []
    top = known.value_counts().index[: spec.categories]
    x, y = events["x"].to_numpy(float), events["y"].to_numpy(float)
    rows = np.stack([grid.counts(x, y, (events["category"] == c).to_numpy(float)) for c in top])
    block = neighbourhood_sum(grid, rows, 3)
    names = [f"cat_{c}_s{s}" for s in (1, 3) for c in top]
    return np.concatenate([rows, block]), names


def long_run_prior(grid: Grid, hist: History, p: int) -> np.ndarray:
    """Long-run mean per cell before anchor ``p`` plus a tenth of its 3x3 block mean (> 0)."""
    own = hist.window_mean(p, MAX_HISTORY).astype(float)
    block = neighbourhood_sum(grid, own[None], 3)[0] / 9.0
    floor = max(float(own.mean()), 1e-6) * 0.1
    return own + 0.1 * block + floor
