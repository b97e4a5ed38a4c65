"""Coverage: which force × month × dataset partitions the warehouse holds, and the gaps.

Forces miss months (Greater Manchester published nothing from mid-2019): a month inside a
force's span with no partition is flagged missing, never assumed to have had no crime.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import duckdb


@dataclass(frozen=True)
class SeriesCoverage:
    """One force's (or point data set's) months for one dataset."""

    dataset: str
    force: str
    first_month: str
    last_month: str
    months_present: int
    months_missing: list[str]
    rows: int
    rows_by_month: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.months_missing


@dataclass(frozen=True)
class Coverage:
    """Coverage of every series in the warehouse."""

    series: list[SeriesCoverage]

    @property
    def gaps(self) -> list[SeriesCoverage]:
        return [s for s in self.series if s.months_missing]

    def find(self, dataset: str, force: str) -> SeriesCoverage | None:
        return next((s for s in self.series if s.dataset == dataset and s.force == force), None)

    def to_dict(self) -> dict[str, object]:
        return {"series": [asdict(s) for s in self.series],
                "gaps": [{"dataset": s.dataset, "force": s.force, "missing": s.months_missing}
                         for s in self.gaps]}


def coverage(con: duckdb.DuckDBPyConnection) -> Coverage:
    """Row counts per dataset × force × month, with the months missing inside each span."""
    rows = con.execute("""SELECT dataset, force, strftime(month, '%Y-%m') AS m, rows
                          FROM partitions ORDER BY dataset, force, month""").fetchall()
    missing = con.execute("""
        WITH span AS (SELECT dataset, force, min(month) lo, max(month) hi
                      FROM partitions GROUP BY ALL)
        SELECT span.dataset, span.force, strftime(g.m, '%Y-%m')
        FROM span, LATERAL generate_series(span.lo, span.hi, INTERVAL 1 MONTH) AS g(m)
        ANTI JOIN partitions p ON p.dataset = span.dataset AND p.force = span.force
                              AND p.month = g.m::DATE
        ORDER BY 1, 2, 3""").fetchall()
    gaps: dict[tuple[str, str], list[str]] = {}
    for dataset, force, month in missing:
        gaps.setdefault((dataset, force), []).append(month)
    by_series: dict[tuple[str, str], dict[str, int]] = {}
    for dataset, force, month, n in rows:
        by_series.setdefault((dataset, force), {})[month] = int(n)
    series = [
        SeriesCoverage(dataset, force, min(months), max(months), len(months),
                       gaps.get((dataset, force), []), sum(months.values()), months)
        for (dataset, force), months in by_series.items()
    ]
    return Coverage(series)
