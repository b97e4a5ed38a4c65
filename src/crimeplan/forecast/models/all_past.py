"""All-past mean: the long-run average count of each cell."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.periods import period_counts, periods_covered

#: Upper bound on history periods considered (50 years of weeks).
_MAX_PERIODS = 2600


class AllPastMean(ForecastModel):
    """Mean count per cell over every whole period of the history."""

    name = "all-past-mean"

    def __init__(self) -> None:
        pass

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        self.events_ = events

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        if self.events_.empty:
            return np.zeros(grid.n_cells)
        n = periods_covered(self.events_["time"].min(), self.until_, horizon, _MAX_PERIODS)
        return period_counts(self.events_, grid, self.until_, horizon, n).mean(axis=0)
