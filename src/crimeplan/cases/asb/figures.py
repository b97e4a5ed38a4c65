"""The figures s.104(10) of the 2014 Act requires the relevant bodies to publish at least every
12 months: applications for ASB case reviews received, times the threshold was not met, case
reviews carried out, and case reviews that resulted in recommendations; per local area and
reporting year, and per relevant body (every agency party to the review). Counts of
applications, not of people: published in full, as councils publish them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimeplan.cases.agencies import Agency
from crimeplan.cases.asb.models import RECOMMENDATION, Application
from crimeplan.cases.asb.rules import Procedure
from crimeplan.cases.casework import Task
from crimeplan.cases.months import uk_date

#: The published measures, in the order of s.104(10).
MEASURES = ("applications_received", "threshold_not_met", "reviews_carried_out",
            "reviews_with_recommendations")


@dataclass(frozen=True)
class FiguresRow:
    """One year of one local area (and, when given, one relevant body)."""

    year: str
    local_area: str
    relevant_body: str | None
    applications_received: int
    threshold_not_met: int
    reviews_carried_out: int
    reviews_with_recommendations: int


def reporting_year(day: dt.date, procedure: Procedure) -> str:
    """The reporting year a day falls in: ``2025/26`` for years starting 1 April 2025, or
    ``2025`` for calendar years."""
    start = procedure.reporting_year_start
    first = day.year if (day.month, day.day) >= (start.month, start.day) else day.year - 1
    if (start.month, start.day) == (1, 1):
        return str(first)
    return f"{first}/{(first + 1) % 100:02d}"


def figures(db: Session, procedure: Procedure, by_body: bool = False) -> list[FiguresRow]:
    """Every year and local area with any application, newest year first."""
    with_recommendations = set(db.scalars(
        select(Task.case_id).where(Task.pathway == RECOMMENDATION).group_by(Task.case_id)
        .having(func.count() > 0)))
    names: dict[str, str] = {i: n for i, n in db.execute(select(Agency.id, Agency.name))}
    counts: dict[tuple[str, str, str | None], list[int]] = {}
    for application in db.scalars(select(Application)):
        case = application.case
        bodies: list[str | None] = (
            sorted({names[case.agency_id], *(names[s.agency_id] for s in case.shares)})
            if by_body else [None])
        events = (
            (application.received_at, 0),
            (application.threshold_decided_at if application.threshold_met is False
             else None, 1),
            (application.meeting_held_at, 2),
            (application.meeting_held_at if application.case_id in with_recommendations
             else None, 3))
        for at, measure in events:
            if at is None:
                continue
            year = reporting_year(uk_date(at), procedure)
            for body in bodies:
                counts.setdefault((year, application.local_area, body), [0] * 4)[measure] += 1
    return [FiguresRow(year, area, body, *values) for (year, area, body), values in
            sorted(counts.items(), key=lambda kv: (_neg(kv[0][0]), kv[0][1], kv[0][2] or ""))]


def _neg(year: str) -> tuple[int, str]:
    return (-int(year[:4]), year)
