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
from crimeplan.cases.people import (
    PERSON_FIELDS,
    Address,
    Alias,
    Allocation,
    Link,
    Person,
    Relation,
    Share,
)
from crimeplan.cases.places import Location
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound
from crimeplan.standard.identifiers import CANONICAL, InvalidIdentifier
from crimeplan.standard.pole import RELATION_INVERSE, RELATION_KINDS

#: What a full view of a record shows beyond its own fields (logged by these names).
PARTS = ("aliases", "addresses", "relations")


def subject(person: Person) -> s62.Subject:
    return s62.Subject("person", person.id)


def get(db: Session, person_id: str) -> Person:
    person = db.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


def checked_identifiers(values: dict[str, Any]) -> dict[str, Any]:
    """The values with every identifier in its canonical form; a bad-input error naming each
    identifier that does not fit its public format (codes ``invalid-format`` and
    ``wrong-check-digit``)."""
    out, problems = dict(values), []
    for field, canonical in CANONICAL.items():
        if out.get(field):
            try:
                out[field] = canonical(out[field])
            except InvalidIdentifier as exc:
                code = "wrong-check-digit" if exc.code == "check-digit" else "invalid-format"
                problems.append(FieldProblem(field, code, exc.message))
    if problems:
        raise BadInput("an identifier is not valid", fields=tuple(problems))
    return out


def create(db: Session, actor: Actor, values: dict[str, Any], agency_id: str,
           aliases: list[dict[str, str]] | None = None) -> Person:
    """Collect a new person record for an agency; a member of staff who creates it is
    allocated to it."""
    person = Person(agency_id=agency_id, **checked_identifiers(values))
    person.aliases = [Alias(**a) for a in aliases or ()]
    db.add(person)
    db.flush()
    if actor.user_id is not None:
        db.add(Allocation(person_id=person.id, user_id=actor.user_id))
    s62.log(db, actor, s62.Category.COLLECTION, subject(person),
            [f for f in PERSON_FIELDS if values.get(f) is not None]
            + (["aliases"] if aliases else []))
    db.flush()
    db.refresh(person)
    return person


def log_read(db: Session, actor: Actor, person: Person, fields: list[str]) -> None:
    """Log a read of the record: a consultation by a member of staff, a disclosure to the
    agency of the system that fetched it."""
    if actor.client_id is not None:
        s62.log(db, actor, s62.Category.DISCLOSURE, subject(person), fields,
                [s62.Recipient(str(actor.agency_id), actor.client_id)])
    else:
        s62.log(db, actor, s62.Category.CONSULTATION, subject(person), fields)


def shown(person: Person, redact: frozenset[str]) -> dict[str, Any]:
    """The record's own fields with those the caller may not see set to None (not logged:
    callers log what they show)."""
    out = {"id": person.id, "agency_id": person.agency_id, "redacted": sorted(redact)}
    out.update({f: (None if f in redact else getattr(person, f)) for f in PERSON_FIELDS})
    return out


def view(db: Session, actor: Actor, person: Person, redact: frozenset[str]) -> dict[str, Any]:
    """The record as the caller may see it, with aliases, address history and family, logged
    as a consultation (a member of staff) or a disclosure (another agency's system)."""
    log_read(db, actor, person, [f for f in PERSON_FIELDS if f not in redact] + list(PARTS))
    return {**shown(person, redact), **parts(db, person)}


def parts(db: Session, person: Person) -> dict[str, Any]:
    """Aliases, addresses (with their locations) and relations of a record."""
    relations = db.scalars(select(Relation).where(Relation.person_id == person.id)
                           .order_by(Relation.kind, Relation.other_id)).all()
    return {
        "aliases": [{"given_name": a.given_name, "family_name": a.family_name}
                    for a in person.aliases],
        "addresses": [{"location_id": a.location_id, "from_date": a.from_date,
                       "to_date": a.to_date} for a in person.addresses],
        "relations": [{"other_id": r.other_id, "kind": r.kind} for r in relations],
    }


def update(db: Session, actor: Actor, person: Person, changes: dict[str, Any]) -> list[str]:
    """Alter fields (and replace the aliases when given); log the ones that changed (nothing
    is logged when nothing changed)."""
    aliases = changes.pop("aliases", None)
    changes = checked_identifiers(changes)
    changed = [f for f, v in changes.items() if f in PERSON_FIELDS and getattr(person, f) != v]
    for f in changed:
        setattr(person, f, changes[f])
    if aliases is not None and (sorted((a["given_name"], a["family_name"]) for a in aliases)
                                != sorted((a.given_name, a.family_name)
                                          for a in person.aliases)):
        person.aliases = [Alias(**a) for a in aliases]
        changed.append("aliases")
    if changed:
        person.updated_at = utcnow()
        s62.log(db, actor, s62.Category.ALTERATION, subject(person), changed)
    return changed


def add_address(db: Session, actor: Actor, person: Person, location: Location,
                from_date: dt.date | None, to_date: dt.date | None) -> Address:
    """Record where the person lived (an alteration of the record)."""
    if from_date and to_date and to_date < from_date:
        raise BadInput("the address ends before it starts",
                       fields=(FieldProblem("to_date", "before-start",
                                            "The end date must be on or after the start"),))
    row = Address(person_id=person.id, location_id=location.id, from_date=from_date,
                  to_date=to_date)
    person.addresses.append(row)
    person.updated_at = utcnow()
    s62.log(db, actor, s62.Category.ALTERATION, subject(person), ("addresses",))
    db.flush()
    return row


def relate(db: Session, actor: Actor, person: Person, other: Person, kind: str) -> Relation:
    """Record that ``person`` is ``kind`` of ``other``, and the inverse; logged on both."""
    if kind not in RELATION_KINDS:
        raise BadInput(f"unknown relation {kind!r}",
                       fields=(FieldProblem("kind", "invalid",
                                            f"Use one of: {', '.join(RELATION_KINDS)}"),))
    if person.id == other.id:
        raise BadInput("a person cannot be related to themselves",
                       fields=(FieldProblem("other_id", "invalid", "Choose another person"),))
    if db.scalar(select(Relation).where(Relation.person_id == person.id,
                                        Relation.other_id == other.id,
                                        Relation.kind == kind)):
        raise Conflict("this relation is already recorded")
    row = Relation(person_id=person.id, other_id=other.id, kind=kind)
    db.add_all([row, Relation(person_id=other.id, other_id=person.id,
                              kind=RELATION_INVERSE[kind])])
    for p in (person, other):
        p.updated_at = utcnow()
        s62.log(db, actor, s62.Category.ALTERATION, subject(p), ("relations",))
    db.flush()
    return row


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
