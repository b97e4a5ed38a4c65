"""Historical mean: the average count of the last few periods."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.periods import period_counts, periods_covered


class HistoricalMean(ForecastModel):
    """Mean count per cell over the last ``window`` periods (fewer if the data starts later)."""

    name = "historical-mean"

    def __init__(self, window: int = 156) -> None:
        if window < 1:
            raise ValueError("window must be at least one period")
        self.window = window

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        self.events_ = events

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        if self.events_.empty:
            return np.zeros(grid.n_cells)
        n = periods_covered(self.events_["time"].min(), self.until_, horizon, self.window)
        return period_counts(self.events_, grid, self.until_, horizon, n).mean(axis=0)
