"""Retrospective kernel density: a Gaussian surface of past events, recent ones weighted more."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.models._smoothing import gaussian_cell_mass, recent_total, scale_to_total


class KernelDensity(ForecastModel):
    """Gaussian KDE (sd ``bandwidth`` metres); an event aged d days weighs exp(-d / ``decay_days``).

    Scores are the kernel mass per cell, scaled to the mean count of the last four periods, so
    they read as expected events.
    """

    name = "kde"

    def __init__(self, bandwidth: float = 50.0, decay_days: float = 730.0) -> None:
        if bandwidth <= 0 or decay_days <= 0:
            raise ValueError("bandwidth and decay_days must be positive")
        self.bandwidth = bandwidth
        self.decay_days = decay_days

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        age = (until - events["time"]).dt.total_seconds().to_numpy() / 86400.0
        self.events_ = events
        self.weights_ = np.exp(-age / self.decay_days)

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        ev = self.events_
        mass = gaussian_cell_mass(grid, ev["x"].to_numpy(float), ev["y"].to_numpy(float),
                                  self.weights_, self.bandwidth)
        return scale_to_total(mass, recent_total(ev, grid, self.until_, horizon))
