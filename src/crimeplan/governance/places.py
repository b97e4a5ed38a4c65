"""Place fairness audit of a forecast run: where the flagged cells and patrol attention go.

For each model, area attribute (e.g. IMD decile) and group, against the share of recorded
crime in the same periods and of residents:

* flagged share: of all flagged cell-periods, the share in the group's areas. Each period
  flags the ``k`` top-ranked cells, ``k`` the nearest whole number to coverage × cells (at
  least one), and cells tied at the cut-off count by expectation, as in the backtest's metrics:
  with ``m`` places left for ``t`` tied cells, each counts ``m/t`` of a flag (a naive forecast
  with thousands of zero scores flags ``k`` cells' worth, not every zero cell);
* attention share: patrol attention spread over each period's flagged cells in proportion to
  the forecast score (``weighting="score"``) or to ``k + 1 − rank`` (``"rank"``), tied cells
  weighted by their share of a flag (the expectation over random orders of the tied cells),
  averaged over periods;
* disparity index: half the sum over groups of |attention share − crime share| (the share of
  attention that would have to move for attention to follow recorded crime; 0 = proportional),
  and the same against residents. Its 95% interval resamples the audited periods (attention
  and crime of a period together), ``n_boot`` times with a fixed seed. With few crimes the
  index is inflated by chance alone, so the audit also gives its *chance level*: the 95th
  percentile of the index when the same number of crimes is drawn from the attention shares
  themselves (attention exactly proportional to crime). An index at or below it is no
  evidence of disproportion;
* concentration by period: the flagged cells (``k``), the most attended group and its share,
  the Gini coefficient of attention across groups, and persistence (the share of flagged cells
  flagged the period before, expected over random orders of tied cells).

Cells whose centre lies in no reference area form the group "(no area)".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crimeplan.forecast.metrics import flag_shares, flagged_cells
from crimeplan.governance.feedback import gini
from crimeplan.governance.forecast_run import ForecastRun

NO_AREA = "(no area)"
WEIGHTINGS = ("score", "rank")


@dataclass(frozen=True)
class Interval:
    """An estimate with a 95% bootstrap interval, and the level chance alone reaches."""

    estimate: float
    low: float
    high: float
    chance: float | None = None


@dataclass
class GroupShares:
    """One model's attention by the groups of one attribute, with the disparity indices."""

    attribute: str
    model: str
    table: pd.DataFrame
    disparity_crime: Interval | None
    disparity_residents: Interval | None
    concentration: pd.DataFrame


@dataclass
class PlaceAudit:
    """The whole place audit of one forecast run."""

    run_id: str
    coverage: float
    weighting: str
    cells: int
    cells_outside_areas: int
    crimes: int | None
    attribute_source: str
    results: list[GroupShares] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: settings, notes and each model × attribute table."""
        return {
            "run_id": self.run_id, "coverage": self.coverage, "weighting": self.weighting,
            "cells": self.cells, "cells_outside_areas": self.cells_outside_areas,
            "crimes": self.crimes, "attribute_source": self.attribute_source,
            "notes": self.notes,
            "results": [{
                "attribute": r.attribute, "model": r.model,
                "groups": _records(r.table),
                "disparity_vs_crime": interval_json(r.disparity_crime),
                "disparity_vs_residents": interval_json(r.disparity_residents),
                "by_period": _records(r.concentration)} for r in self.results],
        }


def audit_places(run: ForecastRun, cell_areas: pd.Series, attributes: pd.DataFrame,
                 population: pd.Series | None, crime: pd.DataFrame | None, *,
                 coverage: float = 0.05, weighting: str = "score", n_boot: int = 2000,
                 seed: int = 0, attribute_source: str = "") -> PlaceAudit:
    """Audit ``run``. ``cell_areas`` maps cell_id → area code (None outside every area);
    ``attributes`` is indexed by area code; ``crime`` holds periods × cell_id counts."""
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be in (0, 1], got {coverage}")
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting {weighting!r}: use one of {', '.join(WEIGHTINGS)}")
    cells = cell_areas.index.astype(str)
    labels = sorted(run.periods)
    counts = None
    if crime is not None:
        counts = crime.reindex(index=labels, columns=cells, fill_value=0).to_numpy(float)
    audit = PlaceAudit(run.run_id, coverage, weighting, len(cells),
                       int(pd.isna(cell_areas.to_numpy()).sum()),
                       None if counts is None else int(counts.sum()), attribute_source)
    if counts is None:
        audit.notes.append("no recorded crime for the run's data set in this workspace: "
                           "attention is compared with residents only")
    areas_in_study = set(cell_areas.dropna())
    for attribute in attributes.columns:
        groups = _cell_groups(cell_areas, attributes[attribute])
        residents = _residents(groups, cell_areas, areas_in_study, attributes[attribute],
                               population)
        for model in run.models:
            flags, weights = _attention(run, model, labels, cells, coverage, weighting)
            audit.results.append(_group_shares(attribute, model, labels, groups, flags, weights,
                                               counts, residents, n_boot, seed))
    return audit


def _cell_groups(cell_areas: pd.Series, attribute: pd.Series) -> np.ndarray:
    """The attribute's group of each cell (``NO_AREA`` where unknown), as strings."""
    values = attribute.reindex(cell_areas.to_numpy()).to_numpy(dtype=object)
    return np.array([NO_AREA if v is None or (isinstance(v, float) and math.isnan(v)) or v == ""
                     else _label(v) for v in values], dtype=object)


