"""Working days in England and Wales: the clock of every statutory or local time limit.

A working day is Monday to Friday and not a bank holiday of England and Wales, as the
maintained ``holidays`` package lists them (substitute days included: Boxing Day on a Saturday
gives Monday 28 December off). A limit of *n* working days from an event falls on the *n*-th
working day after the day the event happened, whatever day that was.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

#: The holiday calendar of the England and Wales jurisdiction.
COUNTRY, SUBDIVISION = "GB", "ENG"


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=year))


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (``n`` ≥ 0; 0 gives ``start`` itself)."""
    if n < 0:
        raise ValueError("a time limit counts forward: n must be 0 or more")
    day = start
    while n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before
    ``a``): ``working_days_between(a, add_working_days(a, n)) == n``."""
    if b < a:
        return -working_days_between(b, a)
    return sum(is_working_day(a + dt.timedelta(days=k)) for k in range(1, (b - a).days + 1))
