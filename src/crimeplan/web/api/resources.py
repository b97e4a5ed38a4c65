"""What the access policy knows of each kind of record: owner, sensitivity, the workers
allocated and the agencies it is shared with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.casework import Case
from crimeplan.cases.events import Event
from crimeplan.cases.people import Allocation, Person, Share
from crimeplan.cases.places import Location
from crimeplan.web.policy import Resource


def person_resource(person: Person) -> Resource:
    return Resource("person", person.id, person.agency_id, person.sensitivity,
                    allocated=frozenset(a.user_id for a in person.allocations),
                    shared_with=frozenset(s.agency_id for s in person.shares))


def location_resource(location: Location) -> Resource:
    return Resource("location", location.id, location.agency_id)


def event_resource(db: Session, event: Event) -> Resource:
    """An event is seen by its agency, by workers allocated to a participant, and by the
    agencies holding or sharing a participant's record."""
    people = [p.person_id for p in event.participants]
    allocated = db.scalars(select(Allocation.user_id).where(Allocation.person_id.in_(people)))
    shared = db.scalars(select(Share.agency_id).where(Share.person_id.in_(people)))
    holders = db.scalars(select(Person.agency_id).where(Person.id.in_(people)))
    return Resource("event", event.id, event.agency_id, event.sensitivity,
                    allocated=frozenset(allocated),
                    shared_with=frozenset(shared) | frozenset(holders))


def case_resource(db: Session, case: Case) -> Resource:
    """A case is seen by its agency, the agencies it is shared with, and (restricted ones)
    the workers allocated to its person."""
    allocated = (db.scalars(select(Allocation.user_id).where(
        Allocation.person_id == case.person_id)) if case.person_id else [])
    return Resource("case", case.id, case.agency_id, case.sensitivity,
                    allocated=frozenset(allocated),
                    shared_with=frozenset(s.agency_id for s in case.shares))
