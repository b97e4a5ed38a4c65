"""An ensemble whose weights are chosen by a small backtest on the periods just before the cut-off.

Each member's forecast is turned into shares of its total; candidate weightings on a simplex
grid are scored by pooled PAI (mean over ``levels``) on the ``windows`` periods before the
cut-off, each member fitted only on events before the window it forecasts. The best weighting
is applied to the members refitted at the cut-off. Weights are therefore chosen on earlier
periods only, never on the period being forecast.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.metrics import evaluate
from crimeplan.forecast.periods import period_counts


def simplex(n: int, step: float) -> np.ndarray:
    """Every weight vector of ``n`` non-negative multiples of ``step`` summing to one."""
    k = round(1 / step)
    rows = [c for c in itertools.product(range(k + 1), repeat=n) if sum(c) == k]
    return np.array(rows, float) / k


class Ensemble(ForecastModel):
    """Weighted shares of member forecasts; weights by backtest on earlier periods."""

    name = "ensemble"

    def __init__(self, members: tuple[str, ...] = ("all-past-mean", "historical-mean", "kde",
                                                   "prospective"),
                 windows: int = 4, step: float = 0.25,
                 levels: tuple[float, ...] = (0.01, 0.05)) -> None:
        if not members or windows < 1 or not 0 < step <= 1:
            raise ValueError("need members, at least one window and a step in (0, 1]")
        self.members = tuple(members)
        self.windows = windows
        self.step = step
        self.levels = tuple(levels)

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        self.events_ = events

    def _member_forecasts(self, until: pd.Timestamp, grid: Grid,
                          horizon: pd.DateOffset) -> np.ndarray:
        """Members' expected counts (members x cells), each fitted on events before ``until``."""
        from crimeplan.forecast.models import make_model  # the registry imports this module

        out = []
        for name in self.members:
            out.append(make_model(name).fit(self.events_, until, self.unit_m_
                                            ).predict(grid, horizon))
        return np.array(out)

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        candidates = simplex(len(self.members), self.step)
        scores = np.zeros((len(candidates), self.windows, grid.n_cells))
        observed = np.zeros((self.windows, grid.n_cells))
        for k in range(1, self.windows + 1):
            start = self.until_ - horizon * k
            observed[k - 1] = period_counts(self.events_, grid, start + horizon, horizon, 1)[0]
            scores[:, k - 1] = candidates @ _shares(self._member_forecasts(start, grid, horizon))
        merit = [evaluate(s, observed, self.levels).pooled("pai") for s in scores]
        merit = np.nan_to_num(np.array(merit).mean(axis=1), nan=-np.inf)
        self.weights_ = dict(zip(self.members, candidates[int(np.argmax(merit))], strict=True))
        now = self._member_forecasts(self.until_, grid, horizon)
        w = np.array(list(self.weights_.values()))
        return (w @ _shares(now)) * float(w @ now.sum(axis=1))


def _shares(forecasts: np.ndarray) -> np.ndarray:
    """Each row divided by its total (rows summing to zero stay zero)."""
    totals = forecasts.sum(axis=1, keepdims=True)
    return np.divide(forecasts, totals, out=np.zeros_like(forecasts), where=totals > 0)
