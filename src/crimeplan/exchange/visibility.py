"""Who may learn of an event: whoever may fetch its subject (the policy's read action).

A subject that no longer exists (erased) is still announced to the agencies that held or
shared it when it last changed, so they learn to drop their copies.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.exchange.outbox import OutboxEvent
from crimeplan.exchange.registry import SUBJECTS
from crimeplan.web.policy import Resource, may


class Audience:
    """Decides, for one caller, which events it may see (each subject looked up once)."""

    def __init__(self, db: Session, actor: Actor) -> None:
        self.db = db
        self.actor = actor
        self._seen: dict[str, bool] = {}

    def sees(self, row: OutboxEvent) -> bool:
        if row.subject not in self._seen:
            kind, record_id = row.subject.split("/", 1)
            subject = SUBJECTS[kind]
            resource = subject.resource(self.db, record_id) or Resource(
                kind, record_id, None, shared_with=frozenset(row.audience))
            self._seen[row.subject] = may(self.actor, subject.read, resource)
        return self._seen[row.subject]


def log_disclosure(db: Session, actor: Actor, rows: Iterable[OutboxEvent]) -> None:
    """Log under s.62 that events about people were disclosed to the caller's agency (the
    person record ids and what changed are personal data, pseudonymised)."""
    people = sorted({p for row in rows for p in row.people})
    recipient = s62.Recipient(str(actor.agency_id), actor.client_id)
    for person_id in people:
        if actor.client_id is not None:
            s62.log(db, actor, s62.Category.DISCLOSURE, s62.Subject("person", person_id),
                    ("change-event",), [recipient])
        else:
            s62.log(db, actor, s62.Category.CONSULTATION, s62.Subject("person", person_id),
                    ("change-event",))
