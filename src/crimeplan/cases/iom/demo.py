"""A generated but realistic IOM caseload for the demo, in the Essex areas of the bundled
sample.

About 1,200 fictional people with three years of offences (crimeplan's synthetic offence
histories: a few people cause most of the harm), placed in the LSOAs of the four Essex
districts the police.uk sample covers; the most harmful 300 or so referred, assessed and
selected into cohorts over the last 18 months, with reviews (some overdue), needs, action
plans across agencies (some done, some overdue), custody spells, transfers to probation,
de-selections, and recent panel decisions on nominations. Everything goes through the use
cases, so the s.62 log holds what a real caseload would.

Dates are relative to the day of seeding; the same seed on the same day gives the same data
(people's ids included).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.accounts import User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.iom import journey, nominations
from crimeplan.cases.iom.rulebook import rules
from crimeplan.cases.people import Address, Person
from crimeplan.cases.places import Location
from crimeplan.demo import SAMPLE
from crimeplan.errors import DataMissing
from crimeplan.risk.synthetic import offence_histories

IMD = SAMPLE / "reference" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
#: The Essex districts of the bundled police.uk sample.
DISTRICTS = ("Basildon", "Chelmsford", "Colchester", "Southend-on-Sea")
STREETS = ("High Street", "Station Road", "London Road", "Church Lane", "Victoria Avenue",
           "Queen's Road", "Park Road", "Mill Lane", "Southchurch Road", "Maldon Road",
           "Crouch Street", "Cherry Tree Road", "Broomfield Road", "Rectory Road")
GIVEN = {"male": ("Jack", "Oliver", "Harry", "Charlie", "Thomas", "George", "James", "Daniel",
                  "Ryan", "Lee", "Craig", "Dean", "Jamie", "Kyle", "Liam", "Mohammed",
                  "Connor", "Aaron", "Callum", "Scott", "Wayne", "Darren", "Kieran", "Reece"),
         "female": ("Emma", "Sophie", "Chloe", "Jade", "Amy", "Leanne", "Kelly", "Stacey",
                    "Hannah", "Gemma", "Laura", "Zoe")}
FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
          "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
          "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Lewis", "Harris", "Martin",
          "Cooper", "King", "Baker", "Turner", "Hill", "Moore", "Ward", "Mills", "Barker")
COHORT_SIZE = 200
OFFENDERS = 1000
#: How the demo's generated people's local references begin.
DEMO_REFERENCE = "DEMO-"


def essex_places(s: Session, agency_id: str) -> list[Location]:
    """A place (street in an LSOA) for every LSOA of the sample's Essex districts."""
    if not IMD.exists():
        raise DataMissing(f"{IMD}: the bundled sample's IMD file is needed for the demo's "
                          "Essex areas (run from a checkout of the repository)")
    with gzip.open(IMD, "rt", encoding="utf-8-sig", newline="") as fh:
        rows = [(r["LSOA code (2011)"], r["Local Authority District name (2019)"])
                for r in csv.DictReader(fh)
                if r["Local Authority District name (2019)"] in DISTRICTS]
    places = [Location(agency_id=agency_id, lsoa11_code=code,
                       address=f"On or near {STREETS[k % len(STREETS)]}, {district}")
              for k, (code, district) in enumerate(sorted(rows))]
    s.add_all(places)
    s.flush()
    return places


def new_person(s: Session, actor: Actor, rng: random.Random, places: list[Location],
               today: dt.date) -> Person:
    """A fictional adult with a name, date of birth and an address in the sample's Essex
    (collected by the actor's agency, logged). Its id comes from ``rng`` too, so whatever is
    ordered by id (a tie in harm, say) comes out the same on every seeding."""
    sex = "male" if rng.random() < 0.85 else "female"
    born = today - dt.timedelta(days=rng.randint(19 * 365, 55 * 365))
    person = Person(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    agency_id=str(actor.agency_id), given_name=rng.choice(GIVEN[sex]),
                    family_name=rng.choice(FAMILY), date_of_birth=born, sex=sex,
                    local_reference=f"{DEMO_REFERENCE}{rng.randrange(10**7):07d}",
                    category="suspect")
    s.add(person)
    s.add(Address(person_id=person.id, location_id=rng.choice(places).id,
                  from_date=today - dt.timedelta(days=rng.randint(60, 3000))))
    s62.log(s, actor, s62.Category.COLLECTION, s62.Subject("person", person.id),
            ("given_name", "family_name", "date_of_birth", "sex", "local_reference",
             "address"))
    return person


