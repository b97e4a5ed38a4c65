"""Rolling-origin backtests: every model forecasts every test period, fitted only on the past.

Test period k is the window of one horizon (days, weeks of seven days or calendar months:
``1D``, ``1W``, ``2W``, ``1M``, ``3M``, ...) starting at ``test_start + k`` horizons. For each
period and model the runner fits a fresh copy of the model on the events strictly before the
period starts (it never hands a model a later event) and predicts the period's expected count
per cell. A model that raises is left out of the result and reported (which model, the test
period, where in the code and why), and the other models' results are kept. The fits run in
parallel on Dask distributed: a LocalCluster by default, an existing cluster by scheduler
address, or in this process one after another (``scheduler="synchronous"``, for tests and
debugging).

``auto`` (``models.auto``) is not run as one opaque model: its candidates' forecasts of the
test periods and of the validation periods before each are fits like any other, each computed
once (a validation period of test period k+1 is mostly one of test period k's, and a candidate
equal to another model of the run shares that model's fits); the choice for each test period
is then made from them, exactly as ``Auto.predict`` would make it alone.

The default LocalCluster lives in this process and talks to its worker in memory; the only
sockets Dask opens are the scheduler's and the worker's HTTP servers, which it always starts:
they are bound to 127.0.0.1 and serve the health check only (no dashboard, no info pages).
"""

from __future__ import annotations

import logging
import os
import sysconfig
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import perf_counter

import dask
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster, as_completed

from crimeplan.forecast.base import ForecastModel, fit_on_past
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.metrics import DEFAULT_COVERAGE, METRICS, Evaluation, evaluate
from crimeplan.forecast.models.auto import (
    Auto,
    Choice,
    choose,
    validation_starts,
    validation_table,
    window_counts,
)
from crimeplan.forecast.periods import horizon_offset, horizon_unit, parse_horizon

SYNCHRONOUS = "synchronous"
#: Where the local cluster's HTTP servers listen: loopback, a free port.
LOOPBACK = "127.0.0.1:0"

Progress = Callable[[int, int], None]
#: Folders of the standard library and installed packages, skipped when locating a failure.
_LIBRARIES = tuple(sysconfig.get_path(k) for k in ("stdlib", "platstdlib", "purelib", "platlib"))
_PACKAGE = Path(__file__).resolve().parents[1]  # the crimeplan package


@dataclass(frozen=True)
class TestPeriod:
    """One test window [start, end) of a backtest, one ``horizon`` long (e.g. ``1W``)."""

    __test__ = False  # not a pytest test class

    index: int  # position among the test periods (-1 for a validation period of auto)
    start: pd.Timestamp
    end: pd.Timestamp
    horizon: str

    @property
    def freq(self) -> str:
        """``D``, ``W`` or ``M``: the unit of the horizon."""
        return horizon_unit(self.horizon)

    @property
    def label(self) -> str:
        """``YYYY-MM`` for calendar months, ``YYYY-MM-DD`` (the first day) otherwise."""
        return self.start.strftime("%Y-%m" if self.freq == "M" else "%Y-%m-%d")


def backtest_periods(test_start: str | pd.Timestamp, count: int, horizon: str
                     ) -> list[TestPeriod]:
    """The ``count`` consecutive test periods of one ``horizon`` each from ``test_start``
    (``horizon`` as ``periods.parse_horizon`` reads it; ``W`` is ``1W``)."""
    horizon = parse_horizon(horizon)
    if count < 1:
        raise ValueError("a backtest needs at least one test period")
    start = pd.Timestamp(test_start)
    if start != start.normalize():
        raise ValueError(f"test start {test_start} must be a date (midnight)")
    if horizon_unit(horizon) == "M" and start.day != 1:
        raise ValueError(f"test start {start.date()} must be the first day of a month for a "
                         f"horizon in calendar months ({horizon})")
    step = horizon_offset(horizon)
    starts = [start + step * k for k in range(count + 1)]
    return [TestPeriod(k, starts[k], starts[k + 1], horizon) for k in range(count)]


