"""Locations: addresses and points, through the policy and the s.62 log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from crimeplan.cases import place_records
from crimeplan.cases.actor import Actor
from crimeplan.cases.places import Location
from crimeplan.cases.s62 import require_purpose
from crimeplan.web.api.pole_schemas import LocationChanges, LocationIn, LocationOut
from crimeplan.web.api.resources import location_resource
from crimeplan.web.api.schemas import RecordId
from crimeplan.web.deps import DB, Authorise, authorise
from crimeplan.web.policy import Action, Resource

router = APIRouter(tags=["places"])


def load(db: DB, actor: Actor, action: Action, location_id: str) -> Location:
    require_purpose(actor)
    location = place_records.get(db, location_id)
    authorise(actor, action, location_resource(location))
    return location


@router.post("/locations", response_model=LocationOut, status_code=201)
def create_location(body: LocationIn, db: DB,
                    actor: Annotated[Actor, Depends(Authorise(Action.LOCATION_CREATE))]
                    ) -> dict[str, Any]:
    """Record an address or point for the caller's agency (postcode normalised, UPRN and
    LSOA code checked)."""
    require_purpose(actor)
    authorise(actor, Action.LOCATION_CREATE, Resource("location", None, actor.agency_id))
    location = place_records.create(db, actor, body.model_dump(), str(actor.agency_id))
    return place_records.as_dict(location)


@router.get("/locations/{location_id}", response_model=LocationOut)
def read_location(location_id: RecordId, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.LOCATION_READ))]
                  ) -> dict[str, Any]:
    location = load(db, actor, Action.LOCATION_READ, location_id)
    return place_records.view(db, actor, location)


@router.patch("/locations/{location_id}", response_model=LocationOut)
def update_location(location_id: RecordId, body: LocationChanges, db: DB,
                    actor: Annotated[Actor, Depends(Authorise(Action.LOCATION_UPDATE))]
                    ) -> dict[str, Any]:
    location = load(db, actor, Action.LOCATION_UPDATE, location_id)
    place_records.update(db, actor, location, body.model_dump(exclude_unset=True))
    return place_records.as_dict(location)
