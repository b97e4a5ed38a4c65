"""A generated but realistic ASB case review caseload in the Essex demo districts: residents
complaining to the police, their council and their housing provider (some telling two
agencies about the same incident, some known to both as one linked person), a few hate
incidents, addresses several neighbours complain about, and two years of applications at
every step: acknowledged late or on time, threshold met or not, reviews with action plans,
appeals. Their published figures follow.

Dates are relative to the day of seeding; the same seed gives the same caseload. A second
seed finds the demo residents and changes nothing. The records are inserted directly (they
describe no one, so their generation is not logged under s.62); thresholds are decided on
the complaints counted by the same rules as the service's.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.agencies import Agency, new_id
from crimeplan.cases.asb.incidents import Complaint, ThresholdCheck, check_person, location_key
from crimeplan.cases.asb.models import RECOMMENDATION, Application
from crimeplan.cases.asb.rules import rulebook
from crimeplan.cases.asb.service import complaint_rows, store
from crimeplan.cases.casework import Task
from crimeplan.cases.clock import add_working_days
from crimeplan.cases.db import Base
from crimeplan.cases.demo_areas import DISTRICTS, address, name, pick_area
from crimeplan.cases.months import uk_date
from crimeplan.cases.people import Link, Person

MARK = "ASB-DEMO"
CATEGORIES = ("noise", "intimidation", "drug-related", "vehicle-nuisance", "criminal-damage",
              "rowdy-behaviour", "neighbour-dispute")
BODIES = ("police-force", "local-authority", "housing-provider")
RECOMMENDATIONS = (
    ("Joint visit to the address by police and housing officer", "housing-provider"),
    ("Noise monitoring equipment installed for four weeks", "local-authority"),
    ("Community Protection Warning considered for the perpetrator", "local-authority"),
    ("Targeted patrols at the location for six weeks", "police-force"),
    ("Referral of the victim to victim support services", "police-force"),
    ("Mediation offered between neighbours", "housing-provider"),
    ("Single point of contact named and weekly updates agreed", "local-authority"),
    ("Mental health assessment offered to the perpetrator", "health"))


class _Seeder:
    """Builds demo records with their ids, in the order they must be stored, and the
    complaints as the threshold rules read them."""

    def __init__(self, agencies: dict[str, Agency], rng: random.Random,
                 today: dt.date) -> None:
        self.agencies, self.rng, self.today = agencies, rng, today
        self.kinds = {a.id: kind for kind, a in agencies.items()}
        self.people: list[Base] = []
        self.groups: tuple[list[Base], list[Base], list[Base]] = ([], [], [])
        self.complaints: list[Complaint] = []
        self.identity: dict[str, str] = {}

    def resident(self, kind: str, like: Person | None = None) -> Person:
        given, family = name(self.rng)
        person = Person(id=new_id(), agency_id=self.agencies[kind].id,
                        given_name=like.given_name if like else given,
                        family_name=like.family_name if like else family, category="victim",
                        local_reference=f"{MARK}-{len(self.people) + 1:05d}")
        self.people.append(person)
        self.identity[person.id] = person.id
        return person

    def link(self, a: Person, b: Person) -> None:
        self.groups[2].append(Link(person_id=min(a.id, b.id), other_id=max(a.id, b.id)))
        self.identity[b.id] = self.identity[a.id]

    def moment(self, days_ago: float) -> dt.datetime:
        return (dt.datetime.combine(self.today, dt.time(12), dt.UTC)
                - dt.timedelta(days=days_ago, hours=self.rng.randint(0, 10)))

    def complaint(self, person: Person, incident: dt.datetime, place: dict[str, str],
                  delay_days: float, category: str | None = None, hate: bool = False) -> None:
        """A complaint by ``person`` to the agency that holds their record."""
        made = incident + dt.timedelta(days=delay_days, hours=1)
        if made.date() > self.today:
            made = incident + dt.timedelta(hours=1)
        kind = self.kinds[person.agency_id]
        rows = complaint_rows(person.agency_id, person.id, incident, made, place, category,
                              hate, f"{kind[:3].upper()}-{self.rng.randint(1000, 9999)}")
        for group, new in zip(self.groups, rows, strict=True):
            group.extend(new)
        self.complaints.append(Complaint(
            str(rows[1][1].id), person.agency_id, self.identity[person.id], incident, made,
            location_key(place.get("uprn"), place.get("postcode"), place.get("address")),
            hate))


def seed_demo(db: Session, agencies: dict[str, Agency], rng: random.Random,
              today: dt.date | None = None) -> int:
    """Add the demo caseload unless it is there; return the number of people added."""
    if db.scalar(select(Person.id).where(Person.local_reference.like(f"{MARK}-%")).limit(1)):
        return 0
    seed = _Seeder(agencies, rng, today or uk_date(dt.datetime.now(dt.UTC)))
    persistent = []
    for i in range(160):
        person = seed.resident(rng.choice(BODIES))
        area = pick_area(rng)
        home = address(rng, area)
        twin = None
        if rng.random() < 0.35:                       # known to a second agency as well
            other = rng.choice([b for b in BODIES if b != seed.kinds[person.agency_id]])
            twin = seed.resident(other, person)
            if rng.random() < 0.7:
                seed.link(person, twin)
        many = i < 45
        for _ in range(rng.randint(3, 6) if many else rng.randint(1, 2)):
            incident = seed.moment(rng.uniform(2, 200 if many else 400))
            late = rng.random() < 0.1
            seed.complaint(person, incident, home,
                           rng.uniform(35, 60) if late else rng.uniform(0, 6),
                           rng.choice(CATEGORIES), rng.random() < 0.03)
            if twin is not None and rng.random() < 0.5:   # the same incident told twice
                seed.complaint(twin, incident, home, rng.uniform(0, 4))
        if many:
            persistent.append((person, area.district))
    for _ in range(4):                                # an address many neighbours report
        home = address(rng, pick_area(rng))
        incident = seed.moment(rng.uniform(10, 100))
        for _ in range(rng.randint(3, 5)):
            seed.complaint(seed.resident(rng.choice(BODIES)),
                           incident + dt.timedelta(days=rng.uniform(0, 40)), home,
                           rng.uniform(0, 3), "rowdy-behaviour")
    applications, tasks = _applications(seed, persistent)
    store(db, (seed.groups[0], seed.people, seed.groups[1], seed.groups[2], applications,
               tasks))
    return len(seed.people)


def _applications(seed: _Seeder, persistent: list[tuple[Person, str]]
                  ) -> tuple[list[Base], list[Base]]:
    """Applications over the last two years, at every step."""
    rng = seed.rng
    lead = seed.agencies["local-authority"].id
    parties = [seed.agencies[k].id for k in ("police-force", "housing-provider", "health")]
    applications: list[Base] = []
    tasks: list[Base] = []
    cases = [(person, district, seed.moment(rng.uniform(1, 60)), False)
             for person, district in persistent[:30]]
    for _ in range(14):                               # earlier years, finished
        district = rng.choice(list(DISTRICTS))
        person = seed.resident("local-authority")
        received = seed.moment(rng.uniform(120, 700))
        home = address(rng, pick_area(rng, district))
        for _ in range(rng.randint(1, 4)):
            seed.complaint(person, received - dt.timedelta(days=rng.uniform(5, 150)), home,
                           rng.uniform(0, 5), rng.choice(CATEGORIES))
        cases.append((person, district, received, True))
    for person, district, received, finished in cases:
        procedure = rulebook().in_force(uk_date(received))
        application = Application.make(
            lead, {"applicant_id": person.id, "local_area": district,
                   "victim_type": rng.choice(("individual",) * 8 + ("business",)),
                   "applicant_role": rng.choice(("victim",) * 5 + ("councillor",))},
            rng.sample(parties, rng.randint(1, 3)), received, procedure.version)
        check = check_person(seed.complaints, seed.identity[person.id], procedure,
                             uk_date(received))
        tasks += _steps(seed, application, check, finished)
        applications.append(application)
    return applications, tasks


def _steps(seed: _Seeder, application: Application, check: ThresholdCheck,
           finished: bool) -> list[Base]:
    """Acknowledge, decide, meet and plan, each on time or a little late, up to today; the
    recommendations made."""
    rng = seed.rng
    met = check.met or (finished and rng.random() < 0.5)
    day = uk_date(application.received_at)
    for step, limit in (("acknowledged", 10), ("threshold-decided", 15), ("meeting-held", 20)):
        if step == "meeting-held" and not met:
            break
        day = add_working_days(day, max(1, limit + rng.randint(-8, 3)))
        if day > seed.today or (not finished and rng.random() < 0.15):
            return []
        reason = None if met else "fewer than three qualifying complaints in six months"
        application.advance(step, dt.datetime.combine(day, dt.time(15), dt.UTC), met,
                            reason, check=check)
    tasks: list[Base] = []
    if application.meeting_held_at is not None:
        case = application.case
        kinds = {seed.kinds[a] for a in (case.agency_id, *(s.agency_id for s in case.shares))}
        for title, kind in rng.sample(RECOMMENDATIONS, rng.randint(2, 4)):
            if kind not in kinds:
                continue
            done = finished or rng.random() < 0.4
            tasks.append(Task(case_id=case.id, title=title, pathway=RECOMMENDATION,
                              owner_agency_id=seed.agencies[kind].id,
                              due_on=day + dt.timedelta(days=rng.randint(14, 60)),
                              created_at=dt.datetime.combine(day, dt.time(16), dt.UTC),
                              completed_at=dt.datetime.combine(
                                  min(day + dt.timedelta(days=rng.randint(7, 50)),
                                      seed.today), dt.time(17), dt.UTC) if done else None))
    if finished and rng.random() < 0.25:
        appeal = dt.datetime.combine(add_working_days(day, rng.randint(3, 15)), dt.time(11),
                                     dt.UTC)
        application.advance("appeal-received", appeal)
        application.advance("appeal-decided", appeal + dt.timedelta(days=rng.randint(7, 25)),
                            reason="the review's decision stands", upheld=False)
    return tasks
