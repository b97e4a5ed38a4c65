"""Forecasting-challenge format on Chicago: five horizons, areas in square miles, feet.

The US National Institute of Justice's Real-Time Crime Forecasting Challenge (2016-17) asked for
forecasts issued on one date for the next 1 and 2 weeks and 1, 2 and 3 months, each flagging
between 0.25 and 0.75 square miles of cells 250 to 600 feet across, scored by PAI and PEI. This
benchmark does the same on the shared Chicago aggravated assaults: a grid of 500 ft cells in
Illinois East (EPSG:3435, US survey feet) inside the police districts, flagged areas of 0.25 and
0.75 mi2 (and 1% and 5% of the city, as in the weekly benchmark), the baselines and ``auto``.

* one start date, as the challenge: forecasts issued for 1 March 2019;
* rolled: every first of the month of 2019 as a start date, each horizon's windows ending by
  1 January 2020 (the data end), pooled over the start dates with bootstrap intervals and
  auto's ratio to the best baseline chosen after the fact (paired bootstrap).

Every model is fitted only on events before each start date (the project's runner, synchronous).

    .venv/bin/python benchmarks/challenge.py [--horizons 1W,2W,1M,2M,3M] [--models a,b]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from crimeplan.forecast.backtest import SYNCHRONOUS, BacktestResult, TestPeriod, run_backtest
from crimeplan.forecast.flagging import FlagLevel, flag_levels
from crimeplan.forecast.grid import Grid, project
from crimeplan.forecast.metrics import compare
from crimeplan.forecast.models import BASELINES, make_model
from crimeplan.forecast.periods import horizon_offset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from forecast import CHICAGO, CHICAGO_DISTRICTS, SHARED  # the shared data paths

CRS = "EPSG:3435"  # NAD83 / Illinois East (ftUS)
CELL_FT = 500.0
AREAS = ("0.25mi2", "0.75mi2")
SHARES = (0.01, 0.05)
HORIZONS = ("1W", "2W", "1M", "2M", "3M")
MODELS = ("naive", "historical-mean", "all-past-mean", "kde", "auto")
ONE_START = pd.Timestamp("2019-03-01")
STARTS = pd.date_range("2019-01-01", "2019-12-01", freq="MS")
DATA_END = pd.Timestamp("2020-01-01")


def chicago_feet() -> tuple[pd.DataFrame, Grid]:
    """All Chicago assaults in Illinois East feet, and 500 ft cells inside the districts."""
    raw = pd.read_csv(CHICAGO).dropna(subset=["longitude", "latitude"])
    x, y = project(raw["longitude"].to_numpy(), raw["latitude"].to_numpy(), CRS)
    events = pd.DataFrame({"time": pd.to_datetime(raw["date"]), "x": x, "y": y,
                           "category": raw["loc_cat"].astype(str)})
    area = gpd.read_file(CHICAGO_DISTRICTS).to_crs(CRS).geometry.union_all()
    return events, Grid.from_boundary(shapely.force_2d(area), CELL_FT, CRS)


def periods(horizon: str, starts: list[pd.Timestamp]) -> list[TestPeriod]:
    """One test period of ``horizon`` from each start date that ends by the data's end."""
    step = horizon_offset(horizon)
    kept = [s for s in starts if s + step <= DATA_END]
    return [TestPeriod(k, s, s + step, horizon) for k, s in enumerate(kept)]


def run(events: pd.DataFrame, grid: Grid, horizon: str, starts: list[pd.Timestamp],
        names: list[str], levels: list[FlagLevel]) -> BacktestResult:
    tests = periods(horizon, starts)
    models = {n: make_model(n) for n in names}
    return run_backtest(events, grid, models, tests, tuple(lv.coverage for lv in levels),
                        SYNCHRONOUS)


def table(result: BacktestResult, levels: list[FlagLevel], intervals: bool) -> None:
    """PAI (with a bootstrap interval over start dates when rolled) and PEI per level."""
    head = "".join(f"{'PAI ' + lv.label:>22}{'PEI':>7}" for lv in levels)
    print(f"  {'model':<17}{head}")
    for name, ev in result.evaluations.items():
        pai, pei = ev.pooled("pai"), ev.pooled("pei")
        cis = ev.bootstrap("pai", n_boot=500) if intervals else None
        cells = ""
        for k in range(len(levels)):
            span = f" [{cis[k].low:5.1f},{cis[k].high:5.1f}]" if cis else " " * 14
            cells += f"{pai[k]:8.2f}{span}{pei[k]:7.3f}"
        print(f"  {name:<17}{cells}")


def auto_ratio(result: BacktestResult, levels: list[FlagLevel]) -> None:
    """auto's pooled PAI over the best baseline's, per level, paired bootstrap over starts."""
    if "auto" not in result.evaluations:
        return
    evals = result.evaluations
    base = [m for m in evals if m in BASELINES]
    parts = []
    for k, lv in enumerate(levels):
        best = max(base, key=lambda m, k=k: evals[m].pooled("pai")[k])
        r = compare(evals["auto"], evals[best], "pai", n_boot=1000).ratio[k]
        parts.append(f"{lv.label} {r.estimate:.3f} [{r.low:.3f}, {r.high:.3f}] vs {best}")
    print("  auto / best baseline: " + "; ".join(parts))
    chosen = pd.Series([c.chosen for c in result.choices["auto"]]).value_counts()
    print("  auto chose: " + ", ".join(f"{k} {v}x" for k, v in chosen.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizons", default=",".join(HORIZONS))
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    if not CHICAGO.exists():
        print(f"shared data absent ({SHARED}): skipping the challenge-format benchmark")
        return 0
    names = args.models.split(",")
    events, grid = chicago_feet()
    levels = flag_levels(grid, SHARES, AREAS)
    print(f"Chicago assaults, {grid.n_cells:,} cells of {CELL_FT:g} ft ({grid.unit}, {CRS}); "
          "flagged: " + ", ".join(f"{lv.label} = {lv.cells} cells "
                                  f"({lv.cells * grid.cell_area / 2589988.11:.3f} mi2)"
                                  for lv in levels))
    for horizon in args.horizons.split(","):
        t0 = time.perf_counter()
        one = run(events, grid, horizon, [ONE_START], names, levels)
        print(f"\n== {horizon} from {ONE_START.date()} (one start date, as the challenge): "
              f"{int(one.observed.sum())} events")
        table(one, levels, intervals=False)
        rolled = run(events, grid, horizon, list(STARTS), names, levels)
        first, last = rolled.periods[0].start.date(), rolled.periods[-1].start.date()
        print(f"== {horizon} rolled: {len(rolled.periods)} start dates, the first of each month "
              f"{first} to {last}, {int(rolled.observed.sum())} events")
        table(rolled, levels, intervals=True)
        auto_ratio(rolled, levels)
        print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
