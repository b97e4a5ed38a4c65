"""Obligations generated from a crime's events by the rules in force, and their derived state.

For one victim of one crime, every event of the crime's tree (the ``crime-reported`` event and
the events below it through ``parent_id``) is matched against the rules in force on the day it
happened. Each match is one obligation, due ``n`` working days (England and Wales) after the
local day the clock started, ``n`` being the standard or the enhanced limit as the latest needs
assessment made by then found. It is met by the first event of the rule's action below the
triggering event that names the victim; the victim's choices stop its clock from the moment
they were recorded.

``regenerate`` recomputes all of this and brings the stored rows in line, so events that
arrive late or are corrected simply change the result; running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.clock import add_working_days
from crimeplan.cases.events import Event
from crimeplan.cases.victims.models import (
    GENERATED,
    NeedsAssessment,
    Obligation,
    VictimCare,
    VictimChoice,
)
from crimeplan.cases.victims.rules import Rule, in_force

#: Time limits are counted in days of England and Wales.
LONDON = ZoneInfo("Europe/London")


def local_day(at: dt.datetime) -> dt.date:
    """The day in England on which an instant falls."""
    return at.astimezone(LONDON).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """Midnight in England at the end of ``day``, in UTC."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), LONDON)
    return midnight.astimezone(dt.UTC)


@dataclass(frozen=True)
class Due:
    """When an obligation falls due."""

    limit_days: int
    due_on: dt.date
    due_at: dt.datetime


def due(rule: Rule, started_at: dt.datetime, enhanced: bool) -> Due:
    """The due day of ``rule``'s duty whose clock started at ``started_at``."""
    limit = rule.limit(enhanced)
    day = add_working_days(local_day(started_at), limit)
    return Due(limit, day, end_of_day(day))


def enhanced_at(assessments: Iterable[NeedsAssessment], at: dt.datetime) -> bool:
    """Enhanced Rights as the latest needs assessment made by ``at`` found (none: standard)."""
    made = [a for a in assessments if a.assessed_at <= at]
    return bool(made) and max(made, key=lambda a: a.assessed_at).enhanced


#: Choices that stop a right's clock, and the reason recorded.
STOPPING = {"opt-out": "opted-out", "agreed-frequency": "agreed-frequency"}


def stop(choices: Sequence[VictimChoice], rule: Rule, started_at: dt.datetime
         ) -> tuple[dt.datetime, str] | None:
    """When (and why) the victim's choices stopped this duty's clock: at its start if they
    had opted out by then, else at the first later choice that opts out; None if never."""
    if not rule.victim_can_stop:
        return None
    relevant = sorted((c for c in choices if c.right is None or c.right == rule.right),
                      key=lambda c: c.recorded_at)
    reason: str | None = None
    for choice in relevant:
        if choice.recorded_at > started_at:
            break
        if choice.kind in STOPPING:
            reason = STOPPING[choice.kind]
        elif choice.kind == "opt-in":
            reason = None
    if reason is not None:
        return started_at, reason
    return next(((c.recorded_at, STOPPING[c.kind]) for c in relevant
                 if c.recorded_at > started_at and c.kind in STOPPING), None)


def crime_tree(db: Session, crime_id: str) -> list[Event]:
    """The crime-reported event and every event below it, parents before children."""
    root = db.get(Event, crime_id)
    if root is None:
        return []
    tree, seen, frontier = [root], {root.id}, [root.id]
    while frontier:
        children = [e for e in db.scalars(select(Event).where(Event.parent_id.in_(frontier))
                                          .order_by(Event.occurred_at, Event.id))
                    if e.id not in seen]
        seen.update(e.id for e in children)
        tree.extend(children)
        frontier = [e.id for e in children]
    return tree


def _duty_agency(db: Session, rule: Rule, care: VictimCare, event: Event) -> str | None:
    if rule.duty_holder.agency == "crime-force":
        return care.crime.agency_id
    to = (event.details or {}).get("to_agency_id")
    agency = db.get(Agency, to) if isinstance(to, str) else None
    return agency.id if agency is not None and agency.kind == rule.duty_holder.agency_kind \
        else None


def _met_by(rule: Rule, trigger: Event, tree: Sequence[Event], person_id: str
            ) -> Event | None:
    """The first event of the rule's action below ``trigger`` that names the victim."""
    done = [e for e in tree if e.parent_id == trigger.id and e.kind == rule.action.kind
            and e.code == rule.action.code
            and any(p.person_id == person_id for p in e.participants)]
    return min(done, key=lambda e: (e.occurred_at, e.id), default=None)


