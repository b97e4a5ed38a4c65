"""A learned grid model: gradient boosting on lagged counts at several scales.

Each training row is one cell at one past period start: its features use only events before
that start and its label is the cell's count over the period. The model is refitted at every
forecast, so it learns from all data so far and improves as data accumulate.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.features import (
    FeatureSpec,
    History,
    category_features,
    history,
    lag_features,
    long_run_prior,
)
from crimeplan.forecast.grid import Grid


class LearnedGrid(ForecastModel):
    """LightGBM (Poisson loss) on lagged, neighbourhood, seasonal and category-mix features.

    The trees model each cell's ratio to its long-run mean (a Poisson log offset), so they
    learn corrections to that strong baseline rather than the whole surface from noisy labels.

    ``target`` names the category forecast when the events hold several (the others then
    serve as context); ``None`` forecasts every event. ``anchors`` is how many past periods
    give training rows; ``max_rows`` caps them by a seeded random sample.
    """

    name = "learned"
    uses_context = True

    def __init__(self, target: str | None = None, anchors: int = 52, label_periods: int = 26,
                 n_estimators: int = 100, learning_rate: float = 0.05, num_leaves: int = 15,
                 min_child_samples: int = 1000, max_rows: int = 150_000,
                 half_lives: tuple[int, ...] = (), seed: int = 0, n_jobs: int = 1) -> None:
        self.target = target
        self.anchors = anchors
        self.label_periods = label_periods
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.max_rows = max_rows
        self.half_lives = tuple(half_lives)
        self.seed = seed
        self.n_jobs = n_jobs

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        self.events_ = events

    def _targets(self) -> pd.DataFrame:
        ev = self.events_
        if self.target is None:
            return ev
        if "category" not in ev.columns:
            raise ValueError(f"target category {self.target!r} given but events lack 'category'")
        return ev.loc[ev["category"] == self.target]

    def _features(self, grid: Grid, p: int, target: History, context: History | None,
                  static: np.ndarray) -> np.ndarray:
        spec = FeatureSpec(half_lives=self.half_lives)
        cols = [lag_features(grid, target, p, spec, "")[0]]
        if context is not None:
            cols.append(lag_features(grid, context, p, spec, "all_")[0])
        cols.append(static)
        return np.concatenate(cols).T

    def _label(self, cum: np.ndarray, p: int) -> np.ndarray:
        """Mean count per period from anchor ``p`` over the next ``label_periods`` (if known)."""
        hi = min(p + self.label_periods, cum.shape[0] - 1)
        return (cum[hi] - cum[p]) / (hi - p)

    def _prior(self, grid: Grid, hist: History, p: int) -> np.ndarray:
        """The offset the trees correct: long-run means once a year of history exists."""
        if p >= hist.year:
            return long_run_prior(grid, hist, p)
        return np.full(grid.n_cells, max(float(hist.window_mean(p, p).mean()), 1e-6))

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        targets = self._targets()
        if targets.empty:
            return np.zeros(grid.n_cells)
        until = self.until_
        hist = history(targets, grid, until, horizon)
        context = history(self.events_, grid, until, horizon) if self.target else None
        P = hist.n_periods
        if P < 2:  # one period of history gives no training anchor: its counts are the forecast
            return hist.window_mean(P, P).astype(float)
        first = max(1, P - self.anchors)
        # category mix from events before the earliest training anchor: no label leaks in
        cutoff = until - horizon * (P - first)
        static, _ = category_features(self.events_.loc[self.events_["time"] < cutoff], grid,
                                      FeatureSpec())
        cum = hist.cum
        anchors = range(first, P)
        X = np.concatenate([self._features(grid, p, hist, context, static) for p in anchors])
        y = np.concatenate([self._label(cum, p) for p in anchors]).astype(float)
        prior = np.concatenate([self._prior(grid, hist, p) for p in anchors])
        rng = np.random.default_rng(self.seed)
        if len(y) > self.max_rows:
            keep = rng.choice(len(y), self.max_rows, replace=False)
            X, y, prior = X[keep], y[keep], prior[keep]
        booster = lgb.LGBMRegressor(
            objective="poisson", n_estimators=self.n_estimators, learning_rate=self.learning_rate,
            num_leaves=self.num_leaves, min_child_samples=self.min_child_samples,
            subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=self.seed,
            n_jobs=self.n_jobs, verbose=-1, deterministic=True, force_row_wise=True)
        # Poisson with a log offset = Poisson on the ratio to the prior, weighted by the prior
        booster.fit(X, y / prior, sample_weight=prior)
        ratio = booster.predict(self._features(grid, P, hist, context, static))
        return ratio * self._prior(grid, hist, P)