@dataclass(frozen=True)
class PeriodForecast:
    """One model's forecast of one test period and the seconds its fit and predict took."""

    model: str
    period: TestPeriod
    scores: np.ndarray
    seconds: float


@dataclass(frozen=True)
class ModelFailure:
    """A model that raised: in which test period first, in how many, where in the code, why."""

    model: str
    period: str  # label of the first test period it failed in
    periods_failed: int
    error: str  # exception type and message
    where: str  # innermost frame of crimeplan or the model's own code: path:line in function

    def describe(self) -> str:
        more = f" (and {self.periods_failed - 1} more)" if self.periods_failed > 1 else ""
        return (f"model {self.model} failed in test period {self.period}{more}: {self.error} "
                f"(at {self.where})")


class BacktestFailed(RuntimeError):
    """Every model of a backtest failed: nothing to score."""

    def __init__(self, failures: Mapping[str, ModelFailure]) -> None:
        self.failures = dict(failures)
        super().__init__("every model failed: " + "; ".join(
            f.describe() for f in self.failures.values()))


@dataclass(frozen=True)
class BacktestResult:
    """Forecasts and observed counts (periods × cells) of every model that ran, their scores,
    and the models that failed (left out of everything else)."""

    grid: Grid
    periods: list[TestPeriod]
    coverage: tuple[float, ...]
    observed: np.ndarray
    forecasts: dict[str, np.ndarray]
    evaluations: dict[str, Evaluation]
    seconds: dict[str, float]  # fit + predict time over all periods, per model
    failures: dict[str, ModelFailure] = field(default_factory=dict)
    #: per auto model: its choice for each test period, and its candidates' validation scores
    choices: dict[str, list[Choice]] = field(default_factory=dict)
    validation: dict[str, pd.DataFrame] = field(default_factory=dict)
    parameters: dict[str, dict[str, object]] = field(default_factory=dict)  # per model

    @property
    def models(self) -> list[str]:
        return list(self.forecasts)

    def scores_table(self) -> pd.DataFrame:
        """One row per model × period × coverage: n, N, hit rate, PAI, PEI."""
        rows = []
        for model, ev in self.evaluations.items():
            for p, period in enumerate(self.periods):
                for c, cov in enumerate(self.coverage):
                    rows.append({"model": model, "period": period.label, "coverage": cov,
                                 "n": ev.n[p, c], "N": ev.total[p],
                                 "hit_rate": ev.hit_rate[p, c], "pai": ev.pai[p, c],
                                 "pei": ev.pei[p, c]})
        return pd.DataFrame(rows, columns=["model", "period", "coverage", "n", "N",
                                           "hit_rate", "pai", "pei"])

    def pooled_table(self, n_boot: int = 1000, level: float = 0.95,
                     seed: int = 0) -> pd.DataFrame:
        """Pooled metrics per model × coverage with bootstrap intervals over periods."""
        rows = []
        for model, ev in self.evaluations.items():
            intervals = {m: ev.bootstrap(m, n_boot=n_boot, level=level, seed=seed)
                         for m in METRICS}
            for c, cov in enumerate(self.coverage):
                row: dict[str, object] = {"model": model, "coverage": cov}
                for m in METRICS:
                    iv = intervals[m][c]
                    row.update({m: iv.estimate, f"{m}_low": iv.low, f"{m}_high": iv.high})
                row["deviance"] = float(np.mean(ev.deviance))
                rows.append(row)
        return pd.DataFrame(rows)

    def best_model(self, coverage: float, metric: str = "pai") -> str:
        """The model with the highest pooled ``metric`` at a coverage level."""
        c = self.coverage.index(coverage)
        return max(self.models, key=lambda m: np.nan_to_num(
            self.evaluations[m].pooled(metric)[c], nan=-np.inf))


