"""The tidy indicator table every result writes to (``indicators.csv``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

COLUMNS = ("indicator", "area_type", "area", "period", "category", "value", "unit", "note")


@dataclass(frozen=True)
class IndicatorRow:
    """One number of a report: what, where, when, which category, its unit and any caveat."""

    indicator: str
    area_type: str
    area: str
    period: str
    category: str
    value: float | None
    unit: str
    note: str = ""


def frame(rows: Iterable[IndicatorRow]) -> pd.DataFrame:
    """Rows as a DataFrame with the tidy columns, in order."""
    data = [{c: getattr(r, c) for c in COLUMNS} for r in rows]
    out = pd.DataFrame(data, columns=list(COLUMNS))
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    return out
