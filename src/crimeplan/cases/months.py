"""Calendar months: the unit of the legal windows of early intervention ("referral within three
months") and ASB case reviews ("within one month of the incident", "six months").

A month from a day is the same day number of the next month, or that month's last day when it
is shorter (31 January + 1 month = 28 or 29 February), as date libraries and courts count it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo


def add_months(day: dt.date, n: int) -> dt.date:
    """The day ``n`` calendar months after ``day`` (before it when ``n`` is negative)."""
    index = day.year * 12 + day.month - 1 + n
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def age_on(born: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day`` (someone born on 29 February turns a year older on
    1 March in common years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


#: The civil time of England and Wales (GMT and BST), in which legal days are counted.
UK = ZoneInfo("Europe/London")


def uk_date(moment: dt.datetime) -> dt.date:
    """The day in England and Wales on which a (timezone-aware) moment fell."""
    return moment.astimezone(UK).date()
