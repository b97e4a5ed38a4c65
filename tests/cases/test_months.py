"""Calendar months and ages, hand-computed at month ends and leap days, and their properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crimeplan.cases.months import add_months, age_on, uk_date

D = dt.date


@pytest.mark.parametrize(("day", "n", "want"), [
    (D(2026, 3, 15), 3, D(2026, 6, 15)),
    (D(2025, 11, 30), 3, D(2026, 2, 28)),     # February is shorter
    (D(2027, 11, 30), 3, D(2028, 2, 29)),     # leap year
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2026, 8, 31), -6, D(2026, 2, 28)),
    (D(2026, 12, 15), 1, D(2027, 1, 15)),     # over the year end
    (D(2026, 1, 15), -1, D(2025, 12, 15)),
])
def test_add_months(day: dt.date, n: int, want: dt.date) -> None:
    assert add_months(day, n) == want


@given(st.dates(min_value=D(1950, 1, 1), max_value=D(2090, 12, 31)),
       st.integers(min_value=-120, max_value=120))
def test_a_month_later_is_the_same_day_or_the_month_end(day: dt.date, n: int) -> None:
    later = add_months(day, n)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == n
    assert later.day == day.day or (later.day < day.day
                                    and (later + dt.timedelta(days=1)).day == 1)


@pytest.mark.parametrize(("born", "on", "age"), [
    (D(2012, 3, 10), D(2026, 3, 9), 13),
    (D(2012, 3, 10), D(2026, 3, 10), 14),
    (D(2008, 2, 29), D(2026, 2, 28), 17),     # a leap-day birthday comes on 1 March
    (D(2008, 2, 29), D(2026, 3, 1), 18),
])
def test_age_on(born: dt.date, on: dt.date, age: int) -> None:
    assert age_on(born, on) == age


def test_uk_date_counts_in_british_summer_time() -> None:
    late = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)   # 00:30 BST on 1 July
    assert uk_date(late) == D(2026, 7, 1)
    assert uk_date(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)) == D(2026, 12, 31)
