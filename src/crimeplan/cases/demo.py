"""The demo's multi-agency caseload: people held by the Essex demo agencies, their addresses
in the LSOAs of the bundled sample, families and households, events and cases.

People come from the linkage generator, so some are held by several agencies with the
imperfections real records have (typos, nicknames, married names, swapped day and month,
missing identifiers, moves), and the linkage model is run once at the end, so the queue of
possible matches has true work to show. Every record is created through the use cases, so
every collection (and the linkage run's reads) is logged under s.62 like real work.
Deterministic (seeded) and idempotent: a second run finds the demo people and does nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import random
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import case_records, event_records, place_records, records
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.linkage import generator, proposals
from crimeplan.cases.people import Person

#: The bundled IMD file names every LSOA of the sample with its district.
IMD = (Path(__file__).resolve().parents[3] / "data" / "sample" / "reference"
       / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz")
#: Postcode areas of the generator and the local authority districts they lie in.
DISTRICT_OF = {"SS0": "Southend-on-Sea", "SS1": "Southend-on-Sea", "SS2": "Southend-on-Sea",
               "SS3": "Southend-on-Sea", "SS9": "Southend-on-Sea", "SS13": "Basildon",
               "SS14": "Basildon", "SS15": "Basildon", "SS16": "Basildon",
               "CM1": "Chelmsford", "CM2": "Chelmsford", "CM3": "Chelmsford",
               "CO1": "Colchester", "CO2": "Colchester", "CO3": "Colchester",
               "CO4": "Colchester"}
STREETS = ("High Street", "London Road", "Station Road", "Church Lane", "Victoria Avenue",
           "Queens Road", "Park Drive", "Mill Lane", "The Green", "Southchurch Road",
           "Springfield Road", "Maldon Road", "Crouch Street", "Whitmore Way")
#: The demo's reference prefix: the marker of demo records (and of a demo already seeded).
PREFIX = "DEMO-"
TODAY = dt.date(2026, 6, 1)
#: Events each kind of agency records, with the participant role.
EVENTS = {"police-force": (("arrest", "suspect"), ("crime-reported", "victim"),
                           ("charge", "offender"), ("community-resolution", "offender"),
                           ("released-under-investigation", "suspect")),
          "probation": (("contact", "subject"), ("assessment", "subject")),
          "health": (("contact", "subject"), ("referral", "subject")),
          "drug-alcohol-treatment": (("assessment", "subject"), ("treatment-start", "subject")),
          "youth-justice": (("contact", "subject"), ("referral", "subject")),
          "local-authority": (("contact", "subject"), ("referral", "subject")),
          "housing-provider": (("complaint", "complainant"), ("asb-incident", "subject")),
          "victim-service": (("referral", "victim"), ("contact", "victim"))}


def lsoas_by_district() -> dict[str, list[str]]:
    """The sample's LSOA (2011) codes of each demo district."""
    wanted = set(DISTRICT_OF.values())
    out: dict[str, list[str]] = defaultdict(list)
    with gzip.open(IMD, "rt", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["Local Authority District name (2019)"]
            if name in wanted:
                out[name].append(row["LSOA code (2011)"])
    return dict(out)


def seed_demo(db: Session, agencies: dict[str, Agency], rng: random.Random,
              people: int = 700) -> int:
    """Create the demo caseload (about 1.6 records per true person) and propose its possible
    matches; return how many person records were created (0 when the demo is already
    there)."""
    if db.scalar(select(Person.id).where(Person.local_reference.like(f"{PREFIX}%")).limit(1)):
        return 0
    lsoas = lsoas_by_district()
    kinds = tuple(k for k in generator.HELD if k in agencies)
    recs = _households(generator.generate(rng.randrange(2**31), people, kinds, TODAY), rng)
    places: dict[tuple[str, str], str] = {}
    by_household: dict[tuple[str, str], list[Person]] = defaultdict(list)
    created = 0
    for n, r in enumerate(recs):
        agency = agencies[r.agency_kind]
        actor = Actor(agency_id=agency.id, agency_kind=agency.kind, client_id="demo-seed",
                      purpose="case-management", justification="demo data")
        person = records.create(
            db, actor, {"given_name": r.given.title(), "family_name": r.family.title(),
                        "date_of_birth": r.dob, "sex": r.sex, **r.identifiers,
                        "local_reference": f"{PREFIX}{n:05d}",
                        "category": _category(r.agency_kind, rng)},
            agency.id, [{"given_name": g.title(), "family_name": f.title()}
                        for g, f in r.aliases])
        created += 1
        for i, code in enumerate(reversed(r.postcodes)):
            location_id = places.get((agency.id, code))
            if location_id is None:
                location_id = _location(db, actor, agency.id, code, lsoas, rng)
                places[(agency.id, code)] = location_id
            moved = TODAY - dt.timedelta(days=365 * (len(r.postcodes) - i) * 2)
            records.add_address(db, actor, person, place_records.get(db, location_id),
                                moved, None if i == len(r.postcodes) - 1 else
                                moved + dt.timedelta(days=700))
        by_household[(agency.id, r.postcodes[0])].append(person)
        _events(db, actor, agency, person, places[(agency.id, r.postcodes[0])], rng)
        if rng.random() < 0.25:
            _case(db, actor, agency, person, agencies, rng)
    _families(db, by_household, agencies, rng)
    proposals.run(db, Actor(client_id="demo-seed", role="dpo", purpose="data-protection",
                            justification="demo data: propose possible matches"))
    return created


def _households(recs: list[generator.GeneratedRecord], rng: random.Random
                ) -> list[generator.GeneratedRecord]:
    """About one record in five moves in with the agency's previous person (a household)."""
    last: dict[str, str] = {}
    out = []
    for r in recs:
        if r.agency_kind in last and rng.random() < 0.2:
            r = replace(r, postcodes=(last[r.agency_kind], *r.postcodes[1:]))
        last[r.agency_kind] = r.postcodes[0]
        out.append(r)
    return out


def _category(kind: str, rng: random.Random) -> str:
    if kind == "victim-service":
        return "victim"
    if kind in ("police-force", "probation", "youth-justice"):
        return rng.choice(("suspect", "convicted", "convicted", "victim", "witness"))
    return "other"


def _location(db: Session, actor: Actor, agency_id: str, code: str,
              lsoas: dict[str, list[str]], rng: random.Random) -> str:
    district = DISTRICT_OF[code.split()[0]]
    location = place_records.create(db, actor, {
        "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {district}",
        "postcode": code, "lsoa11_code": rng.choice(lsoas[district])}, agency_id)
    return location.id


def _events(db: Session, actor: Actor, agency: Agency, person: Person, location_id: str,
            rng: random.Random) -> None:
    for _ in range(rng.randint(1, 3)):
        kind, role = rng.choice(EVENTS[agency.kind])
        at = dt.datetime.combine(TODAY - dt.timedelta(days=rng.randint(1, 5 * 365)),
                                 dt.time(rng.randint(7, 22), rng.choice((0, 15, 30, 45))),
                                 dt.UTC)
        event_records.create(db, actor, {"kind": kind, "occurred_at": at,
                                         "location_id": location_id}, agency.id,
                             [(person, role)])


def _case(db: Session, actor: Actor, agency: Agency, person: Person,
          agencies: dict[str, Agency], rng: random.Random) -> None:
    opened = dt.datetime.combine(TODAY - dt.timedelta(days=rng.randint(30, 8 * 365)),
                                 dt.time(9), dt.UTC)
    police = agency.kind == "police-force"
    case = case_records.open_case(
        db, actor, agency.id, "general", f"Support plan for {person.given_name}",
        person, retention_group=rng.choice(("group-2", "group-3", "group-3")) if police
        else None, opened_at=opened)
    partner = agencies.get(rng.choice(("probation", "housing-provider", "local-authority")))
    if partner is not None and partner.id != agency.id and rng.random() < 0.5:
        case_records.share(db, actor, case, partner.id)
    for title, days in (("Home visit", 14), ("Review the plan", 42)):
        task = case_records.add_task(db, actor, case, title, agency.id,
                                     (opened + dt.timedelta(days=days)).date())
        if rng.random() < 0.6:
            case_records.complete_task(db, actor, case, task.id,
                                       opened + dt.timedelta(days=days - 2))
    case_records.add_note(db, actor, case, "Engaged well at the first meeting.", "standard",
                          "fact")
    if rng.random() < 0.3:
        case_records.add_note(db, actor, case, "Concerns about a new associate.",
                              "restricted", "assessment")
    if rng.random() < 0.3:
        case_records.close(db, actor, case, "Plan completed",
                           opened + dt.timedelta(days=rng.randint(60, 400)))


def _families(db: Session, households: dict[tuple[str, str], list[Person]],
              agencies: dict[str, Agency], rng: random.Random) -> None:
    """People of one agency at one postcode become a household: the eldest a parent of the
    younger ones when the ages allow, siblings otherwise."""
    by_id = {a.id: a for a in agencies.values()}
    for (agency_id, _), members in sorted(households.items()):
        if len(members) < 2:
            continue
        agency = by_id[agency_id]
        actor = Actor(agency_id=agency.id, agency_kind=agency.kind, client_id="demo-seed",
                      purpose="safeguarding", justification="demo data")
        members = sorted(members, key=lambda p: p.date_of_birth or dt.date.max)
        eldest = members[0]
        for other in members[1:]:
            gap = ((other.date_of_birth or TODAY) - (eldest.date_of_birth or TODAY)).days
            records.relate(db, actor, eldest, other, "parent" if gap > 16 * 365 else
                           "sibling")
