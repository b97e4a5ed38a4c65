"""A year of fictional victims for the Essex demo agencies, so every victims' page shows
something true-looking: crimes in the LSOAs of the bundled sample's Essex districts, needs
assessments, choices, and the investigation and court events that start the Code's clocks,
with the duties met on time, late, not at all, or not yet.

Seeded: the same ``rng`` and ``today`` give the same caseload (dates run over the 365 days
before ``today``, the day it is seeded by default). Idempotent: nothing is added when the
police force already has victims. Everything goes through the programme's use cases, so the
s.62 log holds a collection for each record made.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import records
from crimeplan.cases.accounts import User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.clock import add_working_days, is_working_day
from crimeplan.cases.events import Event
from crimeplan.cases.places import Location
from crimeplan.cases.victims import compliance, obligations, services
from crimeplan.cases.victims.models import VictimCare
from crimeplan.cases.victims.obligations import LONDON, local_day
from crimeplan.cases.victims.rules import in_force
from crimeplan.demo import SAMPLE

IMD = SAMPLE / "reference" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
#: The Essex districts of the bundled police.uk sample.
DISTRICTS = ("Basildon", "Chelmsford", "Colchester", "Southend-on-Sea")
VICTIMS_PER_YEAR = 200
#: Crime categories (police.uk slugs) of the victims, with weights.
CRIMES = {"violent-crime": 36, "burglary": 12, "other-theft": 12, "criminal-damage-arson": 10,
          "vehicle-crime": 8, "public-order": 8, "theft-from-the-person": 4, "robbery": 4,
          "bicycle-theft": 3, "other-crime": 3}
GIVEN = ("Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Sophie", "Chloe", "Emily",
         "Jessica", "Oliver", "George", "Harry", "Jack", "Noah", "Leo", "Arthur", "Oscar",
         "Charlie", "Thomas", "Priya", "Aisha", "Kwame", "Tomasz", "Agnieszka", "Mohammed",
         "Fatima", "Daniel", "Samuel", "Ruth")
FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
          "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts",
          "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Ahmed", "Nowak", "Mensah",
          "Okafor", "Hughes", "Edwards", "Turner", "Hill")
#: How reliably each kind of agency does what the Code asks: (on time, late); the rest never.
PERFORMANCE = {"police-force": (0.72, 0.14), "probation": (0.8, 0.12)}
UNABLE = "The victim could not be reached after three attempts"


@dataclass
class _Journey:
    """What is being built for one victim."""

    db: Session
    rng: random.Random
    now: dt.datetime
    care: VictimCare
    enhanced: bool
    actor: Actor
    agencies: Mapping[str, Agency]

    def event(self, kind: str, at: dt.datetime, parent: Event, *, code: str | None = None,
              delay_hours: float = 0, **details: Any) -> Event | None:
        """An event, if it has happened by now (the agency learnt of it after a delay)."""
        recorded = at + dt.timedelta(hours=delay_hours)
        if recorded > self.now:
            return None
        return services.record_event(self.db, self.actor, self.care, self.now, kind=kind,
                                     code=code, occurred_at=at, parent_id=parent.id,
                                     details=details, recorded_at=recorded, regenerate=False)

    def duty(self, rule_id: str, trigger: Event, agency_kind: str = "police-force",
             **details: Any) -> None:
        """Do what ``rule_id`` asks about ``trigger``: on time, late, or never."""
        rules = in_force(local_day(trigger.occurred_at))
        if rules is None:
            return
        rule = rules.rule(rule_id)
        started = trigger.occurred_at if rule.clock == "occurred" else trigger.recorded_at
        due = obligations.due(rule, started, self.enhanced)
        on_time, late = PERFORMANCE[agency_kind]
        draw = self.rng.random()
        if draw < on_time:
            day = self._working_day_between(local_day(started), due.due_on)
        elif draw < on_time + late:
            day = add_working_days(due.due_on, self.rng.randint(1, 8))
        else:
            return
        at = max(_at(day, self.rng.randint(9, 16), self.rng.choice((0, 15, 30, 45))),
                 started + dt.timedelta(minutes=20))
        self.event(rule.action.kind, at, trigger, code=rule.action.code, **details)

    def _working_day_between(self, first: dt.date, last: dt.date) -> dt.date:
        days = [first + dt.timedelta(d) for d in range((last - first).days + 1)]
        return self.rng.choice([d for d in days if is_working_day(d)] or [first])


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), LONDON).astimezone(dt.UTC)


def essex_lsoas() -> list[str]:
    """LSOA (2011) codes of the sample's Essex districts, from its IMD reference file."""
    with gzip.open(IMD, "rt", encoding="utf-8-sig", newline="") as fh:
        return [row["LSOA code (2011)"] for row in csv.DictReader(fh)
                if row["Local Authority District name (2019)"] in DISTRICTS]


