"""``crimeplan forecast``: honest backtests of hotspot models and deployment maps."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crimeplan.app.actors import cli_actor
from crimeplan.cli.common import HomeOption, PurposeOption, console, err_console, fail, home_dir
from crimeplan.forecast.backtest import (
    BacktestFailed,
    BacktestResult,
    ModelFailure,
    backtest_periods,
    run_backtest,
)
from crimeplan.forecast.deploy import (
    ADJACENCY,
    NamedArea,
    file_areas,
    plan_deployment,
    reference_areas,
    write_plan,
)
from crimeplan.forecast.flagging import flag_levels
from crimeplan.forecast.headroom import headroom, long_run_mean
from crimeplan.forecast.metrics import DEFAULT_COVERAGE
from crimeplan.forecast.models import MODELS, make_model
from crimeplan.forecast.outputs import (
    BacktestInfo,
    auto_record,
    best_vs_baseline,
    write_backtest,
)
from crimeplan.forecast.periods import horizon_unit, parse_horizon
from crimeplan.forecast.report import write_report
from crimeplan.forecast.study import Study, check_horizon, load_study
from crimeplan.provenance.runs import RunRecorder
from crimeplan.store.warehouse import Warehouse

app = typer.Typer(help="Hotspot forecasting: rolling backtests and deployment maps.",
                  no_args_is_help=True)

DatasetOption = Annotated[str, typer.Option(
    "--dataset", help="police.uk force slug as `crimeplan coverage` lists it (e.g. essex) or a "
                      "point data set loaded with ingest-points.")]
CategoryOption = Annotated[str | None, typer.Option(
    "--category", help="Only this crime category (police.uk slug or label, or the point data "
                       "set's category value).")]
GridCrsOption = Annotated[str | None, typer.Option(
    "--grid-crs", help="Projected CRS of the grid; --cell-size is in its units (e.g. "
                       "EPSG:3435, Illinois East, in US survey feet).",
    show_default="EPSG:27700 for UK data, else the data's UTM zone")]
BoundaryOption = Annotated[Path | None, typer.Option(
    "--boundary", help="Study-area polygon file (any vector format; reprojected).",
    show_default="the force area if reference data is loaded, else the data's extent")]
CellSizeHelp = "Grid cell size in the units of the grid CRS (metres unless --grid-crs says)."
HORIZONS_HELP = ("1D, 1W, 2W (weeks of 7 days), 1M, 2M or 3M (calendar months; the only "
                 "choice for police.uk), or any whole number of D, W or M")


def _study(home: Path, dataset: str, category: str | None, cell_size: float,
           grid_crs: str | None, boundary: Path | None, horizon: str) -> tuple[Study, str]:
    """Load the study and check the horizon suits the data; exits with a message if not."""
    con = Warehouse(home).connect(read_only=True)
    try:
        study = load_study(con, dataset, cell_size=cell_size, category=category,
                           grid_crs=grid_crs, boundary=boundary)
        horizon = check_horizon(horizon, study.data)
    except KeyError as exc:
        fail(str(exc.args[0]))
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    finally:
        con.close()
    missing = study.data.months_missing
    if missing:
        err_console.print(f"[yellow]warning:[/] {escape(dataset)} has no data for "
                          f"{len(missing)} month(s) inside its span: {escape(', '.join(missing))}",
                          markup=True)
    if study.data.unmapped:
        err_console.print(f"[yellow]note:[/] {study.data.unmapped:,} events without a location "
                          "are left out", markup=True)
    return study, horizon


def _horizon(horizon: str | None, freq: str | None) -> str:
    """The backtest's horizon from --horizon, or from --freq (D, W, M: one unit)."""
    if horizon is None and freq is None:
        fail("give the length of a test period: --horizon (e.g. 1W, 2W, 1M, 3M) or --freq")
    try:
        texts = {parse_horizon(t) for t in (horizon, freq) if t is not None}
    except ValueError as exc:
        fail(f"{'--horizon' if horizon else '--freq'}: {exc}")
    if len(texts) > 1:
        fail(f"--horizon {horizon} and --freq {freq} disagree: give one of them")
    return texts.pop()


def _areas_text(text: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (text or "").split(",") if a.strip())