Key = tuple[str, str, str | None]


def expected(db: Session, care: VictimCare) -> dict[Key, dict[str, Any]]:
    """The obligations the rules give this victim now, keyed by (rules version, rule,
    triggering event), with their generated fields."""
    tree = crime_tree(db, care.crime_event_id)
    out: dict[Key, dict[str, Any]] = {}
    for event in tree:
        rules = in_force(local_day(event.occurred_at))
        if rules is None:
            continue
        for rule in rules.rules:
            if not rule.trigger.matches(event.kind, event.code, event.details or {}):
                continue
            agency = _duty_agency(db, rule, care, event)
            if agency is None:
                continue
            started = event.occurred_at if rule.clock == "occurred" else event.recorded_at
            enhanced = enhanced_at(care.assessments, started)
            when = due(rule, started, enhanced)
            met = _met_by(rule, event, tree, care.person_id)
            stopped = stop(care.choices, rule, started)
            out[(rules.id, rule.id, event.id)] = {
                "right": rule.right, "duty_agency_id": agency, "triggered_at": started,
                "enhanced": enhanced, "limit_days": when.limit_days, "due_on": when.due_on,
                "due_at": when.due_at, "due_month": when.due_on.strftime("%Y-%m"),
                "met_at": met.occurred_at if met else None, "met_event_id": met.id if met
                else None, "stopped_at": stopped[0] if stopped else None,
                "stop_reason": stopped[1] if stopped else None}
    return out


@dataclass(frozen=True)
class Changes:
    """What a regeneration did."""

    added: int = 0
    updated: int = 0
    withdrawn: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.updated or self.withdrawn)


def regenerate(db: Session, actor: Actor, care: VictimCare, now: dt.datetime) -> Changes:
    """Bring the victim's stored obligations in line with the rules and the events as they
    are now: add new ones, update changed ones, withdraw those whose trigger went away (kept,
    as not applicable, with what was recorded on them). Idempotent. A change is logged as an
    alteration of the victim's data."""
    want = expected(db, care)
    rows = db.scalars(select(Obligation).where(Obligation.care_id == care.id)).all()
    have = {(o.rules_version, o.rule_id, o.trigger_event_id): o for o in rows}
    added = updated = withdrawn = 0
    for key, fields in want.items():
        row = have.pop(key, None)
        if row is None:
            db.add(Obligation(care_id=care.id, rules_version=key[0], rule_id=key[1],
                              trigger_event_id=key[2], **fields))
            added += 1
        elif row.values() != fields or row.withdrawn_at is not None:
            for name in GENERATED:
                setattr(row, name, fields[name])
            row.withdrawn_at = None
            updated += 1
    for row in have.values():
        if row.withdrawn_at is None:
            row.withdrawn_at = now
            withdrawn += 1
    changes = Changes(added, updated, withdrawn)
    if changes.any:
        s62.log(db, actor, s62.Category.ALTERATION, s62.Subject("person", care.person_id),
                ("victim_obligations",))
        db.flush()
    return changes


def state(now: dt.datetime) -> ColumnElement[str]:
    """The state of an obligation as of ``now``, as one SQL expression (so lists and the
    dashboard's counts, aggregated in the database, agree by construction).

    - not applicable: withdrawn by a correction, or marked so by the duty holder;
    - met: met before the end of the due day (and before any stop);
    - opted out / unable: the clock stopped (victim's choice / duty holder unable) before
      the end of the due day, and nothing met it first;
    - met late: met after the due day;
    - breached: the due day has ended, unmet and unstopped;
    - pending: otherwise.
    """
    o = Obligation
    met_first = and_(o.met_at.is_not(None),
                     or_(o.stopped_at.is_(None), o.met_at <= o.stopped_at),
                     or_(o.unable_at.is_(None), o.met_at <= o.unable_at))
    return case(
        (or_(o.withdrawn_at.is_not(None), o.not_applicable_at.is_not(None)), "not-applicable"),
        (and_(met_first, o.met_at < o.due_at), "met"),
        (and_(o.stopped_at.is_not(None), o.stopped_at < o.due_at), "opted-out"),
        (and_(o.unable_at.is_not(None), o.unable_at < o.due_at), "unable"),
        (o.met_at.is_not(None), "met-late"),
        (o.due_at <= now, "breached"),
        else_="pending",
    )
