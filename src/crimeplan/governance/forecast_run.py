"""Reading a recorded forecast run back: its ranked-cell files, periods and grid.

A forecast run (kind ``forecast.backtest`` or ``forecast.predict``) lists among its outputs
``forecasts/<model>/<period>.csv`` files (cell_id, x_min, y_min, x_max, y_max, score, rank) and
usually a ``summary.json`` giving each period's start and end and the grid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crimeplan.csvsafe import restore
from crimeplan.provenance.runs import output_files

FORECAST_COLUMNS = ("cell_id", "x_min", "y_min", "x_max", "y_max", "score", "rank")


@dataclass(frozen=True)
class PeriodWindow:
    """One forecast period: its label and the half-open time window [start, end)."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass(frozen=True)
class ForecastRun:
    """The forecasts of one run: ``forecasts[model][period label]`` frames, sorted by period."""

    run_id: str
    dataset: str | None
    category: str | None
    crs: str
    forecasts: dict[str, dict[str, pd.DataFrame]]
    periods: dict[str, PeriodWindow]

    @property
    def models(self) -> list[str]:
        return sorted(self.forecasts)


def read_forecast_run(record: dict[str, Any]) -> ForecastRun:
    """Load a forecast run's ranked cells; raise ValueError naming what is missing or bad."""
    run_id = str(record.get("run_id"))
    if not str(record.get("kind", "")).startswith("forecast"):
        raise ValueError(f"run {run_id} is a {record.get('kind')!r} run, not a forecast run")
    files = output_files(record)
    csvs = [p for p in files if p.suffix == ".csv" and p.parent.parent.name == "forecasts"]
    if not csvs:
        raise ValueError(f"run {run_id} lists no forecasts/<model>/<period>.csv outputs: audit "
                         "a forecast backtest run (a predict map lists only flagged cells)")
    summary = _summary(files, csvs[0].parent.parent.parent)
    params = record.get("parameters", {})
    grid = summary.get("grid", {})
    crs = grid.get("crs") or params.get("grid_crs") or "EPSG:27700"
    dataset = summary.get("dataset") or params.get("dataset")
    category = summary.get("category") or params.get("category")
    forecasts: dict[str, dict[str, pd.DataFrame]] = {}
    for path in sorted(csvs):
        forecasts.setdefault(path.parent.name, {})[path.stem] = _read_forecast(path)
    windows = {p["period"]: PeriodWindow(p["period"], pd.Timestamp(p["start"]),
                                         pd.Timestamp(p["end"]))
               for p in summary.get("periods", []) if isinstance(p, dict)}
    labels = sorted({label for per_model in forecasts.values() for label in per_model})
    periods = {label: windows.get(label) or _window_from_label(label, run_id)
               for label in labels}
    return ForecastRun(run_id, dataset, category, crs, forecasts, periods)


def _summary(files: list[Path], out_dir: Path) -> dict[str, Any]:
    candidates = [p for p in files if p.name == "summary.json"] + [out_dir / "summary.json"]
    for path in candidates:
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    return {}


def _read_forecast(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise ValueError(f"{path}: forecast file listed in the run is missing")
    frame = pd.read_csv(path, dtype={"cell_id": str})
    missing = [c for c in FORECAST_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    for column in FORECAST_COLUMNS[1:]:
        bad = pd.to_numeric(frame[column], errors="coerce").isna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise ValueError(f"{path}, row {row}, field {column}: not a number "
                             f"({frame[column].iloc[row - 2]!r})")
    return frame.assign(cell_id=frame["cell_id"].map(restore))


def _window_from_label(label: str, run_id: str) -> PeriodWindow:
    """A calendar month from a ``YYYY-MM`` label (other labels need the run's summary.json)."""
    try:
        start = pd.Timestamp(f"{label}-01") if len(label) == 7 else None
    except ValueError:
        start = None
    if start is None:
        raise ValueError(f"run {run_id}: cannot tell the time window of period {label!r} "
                         "(no summary.json with period starts and ends)")
    return PeriodWindow(label, start, start + pd.DateOffset(months=1))
