"""Use cases on locations: checked on the way in, every read and change logged.

An address is personal data once it is tied to a person, so locations are logged like person
records (subject type ``location``).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.places import LOCATION_FIELDS, Location
from crimeplan.errors import BadInput, FieldProblem, NotFound

#: A UK postcode (outward code, space, inward code), after upper-casing and spacing.
POSTCODE = re.compile(r"^(GIR 0AA|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})$")
LSOA = re.compile(r"^[EW]01\d{6}$")


def subject(location: Location) -> s62.Subject:
    return s62.Subject("location", location.id)


def get(db: Session, location_id: str) -> Location:
    location = db.get(Location, location_id)
    if location is None:
        raise NotFound(f"no location {location_id}")
    return location


def normal_postcode(value: str) -> str:
    """A postcode upper-cased with one space before the inward code (``cm11aa`` → ``CM1
    1AA``)."""
    compact = re.sub(r"\s+", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def checked(values: dict[str, Any]) -> dict[str, Any]:
    """Values of a location with the postcode normalised; a bad-input error naming every
    field that is wrong."""
    out, problems = dict(values), []
    if out.get("postcode"):
        out["postcode"] = normal_postcode(out["postcode"])
        if not POSTCODE.match(out["postcode"]):
            problems.append(FieldProblem("postcode", "invalid-format",
                                         "Enter a UK postcode, like CM1 1QH"))
    if out.get("uprn") and not re.fullmatch(r"\d{1,12}", out["uprn"]):
        problems.append(FieldProblem("uprn", "invalid-format", "A UPRN is up to 12 digits"))
    if out.get("lsoa11_code") and not LSOA.match(out["lsoa11_code"]):
        problems.append(FieldProblem("lsoa11_code", "invalid-format",
                                     "An LSOA (2011) code looks like E01021641"))
    if (out.get("longitude") is None) != (out.get("latitude") is None):
        problems.append(FieldProblem("latitude", "required",
                                     "Give both longitude and latitude, or neither"))
    if not any(out.get(f) for f in ("address", "postcode", "uprn")) and out.get(
            "longitude") is None:
        problems.append(FieldProblem("address", "required",
                                     "Give an address, postcode, UPRN or coordinates"))
    if problems:
        raise BadInput("the location is not valid", fields=tuple(problems))
    return out


def create(db: Session, actor: Actor, values: dict[str, Any], agency_id: str) -> Location:
    """Collect a location for an agency."""
    location = Location(agency_id=agency_id, **checked(values))
    db.add(location)
    db.flush()
    s62.log(db, actor, s62.Category.COLLECTION, subject(location),
            [f for f in LOCATION_FIELDS if values.get(f) is not None])
    return location


def as_dict(location: Location) -> dict[str, Any]:
    return {"id": location.id, "agency_id": location.agency_id,
            **{f: getattr(location, f) for f in LOCATION_FIELDS}}


def view(db: Session, actor: Actor, location: Location) -> dict[str, Any]:
    """The location, logged as a consultation (or a disclosure to another agency's system)."""
    if actor.client_id is not None:
        s62.log(db, actor, s62.Category.DISCLOSURE, subject(location), LOCATION_FIELDS,
                [s62.Recipient(str(actor.agency_id), actor.client_id)])
    else:
        s62.log(db, actor, s62.Category.CONSULTATION, subject(location), LOCATION_FIELDS)
    return as_dict(location)


def update(db: Session, actor: Actor, location: Location, changes: dict[str, Any]
           ) -> list[str]:
    """Alter fields; log the ones that changed."""
    merged = checked({**{f: getattr(location, f) for f in LOCATION_FIELDS}, **changes})
    changed = [f for f in changes if getattr(location, f) != merged[f]]
    for f in changed:
        setattr(location, f, merged[f])
    if changed:
        s62.log(db, actor, s62.Category.ALTERATION, subject(location), changed)
    return changed
