"""A builder of people, events and status periods on a fresh service database, for the early
intervention tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.db import Database
from crimeplan.cases.early_intervention.models import StatusPeriod
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Link, Person, Relation


@dataclass
class Builder:
    db: Database

    def agency(self, name: str, kind: str) -> str:
        with self.db.session() as s:
            agency = Agency(name=name, kind=kind)
            s.add(agency)
            s.flush()
            return agency.id

    def person(self, agency: str, given: str, born: dt.date | None,
               sensitivity: str = "standard", family: str = "Child") -> str:
        with self.db.session() as s:
            person = Person(agency_id=agency, given_name=given, family_name=family,
                            date_of_birth=born, sensitivity=sensitivity)
            s.add(person)
            s.flush()
            return person.id

    def event(self, agency: str, person: str, kind: str, day: dt.date,
              code: str | None = None, role: str = "suspect") -> str:
        with self.db.session() as s:
            event = Event(agency_id=agency, kind=kind, code=code,
                          occurred_at=dt.datetime.combine(day, dt.time(14), dt.UTC))
            s.add(event)
            s.flush()
            s.add(Participant(event_id=event.id, person_id=person, role=role))
            return event.id

    def status(self, agency: str, person: str, kind: str, start: dt.date,
               end: dt.date | None = None) -> None:
        with self.db.session() as s:
            s.add(StatusPeriod(person_id=person, kind=kind, from_date=start, to_date=end,
                               agency_id=agency))

    def link(self, a: str, b: str) -> None:
        with self.db.session() as s:
            s.add(Link(person_id=min(a, b), other_id=max(a, b)))

    def relation(self, a: str, b: str, kind: str) -> None:
        with self.db.session() as s:
            s.add_all([Relation(person_id=a, other_id=b, kind=kind),
                       Relation(person_id=b, other_id=a, kind=kind)])


def yjs_actor(agency: str) -> Actor:
    return Actor(agency_id=agency, agency_kind="youth-justice", role="case-worker",
                 user_id=None, purpose="safeguarding", request_id="test")