def _label(value: object) -> str:
    """Group labels as text; whole numbers without a trailing .0 (decile 3, not 3.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _residents(groups: np.ndarray, cell_areas: pd.Series, areas_in_study: set[Any],
               attribute: pd.Series, population: pd.Series | None) -> pd.Series | None:
    """Residents per group: the population of each area with at least one cell centre."""
    if population is None:
        return None
    areas = sorted(areas_in_study)
    pop = population.reindex(areas).fillna(0.0)
    group = pd.Series([_label(v) for v in attribute.reindex(areas).to_numpy(dtype=object)],
                      index=areas)
    return pop.groupby(group).sum()


def _attention(run: ForecastRun, model: str, labels: list[str], cells: pd.Index,
               coverage: float, weighting: str) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's share of a flag and its attention weight, periods × cells (each period's
    flags sum to ``k`` and its weights to 1)."""
    n = len(cells)
    k = int(flagged_cells((coverage,), n)[0])
    flags = np.zeros((len(labels), n))
    weights = np.zeros((len(labels), n))
    for t, label in enumerate(labels):
        frame = run.forecasts[model].get(label)
        if frame is None:
            raise ValueError(f"run {run.run_id}: model {model} has no forecast for {label}")
        frame = frame.set_index("cell_id").reindex(cells)
        if frame["rank"].isna().any():
            raise ValueError(f"run {run.run_id}: {model}/{label}.csv lacks cells of the grid")
        rank = frame["rank"].to_numpy(float)
        flags[t] = flag_shares(-rank, k)[0]  # ties share the best rank: tied in -rank too
        w = frame["score"].to_numpy(float) if weighting == "score" else k + 1 - rank
        w = flags[t] * np.clip(w, 0, None)
        weights[t] = w / w.sum() if w.sum() > 0 else flags[t] / flags[t].sum()
    return flags, weights


def _group_shares(attribute: str, model: str, labels: list[str], groups: np.ndarray,
                  flags: np.ndarray, weights: np.ndarray, counts: np.ndarray | None,
                  residents: pd.Series | None, n_boot: int, seed: int) -> GroupShares:
    names = _order(set(groups) | (set(residents.index) if residents is not None else set()))
    member = np.stack([groups == g for g in names], axis=1).astype(float)  # cells × groups
    attention_t = weights @ member  # periods × groups
    flagged_t = flags @ member
    table = pd.DataFrame({"group": names, "cells": member.sum(axis=0).astype(int)})
    table["cell_share"] = table["cells"] / table["cells"].sum()
    table["flagged_share"] = flagged_t.sum(axis=0) / flagged_t.sum()
    table["attention_share"] = attention_t.mean(axis=0)
    crime_t = None
    if counts is not None:
        crime_t = counts @ member
        table["crimes"] = crime_t.sum(axis=0).astype(int)
        total = crime_t.sum()
        table["crime_share"] = crime_t.sum(axis=0) / total if total > 0 else np.nan
        table["attention_per_crime_share"] = _ratio(table["attention_share"], table["crime_share"])
    resident_share = None
    if residents is not None:
        pop = residents.reindex(names).fillna(0.0).to_numpy()
        table["residents"] = pop.astype(int)
        resident_share = pop / pop.sum() if pop.sum() > 0 else None
        table["resident_share"] = resident_share if resident_share is not None else np.nan
        table["attention_per_resident_share"] = _ratio(table["attention_share"],
                                                       table["resident_share"])
    d_crime, d_res = _disparities(attention_t, crime_t, resident_share, n_boot, seed)
    concentration = _concentration(labels, names, attention_t, flags)
    return GroupShares(attribute, model, table, d_crime, d_res, concentration)


