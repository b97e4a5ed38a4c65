"""The measures a DIP partnership reports, by month of the test and testing force.

Each share states its denominator:

* refusal rate = refused ÷ tests requested (positive + negative + refused);
* positivity = positive ÷ samples given (positive + negative);
* assessed, referred, engaged = positive tests whose pathway reached that step ÷ positive
  tests (assessed: the initial assessment attended; engaged: treatment started);
* times between steps, in days: test → initial assessment attended, initial assessment →
  referral, referral → treatment start, each over the pathways that reached both steps (its
  ``n``), as the median and quartiles (linear interpolation between order statistics,
  numpy's default).

Months are calendar months of the test in UK time (Europe/London). Recent months are not
complete: pathways tested lately have had less time to reach the later steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from crimeplan.cases.dip.pathway import Pathway

UK = ZoneInfo("Europe/London")


def month_of(at: dt.datetime) -> str:
    """The calendar month (``YYYY-MM``) of a time, in UK time."""
    return at.astimezone(UK).strftime("%Y-%m")


@dataclass(frozen=True)
class Times:
    """Days between two steps over ``n`` pathways (None when n is 0)."""

    n: int
    q1: float | None
    median: float | None
    q3: float | None

    @classmethod
    def of(cls, days: list[float]) -> Times:
        if not days:
            return cls(0, None, None, None)
        q1, median, q3 = (float(v) for v in np.percentile(days, [25, 50, 75]))
        return cls(len(days), q1, median, q3)


@dataclass(frozen=True)
class Share:
    """A count out of a stated denominator."""

    count: int
    of: int
    denominator: str

    @property
    def rate(self) -> float | None:
        return self.count / self.of if self.of else None


@dataclass(frozen=True)
class Measures:
    """One month and testing force (``agency_id`` None: all forces)."""

    month: str
    agency_id: str | None
    tests: int
    positive: int
    negative: int
    refused: int
    assessed: int
    referred: int
    engaged: int
    test_to_assessment: Times
    assessment_to_referral: Times
    referral_to_engagement: Times

    @property
    def refusal_rate(self) -> Share:
        return Share(self.refused, self.tests, "tests requested")

    @property
    def positivity(self) -> Share:
        return Share(self.positive, self.positive + self.negative, "samples given")

    @property
    def assessed_share(self) -> Share:
        return Share(self.assessed, self.positive, "positive tests")

    @property
    def referred_share(self) -> Share:
        return Share(self.referred, self.positive, "positive tests")

    @property
    def engaged_share(self) -> Share:
        return Share(self.engaged, self.positive, "positive tests")


def _days(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    return None if a is None or b is None else (b - a).total_seconds() / 86400


def _times(group: list[Pathway], step: Callable[[Pathway], float | None]) -> Times:
    return Times.of([d for p in group if (d := step(p)) is not None])


def measure(month: str, agency_id: str | None, group: list[Pathway]) -> Measures:
    """The measures of one group of pathways."""
    positive = [p for p in group if p.result == "positive"]
    return Measures(
        month=month, agency_id=agency_id, tests=len(group), positive=len(positive),
        negative=sum(p.result == "negative" for p in group),
        refused=sum(p.result == "refused" for p in group),
        assessed=sum(p.assessed_at is not None for p in positive),
        referred=sum(p.referred_at is not None for p in positive),
        engaged=sum(p.engaged_at is not None for p in positive),
        test_to_assessment=_times(positive, lambda p: _days(p.tested_at, p.assessed_at)),
        assessment_to_referral=_times(positive, lambda p: _days(p.assessed_at, p.referred_at)),
        referral_to_engagement=_times(positive, lambda p: _days(p.referred_at, p.engaged_at)))


def by_month_and_agency(pathways: list[Pathway]) -> list[Measures]:
    """Measures per month and testing force, then per month for all forces together."""
    groups: dict[tuple[str, str], list[Pathway]] = {}
    months: dict[str, list[Pathway]] = {}
    for p in pathways:
        month = month_of(p.tested_at)
        groups.setdefault((month, p.agency_id), []).append(p)
        months.setdefault(month, []).append(p)
    rows = [measure(m, a, g) for (m, a), g in sorted(groups.items())]
    if len({p.agency_id for p in pathways}) > 1:
        rows += [measure(m, None, g) for m, g in sorted(months.items())]
    return sorted(rows, key=lambda r: (r.month, r.agency_id is None, r.agency_id or ""))


#: The counts, shares and times of a row, as named when withheld.
COUNTS = ("tests", "positive", "negative", "refused")
SHARES = {"refusal_rate": ("refused", "tests"), "positivity": ("positive", "negative"),
          "assessed_share": ("positive",), "referred_share": ("positive",),
          "engaged_share": ("positive",)}
TIMES = ("test_to_assessment", "assessment_to_referral", "referral_to_engagement")


def _small(n: int, threshold: int) -> bool:
    return 0 < n < threshold


def withheld(row: Measures, threshold: int) -> set[str]:
    """What of one row not to publish, so that no count from 1 to ``threshold`` − 1 shows
    or can be worked out from what does: such a count; the total of tests when any of its
    parts is withheld; a share whose count, denominator or remainder (denominator − count)
    is small or built on a withheld count; a time over a small n."""
    out = {c for c in COUNTS[1:] if _small(getattr(row, c), threshold)}
    if out or _small(row.tests, threshold):
        out.add("tests")
    for name, parts in SHARES.items():
        share: Share = getattr(row, name)
        if (any(_small(n, threshold) for n in (share.count, share.of, share.of - share.count))
                or out & set(parts)):
            out.add(name)
    out.update(t for t in TIMES if _small(getattr(row, t).n, threshold))
    return out


def withheld_rows(rows: list[Measures], threshold: int) -> list[set[str]]:
    """``withheld`` for each row; a month's all-forces row also withholds whatever any
    force's row of that month withholds, so no withheld figure follows by subtraction."""
    sets = [withheld(r, threshold) for r in rows]
    by_month: dict[str, set[str]] = {}
    for r, w in zip(rows, sets, strict=True):
        if r.agency_id is not None:
            by_month.setdefault(r.month, set()).update(w)
    return [w | by_month.get(r.month, set()) if r.agency_id is None else w
            for r, w in zip(rows, sets, strict=True)]
