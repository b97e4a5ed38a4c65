"""Forecasting benchmark: every model on Chicago assaults (weekly) and Essex burglary (monthly).

Also, for information, all Essex crime together (``essex-all``: the issue's example of a
baseline near the ceiling, where the share of the remaining gap closed is the figure to read).

Reads the shared full data sets directly with pandas (not through the warehouse), backtests each
model period by period (each fit only on events before its period), prints pooled hit rate, PAI
and PEI with bootstrap intervals, checks the issue's accuracy target honestly, and times the
SEPP fit on all Chicago events, the whole backtest, and gridding plus scoring of 1M events.

    .venv/bin/python benchmarks/forecast.py [--periods K] [--models a,b]
        [--only chicago|essex|essex-all]
    .venv/bin/python benchmarks/forecast.py --short-history-check
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from crimeplan.forecast.base import fit_on_past, to_offset
from crimeplan.forecast.features import History, long_run_prior
from crimeplan.forecast.grid import Grid, default_crs, project
from crimeplan.forecast.headroom import headroom, long_run_mean
from crimeplan.forecast.metrics import DEFAULT_COVERAGE, Evaluation, compare, evaluate
from crimeplan.forecast.models import BASELINES, MODELS, make_model
from crimeplan.forecast.models.learned import LearnedGrid
from crimeplan.forecast.periods import period_counts, period_starts

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CHICAGO = SHARED / "chicago" / "chicago_aggravated_assaults.csv.gz"
CHICAGO_DISTRICTS = SHARED / "chicago" / "chicago_police_districts.kml"
ESSEX_MONTHS = sorted(SHARED.glob("police-uk/2018-0[1-7]/2018-0?-essex-street.csv"))
FORCE_AREAS = ROOT / "data" / "sample" / "reference" / "pfa20.gpkg"
TARGET_GAIN = 1.10  # best model must beat the best baseline's PAI by 10%
TARGET_LEVELS = (0.01, 0.05)


@dataclass(frozen=True)
class Study:
    """One benchmark set: events, grid, test periods, and the category forecast."""

    name: str
    events: pd.DataFrame  # time, x, y, category (every category, for context features)
    target: str | None  # category forecast; None for all events
    grid: Grid
    test_start: pd.Timestamp
    horizon: str
    periods: int

    @property
    def targets(self) -> pd.DataFrame:
        if self.target is None:
            return self.events
        return self.events.loc[self.events["category"] == self.target]


def chicago(periods: int) -> Study:
    """Chicago aggravated assaults 2010-2019, weekly, 150 m cells inside the police districts."""
    raw = pd.read_csv(CHICAGO).dropna(subset=["longitude", "latitude"])
    crs = default_crs(raw["longitude"].to_numpy(), raw["latitude"].to_numpy())
    x, y = project(raw["longitude"].to_numpy(), raw["latitude"].to_numpy(), crs)
    events = pd.DataFrame({"time": pd.to_datetime(raw["date"]), "x": x, "y": y,
                           "category": raw["loc_cat"].astype(str)})
    area = gpd.read_file(CHICAGO_DISTRICTS).to_crs(crs).geometry.union_all()
    grid = Grid.from_boundary(shapely.force_2d(area), 150.0, crs)
    return Study("chicago", events, None, grid, pd.Timestamp("2018-12-31"), "1W", periods)


def essex(periods: int) -> Study:
    """Essex street crime Jan-Jul 2018 (burglary forecast), monthly, 250 m cells in the force."""
    raw = pd.concat([pd.read_csv(p) for p in ESSEX_MONTHS]).dropna(
        subset=["Longitude", "Latitude"])
    x, y = project(raw["Longitude"].to_numpy(), raw["Latitude"].to_numpy(), "EPSG:27700")
    events = pd.DataFrame({"time": pd.to_datetime(raw["Month"] + "-01"), "x": x, "y": y,
                           "category": raw["Crime type"].astype(str)})
    forces = gpd.read_file(FORCE_AREAS)
    area = forces.loc[forces["pfa20_name"] == "Essex"].to_crs("EPSG:27700").geometry.union_all()
    grid = Grid.from_boundary(area, 250.0, "EPSG:27700")
    return Study("essex", events, "Burglary", grid, pd.Timestamp("2018-04-01"), "1M",
                 min(periods, 4))


def essex_all(periods: int) -> Study:
    """Every Essex crime type together, as ``essex`` but not only burglary (informational: the
    issue's target is on burglary; all crime is its example of a baseline near the ceiling)."""
    return replace(essex(periods), name="essex-all", target=None)


def backtest(study: Study, model_name: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Forecasts and observed counts (periods x cells) of one model, and the seconds taken."""
    horizon = to_offset(study.horizon)
    starts = [study.test_start + horizon * k for k in range(study.periods)]
    model = make_model(model_name)
    context = study.events if study.target is not None else None
    t0 = time.perf_counter()
    scores, counts = [], []
    for start in starts:
        fitted = fit_on_past(model, study.targets, start, context, study.target)
        scores.append(fitted.predict(study.grid, horizon))
        end = period_starts(start + horizon, horizon, 1)[-1]
        counts.append(period_counts(study.targets, study.grid, end, horizon, 1)[0])
    return np.array(scores), np.array(counts), time.perf_counter() - t0


def report(study: Study, results: dict[str, Evaluation], seconds: dict[str, float],
           judged: bool = True) -> bool:
    """Print the comparison table and the target check; True when the target is met.

    With ``judged`` False (a data set the target is not set on) the same figures are printed
    as information, without PASS or FAIL."""
    levels = list(DEFAULT_COVERAGE)
    print(f"\n== {study.name}: {study.periods} periods of {study.horizon} from "
          f"{study.test_start.date()}, {study.grid.n_cells} cells of {study.grid.cell_size:.0f} m,"
          f" {int(sum(ev.total.sum() for ev in results.values()) / len(results))} test events")
    head = " ".join(f"{'PAI@' + format(c, '.1%'):>17}" for c in levels)
    print(f"{'model':<17}{head} {'PEI@1%':>7} {'PEI@5%':>7} {'dev':>7} {'secs':>6}")
    for name, ev in results.items():
        cis = ev.bootstrap("pai", n_boot=500)
        cells = " ".join(f"{iv.estimate:6.2f} [{iv.low:4.1f},{iv.high:4.1f}]" for iv in cis)
        pei = ev.pooled("pei")
        print(f"{name:<17}{cells} {pei[1]:7.3f} {pei[3]:7.3f} {ev.deviance.mean():7.4f}"
              f" {seconds[name]:6.1f}")
    base = [m for m in results if m in BASELINES]
    others = [m for m in results if m not in BASELINES]
    if not base or not others:
        print("target: needs at least one baseline and one other model")
        return False
    met = True
    for level in TARGET_LEVELS:
        li = levels.index(level)
        best_base = max(base, key=lambda m: results[m].pooled("pai")[li])
        best = max(others, key=lambda m: results[m].pooled("pai")[li])
        cmp = compare(results[best], results[best_base], "pai", n_boot=1000)
        ratio, gap = cmp.ratio[li], cmp.gap_closed[li]
        base_pei = results[best_base].pooled("pei")[li]
        ok = ratio.estimate >= TARGET_GAIN
        met &= ok
        verdict = (f"{'PASS' if ok else 'FAIL'} (need >= {TARGET_GAIN:.2f})" if judged
                   else "informational, no target here")
        print(f"{'target ' if judged else ''}PAI@{level:.0%}: {best} / {best_base} = "
              f"{ratio.estimate:.3f} [{ratio.low:.3f}, {ratio.high:.3f}] -> {verdict}; "
              f"baseline PEI {base_pei:.3f}, gap to perfect closed "
              f"{gap.estimate:+.1%} [{gap.low:+.1%}, {gap.high:+.1%}]")
    return met


def ceiling(study: Study, counts: np.ndarray, results: dict[str, Evaluation],
            forecasts: dict[str, np.ndarray]) -> None:
    """How far can any forecast get? Print the oracles of ``crimeplan.forecast.headroom``
    (they see the other test periods, future included), weights chosen at the target levels."""
    long_run = long_run_mean(study.targets, study.grid, study.test_start, study.horizon)
    room = headroom(counts, results, forecasts, long_run, select=TARGET_LEVELS)
    if room is None:
        return
    print("ceiling check (oracles that see the other test periods, future included):")
    for oracle in room.oracles:
        parts = [f"PAI@{level:.0%} {oracle.pai[room.coverage.index(level)]:.2f} "
                 f"({oracle.ratio[room.coverage.index(level)]:.3f} x best baseline)"
                 for level in TARGET_LEVELS]
        print(f"  {oracle.name:<34} " + "; ".join(parts))


def short_history_check(study: Study) -> None:
    """The learned model's rule (no long-run offset before a year of history) on Chicago data.

    The rule was chosen after seeing the Essex test months; this checks it on data it was not
    chosen on: Chicago assaults dated to their month, April-July of 2015-2017, each forecast
    from that year's earlier months only (3-6 months of history, as the Essex sample has).
    """
    month = to_offset("1M")

    class AlwaysOffset(LearnedGrid):
        def _prior(self, grid: Grid, hist: History, p: int) -> np.ndarray:
            return long_run_prior(grid, hist, p)

    models = {"learned (rule)": LearnedGrid(), "learned, offset always": AlwaysOffset(),
              "kde": make_model("kde"), "all-past-mean": make_model("all-past-mean")}
    scores: dict[str, list[np.ndarray]] = {name: [] for name in models}
    counts = []
    for year in (2015, 2016, 2017):
        events = study.events.loc[study.events["time"] >= pd.Timestamp(f"{year}-01-01")]
        events = events.assign(time=events["time"].dt.to_period("M").dt.to_timestamp())
        for start in pd.date_range(f"{year}-04-01", periods=4, freq="MS"):
            counts.append(period_counts(events, study.grid, start + month, month, 1)[0])
            for name, model in models.items():
                scores[name].append(model.clone().fit(events, start).predict(study.grid, month))
    print("short-history check (Chicago by month, Apr-Jul 2015-17, 3-6 months of history):")
    for name, rows in scores.items():
        pai = evaluate(np.array(rows), np.array(counts)).pooled("pai")
        print(f"  {name:<24} PAI@1% {pai[1]:.2f}  PAI@5% {pai[3]:.2f}")


def time_sepp_fit(study: Study) -> None:
    """Fit SEPP on every Chicago event and report the time."""
    if "sepp" not in MODELS:
        print("sepp: not registered")
        return
    end = study.events["time"].max() + pd.Timedelta(days=1)
    t0 = time.perf_counter()
    model = make_model("sepp").fit(study.events, end)
    print(f"SEPP fit on all {len(study.events):,} Chicago events: "
          f"{time.perf_counter() - t0:.1f} s (target < 120 s); {model.summary()}")


def time_scoring(grid: Grid, n_events: int = 1_000_000, n_periods: int = 52) -> None:
    """Grid 1M random events into weekly counts and score 52 random forecasts against them."""
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = (b.min() if k < 2 else b.max() for k, b in enumerate(grid.bounds()))
    events = pd.DataFrame({
        "time": pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.random(n_events) * 364, "D"),
        "x": rng.uniform(x0, x1, n_events), "y": rng.uniform(y0, y1, n_events)})
    t0 = time.perf_counter()
    counts = period_counts(events, grid, pd.Timestamp("2019-12-31"), to_offset("1W"), n_periods)
    t1 = time.perf_counter()
    evaluate(rng.random(counts.shape), counts)
    t2 = time.perf_counter()
    print(f"gridding {n_events:,} events into {n_periods} weeks x {grid.n_cells:,} cells: "
          f"{t1 - t0:.2f} s; scoring {n_periods} periods at 5 levels: {t2 - t1:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--periods", type=int, default=52, help="test periods (Chicago weeks)")
    parser.add_argument("--models", default="all", help="comma-separated names or 'all'")
    parser.add_argument("--only", choices=["chicago", "essex", "essex-all"],
                        help="run one data set (essex-all: every crime type, informational)")
    parser.add_argument("--no-timings", action="store_true", help="skip SEPP and 1M timings")
    parser.add_argument("--short-history-check", action="store_true",
                        help="only check the learned model's short-history rule on Chicago")
    args = parser.parse_args()
    if not CHICAGO.exists() or not ESSEX_MONTHS:
        print(f"shared data absent ({SHARED}): skipping the forecasting benchmark")
        return 0
    if args.short_history_check:
        short_history_check(chicago(args.periods))
        return 0
    names = list(MODELS) if args.models == "all" else args.models.split(",")
    verdicts = []  # target met, per data set the target is set on
    for load in (chicago, essex, essex_all):
        if args.only and load.__name__ != args.only.replace("-", "_"):
            continue
        study = load(args.periods)
        results, seconds, forecasts = {}, {}, {}
        for name in names:
            scores, counts, secs = backtest(study, name)
            results[name], seconds[name] = evaluate(scores, counts), secs
            forecasts[name] = scores
            print(f"  {study.name} {name}: {secs:.1f} s", file=sys.stderr, flush=True)
        judged = load is not essex_all  # all Essex crime is not part of the target
        met = report(study, results, seconds, judged)
        if judged:
            verdicts.append(met)
        ceiling(study, counts, results, forecasts)
        print(f"whole backtest of {len(names)} models: {sum(seconds.values()):.0f} s "
              f"(target < 900 s for 52 weeks)")
        if study.name == "chicago" and not args.no_timings:
            time_sepp_fit(study)
            time_scoring(study.grid)
    if verdicts:
        print(f"\nACCURACY TARGET {'MET' if all(verdicts) else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
