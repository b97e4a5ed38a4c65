"""Logging under the Data Protection Act 2018 s.62, in the audit log's hash chain.

Every collection, alteration, consultation (a read), disclosure (with its recipients),
combination and erasure of personal data is one entry: who (user or system, agency, role,
request), when (the entry's time), the purpose code and the justification, the data subject,
and which fields — never the values, so the log itself holds no more personal data than ids.
Entries are written in the same transaction as the processing they record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.actor import Actor
from crimeplan.errors import BadInput, FieldProblem
from crimeplan.provenance import dblog
from crimeplan.provenance.dblog import AuditEntry

KIND = "s62"


class Category(StrEnum):
    """The kinds of processing s.62(1) requires a log of."""

    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"


@dataclass(frozen=True)
class Purpose:
    """A purpose code: why personal data is processed."""

    id: str
    label: str


#: Purpose codes, by stable id. The justification text says more in the caller's words.
PURPOSES: dict[str, Purpose] = {p.id: p for p in (
    Purpose("case-management", "Managing a case the caller works on"),
    Purpose("safeguarding", "Safeguarding a child or adult at risk"),
    Purpose("offender-management", "Managing an offender (IOM, probation)"),
    Purpose("victim-support", "Supporting a victim (Victims' Code)"),
    Purpose("investigation", "Preventing, investigating or detecting crime"),
    Purpose("information-sharing", "Sharing under an information-sharing agreement"),
    Purpose("data-protection", "Data protection oversight (lawfulness, self-monitoring)"),
    Purpose("subject-access", "Answering a subject access request"),
    Purpose("account-administration", "Administering staff accounts"),
)}


@dataclass(frozen=True)
class Subject:
    """Whose personal data: a record type and its id."""

    type: str
    id: str


@dataclass(frozen=True)
class Recipient:
    """Who personal data was disclosed to: an agency, and its system if a client fetched it."""

    agency_id: str
    client_id: str | None = None


def require_purpose(actor: Actor) -> str:
    """The actor's purpose code, or a bad-input error naming the ``purpose`` field."""
    if not actor.purpose:
        raise BadInput("a purpose is required to process personal data",
                       fields=(FieldProblem("purpose", "required",
                                            "Say why you need this personal data"),))
    if actor.purpose not in PURPOSES:
        raise BadInput(f"unknown purpose {actor.purpose!r}",
                       fields=(FieldProblem("purpose", "invalid",
                                            f"Use one of: {', '.join(PURPOSES)}"),))
    return actor.purpose


def log(session: Session, actor: Actor, category: Category, subject: Subject,
        fields: Iterable[str], recipients: Iterable[Recipient] = ()) -> AuditEntry:
    """Append one s.62 entry to the chain in the session's transaction."""
    recipients = list(recipients)
    if category is Category.DISCLOSURE and not recipients:
        raise ValueError("a disclosure must name its recipients")
    record: dict[str, Any] = {
        "kind": KIND,
        "category": category.value,
        "actor": actor.who(),
        "purpose": require_purpose(actor),
        "justification": actor.justification or "",
        "subject": {"type": subject.type, "id": subject.id},
        "fields": sorted(set(fields)),
        "recipients": [{"agency_id": r.agency_id, "client_id": r.client_id}
                       for r in recipients],
    }
    return dblog.append(session, record)


def history(session: Session, subject: Subject) -> list[AuditEntry]:
    """Every s.62 entry about one data subject, oldest first: who looked at or changed it."""
    return list(session.execute(
        select(AuditEntry).where(AuditEntry.kind == KIND,
                                 AuditEntry.subject_type == subject.type,
                                 AuditEntry.subject_id == subject.id)
        .order_by(AuditEntry.seq)).scalars())
