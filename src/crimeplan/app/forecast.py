"""Use cases of hotspot forecasting: a rolling backtest of models, and a forecast of the next
period mapped as patrol areas.

Both read a data set of the warehouse on the grid of its study area and record the run: the
events read (content hash), the boundary and named-area files, the coverage of the data, what
was written, and what ``auto`` chose and on which validation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.errors import BadInput
from crimeplan.forecast.backtest import (
    BacktestFailed,
    BacktestResult,
    ModelFailure,
    TestPeriod,
    backtest_periods,
    run_backtest,
)
from crimeplan.forecast.deploy import (
    ADJACENCY,
    DeploymentPlan,
    NamedArea,
    file_areas,
    plan_deployment,
    reference_areas,
    write_plan,
)
from crimeplan.forecast.flagging import FlagLevel, flag_levels
from crimeplan.forecast.headroom import headroom, long_run_mean
from crimeplan.forecast.models import MODELS, make_model
from crimeplan.forecast.outputs import BacktestInfo, auto_record, best_vs_baseline, write_backtest
from crimeplan.forecast.periods import horizon_unit, parse_horizon
from crimeplan.forecast.report import write_report
from crimeplan.forecast.study import Study, check_horizon, load_study
from crimeplan.provenance.runs import RunRecorder
from crimeplan.store.warehouse import Warehouse

#: The files a deployment plan can be written as.
PLAN_SUFFIXES = (".geojson", ".csv", ".html")


@dataclass(frozen=True)
class StudySpec:
    """What to forecast: a data set (police.uk force slug or point data set), an optional crime
    category, the grid (``cell_size`` in the units of ``grid_crs``) and the study area."""

    dataset: str
    cell_size: float
    category: str | None = None
    grid_crs: str | None = None
    boundary: Path | None = None


@dataclass(frozen=True)
class Backtest:
    """A recorded backtest: its run, study, periods, flagged levels and results."""

    run_id: str
    study: Study
    horizon: str
    periods: list[TestPeriod]
    flags: tuple[FlagLevel, ...]
    result: BacktestResult


@dataclass(frozen=True)
class Prediction:
    """A recorded forecast: its run, study and deployment plan."""

    run_id: str
    study: Study
    plan: DeploymentPlan


def _study(home: Path, spec: StudySpec, horizon: str) -> tuple[Study, str]:
    """The study and the horizon in normal form; an unknown data set, category or boundary, or
    a horizon the data cannot support, is BadInput."""
    try:
        horizon = parse_horizon(horizon)
    except ValueError as exc:
        raise BadInput(f"--horizon: {exc}") from exc
    con = Warehouse(home).connect(read_only=True)
    try:
        study = load_study(con, spec.dataset, cell_size=spec.cell_size, category=spec.category,
                           grid_crs=spec.grid_crs, boundary=spec.boundary)
        return study, check_horizon(horizon, study.data)
    except KeyError as exc:
        raise BadInput(str(exc.args[0])) from exc
    except (ValueError, FileNotFoundError) as exc:
        raise BadInput(str(exc)) from exc
    finally:
        con.close()


def _parameters(spec: StudySpec, study: Study, horizon: str) -> dict[str, Any]:
    return {"dataset": spec.dataset, "category": spec.category, "grid_crs": study.grid.crs,
            "grid_unit": study.grid.unit, "cell_size": spec.cell_size,
            "freq": horizon_unit(horizon), "horizon": horizon,
            "boundary": str(spec.boundary) if spec.boundary else None,
            "study_area": study.area_source}


def _record_study(run: RunRecorder, study: Study, spec: StudySpec) -> None:
    """A forecast run's inputs: the events (content hash), the boundary file, coverage."""
    run.add_input_data(f"events:{spec.dataset}", study.data.content_hash,
                       rows=len(study.data.frame), category=spec.category)
    if study.context is not None and study.context_hash is not None:
        run.add_input_data(f"context:{spec.dataset}", study.context_hash,
                           rows=len(study.context),
                           categories=int(study.context["category"].nunique()),
                           used_by="models that learn from context (learned) see every "
                                   "category; the others only the forecast category")
    if spec.boundary is not None:
        run.add_input(spec.boundary)
    run.set_coverage(study.coverage())


