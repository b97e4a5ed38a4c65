"""Spatial smoothing of weighted points onto grid cells, vectorised on rasters.

A Gaussian kernel density is integrated over each cell by binning the points linearly on a
finer raster (a few pixels per cell), filtering, and summing the pixels of each cell: the
result is the kernel mass each cell receives, so summing over cells gives back the total
weight (less what falls outside the study area).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import ndimage

from crimeplan.forecast.grid import Grid
from crimeplan.forecast.periods import period_counts, periods_covered


def gaussian_cell_mass(grid: Grid, x: np.ndarray, y: np.ndarray, weights: np.ndarray,
                       bandwidth: float) -> np.ndarray:
    """Mass of a Gaussian kernel (sd ``bandwidth`` metres) around each weighted point, per cell.

    Points are in the grid CRS's units; the bandwidth is converted to them."""
    # pixels per cell side, from the ratio in metres (the tolerance keeps 2.0 from rounding
    # up to 3 when the cell size is in feet)
    sub = int(np.clip(math.ceil(2 * grid.cell_size_m / max(bandwidth, 1e-9) - 1e-9), 1, 6))
    bandwidth = bandwidth / grid.unit_m
    res = grid.cell_size / sub
    sigma = bandwidth / res
    pad = math.ceil(4 * sigma) + 1
    i0, j0 = grid.origin
    h, w = grid.shape
    H, W = h * sub + 2 * pad, w * sub + 2 * pad
    # linear binning: each point's weight is shared by the four nearest pixel centres, so the
    # binned mass keeps the point's exact position on average
    u = (np.asarray(x, float) - i0 * grid.cell_size) / res + pad - 0.5
    v = (np.asarray(y, float) - j0 * grid.cell_size) / res + pad - 0.5
    c0, r0 = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    fu, fv = u - c0, v - r0
    wts = np.asarray(weights, float)
    raster = np.zeros(H * W)
    for dc, dr, share in ((0, 0, (1 - fu) * (1 - fv)), (1, 0, fu * (1 - fv)),
                          (0, 1, (1 - fu) * fv), (1, 1, fu * fv)):
        c, r = c0 + dc, r0 + dr
        ok = (c >= 0) & (c < W) & (r >= 0) & (r < H)
        raster += np.bincount(r[ok] * W + c[ok], weights=(wts * share)[ok], minlength=H * W)
    raster = raster.reshape(H, W)
    smooth = ndimage.gaussian_filter(raster, sigma, mode="constant", truncate=4.0)
    inner = smooth[pad:pad + h * sub, pad:pad + w * sub]
    return grid.from_raster(inner.reshape(h, sub, w, sub).sum(axis=(1, 3)))


def recent_total(events: pd.DataFrame, grid: Grid, until: pd.Timestamp,
                 horizon: pd.DateOffset, window: int = 4) -> float:
    """Mean events per period in the study area over the last ``window`` periods."""
    if events.empty:
        return 0.0
    n = periods_covered(events["time"].min(), until, horizon, window)
    return float(period_counts(events, grid, until, horizon, n).sum(axis=1).mean())


def scale_to_total(scores: np.ndarray, total: float) -> np.ndarray:
    """Scores rescaled to sum to ``total`` expected events (all zero stays zero)."""
    s = float(scores.sum())
    return scores * (total / s) if s > 0 else scores
