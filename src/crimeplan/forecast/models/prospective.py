"""Prospective hotspotting (Bowers, Johnson & Pease 2004): near-repeat risk from recent events.

Each recent event raises the risk of the cells around it by 1/(1 + d) x 1/(1 + w), d the
distance in cells from the event's cell and w the whole weeks elapsed, within ``bandwidth``
metres and ``weeks`` weeks; older or farther events count nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage

from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.models._smoothing import recent_total, scale_to_total


class ProspectiveHotspot(ForecastModel):
    """Bowers et al. (2004) prospective map, scaled to the recent count per period."""

    name = "prospective"

    def __init__(self, bandwidth: float = 400.0, weeks: int = 8) -> None:
        if bandwidth <= 0 or weeks < 1:
            raise ValueError("bandwidth must be positive and weeks at least 1")
        self.bandwidth = bandwidth
        self.weeks = weeks

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        elapsed = (until - events["time"]).dt.days.to_numpy() // 7
        recent = elapsed < self.weeks
        self.events_ = events
        self.recent_ = events.loc[recent]
        self.weights_ = 1.0 / (1.0 + elapsed[recent])

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        ev = self.recent_
        weighted = grid.counts(ev["x"].to_numpy(float), ev["y"].to_numpy(float), self.weights_)
        cells = self.bandwidth / grid.cell_size_m * (1 + 1e-9)  # reach in cells (feet: no
        reach = int(cells)                                       # rounding 4.0 down to 3)
        di, dj = np.meshgrid(np.arange(-reach, reach + 1), np.arange(-reach, reach + 1))
        dist = np.hypot(di, dj)
        kernel = np.where(dist <= cells, 1.0 / (1.0 + dist), 0.0)
        risk = grid.from_raster(ndimage.convolve(grid.to_raster(weighted), kernel,
                                                 mode="constant"))
        return scale_to_total(risk, recent_total(self.events_, grid, self.until_, horizon))