def event(s: Session, agency_id: str, person: Person, kind: str, at: dt.datetime,
          code: str | None, role: str, place: Location | None = None) -> Event:
    e = Event(agency_id=agency_id, kind=kind, code=code, occurred_at=at,
              location_id=place.id if place else None, recorded_at=at)
    e.participants.append(Participant(person_id=person.id, role=role))
    s.add(e)
    return e


def worker(s: Session, agency: Agency, purpose: str) -> Actor:
    """An actor of the agency: its first case worker (the demo's), or the agency itself."""
    user = s.scalar(select(User).where(User.agency_id == agency.id, User.role == "case-worker")
                    .order_by(User.email))
    return Actor(agency_id=agency.id, agency_kind=agency.kind, role="case-worker",
                 user_id=user.id if user else None, purpose=purpose,
                 justification="demo data", request_id="seed-demo")


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, rng.randint(8, 18), rng.randrange(60),
                       tzinfo=dt.UTC)


@dataclass
class _Offender:
    person: Person
    offences: list[tuple[dt.date, str]]


#: Who owns an action on each pathway (agency kinds of the demo).
OWNERS = {"accommodation": "housing-provider", "education-training-employment": "local-authority",
          "health": "health", "substance-misuse": "drug-alcohol-treatment",
          "finance-benefit-debt": "local-authority", "children-families": "local-authority",
          "attitudes-thinking-behaviour": "probation"}
ACTIONS = {"accommodation": "Secure a tenancy or supported housing place",
           "education-training-employment": "Referral to employment support",
           "health": "GP registration and health check",
           "substance-misuse": "Structured treatment appointment",
           "finance-benefit-debt": "Benefit claim and debt advice",
           "children-families": "Family support referral",
           "attitudes-thinking-behaviour": "Thinking skills programme"}


def seed_demo(s: Session, agencies: dict[str, Agency], rng: random.Random,
              today: dt.date | None = None) -> None:
    """The demo's IOM caseload up to the day before ``today`` (default: today in UTC, so
    nothing is dated later than now); nothing if an IOM case exists already."""
    if s.scalar(select(Case.id).where(Case.programme == journey.PROGRAMME).limit(1)):
        return
    today = (today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=1)
    police = worker(s, agencies["police-force"], "offender-management")
    probation = worker(s, agencies["probation"], "offender-management")
    places = essex_places(s, agencies["police-force"].id)
    offenders = _offenders(s, police, rng, places, today)
    table = nominations.harm_table(nominations.DEFAULT_TABLE)
    scoring = nominations.score(s, table, today - dt.timedelta(days=3 * 365),
                                today + dt.timedelta(days=1))
    chosen = [offenders[n.person_id] for n in scoring.nominations[:COHORT_SIZE]]
    for o in chosen:
        _journey(s, o, police, probation, agencies, rng, today)
    _panel(s, police, agencies, scoring, offenders, rng, today)


def _offenders(s: Session, actor: Actor, rng: random.Random, places: list[Location],
               today: dt.date) -> dict[str, _Offender]:
    """People with synthetic offence histories over three years to today, as events."""
    start = today - dt.timedelta(days=3 * 365)
    history = offence_histories(people=OFFENDERS, start=start, years=3,
                                seed=rng.randrange(2**31))
    out: dict[str, _Offender] = {}
    by_synthetic: dict[str, _Offender] = {}
    for row in history.itertuples():
        day = row.offence_date
        if day > today:
            continue
        o = by_synthetic.get(row.person_id)
        if o is None:
            o = _Offender(new_person(s, actor, rng, places, today), [])
            by_synthetic[row.person_id] = out[o.person.id] = o
        code = str(row.offence_type).replace(" ", "-")
        o.offences.append((day, code))
        event(s, str(actor.agency_id), o.person, "offence", _at(day, rng), code, "offender",
              rng.choice(places))
    s.flush()
    return out


