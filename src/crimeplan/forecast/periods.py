"""Test and history periods: consecutive windows of one horizon ending at a cut-off date.

Models and features count events in periods ``[until - k*h, until - (k-1)*h)``; with a
calendar-month horizon these are calendar months when ``until`` is the first of a month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crimeplan.forecast.grid import Grid


def period_starts(until: pd.Timestamp, horizon: pd.DateOffset, n: int) -> pd.DatetimeIndex:
    """Starts of the ``n`` periods before ``until``, oldest first, plus ``until`` itself."""
    return pd.DatetimeIndex([until - horizon * k for k in range(n, -1, -1)])


def periods_covered(first: pd.Timestamp, until: pd.Timestamp, horizon: pd.DateOffset,
                    limit: int) -> int:
    """How many whole periods before ``until`` start on or after the first day of data."""
    day = pd.Timestamp(first).normalize()
    starts = period_starts(until, horizon, limit)[:-1]
    return max(1, int((starts >= day).sum()))


def period_counts(events: pd.DataFrame, grid: Grid, until: pd.Timestamp,
                  horizon: pd.DateOffset, n: int) -> np.ndarray:
    """Events per cell in each of the ``n`` periods before ``until`` (periods x cells)."""
    edges = period_starts(until, horizon, n).to_numpy()
    times = events["time"].to_numpy(dtype="datetime64[ns]")
    period = np.searchsorted(edges.astype("datetime64[ns]"), times, side="right") - 1
    cell = grid.locate(events["x"].to_numpy(float), events["y"].to_numpy(float))
    keep = (period >= 0) & (period < n) & (cell >= 0)
    flat = period[keep] * grid.n_cells + cell[keep]
    return np.bincount(flat, minlength=n * grid.n_cells).reshape(n, grid.n_cells).astype(float)
