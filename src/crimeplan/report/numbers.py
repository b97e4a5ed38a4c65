"""How reports print numbers: counts as integers, money to the penny or as a summary, other
measures with a stated number of decimals. Missing values print blank.

One place for these rules, so a count never reads ``13.000`` and a cost never ``3217740.000``.
"""

from __future__ import annotations

import math
from numbers import Real


def missing(value: object) -> bool:
    """True for None and NaN (pandas' missing markers included)."""
    if value is None:
        return True
    try:
        return math.isnan(value)  # type: ignore[arg-type]
    except TypeError:
        return value.__class__.__name__ in ("NAType", "NaTType")


def is_number(value: object) -> bool:
    """A real number that is not a boolean (numpy scalars included)."""
    return isinstance(value, Real) and not isinstance(value, bool)


def whole(value: object) -> bool:
    """A number with no fractional part (13.0 is whole; 13.5 is not)."""
    return is_number(value) and not missing(value) and float(value) % 1 == 0  # type: ignore


def count(value: object) -> str:
    """A count: an integer with thousands separators (``13``, ``1,220``)."""
    return "" if missing(value) else f"{round(float(value)):,}"  # type: ignore[arg-type]


def decimal(value: object, places: int) -> str:
    """A measure to ``places`` decimals with thousands separators (``0.275``, ``1,234.5``)."""
    return "" if missing(value) else f"{float(value):,.{places}f}"  # type: ignore[arg-type]


def percent(share: object, places: int = 1) -> str:
    """A share (0 to 1) as a percentage to ``places`` decimals (0.1713 → ``17.1%``)."""
    return "" if missing(share) else f"{100 * float(share):.{places}f}%"  # type: ignore


def money(pounds: object) -> str:
    """Pounds to the penny: ``£3,217,740.00``."""
    if missing(pounds):
        return ""
    value = round(float(pounds), 2)  # type: ignore[arg-type]
    return f"-£{-value:,.2f}" if value < 0 else f"£{abs(value):,.2f}"


def money_summary(pounds: object) -> str:
    """Pounds for a sentence: ``£3.2m``, ``£1.4bn``, below a million whole pounds
    (``£950,000``)."""
    if missing(pounds):
        return ""
    value = float(pounds)  # type: ignore[arg-type]
    sign, size = ("-" if value < 0 else ""), abs(value)
    if size >= 1e9:
        return f"{sign}£{size / 1e9:,.1f}bn"
    if size >= 1e6:
        return f"{sign}£{size / 1e6:.1f}m"
    return f"{sign}£{size:,.0f}"


def rounded(value: object) -> str:
    """A number of unknown kind (e.g. read from a run record): whole numbers as counts, others
    to 3 decimals, or 2 significant figures when smaller than 0.01 (0.00042 stays 0.00042)."""
    if missing(value):
        return ""
    if whole(value):
        return count(value)
    size = abs(float(value))  # type: ignore[arg-type]
    places = 3 if size >= 0.01 else 1 - math.floor(math.log10(size))
    return decimal(value, places)
