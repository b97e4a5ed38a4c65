"""Charts of the analysis, drawn with matplotlib, shared by the offline report and the
service's pages: monthly records by category, and last outcomes by category.

Each takes the wide table it draws (the same numbers the page shows beside it as a table) and
returns the figure (``svg_text`` makes it SVG markup).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from crimeplan.analysis.trends import ALL
from crimeplan.report.html import svg_text
from crimeplan.standard.codes import crime_category

__all__ = ["category_label", "monthly_records", "outcome_shares", "svg_text", "top_categories"]

TOP_CATEGORIES = 6


def category_label(slug: str) -> str:
    """A category's published label ('all' → 'All records')."""
    if slug == ALL:
        return "All records"
    found = crime_category(slug)
    return found.label if found else slug


def top_categories(wide: pd.DataFrame, n: int = TOP_CATEGORIES) -> list[str]:
    """The ``n`` categories with the most records over the period (the total aside)."""
    totals = wide.drop(columns=[ALL], errors="ignore").sum().sort_values(ascending=False)
    return list(totals.index[:n])


def monthly_records(wide: pd.DataFrame) -> Figure:
    """Records per month (rows: months; columns: categories and ``all``): all records and the
    largest categories; months not loaded are gaps, not zeros."""
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(wide.index, wide[ALL], color="black", linewidth=2.2, label="All records")
    for cat in top_categories(wide):
        ax.plot(wide.index, wide[cat], marker="o", markersize=3, label=category_label(cat))
    ax.set_ylabel("records per month")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    return fig


def outcome_shares(wide: pd.DataFrame) -> Figure:
    """Stacked bars: the share (%) of each category's crimes by last outcome group (rows:
    categories; columns: outcome groups in order)."""
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(wide) + 1.5))
    left = np.zeros(len(wide))
    colours = plt.get_cmap("tab10")
    for i, group in enumerate(wide.columns):
        ax.barh(wide.index, wide[group], left=left, label=group, color=colours(i % 10))
        left += wide[group].to_numpy()
    ax.set_xlabel("% of crimes")
    ax.set_xlim(0, 100)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    return fig

