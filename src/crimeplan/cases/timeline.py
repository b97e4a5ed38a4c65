"""A person's timeline across agencies: the events, cases and links of a record and of the
records linked to it (confirmed matches), newest first, each with its agency.

What the viewer may see is the access policy's business: the caller passes one predicate per
kind of entry, and only records, events and cases it allows appear. Each record shown is
logged as consulted (or disclosed, for another agency's system).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Link, Person
from crimeplan.standard.pole import EVENT_KINDS, PARTICIPANT_ROLES, PROGRAMMES

#: What a timeline shows of each record it includes (the logged field names).
FIELDS = ("events", "cases", "links")


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    type: str
    record_id: str
    agency_id: str
    agency_name: str
    id: str
    kind: str
    label: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def linked(db: Session, person_id: str) -> set[str]:
    """Every record connected to ``person_id`` through confirmed links (itself included)."""
    seen, frontier = {person_id}, {person_id}
    while frontier:
        rows = db.execute(select(Link.person_id, Link.other_id).where(
            or_(Link.person_id.in_(frontier), Link.other_id.in_(frontier)))).all()
        found = {x for pair in rows for x in pair} - seen
        seen |= found
        frontier = found
    return seen


def timeline(db: Session, actor: Actor, person: Person,
             may_see_person: Callable[[Person], bool], may_see_event: Callable[[Event], bool],
             may_see_case: Callable[[Case], bool]) -> list[Entry]:
    """The entries of ``person`` and the linked records the viewer may see, newest first."""
    agencies = dict(db.execute(select(Agency.id, Agency.name)).all())
    people = [p for p in (db.get(Person, pid) for pid in sorted(linked(db, person.id)))
              if p is not None and (p.id == person.id or may_see_person(p))]
    entries: list[Entry] = []
    for p in people:
        records.log_read(db, actor, p, list(FIELDS))
        entries += _events(db, p, agencies, may_see_event)
        for case in db.scalars(select(Case).where(Case.person_id == p.id)):
            if not may_see_case(case):
                continue
            label = f"{PROGRAMMES[case.programme].label}: {case.title}"
            name = agencies.get(case.agency_id, "")
            entries.append(Entry(case.opened_at, "case-opened", p.id, case.agency_id, name,
                                 case.id, case.programme, f"Case opened – {label}"))
            if case.closed_at is not None:
                entries.append(Entry(case.closed_at, "case-closed", p.id, case.agency_id,
                                     name, case.id, case.programme,
                                     f"Case closed – {label}"))
    shown = {p.id for p in people}
    for link in db.scalars(select(Link).where(Link.person_id.in_(shown),
                                              Link.other_id.in_(shown))):
        other = next(p for p in people if p.id == link.other_id)
        entries.append(Entry(link.linked_at, "linked-record", link.person_id,
                             other.agency_id, agencies.get(other.agency_id, ""), link.id,
                             "link", f"Matched with the record held by "
                                     f"{agencies.get(other.agency_id, 'another agency')}"))
    return sorted(entries, key=lambda e: (e.at, e.id), reverse=True)


def _events(db: Session, person: Person, agencies: dict[str, str],
            may_see: Callable[[Event], bool]) -> list[Entry]:
    rows = db.execute(select(Event, Participant.role).join(
        Participant, Participant.event_id == Event.id).where(
        Participant.person_id == person.id)).all()
    out = []
    for event, role in rows:
        if not may_see(event):
            continue
        kind = EVENT_KINDS[event.kind].label if event.kind in EVENT_KINDS else event.kind
        label = f"{kind}{f' ({event.code})' if event.code else ''} – "\
                f"{PARTICIPANT_ROLES[role].label.split(' (')[0].lower()}"
        out.append(Entry(event.occurred_at, "event", person.id, event.agency_id,
                         agencies.get(event.agency_id, ""), event.id, event.kind, label))
    return out
