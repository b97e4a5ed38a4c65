"""A feedback study on a real data set: the naive loop and each mitigation side by side.

True crime is the data set's events counted per grid cell and period; the study area is every
cell where at least one event happened (patrolling empty fields teaches nothing). Writes
``report.html`` (trajectories as inline SVG) and ``summary.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crimeplan.forecast.grid import Grid, default_crs, project
from crimeplan.forecast.models import make_model
from crimeplan.governance.feedback import FeedbackRun, FeedbackSettings, Forecaster, simulate
from crimeplan.report import html
from crimeplan.store.events import EventData

PERIODS = {"month": "MS", "week": "W-MON"}
HORIZONS = {"month": "1M", "week": "1W"}
#: The built-in forecaster (mean training count per observed period).
COUNT_MODEL = "count"

METRIC_LABELS = {
    "recorded_vs_true": "Recorded crime vs true crime (share that would have to move)",
    "estimate_vs_true": "Model's forecast vs true crime so far (share that would have to move)",
    "attention_vs_true": "Patrol attention vs true crime so far (share that would have to move)",
    "attention_gini": "Concentration of patrol attention (Gini across cells)",
    "attention_top_decile": "Share of patrol attention in the most-patrolled 10% of cells",
}


@dataclass(frozen=True)
class TrueCrime:
    """True crime of a study: counts per period × cell, with the cells and period labels."""

    counts: np.ndarray
    grid: Grid
    periods: list[str]
    period: str  # "month" or "week"


@dataclass
class FeedbackStudy:
    """The scenarios of one study, keyed by name, on the same true crime."""

    dataset: str
    truth: TrueCrime
    scenarios: dict[str, FeedbackRun]
    model: str = COUNT_MODEL

    def summary(self) -> dict[str, Any]:
        """The figures for ``summary.json``: settings, trajectories and final values."""
        return {
            "dataset": self.dataset,
            "model": self.model,
            "grid": {"crs": self.truth.grid.crs, "cell_size": self.truth.grid.cell_size,
                     "cells": self.truth.grid.n_cells},
            "periods": self.truth.periods,
            "true_crimes": int(self.truth.counts.sum()),
            "scenarios": {
                name: {"settings": asdict(run.settings),
                       "recorded_crimes": int(run.recorded.sum()),
                       "final": {k: _finite(v[-1]) for k, v in run.metrics.items()},
                       "trajectories": {k: [_finite(x) for x in v]
                                        for k, v in run.metrics.items()}}
                for name, run in self.scenarios.items()},
        }


def true_crime(events: EventData, cell_size: float, period: str) -> TrueCrime:
    """Count a data set's events per grid cell and period (cells with any event only)."""
    if period not in PERIODS:
        raise ValueError(f"period {period!r}: use one of {', '.join(PERIODS)}")
    if events.resolution == "month" and period != "month":
        raise ValueError(f"{events.dataset} has monthly dates only: use --period month")
    frame = events.frame
    if frame.empty:
        raise ValueError(f"data set {events.dataset} has no located events")
    lon, lat = frame["longitude"].to_numpy(float), frame["latitude"].to_numpy(float)
    crs = default_crs(lon, lat)
    x, y = project(lon, lat, crs)
    full = Grid.from_extent(x, y, cell_size, crs)
    cell = full.locate(x, y)
    used = np.unique(cell[cell >= 0])
    grid = Grid(crs, float(cell_size), full.i[used], full.j[used])
    starts = pd.to_datetime(frame["time"]).dt.to_period(PERIODS[period][0]).dt.start_time
    labels = sorted(starts.unique())
    row = np.searchsorted(np.array(labels, dtype="datetime64[ns]"),
                          starts.to_numpy(dtype="datetime64[ns]"))
    counts = np.zeros((len(labels), grid.n_cells), dtype=np.int64)
    np.add.at(counts, (row, grid.locate(x, y)), 1)
    fmt = "%Y-%m" if period == "month" else "%Y-%m-%d"
    return TrueCrime(counts, grid, [pd.Timestamp(s).strftime(fmt) for s in labels], period)


