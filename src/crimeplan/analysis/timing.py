"""When events happen: hour-of-week and hour-of-day profiles of timestamped events (a force's
own point data or calls for service).

police.uk publishes the month of each crime only, never its day or time: these profiles need a
force's own export with times (``ingest-points``, ``ingest-calls``). The mean for a weekday and
hour divides by how many times that weekday occurs in the period (the first to the last day
with an event, both counted), not by a number of weeks, so a period that does not span whole
weeks is still read correctly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pandas as pd

from crimeplan.analysis.sql import frame, rows

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: The tables of timestamped events and the condition choosing one data set of each.
_EVENTS = {"calls": "calls WHERE dataset = $dataset",
           "points": "points WHERE dataset = $dataset "
                     "AND ($category IS NULL OR category = $category)"}


class TimingError(ValueError):
    """No timestamped events to profile (with the reason)."""


def weekday_occurrences(first: dt.date, last: dt.date) -> list[int]:
    """How many Mondays … Sundays the days ``first`` to ``last`` (inclusive) hold."""
    days = (last - first).days + 1
    weeks, extra = divmod(days, 7)
    counts = [weeks] * 7
    for k in range(extra):
        counts[(first.weekday() + k) % 7] += 1
    return counts


def hour_of_week(con: duckdb.DuckDBPyConnection, table: Literal["calls", "points"],
                 dataset: str, first: dt.date, last: dt.date,
                 category: str | None = None) -> pd.DataFrame:
    """Events per weekday × hour (all 168, Monday 00:00 first) with the weekday's occurrences
    in ``first``..``last`` and the mean per occurrence (``per_day``)."""
    counts = frame(con, f"""SELECT isodow(time) - 1 AS day_index, hour(time) AS hour,
                                   count(*) AS events
                            FROM {_EVENTS[table]} GROUP BY ALL""",
                   {"dataset": dataset, "category": category})
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["day_index", "hour"])
    counts = counts.set_index(["day_index", "hour"]).reindex(grid, fill_value=0).reset_index()
    occurrences = weekday_occurrences(first, last)
    counts["day"] = [DAYS[d] for d in counts["day_index"]]
    counts["weekdays"] = [occurrences[d] for d in counts["day_index"]]
    counts["per_day"] = counts["events"] / counts["weekdays"]
    out = counts[["day_index", "day", "hour", "events", "weekdays", "per_day"]]
    return out.rename(columns={"events": "calls"}) if table == "calls" else out


@dataclass(frozen=True)
class TimeProfile:
    """When a point data set's events (of one category, or all) happen."""

    dataset: str
    category: str | None
    events: int
    first_day: dt.date
    last_day: dt.date
    hour_of_week: pd.DataFrame  # day_index, day, hour, events, weekdays, per_day
    by_hour: pd.DataFrame  # hour, events, share (of events)
    weekday_share: float  # share of events Monday to Friday
    note: str

    def peak(self, n: int = 3) -> pd.DataFrame:
        """The ``n`` weekday-hours with the highest mean per occurrence."""
        return self.hour_of_week.sort_values(["per_day", "day_index", "hour"],
                                             ascending=[False, True, True]).head(n)

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "category": self.category, "events": self.events,
                "period": [self.first_day.isoformat(), self.last_day.isoformat()],
                "weekday_share": self.weekday_share, "note": self.note,
                "by_hour": self.by_hour.to_dict("records"),
                "hour_of_week": self.hour_of_week.to_dict("records")}


def time_profile(con: duckdb.DuckDBPyConnection, dataset: str,
                 category: str | None = None) -> TimeProfile:
    """The hour-of-week and hour-of-day profile of point data set ``dataset``."""
    params = {"dataset": dataset, "category": category}
    ((events, first, last),) = rows(con, "SELECT count(*), min(time)::DATE, max(time)::DATE "
                                         f"FROM {_EVENTS['points']}", params)
    if not events:
        police_uk = rows(con, "SELECT count(*) FROM partitions WHERE force = $dataset AND "
                              "dataset IN ('street', 'outcomes', 'stop-and-search')",
                         {"dataset": dataset})[0][0]
        if police_uk:
            raise TimingError(f"{dataset!r} is police.uk data, which gives the month of each "
                              "crime only: load a force's own export with times with "
                              "`crimeplan ingest-points` to profile times of day")
        what = f" of category {category!r}" if category else ""
        raise TimingError(f"no point events{what} in data set {dataset!r}")
    how = hour_of_week(con, "points", dataset, first, last, category)
    by_hour = how.groupby("hour", as_index=False)["events"].sum()
    by_hour["share"] = by_hour["events"] / events
    weekday = int(how.loc[how["day_index"] < 5, "events"].sum())
    note = (f"{events:,} events from {first} to {last}; means per weekday-hour divide by how "
            "often that weekday occurs in the period. Times are as recorded: a system that "
            "rounds or defaults times (e.g. to midnight) shows as a spike at that hour.")
    return TimeProfile(dataset, category, int(events), first, last, how, by_hour,
                       weekday / events, note)