def _model_names(text: str) -> list[str]:
    names = list(MODELS) if text.strip().lower() == "all" else [
        n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        fail(f"--models {text!r}: unknown {', '.join(unknown) or 'empty list'}; "
             f"known: {', '.join(MODELS)} or all")
    return list(dict.fromkeys(names))


def _coverages(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) / 100 for v in text.split(",") if v.strip())
    except ValueError:
        fail(f"--coverage {text!r}: give percentages separated by commas, e.g. 0.5,1,2,5,10")
    if not values or any(not 0 < v <= 1 for v in values):
        fail(f"--coverage {text!r}: every level must be a percentage in (0, 100]")
    return values


def _record_study(run: RunRecorder, study: Study, dataset: str, category: str | None,
                  boundary: Path | None) -> None:
    """A forecast run's inputs: the events (content hash), the boundary file, coverage."""
    run.add_input_data(f"events:{dataset}", study.data.content_hash,
                       rows=len(study.data.frame), category=category)
    if study.context is not None and study.context_hash is not None:
        run.add_input_data(f"context:{dataset}", study.context_hash, rows=len(study.context),
                           categories=int(study.context["category"].nunique()),
                           used_by="models that learn from context (learned) see every "
                                   "category; the others only the forecast category")
    if boundary is not None:
        run.add_input(boundary)
    run.set_coverage(study.coverage())


