"""Demand from calls for service: when calls come, of what type, who and where calls again and
again, calls flagged as mental-health related, and how fast each grade is attended.

Definitions (each figure states its denominator):

- **Calls per hour of the week**: calls in each weekday × hour, and the mean per occurrence of
  that weekday in the period (the first to the last day with a call, both counted): the
  denominator is how many Mondays (…) the period holds, not a number of weeks.
- **Repeat callers**: among calls with a caller reference (coverage stated), callers with two or
  more calls and their share of calls; the power few: the ``top`` callers' share. Callers appear
  only as pseudonyms (``C-`` and the first ten hex digits of the keyed hash).
- **Repeat locations**: the same for the call's location: exact coordinates when the export has
  them, else its LSOA (an area, not an address: stated).
- **Flags**: calls with each flag set, as a share of all calls.
- **Response**: minutes from call to arrival by grade, over calls with an arrival time: count,
  median, 90th percentile, mean.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from crimeplan.analysis.sql import frame, rows
from crimeplan.analysis.timing import hour_of_week

#: Characters of the pseudonym shown in outputs (40 bits: unique among millions of callers).
SHOWN_HEX = 10


class CallsError(ValueError):
    """The data set named holds no calls."""


@dataclass(frozen=True)
class Repeats:
    """Repeat callers or locations: what was counted over, and the power few."""

    subject: str  # "callers" or "locations"
    place_kind: str | None  # locations: "coordinates" or "LSOA"
    calls_with_key: int
    calls_total: int
    distinct: int
    repeat_keys: int  # callers/locations with two or more calls
    repeat_calls: int  # the calls they made
    top: pd.DataFrame  # key, calls, share, cumulative_share

    @property
    def repeat_share(self) -> float:
        return self.repeat_calls / self.calls_with_key if self.calls_with_key else float("nan")

    def top_share(self) -> float:
        return float(self.top["calls"].sum() / self.calls_with_key) if self.calls_with_key \
            else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "place_kind": self.place_kind,
                "calls_with_key": self.calls_with_key, "calls_total": self.calls_total,
                "distinct": self.distinct, "repeat_keys": self.repeat_keys,
                "repeat_calls": self.repeat_calls, "repeat_share": _num(self.repeat_share),
                "top_share": _num(self.top_share()),
                "top": self.top.to_dict(orient="records")}


@dataclass(frozen=True)
class CallsDemand:
    """Every measure of one calls data set."""

    dataset: str
    calls: int
    first_day: dt.date
    last_day: dt.date
    hour_of_week: pd.DataFrame  # day_index, day, hour, calls, weekdays, per_day
    by_type: pd.DataFrame  # call_type, calls, share
    callers: Repeats
    locations: Repeats
    flags: pd.DataFrame  # flag, calls, share
    response: pd.DataFrame  # grade, calls, median, p90, mean
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: _num(v) for k, v in r.items()} for r in frame.to_dict("records")]

        return {"dataset": self.dataset, "calls": self.calls,
                "period": [self.first_day.isoformat(), self.last_day.isoformat()],
                "hour_of_week": records(self.hour_of_week), "by_type": records(self.by_type),
                "repeat_callers": self.callers.to_dict(),
                "repeat_locations": self.locations.to_dict(),
                "flags": records(self.flags), "response_minutes": records(self.response),
                "notes": self.notes}


def _num(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    return value


def shown(key: str) -> str:
    """How a caller's pseudonym appears in outputs."""
    return f"C-{key[:SHOWN_HEX]}"


def calls_datasets(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The names of the calls data sets loaded."""
    return [r[0] for r in rows(con, "SELECT DISTINCT dataset FROM calls ORDER BY 1")]


def calls_demand(con: duckdb.DuckDBPyConnection, dataset: str, top: int = 5) -> CallsDemand:
    """Every measure of the calls data set ``dataset`` (see the module's definitions)."""
    ((total, first, last),) = rows(con, "SELECT count(*), min(time)::DATE, max(time)::DATE "
                                   "FROM calls WHERE dataset = $dataset", {"dataset": dataset})
    if not total:
        loaded = ", ".join(calls_datasets(con)) or "none"
        raise CallsError(f"no calls data set {dataset!r} (loaded: {loaded}); load one with "
                         "`crimeplan ingest-calls`")
    notes = []
    hours = hour_of_week(con, "calls", dataset, first, last)
    by_type = frame(con, """SELECT call_type, count(*) AS calls FROM calls WHERE dataset = $dataset
                            GROUP BY ALL ORDER BY calls DESC, call_type""", {"dataset": dataset})
    by_type["share"] = by_type["calls"] / total
    callers = _repeats(con, dataset, "caller_key", "callers", None, total, top)
    if callers.calls_with_key < total:
        notes.append(f"{total - callers.calls_with_key:,} of {total:,} calls have no caller "
                     "reference: repeat callers are counted over the rest.")
    ((located,),) = rows(con, "SELECT count(longitude) FROM calls WHERE dataset = $dataset",
                         {"dataset": dataset})
    if located:
        place_sql, kind = "printf('%.6f,%.6f', longitude, latitude)", "coordinates"
    else:
        place_sql, kind = "lsoa_code", "LSOA"
        notes.append("Locations are LSOAs (areas of about 1,500 residents), not addresses: a "
                     "repeat location here is an area with repeat calls.")
    locations = _repeats(con, dataset, place_sql, "locations", kind, total, top)
    flags = frame(con, """SELECT f AS flag, count(*) AS calls
                          FROM (SELECT unnest(flags) AS f FROM calls WHERE dataset = $dataset)
                          GROUP BY ALL ORDER BY flag""", {"dataset": dataset})
    flags["share"] = flags["calls"] / total
    response = frame(con, """SELECT coalesce(grade, '(none)') AS grade, count(*) AS calls,
                                    median(response_minutes) AS median,
                                    quantile_cont(response_minutes, 0.9) AS p90,
                                    avg(response_minutes) AS mean
                             FROM calls WHERE dataset = $dataset AND response_minutes IS NOT NULL
                             GROUP BY ALL ORDER BY grade""", {"dataset": dataset})
    return CallsDemand(dataset, int(total), first, last, hours, by_type, callers, locations,
                       flags, response, notes)


def _repeats(con: duckdb.DuckDBPyConnection, dataset: str, key_sql: str, subject: str,
             place_kind: str | None, total: int, top: int) -> Repeats:
    """Repeat keys (``key_sql`` is one of this module's fixed expressions, never user text)."""
    per = frame(con, f"""SELECT {key_sql} AS key, count(*) AS calls FROM calls
                         WHERE dataset = $dataset AND {key_sql} IS NOT NULL
                         GROUP BY ALL ORDER BY calls DESC, key""", {"dataset": dataset})
    with_key = int(per["calls"].sum())
    repeat = per[per["calls"] >= 2]
    head = per.head(top).copy()
    if subject == "callers":
        head["key"] = [shown(k) for k in head["key"]]
    head["share"] = head["calls"] / with_key if with_key else np.nan
    head["cumulative_share"] = head["share"].cumsum()
    return Repeats(subject, place_kind, with_key, int(total), len(per), len(repeat),
                   int(repeat["calls"].sum()), head.reset_index(drop=True))