def dissimilarity(a: np.ndarray, b: np.ndarray) -> float:
    """Half the L1 distance between two share vectors."""
    return float(0.5 * np.abs(np.asarray(a) - np.asarray(b)).sum())


def _disparities(attention_t: np.ndarray, crime_t: np.ndarray | None,
                 resident_share: np.ndarray | None, n_boot: int,
                 seed: int) -> tuple[Interval | None, Interval | None]:
    """Disparity of attention from crime and from residents, with bootstrap intervals."""
    rng = np.random.default_rng(seed)
    periods = attention_t.shape[0]
    picks = rng.integers(0, periods, size=(n_boot, periods))
    d_crime = None
    if crime_t is not None and crime_t.sum() > 0:
        draws = [dissimilarity(attention_t[p].mean(axis=0), _shares(crime_t[p].sum(axis=0)))
                 for p in picks if crime_t[p].sum() > 0]
        attention = attention_t.mean(axis=0)
        crimes = int(crime_t.sum())
        chance = [dissimilarity(attention, rng.multinomial(crimes, attention) / crimes)
                  for _ in range(n_boot)]
        d_crime = _interval_of(dissimilarity(attention, _shares(crime_t.sum(axis=0))), draws,
                               float(np.percentile(chance, 95, method="higher")))
    d_res = None
    if resident_share is not None:
        draws = [dissimilarity(attention_t[p].mean(axis=0), resident_share) for p in picks]
        d_res = _interval_of(dissimilarity(attention_t.mean(axis=0), resident_share), draws)
    return d_crime, d_res


def _shares(counts: np.ndarray) -> np.ndarray:
    return counts / counts.sum()


def _interval_of(estimate: float, draws: list[float], chance: float | None = None) -> Interval:
    low, high = np.percentile(draws, [2.5, 97.5]) if draws else (float("nan"),) * 2
    return Interval(estimate, float(low), float(high), chance)


def _concentration(labels: list[str], names: list[str], attention_t: np.ndarray,
                   flags: np.ndarray) -> pd.DataFrame:
    """Per period: most attended group and its share, Gini across groups, persistence."""
    rows = []
    for t, label in enumerate(labels):
        top = int(np.argmax(attention_t[t]))
        persistence = float("nan")
        if t > 0:
            persistence = float((flags[t] * flags[t - 1]).sum() / flags[t].sum())
        rows.append({"period": label, "flagged_cells": round(float(flags[t].sum())),
                     "top_group": names[top], "top_group_share": float(attention_t[t, top]),
                     "gini_across_groups": gini(attention_t[t]),
                     "persistence": persistence})
    return pd.DataFrame(rows)


def _order(groups: set[str]) -> list[str]:
    """Groups in natural order: numbers numerically, text alphabetically, no-area last."""
    def key(g: str) -> tuple[int, float, str]:
        if g == NO_AREA:
            return (2, 0.0, g)
        try:
            return (0, float(g), g)
        except ValueError:
            return (1, 0.0, g)
    return sorted(groups, key=key)


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    return a / b.where(b > 0)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else
                        v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def interval_json(value: Interval | None) -> dict[str, float | None] | None:
    if value is None:
        return None
    return {"estimate": value.estimate, "low": value.low, "high": value.high,
            "chance_level": value.chance}
