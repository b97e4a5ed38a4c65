"""Horizons and periods: consecutive windows of one horizon ending at a cut-off date.

A horizon is a whole number of days, weeks (seven days) or calendar months: ``1D``, ``1W``,
``2W``, ``1M``, ``2M``, ``3M`` (the last five are the forecasting-challenge horizons). Models
and features count events in periods ``[until - k*h, until - (k-1)*h)``; with a calendar-month
horizon these are calendar months when ``until`` is the first of a month.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from crimeplan.forecast.grid import Grid

#: One unit of each horizon kind, as a pandas offset.
UNITS = {"D": pd.DateOffset(days=1), "W": pd.DateOffset(days=7), "M": pd.DateOffset(months=1)}
_UNIT_WORDS = {"D": ("day", "days"), "W": ("week", "weeks"),
               "M": ("calendar month", "calendar months")}
_HORIZON = re.compile(r"^\s*(\d*)\s*([DWM])\s*$", re.IGNORECASE)


def parse_horizon(text: str) -> str:
    """A horizon in its normal form (``'w'`` and ``'1w'`` are ``'1W'``); ValueError if not one."""
    match = _HORIZON.match(str(text))
    count = int(match.group(1) or 1) if match else 0
    if not match or count < 1:
        raise ValueError(f"horizon {text!r}: use a whole number of days, weeks or calendar "
                         "months, e.g. 1D, 1W, 2W, 1M, 2M, 3M")
    return f"{count}{match.group(2).upper()}"


def horizon_unit(horizon: str) -> str:
    """``D``, ``W`` or ``M``: what the horizon counts."""
    return parse_horizon(horizon)[-1]


def horizon_offset(horizon: str) -> pd.DateOffset:
    """The horizon as a pandas offset (``2W`` is 14 days, ``3M`` three calendar months)."""
    text = parse_horizon(horizon)
    unit = UNITS[text[-1]]
    return pd.DateOffset(**{k: v * int(text[:-1]) for k, v in unit.kwds.items()})


def horizon_words(horizon: str) -> str:
    """``'1 week'``, ``'3 calendar months'``."""
    text = parse_horizon(horizon)
    count = int(text[:-1])
    return f"{count} {_UNIT_WORDS[text[-1]][count != 1]}"


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
