"""Events with their participants, through the policy and the s.62 log (per participant)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from crimeplan.cases import event_records, place_records, records
from crimeplan.cases.actor import Actor
from crimeplan.cases.events import Event
from crimeplan.cases.people import Person
from crimeplan.cases.s62 import require_purpose
from crimeplan.standard.pole import EVENT_KINDS, PARTICIPANT_ROLES, RELATION_KINDS
from crimeplan.web.api.pole_schemas import EventChanges, EventIn, EventOut, ParticipantIn
from crimeplan.web.api.resources import event_resource, location_resource, person_resource
from crimeplan.web.api.schemas import CodeItem, RecordId
from crimeplan.web.deps import DB, Authorise, authorise
from crimeplan.web.policy import Action, Resource

router = APIRouter(tags=["events"])


def load(db: DB, actor: Actor, action: Action, event_id: str) -> Event:
    require_purpose(actor)
    event = event_records.get(db, event_id)
    authorise(actor, action, event_resource(db, event))
    return event


def _participant(db: DB, actor: Actor, person_id: str) -> Person:
    """A person the caller may read (404 otherwise) to name in an event."""
    person = records.get(db, person_id)
    authorise(actor, Action.PERSON_READ, person_resource(person))
    return person


@router.post("/events", response_model=EventOut, status_code=201)
def create_event(body: EventIn, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.EVENT_CREATE))]
                 ) -> dict[str, Any]:
    """Record an event for the caller's agency, with people it may read as participants."""
    require_purpose(actor)
    authorise(actor, Action.EVENT_CREATE, Resource("event", None, actor.agency_id))
    if body.location_id:
        authorise(actor, Action.LOCATION_READ,
                  location_resource(place_records.get(db, body.location_id)))
    participants = [(_participant(db, actor, p.person_id), p.role) for p in body.participants]
    event = event_records.create(db, actor, body.model_dump(exclude={"participants"}),
                                 str(actor.agency_id), participants)
    return event_records.as_dict(event)


@router.get("/events/{event_id}", response_model=EventOut)
def read_event(event_id: RecordId, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.EVENT_READ))]
               ) -> dict[str, Any]:
    event = load(db, actor, Action.EVENT_READ, event_id)
    return event_records.view(db, actor, event)


@router.patch("/events/{event_id}", response_model=EventOut)
def update_event(event_id: RecordId, body: EventChanges, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.EVENT_UPDATE))]
                 ) -> dict[str, Any]:
    event = load(db, actor, Action.EVENT_UPDATE, event_id)
    event_records.update(db, actor, event, body.model_dump(exclude_unset=True))
    return event_records.as_dict(event)


@router.post("/events/{event_id}/participants", response_model=EventOut, status_code=201)
def add_participant(event_id: RecordId, body: ParticipantIn, db: DB,
                    actor: Annotated[Actor, Depends(Authorise(Action.EVENT_UPDATE))]
                    ) -> dict[str, Any]:
    event = load(db, actor, Action.EVENT_UPDATE, event_id)
    event_records.add_participant(db, actor, event, _participant(db, actor, body.person_id),
                                  body.role)
    return event_records.as_dict(event)


@router.get("/event-kinds", response_model=list[CodeItem], tags=["code lists"])
def event_kinds(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]) -> list[CodeItem]:
    return [CodeItem(id=c.id, label=c.label) for c in EVENT_KINDS.values()]


@router.get("/participant-roles", response_model=list[CodeItem], tags=["code lists"])
def participant_roles(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]
                      ) -> list[CodeItem]:
    return [CodeItem(id=c.id, label=c.label) for c in PARTICIPANT_ROLES.values()]


@router.get("/relation-kinds", response_model=list[CodeItem], tags=["code lists"])
def relation_kinds(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]
                   ) -> list[CodeItem]:
    return [CodeItem(id=c.id, label=c.label) for c in RELATION_KINDS.values()]
