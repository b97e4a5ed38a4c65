"""The backtest report: one self-contained HTML page comparing the models (DIR/report.html)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from crimeplan.forecast.backtest import BacktestResult
from crimeplan.forecast.headroom import Headroom
from crimeplan.forecast.outputs import BacktestInfo, Comparison
from crimeplan.forecast.periods import horizon_words
from crimeplan.report.html import (
    Section,
    assert_self_contained,
    esc,
    note,
    page,
    paragraph,
    svg_figure,
)
from crimeplan.report.html import table as html_table

POLICE_UK_NOTE = (
    "police.uk street-level crime is published by calendar month with no date or time of the "
    "offence, so it can only be forecast a month at a time: no day-of-week or time-of-day "
    "targeting, and models built on recency (near repeats, self-excitation) lose most of their "
    "signal inside the month they would act on. Every location is snapped to one of a fixed "
    "set of anonymous map points (the centre of a street or a public place, never the exact "
    "address), so many crimes share one point, cells holding a busy map point look hotter than "
    "the streets around them, and cells smaller than the spacing of map points cannot be told "
    "apart: a high PAI at small coverage partly measures where the map points are. Crimes with "
    "no location are left out, and all counts are crimes recorded by the police, not all crime."
)
DEFINITIONS = (
    "Hit rate = n/N, the share of the test period's N crimes inside the flagged cells; "
    "PAI = hit rate / (flagged area / study area); PEI = n/n*, n* the most crimes any set of "
    "that many cells captured. Cells tied at the cut-off count by expectation over random "
    "orders. Pooled values are ratios of sums over the test periods; intervals are bootstrap "
    "percentile intervals over resampled periods."
)


def _pct(c: float) -> str:
    return f"{c * 100:g}%"


def verdict(c: Comparison) -> str:
    """One plain sentence on whether the best model beats the best baseline at a level."""
    if c.ratio_low > 1:
        outcome = f"{c.model} beats the best baseline"
    elif c.ratio_high < 1:
        outcome = f"the baseline {c.baseline} is better"
    else:
        outcome = "no clear difference (the interval includes 1)"
    return (f"At {_pct(c.coverage)}: {c.model}'s PAI is {c.ratio:.2f} times {c.baseline}'s "
            f"(95% interval {c.ratio_low:.2f}–{c.ratio_high:.2f}): {outcome}.")


HEADROOM_NOTE = (
    "These are not models: each oracle uses the test periods themselves, future included, "
    "and its mixing weight was picked on the test periods, which flatters it further. They show "
    "how much there was to gain. If even they barely beat the best baseline, the test counts "
    "are mostly chance at this cell size and period, and no forecast from the past can be "
    "expected to do much better than the baseline; a claim that one does deserves suspicion."
)


def headroom_section(room: Headroom) -> Section:
    """The oracles' pooled PAI per coverage level against the best baseline's."""
    frame = pd.DataFrame({"oracle": ["best baseline"] + [o.name for o in room.oracles]})
    for c, cov in enumerate(room.coverage):
        frame[f"PAI {_pct(cov)}"] = [room.baseline_pai[c]] + [o.pai[c] for o in room.oracles]
        frame[f"× baseline {_pct(cov)}"] = [1.0] + [o.ratio[c] for o in room.oracles]
    best = room.best_ratio()
    summary = "; ".join(f"{best[c]:.2f}× at {_pct(cov)}" for c, cov in enumerate(room.coverage))
    return (Section("Headroom: what even an oracle gets", "headroom")
            .add(note(HEADROOM_NOTE, warn=True))
            .add(paragraph(f"The best oracle reaches {summary} the best baseline's PAI."))
            .add(html_table(frame, caption="Pooled PAI of oracles that see the test periods")))


def comparison_table(pooled: pd.DataFrame, info: BacktestInfo | None = None) -> pd.DataFrame:
    """Pooled metrics per coverage and model, best PAI first, intervals as text."""
    frame = pooled.sort_values(["coverage", "pai"], ascending=[True, False], kind="stable")
    return pd.DataFrame({
        "coverage": frame["coverage"].map(info.label if info else _pct),
        "model": frame["model"],
        "hit rate": frame["hit_rate"].astype(float),
        "PAI": frame["pai"].astype(float),
        "PAI 95% interval": [f"{lo:.2f}–{hi:.2f}" for lo, hi in
                             zip(frame["pai_low"], frame["pai_high"], strict=True)],
        "PEI": frame["pei"].astype(float),
        "Poisson deviance": frame["deviance"].astype(float),
    })


AUTO_NOTE = (
    "auto picks, for each test period, the candidate model whose forecasts of the periods just "
    "before it (each fitted only on events before the period it forecast) scored best, "
    "preferring the best baseline unless another candidate beat it at every coverage level it "
    "is judged on. Nothing from the test period itself is used."
)


def auto_section(result: BacktestResult) -> Section:
    """Which candidate auto chose in each test period, and how often."""
    section = Section("What auto chose", "auto").add(note(AUTO_NOTE))
    for name, choices in result.choices.items():
        counts = pd.Series([c.chosen for c in choices]).value_counts()
        section.add(html_table(pd.DataFrame({"candidate": counts.index,
                                             "test periods": counts.to_numpy().tolist()}),
                               caption=f"{name}: candidates chosen"))
        rows = pd.DataFrame({
            "test period": [p.label for p in result.periods],
            "chosen": [c.chosen for c in choices],
            "validated on": [f"{c.periods[0]} to {c.periods[-1]} ({len(c.periods)})"
                             if c.periods else "none" for c in choices],
            "why": [c.reason for c in choices]})
        section.add(html_table(rows, caption=f"{name}: choice per test period (validation "
                                             "scores of every candidate in summary.json)"))
    return section


def _pai_by_coverage(pooled: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(7, 4))
    for model, rows in pooled.groupby("model", sort=False):
        ax.errorbar(rows["coverage"] * 100, rows["pai"],
                    yerr=[rows["pai"] - rows["pai_low"], rows["pai_high"] - rows["pai"]],
                    marker="o", capsize=3, label=model)
    ax.set_xscale("log")
    levels = sorted(pooled["coverage"].unique())
    ax.set_xticks([c * 100 for c in levels], [f"{c * 100:g}" for c in levels])
    ax.minorticks_off()
    ax.set_xlabel("share of study area flagged (%)")
    ax.set_ylabel("pooled PAI")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def _pai_by_period(result: BacktestResult, coverage: float) -> plt.Figure:
    c = result.coverage.index(coverage)
    labels = [p.label for p in result.periods]
    fig, ax = plt.subplots(figsize=(8, 4))
    for model, ev in result.evaluations.items():
        ax.plot(range(len(labels)), ev.pai[:, c], marker=".", label=model)
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
    ax.set_ylabel(f"PAI at {_pct(coverage)}")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def build_report(result: BacktestResult, info: BacktestInfo, pooled: pd.DataFrame,
                 comparisons: list[Comparison], room: Headroom | None = None) -> str:
    """The report page as one HTML string with no external references."""
    grid = result.grid
    what = f"{info.category or 'all events'} in {info.dataset}"
    first, last = result.periods[0], result.periods[-1]
    intro = [paragraph(
        f"Backtest of {len(result.models)} models on {what}: {len(result.periods)} test periods "
        f"of {horizon_words(info.horizon)} from "
        f"{first.label} to {last.label}, each forecast by models fitted only on earlier events. "
        f"Grid: {grid.n_cells:,} cells of {grid.cell_size:g} "
        f"{'m' if grid.unit == 'metre' else grid.unit} in {grid.crs} over the "
        f"{info.area_source} ({grid.n_cells * grid.cell_area / 1e6:,.1f} km²).")]
    for failure in result.failures.values():
        intro.append(note(f"Left out of this report: {failure.describe()}.", warn=True))
    missing = info.coverage.get("months_missing") or []
    if missing:
        intro.append(note(f"Months missing from the data: {', '.join(map(str, missing))}. "
                          "Models see no events in them, and test periods in them score zero.",
                          warn=True))
    sections = []
    if info.kind == "police-uk":
        sections.append(Section("What police.uk data means for forecasting", "data").add(
            note(POLICE_UK_NOTE, warn=True)))
    compare_section = Section("Model comparison", "comparison").add(note(DEFINITIONS)).add(
        html_table(comparison_table(pooled, info), caption="Pooled over all test periods"))
    if comparisons:
        frame = pd.DataFrame({
            "coverage": [_pct(c.coverage) for c in comparisons],
            "best model": [c.model for c in comparisons],
            "best baseline": [c.baseline for c in comparisons],
            "PAI ratio": [c.ratio for c in comparisons],
            "95% interval": [f"{c.ratio_low:.2f}–{c.ratio_high:.2f}" for c in comparisons],
            "baseline PEI": [c.baseline_pei for c in comparisons],
            "PEI gap closed": [c.gap_closed for c in comparisons],
        })
        compare_section.add(html_table(
            frame, caption="Best model against the best baseline (paired bootstrap over periods)"))
        compare_section.add("<ul>" + "".join(f"<li>{esc(verdict(c))}</li>" for c in comparisons)
                            + "</ul>")
    sections.append(compare_section)
    if result.choices:
        sections.append(auto_section(result))
    if room is not None:
        sections.append(headroom_section(room))
    near_one = min(result.coverage, key=lambda c: abs(c - 0.01))
    sections.append(Section("Charts", "charts")
                    .add(svg_figure(_pai_by_coverage(pooled),
                                    "Pooled PAI by coverage with 95% bootstrap intervals"))
                    .add(svg_figure(_pai_by_period(result, near_one),
                                    f"PAI of each test period at {_pct(near_one)} coverage")))
    events = pd.DataFrame({"period": [p.label for p in result.periods],
                           "events (N)": [int(result.observed[p.index].sum())
                                          for p in result.periods]})
    timing = pd.DataFrame({"model": result.models,
                           "fit + predict seconds": [result.seconds[m] for m in result.models]})
    sections.append(Section("Test periods and run time", "periods")
                    .add(html_table(events)).add(html_table(timing)))
    document = page(f"Forecast backtest: {info.dataset}", sections, intro=intro,
                    footer="crimeplan forecast backtest")
    assert_self_contained(document)
    return document


def write_report(path: Path, result: BacktestResult, info: BacktestInfo, pooled: pd.DataFrame,
                 comparisons: list[Comparison], room: Headroom | None = None) -> Path:
    """Write the report page to ``path``."""
    path = Path(path)
    path.write_text(build_report(result, info, pooled, comparisons, room), encoding="utf-8")
    return path
