"""Recorded offending before and after selection, per person and per cohort, with caveats.

For a person selected at S, both windows last W = min(window, days since S) days: before is
[S − W, S), after is [S, S + W), so they are equal. Each window counts recorded offences and
their harm (a harm table of crimeplan), and subtracts the days spent in custody, so rates are
per 365 days at liberty. A cohort's rate pools its people: all offences over all days at
liberty. None of this measures what IOM did: see ``CAVEATS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.casework import Case
from crimeplan.cases.iom import history, journey
from crimeplan.cases.iom.history import Custody
from crimeplan.cases.iom.models import IomRecord, IomReview
from crimeplan.risk.harm import HarmTable

DEFAULT_WINDOW_DAYS = 365
YEAR = 365.0


@dataclass(frozen=True)
class Caveat:
    id: str
    text: str


#: Why a fall (or rise) after selection is not the effect of IOM. Shown wherever the
#: comparison is.
CAVEATS = (
    Caveat("regression-to-the-mean",
           "Regression to the mean: people are selected when their offending is at a peak, "
           "so it would usually fall afterwards even without IOM."),
    Caveat("no-counterfactual",
           "No counterfactual: nobody comparable was left unselected, so the change cannot "
           "be put down to IOM; an evaluation needs a comparison group."),
    Caveat("detection",
           "Detection changes with supervision: closer contact and monitoring find more of "
           "the offending that happens, so recorded offences after selection are not "
           "measured the same way as before."),
    Caveat("small-numbers",
           "Small numbers: a cohort of tens of people moves a long way by chance, and one "
           "serious offence can swing its harm."),
    Caveat("custody",
           "Time in custody is taken out of each window (rates per 365 days at liberty); "
           "people with little time at liberty give unstable rates."),
)

#: Below this many people a cohort's comparison is flagged as small numbers.
SMALL_COHORT = 30


class _PerYear:
    """Offending rates per 365 days at liberty (None with no time at liberty)."""

    offences: int
    harm: float
    liberty_days: float

    @property
    def offences_per_year(self) -> float | None:
        return self.offences / self.liberty_days * YEAR if self.liberty_days else None

    @property
    def harm_per_year(self) -> float | None:
        return self.harm / self.liberty_days * YEAR if self.liberty_days else None


@dataclass(frozen=True)
class Window(_PerYear):
    """Recorded offending in ``[start, end)``, and the time spent in custody then."""

    start: dt.datetime
    end: dt.datetime
    offences: int
    harm: float
    custody_days: float

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    @property
    def liberty_days(self) -> float:  # type: ignore[override]
        return max(self.days - self.custody_days, 0.0)


@dataclass(frozen=True)
class BeforeAfter:
    """One person's offending in equal windows before and after selection."""

    case_id: str
    person_id: str
    cohort: str
    selected_at: dt.datetime
    window_days: int
    before: Window
    after: Window


def window(offences: list[tuple[dt.datetime, float]], spells: list[Custody],
           start: dt.datetime, end: dt.datetime, now: dt.datetime) -> Window:
    """Offences (time, harm) and custody days inside ``[start, end)``."""
    inside = [h for at, h in offences if start <= at < end]
    return Window(start, end, len(inside), float(sum(inside)),
                  sum(s.days_within(start, end, now) for s in spells))


def compare(case_id: str, person_id: str, cohort: str, selected_at: dt.datetime,
            offences: list[tuple[dt.datetime, float]], spells: list[Custody],
            now: dt.datetime, window_days: int = DEFAULT_WINDOW_DAYS) -> BeforeAfter | None:
    """Equal windows around a selection; None if selected less than a day ago."""
    days = min(window_days, int((now - selected_at).total_seconds() // 86400))
    if days < 1:
        return None
    span = dt.timedelta(days=days)
    return BeforeAfter(case_id, person_id, cohort, selected_at, days,
                       window(offences, spells, selected_at - span, selected_at, now),
                       window(offences, spells, selected_at, selected_at + span, now))


def for_cases(db: Session, table: HarmTable, now: dt.datetime,
              case_ids: Iterable[str] | None = None,
              window_days: int = DEFAULT_WINDOW_DAYS) -> list[BeforeAfter]:
    """The comparison for every selected IOM case (or those named), cohort as now."""
    query = (select(Case, IomRecord).join(IomRecord, IomRecord.case_id == Case.id)
             .where(Case.programme == journey.PROGRAMME, IomRecord.selected_at.is_not(None)))
    if case_ids is not None:
        query = query.where(Case.id.in_(list(case_ids)))
    pairs = db.execute(query).all()
    if not pairs:
        return []
    people = [str(c.person_id) for c, _ in pairs]
    reviews: dict[str, list[IomReview]] = {}
    for r in db.scalars(select(IomReview).where(IomReview.case_id.in_([c.id for c, _ in pairs]))):
        reviews.setdefault(r.case_id, []).append(r)
    found = history.offences(db, people)
    harms = table.weigh(pd.Series([o.offence for o in found], dtype=object),
                        where=str(history.__name__)) if found else pd.Series(dtype=float)
    by_person: dict[str, list[tuple[dt.datetime, float]]] = {}
    for o, h in zip(found, harms.tolist(), strict=True):
        by_person.setdefault(o.person_id, []).append((o.at, float(h)))
    spells = history.custody_spells(db, people)
    rows = [compare(case.id, str(case.person_id),
                    journey.current_cohort(record, reviews.get(case.id, [])) or "",
                    record.selected_at, by_person.get(str(case.person_id), []),
                    spells.get(str(case.person_id), []), now, window_days)
            for case, record in pairs if record.selected_at is not None]
    return sorted((r for r in rows if r is not None), key=lambda r: (r.cohort, r.selected_at))


@dataclass(frozen=True)
class Pooled(_PerYear):
    """A group's offending in one of the two windows, summed over its people."""

    offences: int
    harm: float
    liberty_days: float


@dataclass(frozen=True)
class CohortOutcome:
    """A cohort's pooled offending before and after selection."""

    cohort: str
    people: int
    before: Pooled
    after: Pooled

    @property
    def small_numbers(self) -> bool:
        return self.people < SMALL_COHORT

    @property
    def change(self) -> float | None:
        """Relative change in offences per year at liberty (−0.25: a quarter fewer)."""
        b, a = self.before.offences_per_year, self.after.offences_per_year
        return None if not b or a is None else a / b - 1


def _pool(windows: list[Window]) -> Pooled:
    return Pooled(sum(w.offences for w in windows), float(sum(w.harm for w in windows)),
                  float(sum(w.liberty_days for w in windows)))


def by_cohort(rows: list[BeforeAfter]) -> list[CohortOutcome]:
    """Pool the comparisons of each cohort (and of everyone, as cohort ``all``)."""
    groups: dict[str, list[BeforeAfter]] = {}
    for r in rows:
        groups.setdefault(r.cohort, []).append(r)
    out = [CohortOutcome(c, len(g), _pool([r.before for r in g]), _pool([r.after for r in g]))
           for c, g in sorted(groups.items())]
    if rows:
        out.append(CohortOutcome("all", len(rows), _pool([r.before for r in rows]),
                                 _pool([r.after for r in rows])))
    return out
