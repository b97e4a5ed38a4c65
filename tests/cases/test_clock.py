"""Working days, hand-computed across Easter, Christmas and the early May bank holiday."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from crimeplan.cases.clock import add_working_days, is_working_day, working_days_between

D = dt.date


def test_christmas_2026_with_boxing_day_substitute():
    # Thu 24 Dec 2026: Fri 25 and Mon 28 (Boxing Day on Saturday, substitute) are holidays,
    # so the working days after it are Tue 29, Wed 30, Thu 31 Dec, then Mon 4 Jan (Fri 1 Jan
    # is New Year's Day), Tue 5 Jan.
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)
    assert add_working_days(D(2026, 12, 24), 5) == D(2027, 1, 5)


def test_easter_2027():
    # Good Friday 26 March, Easter Monday 29 March 2027: from Thursday 25 March, two working
    # days end on Wednesday 31 March.
    assert add_working_days(D(2027, 3, 25), 2) == D(2027, 3, 31)


def test_early_may_bank_holiday_2026():
    # Monday 4 May 2026: from Friday 1 May, one working day is Tuesday 5 May.
    assert add_working_days(D(2026, 5, 1), 1) == D(2026, 5, 5)
    assert not is_working_day(D(2026, 5, 4))


def test_from_a_weekend_or_holiday_the_count_starts_next_working_day():
    assert add_working_days(D(2026, 12, 26), 1) == D(2026, 12, 29)  # Saturday, Boxing Day
    assert add_working_days(D(2026, 12, 24), 0) == D(2026, 12, 24)


days = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))


@given(days, st.integers(min_value=1, max_value=60))
def test_a_due_date_is_never_a_weekend_or_bank_holiday(start, n):
    due = add_working_days(start, n)
    assert is_working_day(due) and due > start


@given(days, st.integers(min_value=0, max_value=60))
def test_counting_back_gives_the_same_number(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@given(days, days)
def test_between_is_antisymmetric(a, b):
    assert working_days_between(a, b) == -working_days_between(b, a)