def _journey(s: Session, o: _Offender, police: Actor, probation: Actor,
             agencies: dict[str, Agency], rng: random.Random, today: dt.date) -> None:
    """Refer, assess and select one person, then what happened since."""
    rules_ = rules()
    selected = today - dt.timedelta(days=rng.randint(10, 540))
    referred = selected - dt.timedelta(days=rng.randint(7, 30))
    recent = [code for day, code in o.offences if selected - dt.timedelta(days=365) <= day]
    fixed = any(rules_.is_neighbourhood_crime(c) for c in recent)
    cohort = "fixed" if fixed else ("flex" if rng.random() < 0.6 else "free")
    case = journey.refer(s, police, o.person, _reason(recent), [str(probation.agency_id)],
                         _at(referred, rng))
    iom = journey.get(s, case.id)
    journey.assess(s, police, iom, rng.choice((
        "Acquisitive offending linked to heroin and crack use; unstable housing.",
        "Prolific offending since release; no fixed abode; engages with probation.",
        "Offending escalating; alcohol misuse and debt; partner and child at home.",
        "Volume burglary with associates; unemployed; willing to engage.")),
        _at(referred + dt.timedelta(days=rng.randint(1, 6)), rng))
    journey.select_into(s, police, iom, cohort, rng.choice((
        "Agreed at the monthly selection panel: high harm in the last year.",
        "Panel agreed: neighbourhood crime and likely to reoffend.",
        "Selected on partnership priority; probation and police to lead jointly.")),
        _at(selected, rng))
    needs = rng.sample(list(rules_.pathways), rng.randint(2, 4))
    for pathway in needs:
        level = rng.choice(("some-need", "significant-need", "significant-need"))
        journey.record_need(s, police, iom, pathway, level, "", _at(selected, rng))
        made = selected + dt.timedelta(days=rng.randint(1, 20))
        due = made + dt.timedelta(days=rng.randint(14, 75))
        task = journey.add_action(s, police, iom, ACTIONS[pathway], pathway,
                                  agencies[OWNERS[pathway]].id, None, due,
                                  _at(made, rng))
        if due < today and rng.random() < 0.65:
            done = min(due + dt.timedelta(days=rng.randint(-10, 10)), today)
            journey.complete_action(s, police, task, o.person.id, _at(max(done, made), rng))
    if rng.random() < 0.15 and probation.user_id:
        journey.transfer(s, police, iom, str(probation.agency_id), probation.user_id,
                         "Released on licence: probation leads",
                         _at(selected + dt.timedelta(days=rng.randint(5, 60)), rng))
    _reviews(s, police, iom, rng, today)
    _custody(s, police, o.person, selected, rng, today)
    if rng.random() < 0.15:
        last = max([r.held_at.date() for r in iom.reviews] or [selected])
        if last < today - dt.timedelta(days=2):
            journey.deselect(s, police, iom, rng.choice(
                ("reduced-risk", "reduced-risk", "long-custodial-sentence", "moved-out-of-area",
                 "no-longer-meets-criteria")), "",
                _at(last + dt.timedelta(days=rng.randint(1, (today - last).days - 1)), rng))


def _reason(recent: list[str]) -> str:
    worst = ", ".join(sorted({c.replace("-", " ") for c in recent})[:3]) or "offending"
    return f"Referred by the neighbourhood team: {worst} in the last year"


def _reviews(s: Session, actor: Actor, iom: journey.IomCase, rng: random.Random,
             today: dt.date) -> None:
    """Quarterly reviews up to today, one in six missed (so overdue)."""
    while True:
        due = journey.review_due_on(iom.record, iom.reviews)
        if due is None or due >= today or rng.random() < 1 / 6:
            return
        held = min(due + dt.timedelta(days=rng.randint(-7, 3)), today)
        journey.review(s, actor, iom, rng.choice((
            "Engaging with all appointments; no new intelligence.",
            "Missed two appointments; home visit arranged.",
            "Tested positive for opiates; treatment plan reviewed.",
            "Housing secured; offending reduced.")), _at(held, rng))


def _custody(s: Session, police: Actor, person: Person, selected: dt.date,
             rng: random.Random, today: dt.date) -> None:
    """A spell in custody for about one in five, a few still inside."""
    if rng.random() >= 0.2 or (today - selected).days < 10:
        return
    start = selected + dt.timedelta(days=rng.randint(5, (today - selected).days - 1))
    event(s, str(police.agency_id), person, "custody-start", _at(start, rng), None, "subject")
    end = start + dt.timedelta(days=rng.randint(20, 150))
    if end < today and rng.random() < 0.8:
        event(s, str(police.agency_id), person, "release", _at(end, rng), None, "subject")


def _panel(s: Session, police: Actor, agencies: dict[str, Agency],
           scoring: nominations.Scoring, offenders: dict[str, _Offender],
           rng: random.Random, today: dt.date) -> None:
    """This month's selection panel on the next names down the list."""
    for k, n in enumerate(scoring.nominations[COHORT_SIZE:COHORT_SIZE + 15]):
        at = _at(today - dt.timedelta(days=rng.randint(1, 20)), rng)
        if k % 3 == 0:
            nominations.decide(s, police, offenders[n.person_id].person, scoring, "select",
                               "High harm and recent burglaries; agreed at the panel", at,
                               "fixed" if n.suggested_cohort else "flex",
                               [agencies["probation"].id])
        else:
            nominations.decide(s, police, offenders[n.person_id].person, scoring,
                               "do-not-select", rng.choice((
                                   "Harm is one old offence; no current risk.",
                                   "Already managed under MAPPA.",
                                   "In custody on a long sentence; review before release.")),
                               at)
