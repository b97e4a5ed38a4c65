"""The records record linkage compares, one flat row per person record, built in memory.

A row holds normalised names with their variants (aliases and the names nicknames stand for),
the date of birth whole and in parts (to see a day and month swapped), the current postcode
and every postcode of the address history, sex and the identifiers with public formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.linkage.names import family_variants, given_variants, normalise
from crimeplan.cases.people import Person
from crimeplan.cases.places import Location

#: The identifiers compared exactly.
IDENTIFIERS = ("pnc_id", "nhs_number", "cro_number", "probation_crn")
#: The fields of a person record that linkage reads (logged as consulted on every run).
FIELDS_READ = ("given_name", "family_name", "date_of_birth", "sex", *IDENTIFIERS, "aliases",
               "addresses")


def row(unique_id: str, agency_id: str, given: str | None, family: str | None,
        dob: dt.date | None, sex: str | None = None,
        aliases: Iterable[tuple[str | None, str | None]] = (),
        postcodes: Sequence[str] = (), identifiers: dict[str, str | None] | None = None
        ) -> dict[str, Any]:
    """One record to compare; ``postcodes`` newest first (the first is the current one)."""
    aliases = list(aliases)
    codes = [p.upper().replace(" ", "") for p in postcodes if p]
    ids = identifiers or {}
    return {
        "unique_id": unique_id, "agency_id": agency_id,
        "given": normalise(given), "family": normalise(family),
        "given_variants": given_variants(given, *(a[0] for a in aliases)),
        "family_variants": family_variants(family, *(a[1] for a in aliases)),
        "dob": dob.isoformat() if dob else None,
        "dob_y": dob.year if dob else None, "dob_m": dob.month if dob else None,
        "dob_d": dob.day if dob else None,
        "sex": sex if sex in ("female", "male") else None,
        "postcode": codes[0] if codes else None,
        "outcode": codes[0][:-3] if codes else None,
        "postcodes": sorted(set(codes)),
        **{k: (ids.get(k) or None) for k in IDENTIFIERS},
    }


def from_database(db: Session) -> list[dict[str, Any]]:
    """Every person record of the service as a row (the caller logs the reads)."""
    postcodes = dict(db.execute(select(Location.id, Location.postcode)).all())
    rows = []
    for person in db.scalars(select(Person).order_by(Person.id)):
        history = sorted(person.addresses, key=lambda a: (a.to_date is None,
                                                          a.from_date or dt.date.min),
                         reverse=True)
        rows.append(row(person.id, person.agency_id, person.given_name, person.family_name,
                        person.date_of_birth, person.sex,
                        [(a.given_name, a.family_name) for a in person.aliases],
                        [postcodes.get(a.location_id) or "" for a in history],
                        {k: getattr(person, k) for k in IDENTIFIERS}))
    return rows
