"""Early intervention's use cases: the eligibility queue, one child's assessment, status
periods, referrals and their steps, family links, and aggregate figures.

Records of one child held by several agencies and confirmed as the same person are assessed
together (an exclusion recorded by the council counts against a caution recorded by the
police), but only the records the caller may read are used: the web layer passes its policy
check in as ``may_read``. Every view of a child's data is logged under s.62 in the same
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import s62, same_person
from crimeplan.cases.actor import Actor
from crimeplan.cases.early_intervention.eligibility import (
    Assessment,
    Child,
    EventFact,
    Qualification,
    ReferralFact,
    StatusFact,
    assess,
)
from crimeplan.cases.early_intervention.models import Referral, StatusPeriod
from crimeplan.cases.early_intervention.rules import EligibilityRules, rulebook
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.months import add_months, age_on, uk_date
from crimeplan.cases.people import Person
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound

#: What a youth justice officer sees of a child, as logged.
CHILD_FIELDS = ("given_name", "family_name", "date_of_birth", "events", "status_periods",
                "referrals")

MayRead = Callable[[Person], bool]


def subject(person_id: str) -> s62.Subject:
    return s62.Subject("person", person_id)


@dataclass(frozen=True)
class ChildRecord:
    """One child as the caller may see them: the record shown, every visible record confirmed
    as the same child, what was found and the newest referral."""

    person: Person
    records: tuple[Person, ...]
    assessment: Assessment
    events: tuple[EventFact, ...]
    statuses: tuple[StatusPeriod, ...]
    referral: Referral | None

    @property
    def record_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.records)


def _visible_groups(db: Session, ids: Iterable[str], may_read: MayRead
                    ) -> list[tuple[Person, ...]]:
    """The caller's visible records of each person among ``ids``, grouped by confirmed links."""
    grouped = same_person.groups(db, ids)
    people = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(list(grouped))))}
    seen: set[frozenset[str]] = set()
    out = []
    for members in grouped.values():
        if members in seen:
            continue
        seen.add(members)
        visible = tuple(people[m] for m in sorted(members) if m in people and may_read(people[m]))
        if visible:
            out.append(visible)
    return out


def _children(db: Session, groups: list[tuple[Person, ...]], rules: EligibilityRules,
              on: dt.date) -> list[ChildRecord]:
    """Assess each group of records on ``on``."""
    ids = [p.id for g in groups for p in g]
    events: dict[str, list[EventFact]] = defaultdict(list)
    kinds = set(rules.event_kinds)
    # Every event of these people, the kinds kept here: a kind condition in the query leads
    # SQLite to read events by kind and look each one up against every id (4,000 children:
    # 3.3 s against 0.04 s).
    rows = db.execute(
        select(Participant.person_id, Participant.role, Event.id, Event.kind, Event.code,
               Event.occurred_at)
        .join(Event, Event.id == Participant.event_id)
        .where(Participant.person_id.in_(ids))).all()
    for person_id, role, event_id, kind, code, at in rows:
        if kind in kinds:
            events[person_id].append(EventFact(event_id, kind, code, uk_date(at), role))
    statuses: dict[str, list[StatusPeriod]] = defaultdict(list)
    for period in db.scalars(select(StatusPeriod).where(StatusPeriod.person_id.in_(ids))
                             .order_by(StatusPeriod.from_date)):
        statuses[period.person_id].append(period)
    referrals: dict[str, list[Referral]] = defaultdict(list)
    for referral in db.scalars(select(Referral).where(Referral.person_id.in_(ids))
                               .order_by(Referral.referred_at)):
        referrals[referral.person_id].append(referral)
    out = []
    for group in groups:
        group_events = tuple(e for p in group for e in events[p.id])
        group_statuses = tuple(s for p in group for s in statuses[p.id])
        group_referrals = sorted((r for p in group for r in referrals[p.id]),
                                 key=lambda r: r.referred_at)
        born = next((p.date_of_birth for p in group if p.date_of_birth), None)
        child = Child(born, group_events,
                      tuple(StatusFact(s.kind, s.from_date, s.to_date, s.agency.name)
                            for s in group_statuses),
                      tuple(ReferralFact(uk_date(r.referred_at),
                                         uk_date(r.support_started_at)
                                         if r.support_started_at else None)
                            for r in group_referrals))
        assessment = assess(child, rules, on)
        out.append(ChildRecord(_shown(group, events), group, assessment, group_events,
                               group_statuses, group_referrals[-1] if group_referrals else None))
    return out


def _shown(group: tuple[Person, ...], events: dict[str, list[EventFact]]) -> Person:
    """The record to show for a child: the one with the latest event (the agency that last
    dealt with the child), preferring one with a date of birth."""
    return max(group, key=lambda p: (max((e.day for e in events[p.id]), default=dt.date.min),
                                     p.date_of_birth is not None, p.id))


def log_views(db: Session, actor: Actor, children: Iterable[ChildRecord]) -> None:
    """Log that the caller was shown these children (every record of each)."""
    for child in children:
        for person_id in child.record_ids:
            s62.log(db, actor, s62.Category.CONSULTATION, subject(person_id), CHILD_FIELDS)


def queue(db: Session, actor: Actor, may_read: MayRead, on: dt.date) -> list[ChildRecord]:
    """Every child aged within the range at a qualifying event in the referral window up to
    ``on``, eligible or not, eligible first and soonest deadline first; each view logged."""
    children = assess_recent(db, may_read, on)
    log_views(db, actor, children)
    return children


