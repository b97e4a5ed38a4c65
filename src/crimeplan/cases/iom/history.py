"""What the service's events say about people's offending and custody.

Offences are events of kind ``offence`` whose ``code`` is an offence type of crimeplan's harm
tables (``domestic-burglary``, ``robbery``, …) with the person taking part as ``offender``:
recorded offending, not proven guilt for every row, and only what agencies recorded here.
Custody runs from a ``custody-start`` event to the next ``release`` of the same person (still
in custody when no release follows).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.events import Event, Participant

#: Participant roles whose offences count towards a person's offending.
OFFENDING_ROLES = ("offender",)


@dataclass(frozen=True)
class Offence:
    person_id: str
    at: dt.datetime
    offence: str


@dataclass(frozen=True)
class Custody:
    """A spell in custody: ``end`` None while it lasts."""

    start: dt.datetime
    end: dt.datetime | None

    def days_within(self, a: dt.datetime, b: dt.datetime, now: dt.datetime) -> float:
        """Days of this spell inside ``[a, b)`` (an open spell runs to ``now``)."""
        end = min(self.end or now, b)
        start = max(self.start, a)
        return max((end - start).total_seconds() / 86400, 0.0)


def offences(db: Session, person_ids: Iterable[str] | None = None,
             start: dt.datetime | None = None, end: dt.datetime | None = None
             ) -> list[Offence]:
    """Recorded offences in ``[start, end)``, of some people or everyone, oldest first."""
    query = (select(Participant.person_id, Event.occurred_at, Event.code)
             .join(Event, Event.id == Participant.event_id)
             .where(Event.kind == "offence", Event.code.is_not(None),
                    Participant.role.in_(OFFENDING_ROLES)))
    if person_ids is not None:
        query = query.where(Participant.person_id.in_(list(person_ids)))
    if start is not None:
        query = query.where(Event.occurred_at >= start)
    if end is not None:
        query = query.where(Event.occurred_at < end)
    rows = db.execute(query.order_by(Event.occurred_at, Participant.person_id)).all()
    return [Offence(p, at, str(code)) for p, at, code in rows]


def custody_spells(db: Session, person_ids: Iterable[str]) -> dict[str, list[Custody]]:
    """Each person's spells in custody, oldest first, from custody-start and release events."""
    rows = db.execute(
        select(Participant.person_id, Event.kind, Event.occurred_at)
        .join(Event, Event.id == Participant.event_id)
        .where(Event.kind.in_(("custody-start", "release")),
               Participant.person_id.in_(list(person_ids)))
        .order_by(Participant.person_id, Event.occurred_at)).all()
    by_person: dict[str, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for person_id, kind, at in rows:
        by_person[person_id].append((kind, at))
    return {p: spells(events) for p, events in by_person.items()}


def spells(events: list[tuple[str, dt.datetime]]) -> list[Custody]:
    """Pair custody starts with the next release; a release without a start is ignored, a
    second start while in custody is the same spell."""
    out: list[Custody] = []
    start: dt.datetime | None = None
    for kind, at in sorted(events, key=lambda e: e[1]):
        if kind == "custody-start" and start is None:
            start = at
        elif kind == "release" and start is not None:
            out.append(Custody(start, at))
            start = None
    if start is not None:
        out.append(Custody(start, None))
    return out


def in_custody(spells_: list[Custody], at: dt.datetime) -> bool:
    """Whether a spell covers ``at``."""
    return any(s.start <= at and (s.end is None or at < s.end) for s in spells_)
