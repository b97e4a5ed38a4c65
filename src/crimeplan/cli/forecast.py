"""``crimeplan forecast``: honest backtests of hotspot models and deployment maps."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crimeplan.app import forecast as use
from crimeplan.app.forecast import StudySpec
from crimeplan.cli.common import (
    HomeOption,
    PurposeOption,
    actor,
    console,
    err_console,
    fail,
    home_dir,
    reported,
)
from crimeplan.forecast.backtest import BacktestFailed, BacktestResult
from crimeplan.forecast.metrics import DEFAULT_COVERAGE
from crimeplan.forecast.models import MODELS
from crimeplan.forecast.periods import parse_horizon
from crimeplan.forecast.study import Study

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


def _warn(study: Study, dataset: str) -> None:
    """Say what the data lack: months without data inside the span, events without a place."""
    missing = study.data.months_missing
    if missing:
        err_console.print(f"[yellow]warning:[/] {escape(dataset)} has no data for "
                          f"{len(missing)} month(s) inside its span: {escape(', '.join(missing))}",
                          markup=True)
    if study.data.unmapped:
        err_console.print(f"[yellow]note:[/] {study.data.unmapped:,} events without a location "
                          "are left out", markup=True)


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
    """The models of ``--models``: names separated by commas, or all."""
    if text.strip().lower() == "all":
        return list(MODELS)
    return [n.strip() for n in text.split(",") if n.strip()]


def _coverages(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) / 100 for v in text.split(",") if v.strip())
    except ValueError:
        fail(f"--coverage {text!r}: give percentages separated by commas, e.g. 0.5,1,2,5,10")
    return values


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
    spec = StudySpec(dataset, cell_size, category, grid_crs, boundary)
    with reported(), Progress(TextColumn("backtest"), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), console=err_console) as bar:
        task = bar.add_task("fits", total=None)
        try:
            done = use.backtest(
                actor(purpose), home_dir(home), spec, test_start=test_start,
                test_periods=test_periods_, horizon=_horizon(horizon, freq), out=out,
                models=_model_names(models), coverages=_coverages(coverage),
                top_areas=_areas_text(top_area), scheduler=scheduler, boot=boot,
                forecast_top=forecast_top,
                progress=lambda n, total: bar.update(task, completed=n, total=total))
        except BacktestFailed as exc:
            fail(str(exc), code=1)
    _warn(done.study, dataset)
    result, grid = done.result, done.study.grid
    console.print(f"run {done.run_id}: {len(result.models)} models × {len(done.periods)} periods"
                  f" of {done.horizon} on {grid.n_cells:,} cells of {cell_size:g} "
                  f"{_unit(done.study)} ({grid.crs})")
    levels = [f.coverage for f in done.flags]
    for flag in done.flags:
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
    with reported():
        done = use.predict(
            actor(purpose), home_dir(home), StudySpec(dataset, cell_size, category, grid_crs,
                                                      boundary),
            until=until, horizon=horizon, out=out, top=top, top_area=top_area, model=model,
            areas=areas, areas_name=areas_name, tiles=tiles, adjacency=adjacency,
            history=history, alpha=alpha)
    _warn(done.study, dataset)
    plan = done.plan
    flagged = plan.cells.loc[plan.cells["flagged"]]
    console.print(f"run {done.run_id}: {len(flagged):,} cells in {len(plan.areas):,} patrol "
                  f"areas, {flagged['score'].sum():.1f} expected events from {plan.until.date()}"
                  f" ({plan.horizon})")
    if plan.choice is not None:
        console.print(f"  auto chose {plan.choice['chosen']}: {plan.choice['reason']}")
    console.print(f"wrote {out}")
