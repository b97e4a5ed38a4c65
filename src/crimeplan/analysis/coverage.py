"""Which force-months of a scope are loaded, and which are missing.

Every indicator consults ``partitions`` (dataset × force × month): missing force-months are
excluded from comparisons that need them and named in the indicator's note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from crimeplan.analysis import sql
from crimeplan.analysis.scope import Scope, month_text


@dataclass(frozen=True)
class Coverage:
    """Loaded and missing force-months of one dataset within a scope."""

    dataset: str
    forces: tuple[str, ...]
    months: tuple[dt.date, ...]
    missing: tuple[tuple[str, dt.date], ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def loaded_any(self) -> bool:
        return len(self.missing) < len(self.forces) * len(self.months)

    def missing_for(self, force: str) -> tuple[dt.date, ...]:
        return tuple(m for f, m in self.missing if f == force)

    def covered(self, force: str, month: dt.date) -> bool:
        return (force, month) not in set(self.missing)

    def month_covered(self, month: dt.date) -> bool:
        """True when every force of the scope has this month."""
        return all((f, month) not in set(self.missing) for f in self.forces)

    def complete_between(self, force: str, start: dt.date, end: dt.date) -> bool:
        return not any(f == force and start <= m <= end for f, m in self.missing)

    def note(self) -> str:
        """One line naming the missing force-months, or '' when complete."""
        if not self.missing:
            return ""
        if not self.loaded_any:
            return f"no {self.dataset} data loaded for {', '.join(self.forces)} in the period"
        parts = []
        for force in self.forces:
            months = self.missing_for(force)
            if months:
                parts.append(f"{force} {_ranges(months)}")
        return f"{self.dataset} missing (excluded): " + "; ".join(parts)

    def to_dict(self) -> dict[str, object]:
        return {"dataset": self.dataset, "forces": list(self.forces),
                "months": [month_text(m) for m in self.months],
                "missing": [f"{f} {month_text(m)}" for f, m in self.missing]}


def coverage(con: duckdb.DuckDBPyConnection, scope: Scope, dataset: str = "street") -> Coverage:
    """The loaded and missing force-months of ``dataset`` for a scope."""
    loaded = {(f, m) for f, m in sql.rows(
        con, "SELECT force, month FROM partitions WHERE dataset = $dataset AND force IN "
             "(SELECT unnest($forces)) AND month BETWEEN $start AND $end",
        {**scope.params(), "dataset": dataset})}
    missing = tuple((f, m) for f in scope.forces for m in scope.months if (f, m) not in loaded)
    return Coverage(dataset, scope.forces, scope.months, missing)


def _ranges(months: tuple[dt.date, ...]) -> str:
    """Consecutive months folded into ranges: '2018-03, 2018-05 to 2018-07'."""
    out: list[str] = []
    run = [months[0]]
    for m in months[1:]:
        prev = run[-1]
        if (m.year * 12 + m.month) - (prev.year * 12 + prev.month) == 1:
            run.append(m)
        else:
            out.append(_fmt(run))
            run = [m]
    out.append(_fmt(run))
    return ", ".join(out)


def _fmt(run: list[dt.date]) -> str:
    if len(run) == 1:
        return month_text(run[0])
    return f"{month_text(run[0])} to {month_text(run[-1])}"
