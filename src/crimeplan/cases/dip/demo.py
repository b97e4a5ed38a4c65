"""A year of generated DIP activity for the demo: arrests for trigger offences in the Essex
areas of the bundled sample, tests on arrest by the force, and the drug and alcohol service's
assessments, referrals and treatment.

About 500 tests: 4 % refused, a third of samples positive (opiates, cocaine or both); of the
positives three in four attend the initial assessment (some only after missing it), about
two thirds of those are referred, and most referred start treatment, some ending since. Times
between steps are log-normal around a day to assessment, three days to referral and a week
to treatment. Steps that would fall after today are not recorded, so recent months are
incomplete, as in life. People come from the IOM demo's offenders where they can.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.dip import pathway
from crimeplan.cases.dip.pathway import ArrestTest, Pathway
from crimeplan.cases.events import Event
from crimeplan.cases.iom.demo import DEMO_REFERENCE, essex_places, new_person, worker
from crimeplan.cases.people import Person
from crimeplan.cases.places import Location

TESTS = 500
#: Trigger offences arrested for, and how often (a few others on an inspector's say-so).
OFFENCES = {"theft": 38, "burglary": 14, "class-a-possession": 16, "robbery": 5,
            "handling-stolen-goods": 5, "going-equipped": 3, "fraud": 4,
            "taking-vehicle-without-authority": 3, "begging": 2, "attempted-burglary": 2,
            "class-a-possession-with-intent": 4, "common-assault": 4}
END_REASONS = {"completed": 40, "dropped-out": 30, "transferred": 10, "custody": 12,
               "declined": 8}


def _days(rng: random.Random, median: float, sigma: float = 0.8) -> dt.timedelta:
    return dt.timedelta(days=median * math.exp(sigma * rng.gauss(0, 1)))


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed_demo(s: Session, agencies: dict[str, Agency], rng: random.Random,
              today: dt.date | None = None) -> None:
    """The demo's DIP pathways in the year before ``today`` (default: today in UTC); nothing
    if a test on arrest exists already."""
    if s.scalar(select(Event.id).where(Event.kind == pathway.TEST).limit(1)):
        return
    police = worker(s, agencies["police-force"], "case-management")
    treatment = worker(s, agencies["drug-alcohol-treatment"], "case-management")
    today = today or dt.datetime.now(dt.UTC).date()
    now = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    # People old enough to be tested on every day of the year seeded (PACE s.63B: 18).
    adult_by = dt.date(today.year - 19, today.month, min(today.day, 28))
    known = list(s.scalars(select(Person).where(
        Person.agency_id == police.agency_id,
        Person.local_reference.startswith(DEMO_REFERENCE),
        or_(Person.date_of_birth.is_(None), Person.date_of_birth <= adult_by))
        .order_by(Person.id)))
    places = list(s.scalars(select(Location).where(Location.agency_id == police.agency_id,
                                                   Location.lsoa11_code.is_not(None))
                            .order_by(Location.lsoa11_code))) or essex_places(
        s, str(police.agency_id))
    for _ in range(TESTS):
        person = (rng.choice(known) if known and rng.random() < 0.7
                  else new_person(s, police, rng, places, today))
        arrested = now - dt.timedelta(days=rng.uniform(1, 365))
        tested = arrested + dt.timedelta(hours=rng.uniform(1, 6))
        offence = _pick(rng, OFFENCES)
        result = ("refused" if rng.random() < 0.04
                  else "positive" if rng.random() < 0.34 else "negative")
        substances = (rng.choice((("opiates",), ("cocaine",), ("opiates", "cocaine")))
                      if result == "positive" else ())
        p = pathway.record_test(s, police, person, ArrestTest(
            offence, arrested, tested, result, substances,
            inspector_authorised=offence == "common-assault",
            assessment_agency_id=str(treatment.agency_id) if result == "positive" else None,
            location_id=rng.choice(places).id), now)
        if result == "positive":
            _steps(s, treatment, p, rng, now)


def _steps(s: Session, actor: Actor, p: Pathway, rng: random.Random,
           now: dt.datetime) -> None:
    """What followed a positive test, as far as today."""
    at = p.tested_at
    if rng.random() < 0.15:
        at += _days(rng, 1.0)
        if at > now:
            return
        pathway.record_step(s, actor, p, "initial-assessment", at, now, attended=False)
    if rng.random() > 0.8:
        return
    at += _days(rng, 1.2)
    if at > now:
        return
    pathway.record_step(s, actor, p, "initial-assessment", at, now, attended=True)
    if rng.random() < 0.5:
        follow = at + _days(rng, 10)
        if follow <= now:
            pathway.record_step(s, actor, p, "follow-up-assessment", follow, now,
                                attended=rng.random() < 0.7)
    if rng.random() > 0.68:
        return
    at += _days(rng, 3.0)
    if at > now:
        return
    pathway.record_step(s, actor, p, "referral", at, now)
    if rng.random() > 0.75:
        return
    at += _days(rng, 7.0)
    if at > now:
        return
    pathway.record_step(s, actor, p, "treatment-start", at, now)
    end = at + _days(rng, 90, 0.6)
    if end <= now and rng.random() < 0.7:
        pathway.record_step(s, actor, p, "treatment-end", end, now,
                            reason=_pick(rng, END_REASONS))