@app.command("backtest")
def backtest(
    dataset: DatasetOption,
    cell_size: Annotated[float, typer.Option("--cell-size", help=CellSizeHelp)],
    test_start: Annotated[str, typer.Option("--test-start", help="First day of the first test "
                                            "period (YYYY-MM-DD; the 1st for months).")],
    test_periods_: Annotated[int, typer.Option("--test-periods", help="Number of consecutive "
                                               "test periods.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for scores.csv, summary.json, "
                                      "forecasts/ and report.html.")],
    horizon: Annotated[str | None, typer.Option(
        "--horizon", help=f"Length of each test period: {HORIZONS_HELP}.")] = None,
    freq: Annotated[str | None, typer.Option(
        "--freq", help="D, W or M: the same as --horizon 1D, 1W or 1M.")] = None,
    models: Annotated[str, typer.Option("--models", help="Comma-separated model names, or all "
                                        "(auto is one: it picks among the others by "
                                        "validation on earlier periods).")] = "all",
    category: CategoryOption = None,
    grid_crs: GridCrsOption = None,
    boundary: BoundaryOption = None,
    coverage: Annotated[str, typer.Option("--coverage", help="Coverage levels in percent of the "
                                          "study area.")] = ",".join(
        f"{c * 100:g}" for c in DEFAULT_COVERAGE),
    top_area: Annotated[str | None, typer.Option(
        "--top-area", help="Also score flagged areas given as areas, comma-separated, e.g. "
                           "0.25mi2,0.75mi2 (units m2, km2, mi2, ft2): the nearest whole "
                           "number of cells.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running Dask scheduler (e.g. tcp://host:8786), or "
                            "'synchronous' to run in this process.",
        show_default="a LocalCluster in this process, listening on 127.0.0.1 only")] = None,
    boot: Annotated[int, typer.Option("--boot", help="Bootstrap resamples for the intervals.")
                    ] = 1000,
    forecast_top: Annotated[float | None, typer.Option(
        "--forecast-top", help="Write only the cells ranked in the top PCT percent of the study "
                               "area to forecasts/ (ties at the cut-off kept).",
        show_default="every cell")] = None,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Backtest models over rolling test periods; each model sees only earlier events.

    Exit code 0 when every model was scored; 1 when a model failed (the others' results are
    still written, and summary.json, report.html and the run record say which model failed,
    in which period, where and why); 2 on bad input.
    """
    names = _model_names(models)
    shares = _coverages(coverage)
    if forecast_top is not None and not 0 < forecast_top <= 100:
        fail(f"--forecast-top {forecast_top:g}: give a percentage in (0, 100]")
    horizon = _horizon(horizon, freq)
    try:
        periods = backtest_periods(test_start, test_periods_, horizon)
    except ValueError as exc:
        fail(str(exc))
    workspace = home_dir(home)
    study, horizon = _study(workspace, dataset, category, cell_size, grid_crs, boundary,
                            horizon)
    try:
        flags = flag_levels(study.grid, shares, _areas_text(top_area))
    except ValueError as exc:
        fail(f"--top-area: {exc}")
    levels = tuple(f.coverage for f in flags)
    parameters = {"dataset": dataset, "category": category, "grid_crs": study.grid.crs,
                  "grid_unit": study.grid.unit, "cell_size": cell_size,
                  "freq": horizon_unit(horizon), "horizon": horizon, "test_start": test_start,
                  "test_periods": test_periods_, "models": names, "coverages": list(shares),
                  "top_areas": list(_areas_text(top_area)),
                  "boundary": str(boundary) if boundary else None,
                  "study_area": study.area_source, "scheduler": scheduler or "LocalCluster",
                  "bootstrap": boot, "forecast_top_pct": forecast_top}
    with RunRecorder(workspace, "forecast.backtest", cli_actor(purpose),
                     parameters=parameters) as run:
        _record_study(run, study, dataset, category, boundary)
        with Progress(TextColumn("backtest"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err_console) as bar:
            task = bar.add_task("fits", total=None)
            try:
                result = run_backtest(
                    study.events, study.grid, {n: make_model(n) for n in names}, periods,
                    levels, scheduler,
                    lambda done, total: bar.update(task, completed=done, total=total),
                    **study.fit_inputs)
            except ValueError as exc:
                fail(str(exc))
            except BacktestFailed as exc:
                run.set_result("failed_models", _failures_json(exc.failures))
                fail(str(exc), code=1)
        if result.failures:
            run.set_result("failed_models", _failures_json(result.failures))
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
    console.print(f"run {run.run_id}: {len(result.models)} models × {len(periods)} periods of "
                  f"{horizon} on {study.grid.n_cells:,} cells of {cell_size:g} "
                  f"{_unit(study)} ({study.grid.crs})")
    for flag in flags:
        best = result.best_model(flag.coverage)
        pai = result.evaluations[best].pooled("pai")[levels.index(flag.coverage)]
        console.print(f"  best PAI at {flag.label}: {best} ({pai:.2f})")
    _print_choices(result)
    console.print(f"wrote {out}/scores.csv, summary.json, forecasts/ and report.html")
    for failure in result.failures.values():
        err_console.print(f"[bold red]error:[/] {escape(failure.describe())}", markup=True,
                          highlight=False, soft_wrap=True)
    if result.failures:
        raise typer.Exit(1)


def _failures_json(failures: dict[str, ModelFailure]) -> list[dict[str, object]]:
    return [asdict(f) for f in failures.values()]


def _unit(study: Study) -> str:
    return "m" if study.grid.unit == "metre" else study.grid.unit


def _print_choices(result: BacktestResult) -> None:
    for name, choices in result.choices.items():
        counts = Counter(c.chosen for c in choices)
        console.print(f"  {name} chose " + ", ".join(
            f"{spec} in {n} of {len(choices)} periods" for spec, n in counts.most_common()))


@app.command("predict")
def predict(
    dataset: DatasetOption,
    until: Annotated[str, typer.Option("--until", help="Forecast from this date (YYYY-MM-DD; "
                                       "the 1st for months); only earlier events are used.")],
    horizon: Annotated[str, typer.Option("--horizon", help=f"{HORIZONS_HELP}.")],
    out: Annotated[Path, typer.Option("--out", help="Output file: .geojson (WGS84), .csv "
                                      "(grid CRS) or .html (interactive offline map).")],
    top: Annotated[float | None, typer.Option(
        "--top", help="Percent of the study area to flag (or give --top-area).")] = None,
    top_area: Annotated[str | None, typer.Option(
        "--top-area", help="Area to flag instead, e.g. 0.25mi2 or 0.6km2 (units m2, km2, mi2, "
                           "ft2): the nearest whole number of cells.")] = None,
    model: Annotated[str, typer.Option(
        "--model", help=f"Model name: {', '.join(MODELS)}. auto picks the candidate that "
                        "validated best on the periods just before --until.")] = "auto",
    cell_size: Annotated[float, typer.Option("--cell-size", help=CellSizeHelp)] = 250.0,
    category: CategoryOption = None,
    grid_crs: GridCrsOption = None,
    boundary: BoundaryOption = None,
    areas: Annotated[Path | None, typer.Option(
        "--areas", help="File of named areas to draw on the map and name in the patrol-area "
                        "table (e.g. police districts, any vector format).",
        show_default="districts and LSOAs of the reference data, if loaded")] = None,
    areas_name: Annotated[str | None, typer.Option(
        "--areas-name", help="Field of --areas holding the names.",
        show_default="a field called name, else the first text field")] = None,
    tiles: Annotated[str | None, typer.Option(
        "--tiles", envvar="CRIMEPLAN_TILES",
        help="XYZ tile server for the map, e.g. http://127.0.0.1:8080/{z}/{x}/{y}.png; the "
             "page then loads tiles from it.", show_default="no tiles: the map loads nothing")
                     ] = None,
    adjacency: Annotated[str, typer.Option("--adjacency", help="rook: patrol areas join cells "
                                           "sharing an edge; queen: also a corner.")] = "rook",
    history: Annotated[int, typer.Option("--history", help="Periods before --until for the "
                                         "hot-spot classification.")] = 12,
    alpha: Annotated[float, typer.Option("--alpha", help="False discovery rate of the Gi* hot "
                                         "spots.")] = 0.05,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Forecast the next period and map the top cells as contiguous patrol areas."""
    try:
        horizon = parse_horizon(horizon)
    except ValueError as exc:
        fail(f"--horizon: {exc}")
    if (top is None) == (top_area is None):
        fail("give the area to flag as --top PCT or --top-area AREA (one of them)")
    if model not in MODELS:
        fail(f"--model {model!r}: known models are {', '.join(MODELS)}")
    if adjacency not in ADJACENCY:
        fail(f"--adjacency {adjacency!r}: use rook or queen")
    if out.suffix.lower() not in (".geojson", ".csv", ".html"):
        fail(f"--out {out}: use a .geojson, .csv or .html file")
    if tiles is not None and not all(k in tiles for k in ("{z}", "{x}", "{y}")):
        fail(f"--tiles {tiles!r}: give an XYZ URL template with {{z}}, {{x}} and {{y}}")
    workspace = home_dir(home)
    study, horizon = _study(workspace, dataset, category, cell_size, grid_crs, boundary,
                            horizon)
    parameters = {"dataset": dataset, "category": category, "grid_crs": study.grid.crs,
                  "grid_unit": study.grid.unit, "cell_size": cell_size,
                  "freq": horizon_unit(horizon), "until": until, "horizon": horizon,
                  "model": model, "top_pct": top, "top_area": top_area, "adjacency": adjacency,
                  "history": history, "alpha": alpha,
                  "boundary": str(boundary) if boundary else None,
                  "areas": str(areas) if areas else None, "tiles": tiles,
                  "study_area": study.area_source}
    with RunRecorder(workspace, "forecast.predict", cli_actor(purpose),
                     parameters=parameters) as run:
        _record_study(run, study, dataset, category, boundary)
        try:
            plan = plan_deployment(study.events, study.grid, model, make_model(model), until,
                                   horizon, top if top_area is None else top_area, adjacency,
                                   history, alpha, **study.fit_inputs)
            named = _named_areas(workspace, study, areas, areas_name)
        except ValueError as exc:
            fail(str(exc))
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
    console.print(f"run {run.run_id}: {len(flagged):,} cells in {len(plan.areas):,} patrol "
                  f"areas, {flagged['score'].sum():.1f} expected events from {plan.until.date()}"
                  f" ({plan.horizon})")
    if plan.choice is not None:
        console.print(f"  auto chose {plan.choice['chosen']}: {plan.choice['reason']}")
    console.print(f"wrote {out}")


def _named_areas(workspace: Path, study: Study, areas: Path | None,
                 name_field: str | None) -> list[NamedArea]:
    """The user's named areas, else the reference data's districts and neighbourhoods."""
    if areas is not None:
        return file_areas(areas, study.grid, name_field)
    con = Warehouse(workspace).connect(read_only=True)
    try:
        return reference_areas(con, study.grid, study.boundary)
    finally:
        con.close()