def model_forecaster(name: str, truth: TrueCrime, settings: FeedbackSettings) -> Forecaster:
    """A forecast-package model as the loop's forecaster.

    Each period's training counts become events at cell centres dated at the period's start
    (fractional corrected counts are rounded up or down at random, keeping their expectation);
    the model is fitted afresh before each period. Such models cannot tell an area that was
    not observed from one with no crime.
    """
    model = make_model(name)
    starts = pd.DatetimeIndex(pd.to_datetime(truth.periods))
    cx, cy = truth.grid.centres()
    rng = np.random.default_rng([settings.seed, 1])

    def forecast(training: np.ndarray, observed: np.ndarray, t: int) -> np.ndarray:
        lo = 0 if settings.window <= 0 else max(0, t - settings.window)
        counts = training[lo:t]
        whole = np.floor(counts) + (rng.random(counts.shape) < counts - np.floor(counts))
        rows, cells = np.nonzero(whole)
        n = whole[rows, cells].astype(int)
        if n.sum() == 0:
            return np.zeros(truth.grid.n_cells)
        events = pd.DataFrame({"time": np.repeat(starts[lo + rows], n),
                               "x": np.repeat(cx[cells], n), "y": np.repeat(cy[cells], n)})
        fitted = model.clone().fit(events, starts[t])
        return fitted.predict(truth.grid, HORIZONS[truth.period])

    return forecast


def run_study(dataset: str, truth: TrueCrime, base: FeedbackSettings, exploration: float,
              model: str = COUNT_MODEL) -> FeedbackStudy:
    """The naive loop and the three mitigations, all with the same world, seed and model."""
    scenarios = {
        "naive: train on all recorded crime": replace(base, scheme="recorded", exploration=0.0),
        f"explore: {exploration:.0%} of patrols spread evenly": replace(
            base, scheme="recorded", exploration=exploration),
        "correct: divide discovered crime by patrol dose": replace(
            base, scheme="corrected", exploration=0.0),
    }
    if base.reported > 0:
        scenarios["reported: train on victim-reported crime only"] = replace(
            base, scheme="reported", exploration=0.0)
    runs = {}
    for name, settings in scenarios.items():
        forecaster = None if model == COUNT_MODEL else model_forecaster(model, truth, settings)
        runs[name] = simulate(truth.counts, settings, forecaster)
    return FeedbackStudy(dataset, truth, runs, model)


def write_outputs(study: FeedbackStudy, out: Path) -> tuple[Path, Path]:
    """Write ``summary.json`` and ``report.html`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    summary = study.summary()
    summary_path = out / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    report_path = out / "report.html"
    report_path.write_text(_report(study, summary), encoding="utf-8")
    return summary_path, report_path


def _report(study: FeedbackStudy, summary: dict[str, Any]) -> str:
    base = next(iter(study.scenarios.values())).settings
    intro = [html.paragraph(
        f"Simulated feedback between patrols and the crime record on {study.dataset}: "
        f"{summary['true_crimes']:,} events in {summary['grid']['cells']:,} cells of "
        f"{summary['grid']['cell_size']:g} m over {len(study.truth.periods)} periods "
        f"({study.truth.periods[0]} to {study.truth.periods[-1]}), taken as the true crime."),
        html.note(
            f"Victims report {base.reported:.0%} of crime whatever the patrols do; the rest is "
            f"found with probability {base.discovery:.0%} × patrol intensity (1 = an even "
            f"spread), capped at 1. {_policy_text(base)}"),
        html.note("A simulation shows what the mechanism can do, not what happened: the true "
                  "crime here is itself recorded crime, and real discovery rates are unknown.",
                  warn=True)]
    finals = pd.DataFrame([
        {"scenario": name, **{METRIC_LABELS[k]: v for k, v in s["final"].items()}}
        for name, s in summary["scenarios"].items()])
    table = html.Section("Where each scenario ends", "final").add(
        html.table(finals, float_format="{:.3f}")).add(html.paragraph(
            "0 means the record (or the model, or the patrols) is distributed exactly like true "
            "crime; 1 means entirely elsewhere. A rising line is a runaway loop."))
    charts = html.Section("Trajectories", "trajectories")
    for key, label in METRIC_LABELS.items():
        fig, ax = plt.subplots(figsize=(8, 3.2))
        for name, run in study.scenarios.items():
            ax.plot(range(len(study.truth.periods)), run.metrics[key], marker=".", label=name)
        ax.set_xlabel("period")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
        charts.add(html.svg_figure(fig, caption=label))
    return html.page(f"Feedback-loop simulation: {study.dataset}", [table, charts], intro=intro,
                     footer="crimeplan simulate feedback (after Ensign et al. 2018; Lum & "
                            "Isaac 2016)")


def _policy_text(settings: FeedbackSettings) -> str:
    if settings.policy == "top":
        return f"Patrols go to the top {settings.top_share:.1%} of cells by forecast."
    return "Patrols are shared in proportion to the forecast."


def _finite(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)
