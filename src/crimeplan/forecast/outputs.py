"""Files a backtest writes: scores.csv, summary.json and one forecast CSV per model and period.

``forecasts/<model>/<period>.csv`` lists every cell (cell_id, x_min, y_min, x_max, y_max in the
grid CRS, score = expected events, rank 1 = highest score; tied cells share the best rank and
follow grid order), or with ``keep_top`` only the cells ranked within that share of the study
area (cells tied at the cut-off are all kept): a year of weekly forecasts of a city at 150 m is
otherwise about 100 MB per model.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crimeplan.csvsafe import write_csv, write_large_csv
from crimeplan.forecast.backtest import BacktestResult
from crimeplan.forecast.flagging import FlagLevel
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.headroom import Headroom
from crimeplan.forecast.metrics import compare, flagged_cells
from crimeplan.forecast.models import BASELINES
from crimeplan.forecast.periods import horizon_unit
from crimeplan.forecast.study import Study


@dataclass(frozen=True)
class BacktestInfo:
    """What was backtested: data set, selection, horizon (``1W``, ``3M``), study area, data
    coverage, and the flagging levels (shares of the study area or areas) scored."""

    dataset: str
    kind: str  # "police-uk" or "points"
    category: str | None
    horizon: str
    area_source: str
    coverage: dict[str, object] = field(default_factory=dict)
    levels: tuple[FlagLevel, ...] = ()

    @classmethod
    def from_study(cls, study: Study, horizon: str,
                   levels: list[FlagLevel] | tuple[FlagLevel, ...] = ()) -> BacktestInfo:
        return cls(study.data.dataset, study.data.kind, study.category, horizon,
                   study.area_source, study.coverage(), tuple(levels))

    def label(self, coverage: float) -> str:
        """How a coverage level was asked for: ``1%`` or an area such as ``0.25mi2``."""
        named = {level.coverage: level.label for level in self.levels}
        return named.get(float(coverage), f"{coverage * 100:g}%")


@dataclass(frozen=True)
class Comparison:
    """The best model against the best baseline at one coverage level (pooled PAI)."""

    coverage: float
    model: str
    baseline: str
    ratio: float
    ratio_low: float
    ratio_high: float
    baseline_pei: float
    gap_closed: float  # share of the baseline's remaining PEI gap to 1 that the model closes


@dataclass(frozen=True)
class BacktestFiles:
    """Paths written by ``write_backtest``."""

    scores: Path
    summary: Path
    forecasts: Path


def cell_table(grid: Grid) -> pd.DataFrame:
    """cell_id and bounds (grid CRS) of every cell, in grid order."""
    x_min, y_min, x_max, y_max = grid.bounds()
    return pd.DataFrame({"cell_id": grid.cell_ids, "x_min": x_min, "y_min": y_min,
                         "x_max": x_max, "y_max": y_max})


def ranked_cells(cells: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    """``cell_table`` rows with score and rank (1 = highest; ties share the best rank and
    follow grid order), highest first."""
    scores = np.asarray(scores, float)
    order = np.argsort(-scores, kind="stable")
    ranked = cells.iloc[order].reset_index(drop=True)
    ranked["score"] = scores[order]
    ranked["rank"] = pd.Series(scores[order]).rank(ascending=False, method="min").to_numpy(
        np.int64)
    return ranked


def best_vs_baseline(result: BacktestResult, n_boot: int = 1000) -> list[Comparison]:
    """Per coverage level, the best non-baseline model against the best baseline on PAI."""
    baselines = [m for m in result.models if m in BASELINES]
    others = [m for m in result.models if m not in BASELINES]
    if not baselines or not others:
        return []
    out = []
    for c, cov in enumerate(result.coverage):
        def pooled_pai(m: str, c: int = c) -> float:
            return float(np.nan_to_num(result.evaluations[m].pooled("pai")[c], nan=-np.inf))
        model = max(others, key=pooled_pai)
        base = max(baselines, key=pooled_pai)
        cmp = compare(result.evaluations[model], result.evaluations[base], "pai", n_boot=n_boot)
        ratio, gap = cmp.ratio[c], cmp.gap_closed[c]
        out.append(Comparison(cov, model, base, ratio.estimate, ratio.low, ratio.high,
                              float(result.evaluations[base].pooled("pei")[c]), gap.estimate))
    return out


def summary(result: BacktestResult, info: BacktestInfo, pooled: pd.DataFrame,
            comparisons: list[Comparison], room: Headroom | None = None) -> dict[str, object]:
    """The backtest's summary.json content (``headroom``: the oracles' scores, or null;
    ``failed_models``: the models that raised, left out of ``models`` and every score)."""
    grid = result.grid
    return {
        "dataset": info.dataset, "kind": info.kind, "category": info.category,
        "freq": horizon_unit(info.horizon), "horizon": info.horizon,
        "grid": {"crs": grid.crs, "unit": grid.unit, "cell_size": grid.cell_size,
                 "cell_size_m": grid.cell_size_m, "cells": grid.n_cells,
                 "area_km2": grid.n_cells * grid.cell_area / 1e6,
                 "study_area": info.area_source},
        "levels": [{"label": info.label(c), "coverage": c, "cells": int(k),
                    "area_km2": float(k * grid.cell_area / 1e6)}
                   for c, k in zip(result.coverage,
                                   flagged_cells(result.coverage, grid.n_cells), strict=True)],
        "periods": [{"period": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(),
                     "events": int(result.observed[p.index].sum())} for p in result.periods],
        "models": result.models,
        "failed_models": [asdict(f) for f in result.failures.values()],
        "coverage": list(result.coverage),
        "pooled": json.loads(pooled.to_json(orient="records")),
        "best_by_pai": {str(c): result.best_model(c) for c in result.coverage},
        "best_vs_baseline": _json_numbers([asdict(c) for c in comparisons]),
        "headroom": None if room is None else _json_numbers(room.to_dict()),
        "model_parameters": _json_numbers(result.parameters),
        "fit_predict_seconds": result.seconds,
        "data_coverage": info.coverage,
        "auto": auto_record(result),
    }


def auto_record(result: BacktestResult) -> dict[str, object]:
    """Per auto model of the run: its parameters, its choice for every test period (with the
    candidates' pooled PAI and merit on that period's validation periods) and the validation
    table (candidate x validation period x level: n, N, PAI, PEI). For summary.json and the
    run record."""
    out: dict[str, object] = {}
    for name, choices in result.choices.items():
        table = result.validation[name]
        out[name] = {
            "parameters": _json_numbers(result.parameters.get(name, {})),
            "choices": [{"period": p.label, **c.to_dict()}
                        for p, c in zip(result.periods, choices, strict=True)],
            "validation": _json_numbers(json.loads(table.to_json(orient="records"))),
        }
    return out


def _json_number(value: object) -> object:
    """NaN and infinities as null (JSON has no such numbers), anything else unchanged."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _json_numbers(value: object) -> object:
    """``_json_number`` applied through nested lists and dicts."""
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_numbers(v) for v in value]
    return _json_number(value)