def forecast_period(events: pd.DataFrame, grid: Grid, name: str, model: ForecastModel,
                    period: TestPeriod, context: pd.DataFrame | None = None,
                    target: str | None = None) -> PeriodForecast:
    """Fit a fresh copy of ``model`` on the events before ``period`` and forecast it."""
    t0 = perf_counter()
    fitted = fit_on_past(model, events, period.start, context, target, grid.unit_m)
    scores = fitted.predict(grid, period.horizon)
    return PeriodForecast(name, period, scores, perf_counter() - t0)


def attempt_period(events: pd.DataFrame, grid: Grid, name: str, model: ForecastModel,
                   period: TestPeriod, context: pd.DataFrame | None = None,
                   target: str | None = None) -> PeriodForecast | ModelFailure:
    """``forecast_period``, or the failure if the model raises (one task of the runner)."""
    try:
        return forecast_period(events, grid, name, model, period, context, target)
    except Exception as exc:  # any model error: reported, and the other models carry on
        return ModelFailure(name, period.label, 1, f"{type(exc).__name__}: {exc}",
                            _where(exc))


def _where(exc: BaseException) -> str:
    """The innermost frame of crimeplan or of other code outside installed libraries."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_PACKAGE)
            or not f.filename.startswith(_LIBRARIES)]
    frame = (ours or frames)[-1]
    path = Path(frame.filename).resolve()
    shown = (path.relative_to(_PACKAGE.parent).as_posix() if path.is_relative_to(_PACKAGE)
             else path.name)
    return f"{shown}:{frame.lineno} in {frame.name}"


def observed_counts(events: pd.DataFrame, grid: Grid, periods: Sequence[TestPeriod]
                    ) -> np.ndarray:
    """Events per cell in each test period (periods × cells)."""
    t = events["time"]
    x, y = events["x"].to_numpy(float), events["y"].to_numpy(float)
    out = np.zeros((len(periods), grid.n_cells))
    for k, p in enumerate(periods):
        inside = ((t >= p.start) & (t < p.end)).to_numpy()
        out[k] = grid.counts(x[inside], y[inside])
    return out


def run_backtest(events: pd.DataFrame, grid: Grid, models: Mapping[str, ForecastModel],
                 periods: Sequence[TestPeriod],
                 coverage: Sequence[float] = DEFAULT_COVERAGE,
                 scheduler: str | None = None, progress: Progress | None = None,
                 context: pd.DataFrame | None = None, target: str | None = None
                 ) -> BacktestResult:
    """Forecast every period with every model and score them.

    ``scheduler``: None starts a LocalCluster (``local_cluster``), ``"synchronous"`` runs in
    this process, any other value is the address of a running Dask scheduler (e.g.
    ``tcp://10.0.0.5:8786``). ``events`` are what is forecast and scored; ``context`` (every
    category, when ``events`` are the category ``target``) is given to the models that learn
    from context. A model that raises in any period is left out and listed in ``failures``;
    ``BacktestFailed`` is raised when every model does. ``progress(done, total)`` counts fits.
    """
    if not models:
        raise ValueError("no models to backtest")
    if not periods:
        raise ValueError("no test periods")
    if not (events["time"] < periods[0].start).any():
        raise ValueError(f"no events before the first test period ({periods[0].label}): "
                         "models have nothing to learn from")
    plan = _FitPlan(events, periods)
    for model in models.values():
        plan.add(model)
    jobs = list(plan.jobs.values())
    if scheduler == SYNCHRONOUS:
        done = []
        for job in jobs:
            done.append(attempt_period(events, grid, *job, context, target))
            if progress:
                progress(len(done), len(jobs))
    else:
        done = _run_distributed(events, grid, jobs, scheduler, progress, context, target)
    fits = dict(zip(plan.jobs, done, strict=True))
    forecasts, seconds, failed = {}, {}, []
    choices: dict[str, list[Choice]] = {}
    validation: dict[str, pd.DataFrame] = {}
    for name, model in models.items():
        if isinstance(model, Auto):
            outcome = _auto_forecasts(name, model, plan, fits, events, grid)
            if isinstance(outcome, list):
                failed += outcome
                continue
            forecasts[name], choices[name], validation[name] = outcome
        else:
            mine = [fits[plan.key(model), p.start] for p in periods]
            bad = [replace(f, model=name) for f in mine if isinstance(f, ModelFailure)]
            if bad:
                failed += bad
                continue
            forecasts[name] = np.vstack([f.scores for f in mine])
        seconds[name] = sum(fits[key].seconds for key in plan.used[id(model)]
                            if isinstance(fits[key], PeriodForecast))
    failures = _failures(failed, list(models), periods)
    if len(failures) == len(models):
        raise BacktestFailed(failures)
    observed = observed_counts(events, grid, periods)
    cov = tuple(float(c) for c in coverage)
    evaluations = {name: evaluate(f, observed, cov) for name, f in forecasts.items()}
    return BacktestResult(grid, list(periods), cov, observed, forecasts, evaluations, seconds,
                          failures, choices, validation,
                          {name: models[name].get_params() for name in forecasts})


JobKey = tuple[str, pd.Timestamp]


class _FitPlan:
    """The distinct fits a backtest needs: one per model parameters and period start.

    A model's key is its repr (class and parameters), so two models with equal parameters
    (``learned`` and auto's ``learned`` candidate) share their fits."""

    def __init__(self, events: pd.DataFrame, periods: Sequence[TestPeriod]) -> None:
        self.periods = list(periods)
        self.horizon = self.periods[0].horizon
        self.first_event = events["time"].min()
        self.jobs: dict[JobKey, tuple[str, ForecastModel, TestPeriod]] = {}
        self.used: dict[int, list[JobKey]] = {}  # model id -> the fits it uses

    @staticmethod
    def key(model: ForecastModel) -> str:
        return repr(model)

    def need(self, model: ForecastModel, period: TestPeriod, owner: ForecastModel) -> JobKey:
        key = (self.key(model), period.start)
        self.jobs.setdefault(key, (key[0], model, period))
        used = self.used.setdefault(id(owner), [])
        if key not in used:
            used.append(key)
        return key

    def validation_periods(self, auto: Auto, period: TestPeriod) -> list[TestPeriod]:
        """The periods before ``period`` that ``auto`` validates its candidates on."""
        step = horizon_offset(self.horizon)
        starts = validation_starts(period.start, step, auto.windows, self.first_event)
        return [TestPeriod(-1, s, s + step, self.horizon) for s in starts]

    def add(self, model: ForecastModel) -> None:
        if not isinstance(model, Auto):
            for p in self.periods:
                self.need(model, p, model)
            return
        for candidate in auto_candidates(model):
            for p in self.periods:
                for window in [*self.validation_periods(model, p), p]:
                    self.need(candidate, window, model)


def auto_candidates(auto: Auto) -> list[ForecastModel]:
    """``auto``'s candidate models, built once (their reprs key the shared fits)."""
    return [c.model() for c in auto.parsed]


def _auto_forecasts(name: str, auto: Auto, plan: _FitPlan,
                    fits: Mapping[JobKey, PeriodForecast | ModelFailure], events: pd.DataFrame,
                    grid: Grid) -> tuple[np.ndarray, list[Choice], pd.DataFrame] | list[
                        ModelFailure]:
    """auto's forecast of every test period from its candidates' fits, its choices, and the
    candidates' scores on every validation period; or the failures of the periods in which
    every candidate failed (a candidate that failed is passed over in that period's choice)."""
    keys = {c.spec: plan.key(m) for c, m in zip(auto.parsed, auto_candidates(auto), strict=True)}
    step = horizon_offset(plan.horizon)
    choices, failed = [], []
    for p in plan.periods:
        starts = [w.start for w in plan.validation_periods(auto, p)]
        runs = {spec: [fits[key, s] for s in [*starts, p.start]] for spec, key in keys.items()}
        ok = {spec: np.array([f.scores for f in r[:-1]]).reshape(len(starts), grid.n_cells)
              for spec, r in runs.items() if all(isinstance(f, PeriodForecast) for f in r)}
        if not ok:
            first = next(f for r in runs.values() for f in r if isinstance(f, ModelFailure))
            failed.append(replace(first, model=name, period=p.label,
                                  error=f"every candidate failed ({first.error})"))
            continue
        labels = [s.strftime("%Y-%m-%d") for s in starts]
        choices.append(choose(auto.parsed, ok, window_counts(events, grid, starts, step),
                              auto.levels, auto.margin, labels, auto.every_level))
    if failed:
        return failed
    forecasts = np.vstack([fits[keys[c.chosen], p.start].scores
                           for c, p in zip(choices, plan.periods, strict=True)])
    starts = sorted({w.start for p in plan.periods for w in plan.validation_periods(auto, p)})
    scored = {spec: np.array([fits[key, s].scores for s in starts]).reshape(len(starts),
                                                                            grid.n_cells)
              for spec, key in keys.items()
              if all(isinstance(fits[key, s], PeriodForecast) for s in starts)}
    table = validation_table(scored, window_counts(events, grid, starts, step),
                             [s.strftime("%Y-%m-%d") for s in starts], auto.levels)
    return forecasts, choices, table


def _failures(failed: Sequence[ModelFailure], names: list[str],
              periods: Sequence[TestPeriod]) -> dict[str, ModelFailure]:
    """Each failed model's first failure by period, with the number of periods it failed in."""
    order = {p.label: p.index for p in periods}
    failed = sorted(failed, key=lambda f: order.get(f.period, -1))
    out: dict[str, ModelFailure] = {}
    for name in names:
        mine = [f for f in failed if f.model == name]
        if mine:
            out[name] = replace(mine[0], periods_failed=len(mine))
    return out


def local_cluster() -> LocalCluster:
    """A one-worker, two-thread cluster in this process that listens on loopback only.

    Left to its defaults, Dask's scheduler serves its info pages on 0.0.0.0:8787 and the worker
    its own on another port of every interface, even with no dashboard asked for.
    """
    health_only = ["distributed.http.health"]
    with dask.config.set({"distributed.scheduler.http.routes": health_only,
                          "distributed.worker.http.routes": health_only}):
        return LocalCluster(n_workers=1, threads_per_worker=min(2, os.cpu_count() or 1),
                            processes=False, dashboard_address=LOOPBACK,
                            worker_dashboard_address=LOOPBACK,
                            scheduler_kwargs={"dashboard": False},
                            silence_logs=logging.ERROR)


def _run_distributed(events: pd.DataFrame, grid: Grid,
                     jobs: Sequence[tuple[str, ForecastModel, TestPeriod]],
                     scheduler: str | None, progress: Progress | None,
                     context: pd.DataFrame | None, target: str | None
                     ) -> list[PeriodForecast | ModelFailure]:
    """Submit every job to a Dask cluster (events and grid are sent to the workers once);
    the results in the order of the jobs."""
    cluster = local_cluster() if scheduler is None else None
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            events_f, grid_f, context_f = client.scatter([events, grid, context],
                                                         broadcast=True)
            run = uuid.uuid4().hex[:8]  # unique keys: a shared scheduler must not reuse results
            futures = [client.submit(attempt_period, events_f, grid_f, name, model, period,
                                     context_f, target, key=f"forecast-{run}-{k}")
                       for k, (name, model, period) in enumerate(jobs)]
            for k, _ in enumerate(as_completed(futures), start=1):
                if progress:
                    progress(k, len(jobs))
            return [future.result() for future in futures]
    finally:
        if cluster is not None:
            cluster.close()
