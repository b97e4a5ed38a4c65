"""The subject access export (UK GDPR Art. 15, DPA 2018 s.45): everything held about a person,
from every programme.

A registry of sections: each programme registers a function that returns what it holds about
a person record (``register("iom", iom_section)`` at import of its module), and the export
calls every section in name order. The core registers the POLE parts and case work below.
The export is itself logged as a disclosure to the data subject.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crimeplan.cases import case_records, event_records, records, s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.casework import Case, RetentionReview
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import PERSON_FIELDS, Link, Person

#: What a section gives: JSON-ready data about one person record.
Section = Callable[[Session, Person], Any]
_SECTIONS: dict[str, Section] = {}


def register(name: str, section: Section) -> None:
    """Add a programme's section (registering the same function twice is harmless)."""
    if _SECTIONS.get(name, section) is not section:
        raise ValueError(f"a subject access section {name!r} is already registered")
    _SECTIONS[name] = section


def sections() -> dict[str, Section]:
    return dict(sorted(_SECTIONS.items()))


def export(db: Session, actor: Actor, person: Person) -> dict[str, Any]:
    """Everything held about a person: the record, every programme's section, who it was
    shared with and every logged processing (this export included)."""
    s62.log(db, actor, s62.Category.DISCLOSURE, records.subject(person),
            [*PERSON_FIELDS, *_SECTIONS], [s62.Recipient("data-subject")])
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "record": {"id": person.id, "agency_id": person.agency_id,
                   **{f: getattr(person, f) for f in PERSON_FIELDS},
                   "created_at": person.created_at, "updated_at": person.updated_at},
        "shared_with": sorted(s.agency_id for s in person.shares),
        "sections": {name: section(db, person) for name, section in sections().items()},
        "processing": records.history(db, person.id),
    }


def _pole(db: Session, person: Person) -> dict[str, Any]:
    return records.parts(db, person)


def _links(db: Session, person: Person) -> list[dict[str, Any]]:
    rows = db.scalars(select(Link).where(or_(Link.person_id == person.id,
                                             Link.other_id == person.id))).all()
    return [{"other_id": r.other_id if r.person_id == person.id else r.person_id,
             "linked_at": r.linked_at} for r in rows]


def _events(db: Session, person: Person) -> list[dict[str, Any]]:
    events = db.scalars(select(Event).join(Participant, Participant.event_id == Event.id)
                        .where(Participant.person_id == person.id)
                        .order_by(Event.occurred_at)).unique().all()
    return [event_records.as_dict(e) for e in events]


def _cases(db: Session, person: Person) -> list[dict[str, Any]]:
    today = dt.datetime.now(dt.UTC).date()
    out = []
    for case in db.scalars(select(Case).where(Case.person_id == person.id)
                           .order_by(Case.opened_at)):
        row = case_records.as_dict(db, case, case.agency_id, today)
        row["retention_reviews"] = [
            {"reviewed_at": r.reviewed_at, "decision": r.decision, "reason": r.reason,
             "next_review_on": r.next_review_on}
            for r in db.scalars(select(RetentionReview).where(
                RetentionReview.case_id == case.id).order_by(RetentionReview.reviewed_at))]
        out.append(row)
    return out


for _name, _section in (("pole", _pole), ("links", _links), ("events", _events),
                        ("cases", _cases)):
    register(_name, _section)