def _worker(db: Session, agency: Agency) -> Actor:
    """A case worker of the agency (the demo's), acting to support victims."""
    user = db.scalar(select(User).where(User.agency_id == agency.id, User.role == "case-worker")
                     .order_by(User.email))
    return Actor(agency_id=agency.id, agency_kind=agency.kind, role="case-worker",
                 user_id=user.id if user else None, purpose="victim-support",
                 justification="demo data")


def seed_demo(db: Session, agencies: Mapping[str, Agency], rng: random.Random,
              today: dt.date | None = None) -> int:
    """Seed a year of victims for the demo agencies (by kind); return how many (0 when the
    force has victims already)."""
    police = agencies["police-force"]
    if db.scalar(select(VictimCare.id).join(Event, Event.id == VictimCare.crime_event_id)
                 .where(Event.agency_id == police.id).limit(1)) is not None:
        return 0
    today = today or dt.datetime.now(dt.UTC).date()
    now = min(dt.datetime.now(dt.UTC), _at(today, 18))
    actor = _worker(db, police)
    lsoas = essex_lsoas()
    crimes, weights = list(CRIMES), list(CRIMES.values())
    for n in range(VICTIMS_PER_YEAR):
        reported = _at(today - dt.timedelta(days=rng.randint(1, 365)), rng.randint(0, 23),
                       rng.randint(0, 59))
        age = rng.choice((rng.randint(12, 17), *(rng.randint(18, 85) for _ in range(5))))
        person = records.create(db, actor, {
            "given_name": rng.choice(GIVEN), "family_name": rng.choice(FAMILY),
            "date_of_birth": local_day(reported) - dt.timedelta(days=365 * age
                                                                 + rng.randint(0, 364)),
            "category": "victim",
            "sensitivity": "restricted" if rng.random() < 0.05 else "standard"}, police.id)
        place = Location(agency_id=police.id, lsoa11_code=rng.choice(lsoas))
        db.add(place)
        db.flush()
        crime = rng.choices(crimes, weights)[0]
        care = services.register(db, actor, person, now, occurred_at=reported,
                                 reference=f"42/{n + 1:05d}/{reported:%y}", code=crime,
                                 location_id=place.id, regenerate=False)
        enhanced = _assess(db, rng, now, actor, care, crime, age, reported)
        _choose(db, rng, now, actor, care, reported)
        journey = _Journey(db, rng, now, care, enhanced, actor, agencies)
        _investigate(journey, crime)
        obligations.regenerate(db, actor, care, now)
        _unable(db, rng, now, actor, care)
    return VICTIMS_PER_YEAR


def _assess(db: Session, rng: random.Random, now: dt.datetime, actor: Actor,
            care: VictimCare, crime: str, age: int, reported: dt.datetime) -> bool:
    """A needs assessment at the report for most victims; whether it found Enhanced Rights."""
    if rng.random() < 0.12:
        return False
    grounds = set()
    if age < 18:
        grounds.add("under-18")
    if crime in ("violent-crime", "robbery") and rng.random() < 0.3:
        grounds.add("most-serious-crime")
    for ground, p in (("fear-or-distress", 0.12), ("persistently-targeted", 0.06),
                      ("mental-disorder", 0.04), ("physical-disability", 0.03)):
        if rng.random() < p:
            grounds.add(ground)
    needs = rng.sample(("emotional-support", "practical-support", "safety-planning",
                        "financial", "health", "accommodation", "interpreter"),
                       rng.randint(0, 3))
    outcome = ("specialist-referral" if grounds and rng.random() < 0.5 else
               rng.choice(("referred", "referred", "support-declined", "no-support-needed")))
    services.assess(db, actor, care, now, assessed_at=reported + dt.timedelta(minutes=40),
                    needs=needs, grounds=sorted(grounds), outcome=outcome, regenerate=False)
    return bool(grounds)


def _choose(db: Session, rng: random.Random, now: dt.datetime, actor: Actor,
            care: VictimCare, reported: dt.datetime) -> None:
    at = reported + dt.timedelta(hours=1)
    draw = rng.random()
    if draw < 0.05:
        services.choose(db, actor, care, now, kind="opt-out", recorded_at=at,
                        regenerate=False)
    elif draw < 0.1:
        services.choose(db, actor, care, now, kind="agreed-frequency", right=6,
                        frequency_days=28, recorded_at=at, regenerate=False)
    if rng.random() < 0.3:
        services.choose(db, actor, care, now, kind="contact-preference", recorded_at=at,
                        channel=rng.choice(("phone", "email", "text-message", "letter")),
                        regenerate=False)


