"""Helpers of the victims' tests: agencies of the kinds the Code names, actors, local times,
and a victim of a crime recorded through the programme's use cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.db import Database
from crimeplan.cases.people import Person
from crimeplan.cases.victims import services
from crimeplan.cases.victims.models import Obligation, VictimCare
from crimeplan.cases.victims.obligations import LONDON, state

KINDS = {"police": ("Essex Police (test)", "police-force"),
         "victims": ("Essex Victim Care (test)", "victim-service"),
         "probation": ("Probation East (test)", "probation")}
#: Long after every date the tests use: what has not been met by then is breached.
LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A time of day in England, as UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(dt.UTC)


@dataclass(frozen=True)
class Agencies:
    police: str
    victims: str
    probation: str

    def actor(self, which: str = "police") -> Actor:
        return Actor(agency_id=getattr(self, which), agency_kind=KINDS[which][1],
                     role="case-worker", user_id=f"{which}-worker",
                     purpose="victim-support")


def make_agencies(db: Database) -> Agencies:
    with db.session() as s:
        ids = {}
        for key, (name, kind) in KINDS.items():
            found = s.scalar(select(Agency).where(Agency.name == name))
            if found is None:
                found = Agency(name=name, kind=kind)
                s.add(found)
                s.flush()
            ids[key] = found.id
    return Agencies(**ids)


def victim(s: Session, agencies: Agencies, reported_at: dt.datetime, *,
           grounds: tuple[str, ...] | None = None, name: str = "Vic",
           crime_event_id: str | None = None) -> VictimCare:
    """A person recorded as the victim of a crime reported at ``reported_at`` (or of an
    existing crime), with a needs assessment at the same moment when ``grounds`` is given."""
    actor = agencies.actor()
    person = Person(agency_id=agencies.police, given_name=name, family_name="Example",
                    category="victim")
    s.add(person)
    s.flush()
    care = services.register(s, actor, person, LATER, crime_event_id=crime_event_id,
                             occurred_at=None if crime_event_id else reported_at,
                             reference="42/1234/26", code="violent-crime")
    if grounds is not None:
        services.assess(s, actor, care, LATER, assessed_at=reported_at, needs=[],
                        grounds=list(grounds), outcome="referred")
    return care


def obligations_of(s: Session, care: VictimCare, now: dt.datetime = LATER
                   ) -> dict[str, list[tuple[Obligation, str]]]:
    """The victim's obligations with their state as of ``now``, by rule."""
    out: dict[str, list[tuple[Obligation, str]]] = {}
    rows = s.execute(select(Obligation, state(now)).where(Obligation.care_id == care.id)
                     .order_by(Obligation.triggered_at, Obligation.id))
    for row, st in rows:
        out.setdefault(row.rule_id, []).append((row, st))
    return out


def only(s: Session, care: VictimCare, rule_id: str, now: dt.datetime = LATER
         ) -> tuple[Obligation, str]:
    [found] = obligations_of(s, care, now)[rule_id]
    return found


def every(s: Session, care: VictimCare, now: dt.datetime = LATER) -> list[tuple[Obligation, str]]:
    """All the victim's obligations with their state."""
    return [row for rows in obligations_of(s, care, now).values() for row in rows]
