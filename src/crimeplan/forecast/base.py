"""The forecasting contract every model follows.

A model is constructed from parameters only. ``fit(events, until)`` learns from events strictly
before ``until`` (the base class drops the rest, so no model can look ahead); ``predict(grid,
horizon)`` returns the expected number of events in each grid cell over ``[until, until +
horizon)``, aligned with the grid's cell order. Any model can be dropped into the backtest runner.

Events are a DataFrame with columns ``time`` (datetime64; the first day of the month for monthly
police.uk data), ``x`` and ``y`` (in the grid CRS's units) and optionally ``category``. Model
parameters that are distances are in metres whatever the CRS: ``fit`` is told the metres per
unit of the coordinates (``unit_m``, 1 for metric CRSs; ``Grid.unit_m``), and ``predict``
refuses a grid in other units.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from crimeplan.forecast.grid import Grid
from crimeplan.forecast.periods import horizon_offset

EVENT_COLUMNS = ("time", "x", "y")


def check_events(events: pd.DataFrame) -> pd.DataFrame:
    """Validate the event frame: required columns, datetime times, finite coordinates."""
    missing = [c for c in EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise ValueError(f"events lack column(s) {missing}; need time, x, y")
    if not pd.api.types.is_datetime64_any_dtype(events["time"]):
        raise ValueError("events 'time' must be datetime64")
    ok = np.isfinite(events["x"].to_numpy(float)) & np.isfinite(events["y"].to_numpy(float))
    return events.loc[ok]


class ForecastModel(ABC):
    """Base class: parameters in ``__init__``, learning in ``fit``, scores from ``predict``."""

    #: Short name used on the command line and in outputs.
    name: ClassVar[str]

    def fit(self, events: pd.DataFrame, until: pd.Timestamp | str, unit_m: float = 1.0) -> Self:
        """Learn from the events strictly before ``until``; coordinates are ``unit_m`` metres
        per unit (the grid CRS's, see ``Grid.unit_m``)."""
        if not unit_m > 0:
            raise ValueError(f"unit_m {unit_m!r}: metres per coordinate unit must be positive")
        until = pd.Timestamp(until)
        events = check_events(events)
        past = events.loc[events["time"] < until].sort_values("time", kind="stable")
        self.until_ = until
        self.unit_m_ = float(unit_m)
        self._fit(past.reset_index(drop=True), until)
        return self

    def predict(self, grid: Grid, horizon: pd.DateOffset | pd.Timedelta | str) -> np.ndarray:
        """Expected events per grid cell over ``[until, until + horizon)``."""
        if not hasattr(self, "until_"):
            raise RuntimeError(f"{type(self).__name__} must be fitted before predict")
        if not np.isclose(grid.unit_m, self.unit_m_, rtol=1e-9):
            raise ValueError(f"{self.name} was fitted on coordinates of {self.unit_m_:g} m per "
                             f"unit but the grid's CRS {grid.crs} has {grid.unit_m:g} m per unit")
        scores = np.asarray(self._predict(grid, to_offset(horizon)), dtype=float)
        if scores.shape != (grid.n_cells,):
            raise ValueError(f"{self.name} returned {scores.shape}, grid has {grid.n_cells} cells")
        return scores

    @abstractmethod
    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None: ...

    @abstractmethod
    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray: ...

    # parameters, as scikit-learn estimators expose them --------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        return {p: getattr(self, p) for p in self._param_names()}

    def clone(self) -> Self:
        """An unfitted copy with the same parameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def fit_on_past(model: ForecastModel, events: pd.DataFrame, until: pd.Timestamp,
                context: pd.DataFrame | None = None, target: str | None = None,
                unit_m: float = 1.0) -> ForecastModel:
    """A fresh copy of ``model`` fitted on the events before ``until`` (coordinates of
    ``unit_m`` metres per unit).

    When ``events`` are one category (``target``) of a larger data set, ``context`` holds every
    category: a model that learns from context (``uses_context``) is fitted on all of it and
    told which category to forecast; every other model sees the forecast category only.
    """
    fitted = model.clone()
    if context is not None and getattr(fitted, "uses_context", False):
        fitted.target = target
        return fitted.fit(context.loc[context["time"] < until], until, unit_m)
    return fitted.fit(events.loc[events["time"] < until], until, unit_m)


def to_offset(horizon: pd.DateOffset | pd.Timedelta | str) -> pd.DateOffset:
    """A horizon ('1D', '1W', '2W', '1M', '3M', ...; see ``periods.parse_horizon``) or a
    whole number of days as a pandas offset."""
    if isinstance(horizon, pd.DateOffset):
        return horizon
    if isinstance(horizon, pd.Timedelta):
        return pd.DateOffset(days=horizon.days)
    return horizon_offset(horizon)