def _investigate(j: _Journey, crime: str) -> None:
    """The referral to support, then the investigation and, for some, the courts."""
    root = j.care.crime
    j.duty("r4-referral-to-support-services", root,
           to_agency_id=j.agencies["victim-service"].id)
    rng = j.rng
    if rng.random() < 0.1:
        decision = j.event("decision-not-to-investigate",
                           root.occurred_at + dt.timedelta(days=rng.randint(1, 10)), root)
        if decision is not None:
            j.duty("r6-decision-not-to-investigate", decision)
        return
    if rng.random() > 0.5:
        return
    arrest = j.event("arrest", root.occurred_at + dt.timedelta(days=rng.randint(1, 45),
                                                               hours=rng.randint(0, 9)), root)
    if arrest is None:
        return
    j.duty("r6-suspect-arrested-interviewed-or-released", arrest)
    next_ = j.event("interview-under-caution", arrest.occurred_at + dt.timedelta(hours=4),
                    arrest)
    if next_ is None:
        return
    j.duty("r6-suspect-arrested-interviewed-or-released", next_)
    draw = rng.random()
    after = next_.occurred_at + dt.timedelta(hours=3)
    if draw < 0.35:
        nfa = j.event("no-further-action", after, next_)
        if nfa is not None:
            j.duty("r6-suspect-arrested-interviewed-or-released", nfa)
    elif draw < 0.55:
        rui = j.event("released-under-investigation", after, next_)
        if rui is not None:
            j.duty("r6-suspect-bailed-or-released-under-investigation", rui)
    elif draw < 0.7:
        bail = j.event("bail", after, next_, code="pre-charge")
        if bail is not None:
            j.duty("r6-suspect-bailed-or-released-under-investigation", bail)
    else:
        charge = j.event("charge", after, next_)
        if charge is not None:
            j.duty("r6-charge-or-out-of-court-disposal", charge)
            _court(j, charge, crime)


def _court(j: _Journey, charge: Event, crime: str) -> None:
    """Hearing, outcome and sentence (the Witness Care Unit learns of each a day or two
    later), and the Victim Contact Scheme for long sentences for violent offences."""
    rng = j.rng
    hearing = j.event("first-hearing", charge.occurred_at + dt.timedelta(days=rng.randint(7, 28)),
                      charge, delay_hours=rng.randint(2, 30))
    if hearing is None:
        return
    j.duty("r8-hearing-details", hearing)
    outcome = j.event("court-outcome",
                      hearing.occurred_at + dt.timedelta(days=rng.randint(20, 90)), hearing,
                      delay_hours=rng.randint(2, 60))
    if outcome is None:
        return
    j.duty("r9-outcome-and-sentence", outcome)
    if rng.random() < 0.25:
        return  # acquitted
    months = rng.choice((0, 0, 4, 8, 12, 18, 30, 48))
    sentence = j.event("sentence", outcome.occurred_at + dt.timedelta(days=rng.randint(0, 21)),
                       outcome, delay_hours=rng.randint(2, 30), custodial_months=months,
                       specified_violent_or_sexual_offence=crime in ("violent-crime",
                                                                     "robbery"))
    if sentence is None:
        return
    j.duty("r9-outcome-and-sentence", sentence)
    if months >= 12 and crime in ("violent-crime", "robbery"):
        probation = j.agencies["probation"]
        j.duty("r11-referral-to-victim-contact-scheme", sentence, to_agency_id=probation.id)
        referral = next((e for e in j.db.scalars(select(Event).where(
            Event.parent_id == sentence.id, Event.code == "victim-contact-scheme"))), None)
        if referral is not None:
            j.actor = _worker(j.db, probation)
            j.duty("r11-victim-liaison-officer-contact", referral, agency_kind="probation")


def _unable(db: Session, rng: random.Random, now: dt.datetime, actor: Actor,
            care: VictimCare) -> None:
    """Now and then the police record that they could not tell the victim."""
    for row, state in compliance.obligation_rows(db, now, care_ids=[care.id]):
        if state == "breached" and row.right == 6 and rng.random() < 0.15:
            services.record_outcome(db, actor, row, now, outcome="unable",
                                    at=min(now, row.due_at - dt.timedelta(hours=2)),
                                    reason=UNABLE)