def assess_recent(db: Session, may_read: MayRead, on: dt.date) -> list[ChildRecord]:
    """The queue's children, assessed, without logging: for aggregate counts, which show no
    one's data, and for pages that log only the children they show (``log_views``)."""
    rules = rulebook().in_force(on)
    since = add_months(on, -rules.referral_window.months) - dt.timedelta(days=1)
    start = dt.datetime.combine(since, dt.time(), dt.UTC)
    ids = set(db.scalars(
        select(Participant.person_id).join(Event, Event.id == Participant.event_id)
        .join(Person, Person.id == Participant.person_id)
        .where(Event.kind.in_(rules.event_kinds), Event.occurred_at >= start,
               Participant.role.in_(rules.roles), Person.date_of_birth.is_not(None))))
    children = [c for c in _children(db, _visible_groups(db, ids, may_read), rules, on)
                if _recent_child(c.assessment.qualifications, rules, on)]
    children.sort(key=lambda c: (not c.assessment.eligible,
                                 min((q.deadline for q in _recent(c, rules, on)),
                                     default=dt.date.max),
                                 c.person.family_name, c.person.given_name, c.person.id))
    return children


def _recent_child(found: Iterable[Qualification], rules: EligibilityRules,
                  on: dt.date) -> bool:
    return any(rules.age.min <= q.age <= rules.age.max and q.deadline >= on for q in found)


def _recent(child: ChildRecord, rules: EligibilityRules, on: dt.date) -> list[Qualification]:
    return [q for q in child.assessment.qualifications
            if rules.age.min <= q.age <= rules.age.max and q.deadline >= on]


def child(db: Session, actor: Actor, person: Person, may_read: MayRead,
          on: dt.date) -> ChildRecord:
    """One child's assessment, events, status periods and referral; logged. A person who was
    never a child in the programme's sense (no date of birth, no qualifying event at an age
    within the range and not a child today, no referral) is not found."""
    rules = rulebook().in_force(on)
    groups = [g for g in _visible_groups(db, [person.id], may_read)
              if person.id in {p.id for p in g}]
    if not groups:
        raise NotFound(f"no child {person.id}")
    found = _children(db, groups, rules, on)[0]
    born = found.person.date_of_birth
    in_scope = found.referral is not None or (born is not None and (
        rules.age.min <= age_on(born, on) <= rules.age.max
        or any(rules.age.min <= q.age <= rules.age.max
               for q in found.assessment.qualifications)))
    if not in_scope:
        raise NotFound(f"no child {person.id}")
    log_views(db, actor, [found])
    return found


def record_status(db: Session, actor: Actor, person: Person, kind: str, from_date: dt.date,
                  to_date: dt.date | None) -> StatusPeriod:
    """Record a status period on a child for the caller's agency (a collection)."""
    rules = rulebook().in_force(uk_date(dt.datetime.now(dt.UTC)))
    if rules.exclusion(kind) is None:
        raise BadInput(f"unknown status kind {kind!r}", fields=(FieldProblem(
            "kind", "invalid", f"Use one of: {', '.join(e.id for e in rules.exclusions)}"),))
    if to_date is not None and to_date < from_date:
        raise BadInput("the period ends before it starts", fields=(FieldProblem(
            "to_date", "before-start", "The end date must be on or after the start date"),))
    period = StatusPeriod(person_id=person.id, kind=kind, from_date=from_date, to_date=to_date,
                          agency_id=str(actor.agency_id), recorded_by=actor.user_id)
    db.add(period)
    s62.log(db, actor, s62.Category.COLLECTION, subject(person.id), ("status_periods",))
    db.flush()
    return period


def refer(db: Session, actor: Actor, person: Person, may_read: MayRead, now: dt.datetime,
          event_id: str | None = None) -> Referral:
    """Refer an eligible child on a qualifying event (the one with the latest deadline unless
    ``event_id`` names another still in the window): opens a case owned by the caller's
    agency. Refused with the rules that exclude the child, or when a referral is open."""
    on = uk_date(now)
    found = child(db, actor, person, may_read, on)
    if found.referral is not None and found.referral.open:
        raise Conflict("this child already has an open referral")
    assessment = found.assessment
    if not assessment.eligible:
        raise BadInput("the child is not eligible", fields=tuple(
            FieldProblem("person_id", r.rule, r.text) for r in assessment.reasons))
    rules = rulebook().in_force(on)
    chosen = assessment.qualification
    if event_id is not None:
        chosen = next((q for q in _recent(found, rules, on) if q.event.id == event_id), None)
        if chosen is None:
            raise BadInput("not a qualifying event of this child within the window",
                           fields=(FieldProblem("event_id", "not-qualifying",
                                                "Choose a qualifying event still in time"),))
    assert chosen is not None
    referral = Referral.make(str(actor.agency_id), person.id, chosen.event.id, chosen.rule.id,
                             chosen.rule.label, assessment.rules_version, chosen.deadline, now)
    db.add(referral)
    s62.log(db, actor, s62.Category.COLLECTION, subject(person.id), ("referrals",))
    db.flush()
    return referral


def record_step(db: Session, actor: Actor, referral: Referral, step: str, at: dt.datetime,
                reason: str | None = None) -> Referral:
    """Record a step of the referral (see ``Referral.advance``); logged."""
    referral.advance(step, at, reason)
    s62.log(db, actor, s62.Category.ALTERATION, subject(referral.person_id), ("referrals",))
    db.flush()
    return referral
