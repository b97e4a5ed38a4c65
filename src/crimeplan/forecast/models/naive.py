"""Naive forecast: next period looks like the last one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.periods import period_counts


class Naive(ForecastModel):
    """Counts of the single period of the same length just before the cut-off."""

    name = "naive"

    def __init__(self) -> None:
        pass

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        self.events_ = events

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        return period_counts(self.events_, grid, self.until_, horizon, 1)[0]