def _check_models(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        raise BadInput(f"--models {','.join(names)!r}: unknown "
                       f"{', '.join(unknown) or 'empty list'}; known: {', '.join(MODELS)} or all")
    return list(dict.fromkeys(names))


def _failures(failures: dict[str, ModelFailure]) -> list[dict[str, object]]:
    return [asdict(f) for f in failures.values()]


@use_case("forecast.backtest", run_kind="forecast.backtest")
def backtest(actor: Actor, home: Path, spec: StudySpec, *, test_start: str, test_periods: int,
             horizon: str, out: Path, models: Sequence[str], coverages: Sequence[float],
             top_areas: Sequence[str] = (), scheduler: str | None = None, boot: int = 1000,
             forecast_top: float | None = None,
             progress: Callable[[int, int], None] | None = None) -> Backtest:
    """Backtest models over rolling test periods (each model sees only earlier events) and
    write scores.csv, summary.json, forecasts/ and report.html to ``out``.

    ``coverages`` are shares of the study area (0.01 = 1%), ``top_areas`` areas such as
    ``0.25mi2``, ``forecast_top`` a percentage. A model that fails is left out and named in
    the result and the record; if every model fails, BacktestFailed is raised after the record
    names each failure.
    """
    names = _check_models(models)
    if not coverages or any(not 0 < c <= 1 for c in coverages):
        raise BadInput("--coverage: every level must be a percentage in (0, 100]")
    if forecast_top is not None and not 0 < forecast_top <= 100:
        raise BadInput(f"--forecast-top {forecast_top:g}: give a percentage in (0, 100]")
    study, horizon = _study(home, spec, horizon)
    try:
        periods = backtest_periods(test_start, test_periods, horizon)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    try:
        flags = flag_levels(study.grid, tuple(coverages), tuple(top_areas))
    except ValueError as exc:
        raise BadInput(f"--top-area: {exc}") from exc
    levels = tuple(f.coverage for f in flags)
    parameters = {**_parameters(spec, study, horizon), "test_start": test_start,
                  "test_periods": test_periods, "models": names, "coverages": list(coverages),
                  "top_areas": list(top_areas), "scheduler": scheduler or "LocalCluster",
                  "bootstrap": boot, "forecast_top_pct": forecast_top}
    with RunRecorder(home, "forecast.backtest", actor, parameters=parameters) as run:
        _record_study(run, study, spec)
        try:
            result = run_backtest(study.events, study.grid, {n: make_model(n) for n in names},
                                  periods, levels, scheduler, progress, **study.fit_inputs)
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
        except BacktestFailed as exc:
            run.set_result("failed_models", _failures(exc.failures))
            raise
        if result.failures:
            run.set_result("failed_models", _failures(result.failures))
        pooled = result.pooled_table(n_boot=boot)
        comparisons = best_vs_baseline(result, n_boot=boot)
        room = headroom(result.observed, result.evaluations, result.forecasts,
                        long_run_mean(study.events, study.grid, periods[0].start, horizon))
        info = BacktestInfo.from_study(study, horizon, flags)
        write_backtest(out, result, info, pooled, comparisons,
                       None if forecast_top is None else forecast_top / 100, room)
        write_report(out / "report.html", result, info, pooled, comparisons, room)
        run.add_output(out)
        run.set_result("pooled", {m: {f"{r.coverage:g}": {"pai": r.pai, "hit_rate": r.hit_rate,
                                                          "pei": r.pei}
                                      for r in pooled.loc[pooled["model"] == m].itertuples()}
                                  for m in result.models})
        run.set_result("best_by_pai", {f"{c:g}": result.best_model(c) for c in levels})
        if result.choices:
            run.set_result("auto", auto_record(result))
    return Backtest(run.run_id, study, horizon, periods, flags, result)


@use_case("forecast.predict", run_kind="forecast.predict")
def predict(actor: Actor, home: Path, spec: StudySpec, *, until: str, horizon: str, out: Path,
            top: float | None = None, top_area: str | None = None, model: str = "auto",
            areas: Path | None = None, areas_name: str | None = None,
            tiles: str | None = None, adjacency: str = "rook", history: int = 12,
            alpha: float = 0.05) -> Prediction:
    """Forecast the ``horizon`` from ``until`` with ``model`` and write the top cells, as
    contiguous patrol areas with the named areas they lie in, to ``out`` (.geojson in WGS84,
    .csv in the grid CRS, or an offline .html map that loads tiles only from ``tiles``).

    The flagged area is ``top`` percent of the study area or ``top_area`` (e.g. ``0.25mi2``).
    Named areas come from ``areas`` (any vector file; names from ``areas_name``), else from
    the districts and neighbourhoods of the reference data.
    """
    if (top is None) == (top_area is None):
        raise BadInput("give the area to flag as --top PCT or --top-area AREA (one of them)")
    if model not in MODELS:
        raise BadInput(f"--model {model!r}: known models are {', '.join(MODELS)}")
    if adjacency not in ADJACENCY:
        raise BadInput(f"--adjacency {adjacency!r}: use rook or queen")
    if out.suffix.lower() not in PLAN_SUFFIXES:
        raise BadInput(f"--out {out}: use a .geojson, .csv or .html file")
    if tiles is not None and not all(k in tiles for k in ("{z}", "{x}", "{y}")):
        raise BadInput(f"--tiles {tiles!r}: give an XYZ URL template with {{z}}, {{x}} and "
                       "{y}")
    study, horizon = _study(home, spec, horizon)
    parameters = {**_parameters(spec, study, horizon), "until": until, "model": model,
                  "top_pct": top, "top_area": top_area, "adjacency": adjacency,
                  "history": history, "alpha": alpha, "areas": str(areas) if areas else None,
                  "tiles": tiles}
    with RunRecorder(home, "forecast.predict", actor, parameters=parameters) as run:
        _record_study(run, study, spec)
        try:
            plan = plan_deployment(study.events, study.grid, model, make_model(model), until,
                                   horizon, top if top_area is None else top_area, adjacency,
                                   history, alpha, **study.fit_inputs)
            named = _named_areas(home, study, areas, areas_name)
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
        if areas is not None:
            run.add_input(areas)
        write_plan(plan, out, named, study.boundary, tiles)
        run.add_output(out)
        flagged = plan.cells.loc[plan.cells["flagged"]]
        run.set_result("flagged_cells", len(flagged))
        run.set_result("flagged_area_km2", len(flagged) * study.grid.cell_area / 1e6)
        run.set_result("patrol_areas", len(plan.areas))
        run.set_result("expected_in_flagged", float(flagged["score"].sum()))
        run.set_result("hotspot_classes", plan.cells["hotspot"].value_counts().to_dict())
        if plan.choice is not None:
            run.set_result("auto", plan.choice)
    return Prediction(run.run_id, study, plan)


def _named_areas(home: Path, study: Study, areas: Path | None,
                 name_field: str | None) -> list[NamedArea]:
    """The user's named areas, else the reference data's districts and neighbourhoods."""
    if areas is not None:
        return file_areas(areas, study.grid, name_field)
    with Warehouse(home).connect(read_only=True) as con:
        return reference_areas(con, study.grid, study.boundary)
