"""A generated command-and-control export, for demonstrations, tests and benchmarks.

No force publishes its calls for service, so crimeplan generates files shaped like a force's
export: one row per call with its time, type, grade, a caller reference (blank for a share of
calls, as for anonymous and 999-transfer calls), an LSOA, the arrival time for attended grades
and a mental-health flag. The shape is realistic and stated, not official: calls peak in the
evening and at weekends and fall to a low before dawn; a few callers make a large share of calls
(a Zipf law over callers); mental-health flags cluster in concern-for-safety calls; attended
grades have log-normal response times around their targets. Every figure below is an
assumption of the generator, chosen to look like published summaries, never a statistic of a
real force.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

#: Call types and their shares of calls (illustrative).
TYPES = {"Concern for safety": 0.14, "Anti-social behaviour": 0.13, "Suspicious activity": 0.09,
         "Domestic incident": 0.08, "Road traffic": 0.08, "Theft": 0.07, "Violence": 0.07,
         "Mental health": 0.05, "Missing person": 0.04, "Burglary": 0.03, "Alarm": 0.04,
         "Admin or information": 0.10, "Other": 0.08}
#: Grades, their shares, and the median and spread of minutes to arrival (None: not attended).
GRADES = {"Immediate": (0.18, 11.0, 0.6), "Priority": (0.32, 45.0, 0.8),
          "Scheduled": (0.25, None, None), "Resolved without deployment": (0.25, None, None)}
#: The chance a call carries the mental-health flag, by type (others: ``MH_OTHER``).
MH_BY_TYPE = {"Mental health": 0.95, "Concern for safety": 0.30, "Missing person": 0.20,
              "Domestic incident": 0.06}
MH_OTHER = 0.02
#: Callers' calls follow a Zipf law of this exponent over the pool of callers: the most
#: frequent caller makes a few thousand calls a year in a million.
CALLER_ZIPF = 0.7
#: Share of calls with no caller reference.
NO_CALLER = 0.25
COLUMNS = ("CallDateTime", "CallType", "Grade", "CallerRef", "LSOA", "ArrivedDateTime",
           "MH_Flag")


def _hour_of_week_weights() -> np.ndarray:
    """168 weights, Monday 00:00 first: a daily cycle peaking in the early evening with a low
    around 05:00, and busier Friday and Saturday nights."""
    hours = np.arange(24)
    day = 0.35 + 0.65 * (1 + np.cos((hours - 18) / 24 * 2 * np.pi)) / 2
    week = np.tile(day, 7)
    for night in (4, 5):  # Friday, Saturday evenings into the small hours of the next day
        week[night * 24 + 20: night * 24 + 28] *= 1.35
    return week / week.sum()


def _text(when: np.ndarray) -> np.ndarray:
    """Times as ``YYYY-MM-DD HH:MM:SS`` text."""
    return np.char.replace(np.datetime_as_string(when, unit="s"), "T", " ")


def generate_calls(n: int, *, start: dt.date = dt.date(2024, 1, 1), days: int = 365,
                   lsoas: list[str] | None = None, callers: int | None = None,
                   seed: int = 0) -> pd.DataFrame:
    """``n`` calls over ``days`` days from ``start``, with the columns of ``COLUMNS``."""
    rng = np.random.default_rng(seed)
    lsoas = lsoas or [f"E01{k:06d}" for k in range(21000, 21900)]
    weights = _hour_of_week_weights().reshape(7, 24)
    weekday = (start.weekday() + np.arange(days)) % 7
    day_p = weights.sum(axis=1)[weekday]
    day = rng.choice(days, size=n, p=day_p / day_p.sum())
    hour_p = weights / weights.sum(axis=1, keepdims=True)
    cumulative = hour_p.cumsum(axis=1)[weekday[day]]
    hour = np.minimum((cumulative < rng.random((n, 1))).sum(axis=1), 23)
    seconds = rng.integers(0, 3600, size=n)
    when = (np.datetime64(start) + day.astype("timedelta64[D]")
            + hour.astype("timedelta64[h]") + seconds.astype("timedelta64[s]"))
    types = np.array(list(TYPES))
    type_of = types[rng.choice(len(types), size=n, p=np.array(list(TYPES.values())))]
    grades = np.array(list(GRADES))
    grade_p = np.array([g[0] for g in GRADES.values()])
    grade_of = grades[rng.choice(len(grades), size=n, p=grade_p)]
    pool = callers or max(10, n // 4)
    caller_p = 1.0 / np.arange(1, pool + 1) ** CALLER_ZIPF
    caller = rng.choice(pool, size=n, p=caller_p / caller_p.sum())
    caller_ref = np.char.add("CR", np.char.zfill(caller.astype(str), 8))
    caller_ref[rng.random(n) < NO_CALLER] = ""
    # Repeat callers ring about the same place: a caller's LSOA follows from the caller.
    lsoa_of = np.array(lsoas)[(caller * 7919 + rng.integers(0, 3, size=n)) % len(lsoas)]
    minutes = np.full(n, np.nan)
    for grade, (_, median, spread) in GRADES.items():
        if median is not None:
            rows = grade_of == grade
            minutes[rows] = rng.lognormal(np.log(median), spread, size=int(rows.sum()))
    arrived = when + np.where(np.isnan(minutes), 0, minutes * 60).astype("timedelta64[s]")
    mh_p = pd.Series(type_of).map(MH_BY_TYPE).fillna(MH_OTHER).to_numpy()
    mh = rng.random(n) < mh_p
    order = np.argsort(when, kind="stable")
    when, type_of, grade_of, caller_ref, lsoa_of, minutes, arrived, mh = (
        a[order] for a in (when, type_of, grade_of, caller_ref, lsoa_of, minutes, arrived, mh))
    return pd.DataFrame({
        "CallDateTime": _text(when),
        "CallType": type_of, "Grade": grade_of, "CallerRef": caller_ref, "LSOA": lsoa_of,
        "ArrivedDateTime": np.where(np.isnan(minutes), "", _text(arrived)),
        "MH_Flag": np.where(mh, "Y", "N"),
    })