def write_backtest(out_dir: Path, result: BacktestResult, info: BacktestInfo,
                   pooled: pd.DataFrame, comparisons: list[Comparison],
                   keep_top: float | None = None, room: Headroom | None = None) -> BacktestFiles:
    """Write scores.csv, summary.json and forecasts/<model>/<period>.csv under ``out_dir``;
    ``keep_top`` (a share in (0, 1]) limits the forecast files to the top-ranked cells."""
    if keep_top is not None and not 0 < keep_top <= 1:
        raise ValueError(f"keep_top {keep_top!r}: give a share of the study area in (0, 1]")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scores_path = out_dir / "scores.csv"
    scores = result.scores_table()
    scores["level"] = [info.label(c) for c in scores["coverage"]]
    write_csv(scores, scores_path)
    summary_path = out_dir / "summary.json"
    content = summary(result, info, pooled, comparisons, room)
    content["forecast_files"] = ("every cell" if keep_top is None else
                                 f"cells ranked in the top {keep_top:.4g} of the study area")
    summary_path.write_text(json.dumps(content, indent=2, default=str, allow_nan=False) + "\n")
    forecasts = out_dir / "forecasts"
    cells = cell_table(result.grid)
    for model, scores in result.forecasts.items():
        folder = forecasts / model
        folder.mkdir(parents=True, exist_ok=True)
        for period in result.periods:
            ranked = ranked_cells(cells, scores[period.index])
            if keep_top is not None:
                ranked = ranked.loc[ranked["rank"] <= math.ceil(keep_top * len(cells))]
            write_large_csv(ranked, folder / f"{period.label}.csv")
    return BacktestFiles(scores_path, summary_path, forecasts)
