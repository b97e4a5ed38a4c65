"""Events for forecasting and simulation, read from the warehouse.

A data set is either a police.uk force's street crime (by force slug, monthly resolution,
locations snapped to anonymous map points) or a point data set loaded with ``ingest-points``
(by its name, timestamped).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from crimeplan.standard.codes import crime_category


@dataclass(frozen=True)
class EventData:
    """Located events of one data set: ``frame`` has time, longitude, latitude, category."""

    dataset: str
    kind: str  # "police-uk" or "points"
    resolution: str  # "month" or "timestamp"
    frame: pd.DataFrame
    unmapped: int  # events of the selection without coordinates (not in ``frame``)
    months_missing: list[str] = field(default_factory=list)  # gaps inside the data's span

    @property
    def content_hash(self) -> str:
        """SHA-256 of the selected events, for run records."""
        h = hashlib.sha256()
        h.update(pd.util.hash_pandas_object(self.frame, index=False).to_numpy().tobytes())
        return h.hexdigest()


def list_datasets(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every data set name mapped to its kind."""
    out = {r[0]: "police-uk" for r in con.execute(
        "SELECT DISTINCT force FROM partitions WHERE dataset = 'street' ORDER BY 1").fetchall()}
    for (name,) in con.execute("SELECT DISTINCT dataset FROM points ORDER BY 1").fetchall():
        out.setdefault(name, "points")
    return out


def load_events(con: duckdb.DuckDBPyConnection, dataset: str,
                category: str | None = None) -> EventData:
    """Events of a force (street crime) or a point data set, optionally one category.

    For police.uk data ``category`` is a crime category slug or label (e.g. ``burglary``);
    for point data it is matched against the category column as loaded.
    """
    kinds = list_datasets(con)
    if dataset not in kinds:
        known = ", ".join(sorted(kinds)) or "none loaded yet"
        raise KeyError(f"no data set {dataset!r} in the warehouse (known: {known})")
    if kinds[dataset] == "police-uk":
        slug = None
        if category:
            found = crime_category(category)
            if found is None:
                raise KeyError(f"unknown crime category {category!r}")
            slug = found.slug
        where = "force = ?" + (" AND category = ?" if slug else "")
        params = [dataset] + ([slug] if slug else [])
        frame = con.execute(
            f"SELECT month::TIMESTAMP AS time, longitude, latitude, category FROM street "
            f"WHERE {where} AND mapped ORDER BY month, file_id, line", params).df()
        unmapped = con.execute(f"SELECT count(*) FROM street WHERE {where} AND NOT mapped",
                               params).fetchone()[0]
        gaps = _missing_months(con, "street", dataset)
        return EventData(dataset, "police-uk", "month", frame, int(unmapped), gaps)
    where = "dataset = ?" + (" AND category = ?" if category else "")
    params = [dataset] + ([category] if category else [])
    frame = con.execute(
        f"SELECT time, longitude, latitude, category FROM points WHERE {where} "
        f"ORDER BY time, file_id, line", params).df()
    return EventData(dataset, "points", "timestamp", frame, 0, _missing_months(con, "points",
                                                                                dataset))


def _missing_months(con: duckdb.DuckDBPyConnection, dataset: str, name: str) -> list[str]:
    rows = con.execute(
        """WITH span AS (SELECT min(month) lo, max(month) hi FROM partitions
                          WHERE dataset = ? AND force = ?)
           SELECT strftime(m, '%Y-%m') FROM span,
                  generate_series(span.lo, span.hi, INTERVAL 1 MONTH) AS g(m)
           WHERE m::DATE NOT IN (SELECT month FROM partitions WHERE dataset = ? AND force = ?)
           ORDER BY 1""", [dataset, name, dataset, name]).fetchall()
    return [r[0] for r in rows]
