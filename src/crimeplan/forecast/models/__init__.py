"""The forecasting models, by the name used on the command line and in outputs."""

from __future__ import annotations

from typing import Any

from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.models.all_past import AllPastMean
from crimeplan.forecast.models.auto import Auto
from crimeplan.forecast.models.ensemble import Ensemble
from crimeplan.forecast.models.historical_mean import HistoricalMean
from crimeplan.forecast.models.kde import KernelDensity
from crimeplan.forecast.models.learned import LearnedGrid
from crimeplan.forecast.models.naive import Naive
from crimeplan.forecast.models.prospective import ProspectiveHotspot
from crimeplan.forecast.models.sepp import SEPP

MODELS: dict[str, type[ForecastModel]] = {
    m.name: m for m in (Naive, HistoricalMean, AllPastMean, KernelDensity, ProspectiveHotspot,
                       SEPP, LearnedGrid, Ensemble, Auto)
}
#: The simple reference models a forecasting model must beat.
BASELINES = ("naive", "historical-mean", "all-past-mean", "kde")


def make_model(name: str, **params: Any) -> ForecastModel:
    """A model by registry name with its parameters; a clear error for unknown names."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[name](**params)
