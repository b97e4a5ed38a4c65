"""Use cases on person records, each writing its s.62 entry in the same transaction.

Who may call them is the access policy's business (the web layer asks it first); what they
guarantee is that no processing of a person's data happens without its log entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.db import utcnow
from crimeplan.cases.people import PERSON_FIELDS, Allocation, Link, Person, Share
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound


def subject(person: Person) -> s62.Subject:
    return s62.Subject("person", person.id)


def get(db: Session, person_id: str) -> Person:
    person = db.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


def create(db: Session, actor: Actor, values: dict[str, Any], agency_id: str) -> Person:
    """Collect a new person record for an agency; a member of staff who creates it is
    allocated to it."""
    person = Person(agency_id=agency_id, **values)
    db.add(person)
    db.flush()
    if actor.user_id is not None:
        db.add(Allocation(person_id=person.id, user_id=actor.user_id))
    s62.log(db, actor, s62.Category.COLLECTION, subject(person),
            [f for f in PERSON_FIELDS if values.get(f) is not None])
    db.flush()
    db.refresh(person)
    return person


def view(db: Session, actor: Actor, person: Person, redact: frozenset[str]) -> dict[str, Any]:
    """The record as the caller may see it, logged as a consultation (a member of staff) or a
    disclosure to the calling system's agency (another agency's system)."""
    shown = [f for f in PERSON_FIELDS if f not in redact]
    if actor.client_id is not None:
        s62.log(db, actor, s62.Category.DISCLOSURE, subject(person), shown,
                [s62.Recipient(str(actor.agency_id), actor.client_id)])
    else:
        s62.log(db, actor, s62.Category.CONSULTATION, subject(person), shown)
    out = {"id": person.id, "agency_id": person.agency_id, "redacted": sorted(redact)}
    out.update({f: (None if f in redact else getattr(person, f)) for f in PERSON_FIELDS})
    return out


def update(db: Session, actor: Actor, person: Person, changes: dict[str, Any]) -> list[str]:
    """Alter fields; log the ones that changed (nothing is logged when nothing changed)."""
    changed = [f for f, v in changes.items() if f in PERSON_FIELDS and getattr(person, f) != v]
    for f in changed:
        setattr(person, f, changes[f])
    if changed:
        person.updated_at = utcnow()
        s62.log(db, actor, s62.Category.ALTERATION, subject(person), changed)
    return changed


def share(db: Session, actor: Actor, person: Person, agency_id: str) -> Share:
    """Disclose the record to another agency under a sharing agreement."""
    agency = db.get(Agency, agency_id)
    if agency is None:
        raise BadInput("no such agency", fields=(FieldProblem("agency_id", "unknown",
                                                              "No such agency"),))
    if agency_id == person.agency_id or any(s.agency_id == agency_id for s in person.shares):
        raise Conflict("the record is already held by that agency")
    row = Share(person_id=person.id, agency_id=agency_id)
    person.shares.append(row)
    s62.log(db, actor, s62.Category.DISCLOSURE, subject(person), PERSON_FIELDS,
            [s62.Recipient(agency_id)])
    db.flush()
    return row


def link(db: Session, actor: Actor, person: Person, other: Person) -> Link:
    """Combine two records judged to be one person; logged against both."""
    if person.id == other.id:
        raise BadInput("a record cannot be linked to itself",
                       fields=(FieldProblem("other_id", "invalid", "Choose another record"),))
    pair = sorted((person.id, other.id))
    if db.scalar(select(Link).where(Link.person_id == pair[0], Link.other_id == pair[1])):
        raise Conflict("these records are already linked")
    row = Link(person_id=pair[0], other_id=pair[1])
    db.add(row)
    for p in (person, other):
        s62.log(db, actor, s62.Category.COMBINATION, subject(p), ("link",))
    db.flush()
    return row


def erase(db: Session, actor: Actor, person: Person) -> None:
    """Erase the record (its log entries stay: they hold ids, not the personal data)."""
    s62.log(db, actor, s62.Category.ERASURE, subject(person), PERSON_FIELDS)
    db.delete(person)
    db.flush()


def history(db: Session, person_id: str) -> list[dict[str, Any]]:
    """Who has looked at or changed this person's record: every s.62 entry, oldest first."""
    return [{"seq": e.seq, "logged_at": e.logged_at, **_entry_view(e.record)}
            for e in s62.history(db, s62.Subject("person", person_id))]


def _entry_view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in ("category", "actor", "purpose", "justification",
                                        "fields", "recipients")}


def subject_access(db: Session, actor: Actor, person: Person) -> dict[str, Any]:
    """Everything held about a person, for a subject access request (itself logged as a
    disclosure to the data subject)."""
    s62.log(db, actor, s62.Category.DISCLOSURE, subject(person), PERSON_FIELDS,
            [s62.Recipient("data-subject")])
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "record": {"id": person.id, "agency_id": person.agency_id,
                   **{f: getattr(person, f) for f in PERSON_FIELDS},
                   "created_at": person.created_at, "updated_at": person.updated_at},
        "shared_with": sorted(s.agency_id for s in person.shares),
        "processing": history(db, person.id),
    }
