"""Person records: every read and change goes through the policy and into the s.62 log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select

from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.people import PERSON_FIELDS, Person
from crimeplan.cases.s62 import require_purpose
from crimeplan.web.api.schemas import (
    LinkIn,
    PersonChanges,
    PersonIn,
    PersonOut,
    PersonSummary,
    Processing,
    RecordId,
    ShareIn,
)
from crimeplan.web.deps import DB, Authorise, authorise
from crimeplan.web.policy import Action, Decision, Resource, may

router = APIRouter(tags=["people"])


def person_resource(person: Person) -> Resource:
    return Resource("person", person.id, person.agency_id, person.sensitivity,
                    allocated=frozenset(a.user_id for a in person.allocations),
                    shared_with=frozenset(s.agency_id for s in person.shares))


def load(db: DB, actor: Actor, action: Action, person_id: str) -> tuple[Person, Decision]:
    """The person, if the caller may do ``action`` to it; 404 otherwise (or if absent)."""
    require_purpose(actor)
    person = records.get(db, person_id)
    return person, authorise(actor, action, person_resource(person))


@router.get("/people", response_model=list[PersonSummary])
def list_people(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.PERSON_LIST))]
                ) -> list[PersonSummary]:
    """Ids of the records the caller may read for their purpose (ids only: reading one is
    a consultation, logged)."""
    require_purpose(actor)
    people = db.scalars(select(Person).order_by(Person.created_at, Person.id))
    return [PersonSummary(id=p.id, agency_id=p.agency_id) for p in people
            if may(actor, Action.PERSON_READ, person_resource(p))]


@router.post("/people", response_model=PersonOut, status_code=201)
def create_person(body: PersonIn, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.PERSON_CREATE))]
                  ) -> dict[str, Any]:
    """Collect a person record for the caller's agency."""
    require_purpose(actor)
    authorise(actor, Action.PERSON_CREATE, Resource("person", None, actor.agency_id))
    person = records.create(db, actor, body.model_dump(), str(actor.agency_id))
    return _as_created(person)


def _as_created(person: Person) -> dict[str, Any]:
    return {"id": person.id, "agency_id": person.agency_id, "redacted": [],
            **{f: getattr(person, f) for f in PERSON_FIELDS}}


@router.get("/people/{person_id}", response_model=PersonOut)
def read_person(person_id: RecordId, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.PERSON_READ))]
                ) -> dict[str, Any]:
    """One record, with the fields the caller may not see redacted; logged."""
    person, decision = load(db, actor, Action.PERSON_READ, person_id)
    return records.view(db, actor, person, decision.redact)


@router.patch("/people/{person_id}", response_model=PersonOut)
def update_person(person_id: RecordId, body: PersonChanges, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.PERSON_UPDATE))]
                  ) -> dict[str, Any]:
    person, _ = load(db, actor, Action.PERSON_UPDATE, person_id)
    records.update(db, actor, person, body.model_dump(exclude_unset=True))
    return _as_created(person)


@router.post("/people/{person_id}/shares", status_code=204)
def share_person(person_id: RecordId, body: ShareIn, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.PERSON_SHARE))]
                 ) -> Response:
    """Disclose the record to another agency (logged with the recipient)."""
    person, _ = load(db, actor, Action.PERSON_SHARE, person_id)
    records.share(db, actor, person, body.agency_id)
    return Response(status_code=204)


@router.post("/people/{person_id}/links", status_code=204)
def link_person(person_id: RecordId, body: LinkIn, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.PERSON_LINK))]) -> Response:
    """Record that two records are the same person (a combination, logged on both)."""
    person, _ = load(db, actor, Action.PERSON_LINK, person_id)
    other, _ = load(db, actor, Action.PERSON_LINK, body.other_id)
    records.link(db, actor, person, other)
    return Response(status_code=204)


@router.delete("/people/{person_id}", status_code=204)
def erase_person(person_id: RecordId, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.PERSON_ERASE))]) -> Response:
    """Erase a record (data protection officer; the log keeps that it happened)."""
    person, _ = load(db, actor, Action.PERSON_ERASE, person_id)
    records.erase(db, actor, person)
    return Response(status_code=204)


@router.get("/people/{person_id}/history", response_model=list[Processing])
def person_history(person_id: RecordId, db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.PERSON_HISTORY))]
                   ) -> list[dict[str, Any]]:
    """Who has looked at or changed this person's record (data protection officer)."""
    load(db, actor, Action.PERSON_HISTORY, person_id)
    return records.history(db, person_id)


@router.get("/people/{person_id}/subject-access")
def subject_access(person_id: RecordId, db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.PERSON_EXPORT))]
                   ) -> dict[str, Any]:
    """Everything held about the person and its processing, for a subject access request."""
    person, _ = load(db, actor, Action.PERSON_EXPORT, person_id)
    return records.subject_access(db, actor, person)
