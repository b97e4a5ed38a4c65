"""A small IOM and DIP world for the case-layer tests: agencies of the IOM partnership and
DIP, a case worker each, people, and helpers that record offences, custody and arrests as
real events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crimeplan.cases.accounts import User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Person

KINDS = {"police": "police-force", "probation": "probation", "housing": "housing-provider",
         "treatment": "drug-alcohol-treatment"}


def at(day: str, time: str = "12:00") -> dt.datetime:
    """A UTC time from ``YYYY-MM-DD`` (and ``HH:MM``)."""
    return dt.datetime.fromisoformat(f"{day}T{time}:00+00:00")


@dataclass
class World:
    agencies: dict[str, str] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, key: str, purpose: str = "offender-management") -> Actor:
        a = self.actors[key]
        return Actor(agency_id=a.agency_id, agency_kind=a.agency_kind, role=a.role,
                     user_id=a.user_id, purpose=purpose, request_id="test")


def build(s: Session) -> World:
    """Agencies and one case worker each."""
    w = World()
    for key, kind in KINDS.items():
        agency = Agency(name=f"{key.title()} (test)", kind=kind)
        s.add(agency)
        s.flush()
        user = User(agency_id=agency.id, email=f"{key}@test.crimeplan.test", name=key.title(),
                    role="case-worker", password_hash="x")
        s.add(user)
        s.flush()
        w.agencies[key] = agency.id
        w.actors[key] = Actor(agency_id=agency.id, agency_kind=kind, role="case-worker",
                              user_id=user.id)
    return w


def person(s: Session, w: World, name: str = "Jo", born: dt.date | None = dt.date(1990, 1, 1),
           sex: str | None = "male", agency: str = "police") -> Person:
    p = Person(agency_id=w.agencies[agency], given_name=name, family_name="Example",
               date_of_birth=born, sex=sex, category="convicted")
    s.add(p)
    s.flush()
    return p


def event(s: Session, w: World, who: Person, kind: str, when: dt.datetime,
          code: str | None = None, role: str = "offender", agency: str = "police") -> Event:
    e = Event(agency_id=w.agencies[agency], kind=kind, code=code, occurred_at=when)
    e.participants.append(Participant(person_id=who.id, role=role))
    s.add(e)
    s.flush()
    return e


def offence(s: Session, w: World, who: Person, code: str, when: dt.datetime,
            role: str = "offender") -> Event:
    return event(s, w, who, "offence", when, code, role)


def custody(s: Session, w: World, who: Person, start: dt.datetime,
            end: dt.datetime | None = None) -> None:
    event(s, w, who, "custody-start", start, role="subject")
    if end is not None:
        event(s, w, who, "release", end, role="subject")
