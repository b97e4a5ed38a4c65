"""The POLE core in the exchange: people, locations, events, cases and their parts.

Until the record routes and read actions of the POLE services (issue #13) are merged, the
policy's person-read grants stand for reading locations, events and cases too (owning agency,
agencies a record is shared with, allocated workers; standard sensitivity; a care purpose):
on merge each ``read=`` names its own action, ``resource=`` the POLE resource builder and
``schema=`` the POLE response model (the standard then publishes it).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.casework import Case, CaseNote, CaseShare, Task
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Address, Alias, Person, Relation, Share
from crimeplan.cases.places import Location
from crimeplan.exchange.registry import Exchanged, SubjectKind, exchanged, subject
from crimeplan.web.api.pole_schemas import CaseOut, EventOut, LocationOut, PersonOut
from crimeplan.web.api.resources import (
    case_resource,
    event_resource,
    location_resource,
    person_resource,
)
from crimeplan.web.policy import Action, Resource


def _person(db: Session, person_id: str) -> Resource | None:
    person = db.get(Person, person_id)
    return None if person is None else person_resource(person)


def _location(db: Session, location_id: str) -> Resource | None:
    location = db.get(Location, location_id)
    return None if location is None else location_resource(location)


def _event(db: Session, event_id: str) -> Resource | None:
    event = db.get(Event, event_id)
    return None if event is None else event_resource(db, event)


def _case(db: Session, case_id: str) -> Resource | None:
    case = db.get(Case, case_id)
    return None if case is None else case_resource(db, case)


subject(SubjectKind("person", "/api/v1/people/{id}", Action.PERSON_READ, _person,
                    schema=PersonOut, codes={"category": "subject-category",
                                             "sensitivity": "sensitivity"}))
subject(SubjectKind("location", "/api/v1/locations/{id}", Action.LOCATION_READ, _location,
                    schema=LocationOut))
subject(SubjectKind("event", "/api/v1/events/{id}", Action.EVENT_READ, _event,
                    schema=EventOut))
subject(SubjectKind("case", "/api/v1/cases/{id}", Action.CASE_READ, _case, schema=CaseOut))


def _event_people(db: Session, event: Event) -> list[str]:
    """Its participants, read from the table: loading ``event.participants`` here would fix
    the collection before participants added by id are flushed, and hide them later."""
    return list(db.scalars(select(Participant.person_id).where(
        Participant.event_id == event.id)))


def _case_people(db: Session, case_id: str) -> Iterable[str]:
    case = db.get(Case, case_id)
    return [case.person_id] if case is not None and case.person_id else []


def _of_person(prefix: str, model: type) -> Exchanged:
    return Exchanged(model, prefix, lambda r: ("person", r.person_id),
                     lambda db, r: [r.person_id])


exchanged(Exchanged(Person, "person", lambda p: ("person", p.id), lambda db, p: [p.id],
                    quiet=frozenset({"updated_at"})))
exchanged(_of_person("person.share", Share))
exchanged(_of_person("person.alias", Alias))
exchanged(_of_person("person.address", Address))
exchanged(Exchanged(Relation, "person.relation", lambda r: ("person", r.person_id),
                    lambda db, r: [r.person_id, r.other_id]))
exchanged(Exchanged(Location, "location", lambda loc: ("location", loc.id), lambda db, r: []))
exchanged(Exchanged(Event, lambda e: f"event.{e.kind}", lambda e: ("event", e.id),
                    _event_people))
exchanged(Exchanged(Participant, "event.participant", lambda p: ("event", p.event_id),
                    lambda db, p: [p.person_id]))
exchanged(Exchanged(Case, "case", lambda c: ("case", c.id),
                    lambda db, c: [c.person_id] if c.person_id else [],
                    verbs={"closed_at": "closed"}))
exchanged(Exchanged(CaseShare, "case.share", lambda s: ("case", s.case_id),
                    lambda db, s: _case_people(db, s.case_id)))
exchanged(Exchanged(Task, "case.task", lambda t: ("case", t.case_id),
                    lambda db, t: _case_people(db, t.case_id),
                    verbs={"completed_at": "completed"}))
exchanged(Exchanged(CaseNote, "case.note", lambda n: ("case", n.case_id),
                    lambda db, n: _case_people(db, n.case_id)))
