"""Early intervention in aggregate, for the PCC's office and analysts: no one's data, only
counts (the web layer withholds small numbers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.early_intervention.models import Referral
from crimeplan.cases.early_intervention.service import assess_recent
from crimeplan.cases.months import uk_date


@dataclass(frozen=True)
class MonthFigures:
    """Referrals made in one month and how far they have gone (a cohort by referral month)."""

    month: str
    referred: int
    consent_given: int
    consent_refused: int
    support_started: int
    support_ended: int


@dataclass(frozen=True)
class Figures:
    """Children eligible and not yet referred on a day, and referrals by month."""

    on: dt.date
    eligible_not_referred: int
    months: tuple[MonthFigures, ...]


def figures(db: Session, on: dt.date) -> Figures:
    """The aggregate figures on ``on`` over every agency's records."""
    children = assess_recent(db, lambda _person: True, on)
    waiting = sum(1 for c in children if c.assessment.eligible
                  and (c.referral is None or not c.referral.open))
    months: dict[str, list[int]] = {}
    for r in db.scalars(select(Referral)):
        counts = months.setdefault(f"{uk_date(r.referred_at):%Y-%m}", [0] * 5)
        for i, at in enumerate((r.referred_at, r.consent_given_at, r.consent_refused_at,
                                r.support_started_at, r.support_ended_at)):
            counts[i] += at is not None
    return Figures(on, waiting, tuple(MonthFigures(m, *c) for m, c in sorted(months.items())))
