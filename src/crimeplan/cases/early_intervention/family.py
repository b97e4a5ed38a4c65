"""Family links: brothers, sisters and household members of a child or young person caught up
in violence (a victim, suspect or offender of a violent offence recently), listed so that a
youth justice or early help worker can offer them support (the whole-family approach)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.early_intervention.models import Referral
from crimeplan.cases.early_intervention.rules import rulebook
from crimeplan.cases.early_intervention.service import MayRead, subject
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.months import add_months, age_on, uk_date
from crimeplan.cases.people import Person, Relation

#: What is shown of the relative and of the person caught up in violence, as logged.
RELATIVE_FIELDS = ("given_name", "family_name", "date_of_birth", "relations", "referrals")
INVOLVED_FIELDS = ("given_name", "family_name", "relations", "events")


@dataclass(frozen=True)
class Involvement:
    """The latest violent event a person took part in: when, in what role, which offence."""

    day: dt.date
    role: str
    code: str | None


@dataclass(frozen=True)
class FamilyLink:
    """A child related to someone caught up in violence."""

    relative: Person
    relations: tuple[str, ...]
    involved: Person
    involvement: Involvement
    age: int
    referral: Referral | None


def family_links(db: Session, actor: Actor, may_read: MayRead, on: dt.date
                 ) -> list[FamilyLink]:
    """Every child (by the rules' age limit) recorded as a relation of a kind the rules name
    of someone involved in violence within the look-back; both records must be visible to
    the caller. Each view is logged for both people."""
    rules = rulebook().in_force(on).family
    start = dt.datetime.combine(add_months(on, -rules.lookback_months), dt.time(), dt.UTC)
    latest: dict[str, Involvement] = {}
    for person_id, role, at, code in db.execute(
            select(Participant.person_id, Participant.role, Event.occurred_at, Event.code)
            .join(Event, Event.id == Participant.event_id)
            .where(Event.kind.in_(rules.event_kinds), Event.code.in_(rules.violent_codes),
                   Event.occurred_at >= start, Participant.role.in_(rules.roles))
            .order_by(Event.occurred_at)):
        latest[person_id] = Involvement(uk_date(at), role, code)
    if not latest:
        return []
    relations: dict[tuple[str, str], list[str]] = {}
    for person_id, other_id, kind in db.execute(
            select(Relation.person_id, Relation.other_id, Relation.kind)
            .where(Relation.other_id.in_(list(latest)), Relation.kind.in_(rules.relations))
            .order_by(Relation.kind)):
        relations.setdefault((person_id, other_id), []).append(kind)
    ids = {i for pair in relations for i in pair}
    people = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(ids)))}
    referrals = {r.person_id: r for r in db.scalars(
        select(Referral).where(Referral.person_id.in_(ids)).order_by(Referral.referred_at))}
    links = []
    for (relative_id, involved_id), kinds in relations.items():
        relative, involved = people[relative_id], people[involved_id]
        if relative.date_of_birth is None or not (may_read(relative) and may_read(involved)):
            continue
        age = age_on(relative.date_of_birth, on)
        if 0 <= age <= rules.max_age:
            links.append(FamilyLink(relative, tuple(kinds), involved, latest[involved_id], age,
                                    referrals.get(relative_id)))
    links.sort(key=lambda k: (-k.involvement.day.toordinal(), k.relative.family_name,
                              k.relative.given_name, k.relative.id))
    for link in links:
        s62.log(db, actor, s62.Category.CONSULTATION, subject(link.relative.id),
                RELATIVE_FIELDS)
        s62.log(db, actor, s62.Category.CONSULTATION, subject(link.involved.id),
                INVOLVED_FIELDS)
    return links
