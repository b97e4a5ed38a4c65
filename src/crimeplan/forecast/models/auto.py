"""``auto``: the candidate model that validated best on the periods just before the forecast.

Rolling-origin validation on the past only: for the ``windows`` periods of one horizon just
before the cut-off (``[until - k*h, until - (k-1)*h)``, k = windows … 1), every candidate is
fitted on the events before that period and forecasts it; the forecasts are scored by pooled
PAI at ``levels`` and the candidate to use is chosen by ``choose``:

* the *reference* is the baseline candidate with the best merit (the geometric mean of its
  pooled PAI over the levels); baselines are the simple models of ``models.BASELINES``;
* a non-baseline candidate replaces it only if it beats it: merit more than ``1 + margin``
  times the reference's and, with ``every_level``, no lower a pooled PAI at any level (ties
  go to the baseline). The defaults (26 periods, margin 0, the blend alone) were chosen by
  rolling backtests of 2018, before the benchmark's test year (docs/forecasting.md);
* with no validation data (no events before the first period, or none in the periods) the
  first baseline candidate is used: the simplest.

The chosen candidate is fitted on every event before ``until``. Nothing after the cut-off is
seen: each validation period ends by ``until`` and its forecast is fitted before it starts.
The backtest runner computes each candidate's forecast of a period once and reuses it for every
test period whose validation window holds it (and for models of the run with the same
parameters); see ``backtest.run_backtest``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crimeplan.forecast.base import ForecastModel, fit_on_past
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.metrics import evaluate
from crimeplan.forecast.periods import period_counts

#: Candidates of ``auto``, simplest first (how they were chosen: docs/forecasting.md).
DEFAULT_CANDIDATES = ("historical-mean", "all-past-mean", "kde", "learned")
#: Validation periods before the cut-off (see docs/forecasting.md).
DEFAULT_WINDOWS = 26
#: How much better than the best baseline (merit ratio - 1) a candidate must validate ...
DEFAULT_MARGIN = 0.0
#: ... and whether it must be no worse at any level.
DEFAULT_EVERY_LEVEL = False


@dataclass(frozen=True)
class Candidate:
    """A registered model with parameters, written ``name`` or ``name:param=value,...``."""

    spec: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> Candidate:
        """``kde`` or ``kde:bandwidth=100,decay_days=365`` (values are Python literals)."""
        from crimeplan.forecast.models import MODELS  # the registry imports this module

        name, _, args = str(spec).strip().partition(":")
        name = name.strip()
        if name not in MODELS or name == Auto.name:
            raise ValueError(f"auto candidate {spec!r}: unknown model {name!r}; known: "
                             f"{', '.join(m for m in MODELS if m != Auto.name)}")
        params: dict[str, Any] = {}
        for item in filter(None, (a.strip() for a in args.split(","))):
            key, eq, value = item.partition("=")
            if not eq:
                raise ValueError(f"auto candidate {spec!r}: write parameters as name=value")
            try:
                params[key.strip()] = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError):
                params[key.strip()] = value.strip()
        candidate = cls(str(spec).strip(), name, params)
        candidate.model()  # unknown parameters and bad values fail here, not mid-backtest
        return candidate

    @property
    def baseline(self) -> bool:
        from crimeplan.forecast.models import BASELINES

        return self.name in BASELINES

    def model(self) -> ForecastModel:
        from crimeplan.forecast.models import make_model

        try:
            return make_model(self.name, **self.params)
        except TypeError as exc:
            raise ValueError(f"auto candidate {self.spec!r}: {exc}") from exc


@dataclass(frozen=True)
class Choice:
    """What ``auto`` chose for one forecast and why.

    ``pai`` and ``merit`` are per candidate, pooled over the validation ``periods`` (labels
    of their first days); ``reference`` is the best baseline on them; ``passed_over`` the
    candidates that failed to forecast (left out of the choice).
    """

    chosen: str
    reason: str
    periods: tuple[str, ...]
    levels: tuple[float, ...]
    pai: dict[str, tuple[float, ...]]
    merit: dict[str, float]
    reference: str | None
    passed_over: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Plain data for summary.json and run records (NaN as None)."""
        def num(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {"chosen": self.chosen, "reason": self.reason, "periods": list(self.periods),
                "levels": list(self.levels), "reference": self.reference,
                "passed_over": list(self.passed_over),
                "pai": {c: [num(v) for v in p] for c, p in self.pai.items()},
                "merit": {c: num(m) for c, m in self.merit.items()}}


def validation_starts(until: pd.Timestamp, horizon: pd.DateOffset, windows: int,
                      first_event: pd.Timestamp | None) -> list[pd.Timestamp]:
    """Starts of the validation periods before ``until``, oldest first; only periods with
    some history before them (events earlier than their start) are kept."""
    starts = [until - horizon * k for k in range(windows, 0, -1)]
    if first_event is None:
        return []
    return [s for s in starts if s > first_event]


def choose(candidates: Sequence[Candidate], forecasts: Mapping[str, np.ndarray],
           observed: np.ndarray, levels: Sequence[float], margin: float,
           periods: Sequence[str] = (), every_level: bool = DEFAULT_EVERY_LEVEL) -> Choice:
    """Pick a candidate from its validation forecasts (periods x cells, per candidate spec)
    against the observed counts (periods x cells), by the rule in this module's docstring.

    Candidates missing from ``forecasts`` (they failed) are passed over."""
    levels = tuple(float(c) for c in levels)
    usable = [c for c in candidates if c.spec in forecasts]
    if not usable:
        raise ValueError("auto: no candidate produced validation forecasts")
    failed = tuple(c.spec for c in candidates if c.spec not in forecasts)
    observed = np.asarray(observed, float)
    if observed.shape[0] == 0 or observed.sum() == 0:
        simplest = ([c for c in usable if c.baseline] or usable)[0]
        return Choice(simplest.spec, "no validation data before the forecast: the simplest "
                      "baseline", tuple(periods), levels, {}, {}, None, failed)
    pai = {c.spec: evaluate(forecasts[c.spec], observed, levels).pooled("pai") for c in usable}
    chosen, reason, reference = decide(usable, pai, margin, every_level)
    return Choice(chosen, reason, tuple(periods), levels,
                  {spec: tuple(map(float, p)) for spec, p in pai.items()},
                  {spec: _geometric_mean(p) for spec, p in pai.items()}, reference, failed)


def decide(candidates: Sequence[Candidate], pai: Mapping[str, np.ndarray], margin: float,
           every_level: bool = DEFAULT_EVERY_LEVEL) -> tuple[str, str, str | None]:
    """The rule itself, on each candidate's pooled validation PAI per level: the candidate
    chosen, why, and the best baseline (None when no candidate is one)."""
    merit = {spec: _geometric_mean(p) for spec, p in pai.items()}
    baselines = [c for c in candidates if c.baseline]
    others = [c for c in candidates if not c.baseline]
    reference = max(baselines, key=lambda c: merit[c.spec]) if baselines else None
    best = max(others, key=lambda c: merit[c.spec]) if others else None
    if reference is None:
        assert best is not None  # candidates is not empty
        return best.spec, "no baseline among the candidates: the best on validation", None
    if best is None:
        return reference.spec, "the best baseline on validation", reference.spec
    clearly = merit[best.spec] > (1 + margin) * merit[reference.spec] and (
        not every_level or bool(np.all(pai[best.spec] >= pai[reference.spec])))
    if clearly:
        gain = merit[best.spec] / merit[reference.spec] - 1
        every = " and no worse at any level" if every_level else ""
        return (best.spec, f"validated {gain:.1%} better than the best baseline "
                f"{reference.spec} (margin {margin:.0%}){every}", reference.spec)
    every = " and at every level" if every_level else ""
    return (reference.spec, f"the best baseline on validation: {best.spec} was not better by the "
            f"margin ({margin:.0%}){every}", reference.spec)


def _geometric_mean(pai: np.ndarray) -> float:
    """Geometric mean of pooled PAI over levels; -inf when any is missing or zero."""
    pai = np.asarray(pai, float)
    if not np.all(np.isfinite(pai)) or np.any(pai <= 0):
        return float("-inf")
    return float(np.exp(np.log(pai).mean()))


def window_counts(events: pd.DataFrame, grid: Grid, starts: Sequence[pd.Timestamp],
                  horizon: pd.DateOffset) -> np.ndarray:
    """Events per cell in ``[start, start + horizon)`` for each start (periods x cells)."""
    if not starts:
        return np.zeros((0, grid.n_cells))
    return np.vstack([period_counts(events, grid, s + horizon, horizon, 1) for s in starts])


class Auto(ForecastModel):
    """The candidate that validated best on the ``windows`` periods before the cut-off.

    ``candidates`` are model specs (``Candidate.parse``), simplest first; ``levels`` the
    coverage levels whose pooled PAI the choice blends; ``margin`` how much better than the
    best baseline a non-baseline must validate, and ``every_level`` whether it must also be no
    worse at any level. After ``predict``, ``choice_`` says what was
    chosen and why, and ``validation_`` holds its scores (candidate x period x level).
    """

    name = "auto"
    uses_context = True

    def __init__(self, candidates: tuple[str, ...] = DEFAULT_CANDIDATES,
                 windows: int = DEFAULT_WINDOWS, margin: float = DEFAULT_MARGIN,
                 every_level: bool = DEFAULT_EVERY_LEVEL, levels: tuple[float, ...] = (0.01, 0.05),
                 target: str | None = None) -> None:
        if not candidates or windows < 1 or margin < 0 or not levels:
            raise ValueError("auto needs candidates, at least one window, a margin >= 0 and "
                             "coverage levels")
        if any(not 0 < c <= 1 for c in levels):
            raise ValueError(f"auto levels {levels!r}: shares of the study area in (0, 1]")
        self.candidates = tuple(candidates)
        self.windows = windows
        self.margin = margin
        self.every_level = every_level
        self.levels = tuple(levels)
        self.target = target
        self.parsed = [Candidate.parse(c) for c in self.candidates]

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        self.events_ = events

    def _targets(self) -> pd.DataFrame:
        if self.target is None:
            return self.events_
        return self.events_.loc[self.events_["category"] == self.target]

    def forecast_with(self, candidate: Candidate, start: pd.Timestamp, grid: Grid,
                      horizon: pd.DateOffset) -> np.ndarray:
        """One candidate fitted on the events before ``start``, forecasting from it."""
        context = self.events_ if self.target is not None else None
        fitted = fit_on_past(candidate.model(), self._targets(), start, context, self.target,
                             self.unit_m_)
        return fitted.predict(grid, horizon)

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        targets = self._targets()
        first = targets["time"].min() if len(targets) else None
        starts = validation_starts(self.until_, horizon, self.windows, first)
        forecasts, final = {}, {}
        for c in self.parsed:
            try:  # a candidate that fails is passed over, as in the backtest runner
                *past, now = [self.forecast_with(c, s, grid, horizon)
                              for s in [*starts, self.until_]]
            except Exception:  # any model error: the other candidates carry on
                continue
            forecasts[c.spec] = np.array(past).reshape(len(starts), grid.n_cells)
            final[c.spec] = now
        observed = window_counts(targets, grid, starts, horizon)
        labels = [s.strftime("%Y-%m-%d") for s in starts]
        self.choice_ = choose(self.parsed, forecasts, observed, self.levels, self.margin, labels,
                              self.every_level)
        self.validation_ = validation_table(forecasts, observed, labels, self.levels)
        return final[self.choice_.chosen]


def validation_table(forecasts: Mapping[str, np.ndarray], observed: np.ndarray,
                     periods: Sequence[str], levels: Sequence[float]) -> pd.DataFrame:
    """One row per candidate x validation period x level: n, N, PAI and PEI."""
    rows = []
    for spec, scores in forecasts.items():
        if not len(periods):
            continue
        ev = evaluate(scores, observed, tuple(levels))
        for p, label in enumerate(periods):
            for c, level in enumerate(levels):
                rows.append({"candidate": spec, "period": label, "coverage": float(level),
                             "n": float(ev.n[p, c]), "N": float(ev.total[p]),
                             "pai": float(ev.pai[p, c]), "pei": float(ev.pei[p, c])})
    return pd.DataFrame(rows, columns=["candidate", "period", "coverage", "n", "N", "pai",
                                       "pei"])
