"""A generated but realistic early intervention caseload in the Essex demo districts: children
with the outcomes police record (some eligible, some excluded by statuses the council or the
youth justice service recorded on their own linked records), referrals at every stage,
adults with the same outcomes (who must not appear), and households where a young person was
caught up in violence, with their brothers and sisters.

Dates are relative to the day of seeding; the same seed gives the same caseload. A second
seed finds the demo children and changes nothing. The records are inserted directly (they
describe no one, so their generation is not logged under s.62); referrals follow the same
eligibility rules and steps as the service's.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.agencies import Agency, new_id
from crimeplan.cases.asb.service import store
from crimeplan.cases.db import Base
from crimeplan.cases.demo_areas import address, name, pick_area
from crimeplan.cases.early_intervention.eligibility import Child, EventFact, StatusFact, assess
from crimeplan.cases.early_intervention.models import Referral, StatusPeriod
from crimeplan.cases.early_intervention.rules import rulebook
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.months import uk_date
from crimeplan.cases.people import Address, Link, Person, Relation
from crimeplan.cases.places import Location

#: The local reference of every demo record made here starts with this.
MARK = "EI-DEMO"
#: (kind, code, weight) of the outcomes police record for children and young adults.
OUTCOMES = (("no-further-action", None, 30), ("community-resolution", None, 20),
            ("youth-caution", None, 10), ("youth-conditional-caution", None, 5),
            ("released-under-investigation", None, 15), ("bail", "pre-charge", 6),
            ("interview-under-caution", None, 8), ("court-outcome", "conditional-discharge", 3),
            ("court-outcome", "fine", 2), ("court-outcome", "acquitted", 2),
            ("court-outcome", "referral-order", 3),
            ("asb-measure", "community-protection-warning", 6),
            ("asb-measure", "acceptable-behaviour-contract", 3), ("charge", None, 6))
VIOLENCE = ("violent-crime", "violent-crime", "violent-crime", "robbery",
            "possession-of-weapons")
STATUSES = ("looked-after", "child-protection-plan", "early-help-lead-practitioner")


class _Seeder:
    """Builds demo records with their ids, kept in the order they must be stored, and the
    facts the eligibility rules read."""

    def __init__(self, agencies: dict[str, Agency], rng: random.Random,
                 today: dt.date) -> None:
        self.rng, self.today = rng, today
        self.police, self.council = agencies["police-force"], agencies["local-authority"]
        self.yjs = agencies["youth-justice"]
        self.earliest = rulebook().versions[0].effective_from
        self.places: list[Base] = []
        self.people: list[Base] = []
        self.events: list[Base] = []
        self.rest: list[Base] = []
        self.facts: dict[str, list[EventFact]] = {}
        self.statuses: dict[str, list[StatusFact]] = {}
        self.homes: dict[str, str] = {}

    def person(self, agency: Agency, age_days: int, category: str = "suspect",
               like: Person | None = None, family: str | None = None,
               home_of: str | None = None) -> Person:
        first, last = name(self.rng)
        person = Person(id=new_id(), agency_id=agency.id,
                        given_name=like.given_name if like else first,
                        family_name=like.family_name if like else family or last,
                        date_of_birth=self.today - dt.timedelta(days=age_days),
                        sex=self.rng.choice(("female", "male")), category=category,
                        local_reference=f"{MARK}-{len(self.people) + 1:05d}")
        self.people.append(person)
        if home_of is None:
            home = Location(id=new_id(), agency_id=agency.id,
                            **address(self.rng, pick_area(self.rng)))
            self.places.append(home)
            home_of = home.id
        self.rest.append(Address(person_id=person.id, location_id=home_of,
                                 from_date=self.today - dt.timedelta(days=700)))
        self.homes[person.id] = home_of
        return person

    def event(self, person: Person, kind: str, code: str | None, days_ago: int,
              role: str = "suspect") -> dt.date:
        day = max(self.today - dt.timedelta(days=days_ago), self.earliest)
        event = Event(id=new_id(), agency_id=self.police.id, kind=kind, code=code,
                      occurred_at=dt.datetime.combine(day, dt.time(self.rng.randint(9, 22)),
                                                      dt.UTC),
                      reference=f"42/{self.rng.randint(10000, 99999)}/{day:%y}")
        self.events.append(event)
        self.rest.append(Participant(event_id=event.id, person_id=person.id, role=role))
        self.facts.setdefault(person.id, []).append(EventFact(event.id, kind, code, day, role))
        return day

    def outcomes(self, person: Person, n: int, within_days: int) -> None:
        kinds = [(k, c) for k, c, _ in OUTCOMES]
        weights = [w for *_, w in OUTCOMES]
        for _ in range(n):
            kind, code = self.rng.choices(kinds, weights)[0]
            self.event(person, kind, code, self.rng.randint(1, within_days),
                       "subject" if kind == "asb-measure" else "suspect")

    def status(self, person: Person, agency: Agency, kind: str, start: dt.date,
               end: dt.date | None, facts_of: Person) -> None:
        self.rest.append(StatusPeriod(person_id=person.id, kind=kind, from_date=start,
                                      to_date=end, agency_id=agency.id))
        self.statuses.setdefault(facts_of.id, []).append(StatusFact(kind, start, end,
                                                                    agency.name))


def seed_demo(db: Session, agencies: dict[str, Agency], rng: random.Random,
              today: dt.date | None = None) -> int:
    """Add the demo caseload unless it is there; return the number of people added."""
    if db.scalar(select(Person.id).where(Person.local_reference.like(f"{MARK}-%")).limit(1)):
        return 0
    seed = _Seeder(agencies, rng, today or uk_date(dt.datetime.now(dt.UTC)))
    children = []
    for _ in range(140):
        child = seed.person(seed.police, rng.randint(10 * 365 + 40, 18 * 365 - 20))
        seed.outcomes(child, rng.choice((1, 1, 1, 2, 2, 3)), 420)
        children.append(child)
    for child in rng.sample(children, 32):           # the council knows them too
        council = seed.person(seed.council, (seed.today - child.date_of_birth).days,
                              "other", like=child, home_of=seed.homes[child.id])
        seed.rest.append(Link(person_id=min(child.id, council.id),
                              other_id=max(child.id, council.id)))
        if rng.random() < 0.6:
            start = seed.today - dt.timedelta(days=rng.randint(30, 900))
            end = start + dt.timedelta(days=rng.randint(60, 400)) if rng.random() < 0.4 \
                else None
            seed.status(council, seed.council, rng.choice(STATUSES), start, end, child)
    for child in rng.sample(children, 8):            # an earlier youth justice order
        start = seed.today - dt.timedelta(days=rng.randint(500, 900))
        seed.status(child, seed.yjs, "youth-justice-order", start,
                    start + dt.timedelta(days=365), child)
    referrals = _referrals(seed, rng.sample(children, 60))
    for _ in range(40):                              # adults: never in the queue
        adult = seed.person(seed.police, rng.randint(19 * 365, 45 * 365))
        seed.outcomes(adult, rng.choice((1, 2)), 120)
    for _ in range(40):                              # households touched by violence
        role = rng.choice(("victim", "suspect"))
        young = seed.person(seed.police, rng.randint(14 * 365, 20 * 365), role)
        seed.event(young, "crime-reported", rng.choice(VIOLENCE),
                   rng.randint(5, 330 if rng.random() < 0.85 else 500), role)
        for _ in range(rng.choice((1, 1, 2, 3))):
            kin = seed.person(seed.police, rng.randint(6 * 365, 17 * 365), "other",
                              family=young.family_name, home_of=seed.homes[young.id])
            kind = "sibling" if rng.random() < 0.8 else "household-member"
            seed.rest += [Relation(person_id=kin.id, other_id=young.id, kind=kind),
                          Relation(person_id=young.id, other_id=kin.id, kind=kind)]
    store(db, (seed.places, seed.people, seed.events, seed.rest, referrals))
    return len(seed.people)


def _referrals(seed: _Seeder, sample: list[Person]) -> list[Base]:
    """Referrals made in time for the eligible among ``sample``, at every stage."""
    rng, out = seed.rng, []
    for child in sample:
        facts = sorted(seed.facts.get(child.id, []), key=lambda e: e.day)
        if not facts:
            continue
        day = facts[-1].day + dt.timedelta(days=rng.randint(3, 70))
        if day >= seed.today:
            continue
        rules = rulebook().in_force(day)
        found = assess(Child(child.date_of_birth, tuple(facts),
                             tuple(seed.statuses.get(child.id, ()))), rules, day)
        q = found.qualification
        if not found.eligible or q is None:
            continue                                  # excluded, or not in time: as in life
        at = dt.datetime.combine(day, dt.time(10), dt.UTC)
        referral = Referral.make(seed.yjs.id, child.id, q.event.id, q.rule.id, q.rule.label,
                                 rules.version, q.deadline, at)
        steps = [("consent-given" if rng.random() < 0.8 else "consent-refused",
                  rng.randint(2, 10), "family declined")]
        if steps[0][0] == "consent-given":
            steps += [("support-started", rng.randint(4, 20), None),
                      ("support-ended", rng.randint(60, 150), "plan completed")]
        for step, gap, reason in steps:
            at += dt.timedelta(days=gap)
            if at.date() > seed.today:
                break
            referral.advance(step, at, reason)
        out.append(referral)
    return out
