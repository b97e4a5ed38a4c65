"""Use cases on events and their participants.

An event is personal data of each person taking part in it, so every collection, read and
change is logged once per participant, against that person's record, with the event's
fields named ``event.<field>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Person
from crimeplan.cases.places import Location
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound
from crimeplan.standard.pole import EVENT_KINDS, PARTICIPANT_ROLES

#: The fields of an event, in display order.
EVENT_FIELDS = ("kind", "code", "occurred_at", "location_id", "reference", "parent_id",
                "sensitivity", "details")
LOGGED = tuple(f"event.{f}" for f in EVENT_FIELDS)


def get(db: Session, event_id: str) -> Event:
    event = db.get(Event, event_id)
    if event is None:
        raise NotFound(f"no event {event_id}")
    return event


def _log(db: Session, actor: Actor, category: s62.Category, people: Iterable[str],
         fields: Iterable[str] = LOGGED) -> None:
    fields = list(fields)
    for person_id in sorted(set(people)):
        if category is s62.Category.CONSULTATION and actor.client_id is not None:
            s62.log(db, actor, s62.Category.DISCLOSURE, s62.Subject("person", person_id),
                    fields, [s62.Recipient(str(actor.agency_id), actor.client_id)])
        else:
            s62.log(db, actor, category, s62.Subject("person", person_id), fields)


def checked(db: Session, values: dict[str, Any]) -> dict[str, Any]:
    """The event's values, with kind, location and parent checked."""
    problems = []
    if "kind" in values and values["kind"] not in EVENT_KINDS:
        problems.append(FieldProblem("kind", "invalid",
                                     f"Use one of: {', '.join(EVENT_KINDS)}"))
    if values.get("location_id") and db.get(Location, values["location_id"]) is None:
        problems.append(FieldProblem("location_id", "unknown", "No such location"))
    if values.get("parent_id") and db.get(Event, values["parent_id"]) is None:
        problems.append(FieldProblem("parent_id", "unknown", "No such event"))
    if problems:
        raise BadInput("the event is not valid", fields=tuple(problems))
    return values


def _check_role(role: str) -> None:
    if role not in PARTICIPANT_ROLES:
        raise BadInput(f"unknown role {role!r}", fields=(FieldProblem(
            "participants.role", "invalid", f"Use one of: {', '.join(PARTICIPANT_ROLES)}"),))


def create(db: Session, actor: Actor, values: dict[str, Any], agency_id: str,
           participants: Iterable[tuple[Person, str]] = ()) -> Event:
    """Collect an event recorded by an agency, with who took part."""
    event = Event(agency_id=agency_id, **checked(db, values))
    for person, role in participants:
        _check_role(role)
        event.participants.append(Participant(person_id=person.id, role=role))
    db.add(event)
    db.flush()
    _log(db, actor, s62.Category.COLLECTION, (p.person_id for p in event.participants),
         (f"event.{f}" for f in EVENT_FIELDS if values.get(f) is not None))
    return event


def as_dict(event: Event) -> dict[str, Any]:
    return {"id": event.id, "agency_id": event.agency_id, "recorded_at": event.recorded_at,
            **{f: getattr(event, f) for f in EVENT_FIELDS},
            "participants": [{"person_id": p.person_id, "role": p.role}
                             for p in event.participants]}


def view(db: Session, actor: Actor, event: Event) -> dict[str, Any]:
    """The event, logged against every participant."""
    _log(db, actor, s62.Category.CONSULTATION, (p.person_id for p in event.participants))
    return as_dict(event)


def update(db: Session, actor: Actor, event: Event, changes: dict[str, Any]) -> list[str]:
    """Alter fields; log the change against every participant."""
    checked(db, changes)
    changed = [f for f, v in changes.items() if f in EVENT_FIELDS and getattr(event, f) != v]
    for f in changed:
        setattr(event, f, changes[f])
    if changed:
        _log(db, actor, s62.Category.ALTERATION, (p.person_id for p in event.participants),
             (f"event.{f}" for f in changed))
    return changed


def add_participant(db: Session, actor: Actor, event: Event, person: Person, role: str
                    ) -> Participant:
    """Record a person's part in an event (a collection about that person)."""
    _check_role(role)
    if any(p.person_id == person.id and p.role == role for p in event.participants):
        raise Conflict("this person already takes part in that role")
    row = Participant(person_id=person.id, role=role)
    event.participants.append(row)
    db.flush()
    _log(db, actor, s62.Category.COLLECTION, (person.id,))
    return row
