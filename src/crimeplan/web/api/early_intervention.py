"""Early intervention API: the eligibility queue and a child's assessment (youth justice
services), status periods (youth justice and councils), referrals and their steps, family
links, and aggregate figures (small numbers withheld)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.early_intervention import family, figures, service
from crimeplan.cases.early_intervention.eligibility import Qualification
from crimeplan.cases.early_intervention.models import Referral, StatusPeriod
from crimeplan.cases.months import uk_date
from crimeplan.cases.people import Person
from crimeplan.cases.s62 import require_purpose
from crimeplan.errors import NotFound
from crimeplan.web.api.early_intervention_schemas import (
    ChildDetail,
    ChildOut,
    Count,
    Day,
    EventOut,
    FamilyLinkOut,
    FiguresOut,
    MonthOut,
    QualifyingEventOut,
    ReasonOut,
    ReferralBrief,
    ReferralIn,
    ReferralOut,
    StatusPeriodIn,
    StatusPeriodOut,
    StepIn,
)
from crimeplan.web.api.oversight import SMALL_NUMBER
from crimeplan.web.api.people import person_resource
from crimeplan.web.api.schemas import RecordId
from crimeplan.web.deps import DB, Authorise, authorise, now
from crimeplan.web.policy import Action, Resource, may

router = APIRouter(prefix="/early-intervention", tags=["early intervention"])
OnDay = Annotated[Day | None, Query(description="The day to assess on (default: today)")]


def reader(actor: Actor) -> service.MayRead:
    """The policy's answer to "may this caller read this child's record?"."""
    return lambda person: may(actor, Action.EI_CHILD_READ, person_resource(person))


def today(on: dt.date | None = None) -> dt.date:
    return on or uk_date(now())


def load_child(db: DB, actor: Actor, action: Action, person_id: str) -> Person:
    """A person the caller may act on for early intervention; 404 otherwise."""
    require_purpose(actor)
    person = records.get(db, person_id)
    authorise(actor, action, person_resource(person))
    return person


def qualification_out(q: Qualification) -> QualifyingEventOut:
    return QualifyingEventOut(event_id=q.event.id, rule=q.rule.id, label=q.rule.label,
                              day=q.event.day, age=q.age, deadline=q.deadline)


def referral_brief(referral: Referral | None) -> ReferralBrief | None:
    if referral is None:
        return None
    return ReferralBrief(id=referral.id, status=referral.status,
                         referred_at=referral.referred_at)


def child_out(child: service.ChildRecord) -> ChildOut:
    a = child.assessment
    return ChildOut(
        person_id=child.person.id, record_ids=list(child.record_ids),
        given_name=child.person.given_name, family_name=child.person.family_name,
        date_of_birth=child.person.date_of_birth, eligible=a.eligible,
        qualifying_event=qualification_out(a.qualification) if a.qualification else None,
        deadline=a.deadline, reasons=[ReasonOut(rule=r.rule, text=r.text, source=r.source)
                                      for r in a.reasons],
        referral=referral_brief(child.referral), rules_version=a.rules_version)


def status_out(period: StatusPeriod) -> StatusPeriodOut:
    return StatusPeriodOut(id=period.id, person_id=period.person_id, kind=period.kind,
                           from_date=period.from_date, to_date=period.to_date,
                           agency_id=period.agency_id, agency_name=period.agency.name)


def referral_out(r: Referral) -> ReferralOut:
    return ReferralOut(id=r.id, case_id=r.case_id, person_id=r.person_id,
                       qualifying_event_id=r.qualifying_event_id,
                       qualifying_rule=r.qualifying_rule, rules_version=r.rules_version,
                       deadline=r.deadline, status=r.status, referred_at=r.referred_at,
                       consent_given_at=r.consent_given_at,
                       consent_refused_at=r.consent_refused_at,
                       support_started_at=r.support_started_at,
                       support_ended_at=r.support_ended_at, end_reason=r.end_reason)


@router.get("/eligibility", response_model=list[ChildOut])
def eligibility(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.EI_ELIGIBILITY_LIST))],
                on: OnDay = None) -> list[ChildOut]:
    """Children aged 10 to 17 at a qualifying event still within the referral window:
    eligible first, soonest deadline first; the others with the rules that exclude them."""
    require_purpose(actor)
    return [child_out(c) for c in service.queue(db, actor, reader(actor), today(on))]


@router.get("/children/{person_id}", response_model=ChildDetail)
def child(person_id: RecordId, db: DB,
          actor: Annotated[Actor, Depends(Authorise(Action.EI_CHILD_READ))],
          on: OnDay = None) -> ChildDetail:
    """One child's assessment with every qualifying event, event and status period."""
    person = load_child(db, actor, Action.EI_CHILD_READ, person_id)
    found = service.child(db, actor, person, reader(actor), today(on))
    return ChildDetail(
        **child_out(found).model_dump(),
        qualifying_events=[qualification_out(q) for q in found.assessment.qualifications],
        events=[EventOut(id=e.id, kind=e.kind, code=e.code, day=e.day, role=e.role)
                for e in sorted(found.events, key=lambda e: (e.day, e.id))],
        status_periods=[status_out(s) for s in found.statuses])


@router.post("/status-periods", response_model=StatusPeriodOut, status_code=201)
def record_status(body: StatusPeriodIn, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.EI_STATUS_RECORD))]
                  ) -> StatusPeriodOut:
    """Record that a child is (or was) looked after, on a child protection plan, given early
    help with a lead practitioner or on a youth justice order, for the caller's agency."""
    person = load_child(db, actor, Action.EI_STATUS_RECORD, body.person_id)
    period = service.record_status(db, actor, person, body.kind, body.from_date, body.to_date)
    db.refresh(period)
    return status_out(period)


@router.get("/family-links", response_model=list[FamilyLinkOut])
def family_links(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.EI_FAMILY_LIST))],
                 on: OnDay = None) -> list[FamilyLinkOut]:
    """Children who are siblings or household members of someone caught up in violence."""
    require_purpose(actor)
    return [FamilyLinkOut(
        relative_id=k.relative.id, given_name=k.relative.given_name,
        family_name=k.relative.family_name, age=k.age, relations=list(k.relations),
        involved_id=k.involved.id,
        involved_name=f"{k.involved.given_name} {k.involved.family_name}",
        involved_role=k.involvement.role, offence=k.involvement.code, day=k.involvement.day,
        referral=referral_brief(k.referral))
        for k in family.family_links(db, actor, reader(actor), today(on))]


def referral_resource(referral: Referral) -> Resource:
    case = referral.case
    return Resource("ei-referral", referral.id, case.agency_id, case.sensitivity,
                    shared_with=frozenset(s.agency_id for s in case.shares))


@router.post("/referrals", response_model=ReferralOut, status_code=201)
def refer(body: ReferralIn, db: DB,
          actor: Annotated[Actor, Depends(Authorise(Action.EI_REFERRAL_CREATE))]
          ) -> ReferralOut:
    """Refer an eligible child (on the qualifying event with the latest deadline, or the one
    named): opens an early intervention case for the caller's service."""
    person = load_child(db, actor, Action.EI_REFERRAL_CREATE, body.person_id)
    return referral_out(service.refer(db, actor, person, reader(actor), now(), body.event_id))


@router.get("/referrals", response_model=list[ReferralOut])
def referrals(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.EI_REFERRAL_LIST))]
              ) -> list[ReferralOut]:
    """The referrals of the caller's service (or shared with it), newest first."""
    require_purpose(actor)
    rows = db.scalars(select(Referral).order_by(Referral.referred_at.desc(), Referral.id))
    return [referral_out(r) for r in rows
            if may(actor, Action.EI_REFERRAL_UPDATE, referral_resource(r))]


@router.post("/referrals/{referral_id}/steps", response_model=ReferralOut)
def record_step(referral_id: RecordId, body: StepIn, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.EI_REFERRAL_UPDATE))]
                ) -> ReferralOut:
    """Record consent given or refused, support started or ended."""
    require_purpose(actor)
    referral = db.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"no referral {referral_id}")
    authorise(actor, Action.EI_REFERRAL_UPDATE, referral_resource(referral))
    service.record_step(db, actor, referral, body.step, body.at or now(), body.reason)
    return referral_out(referral)


def count(n: int) -> Count:
    """A count, withheld when between 1 and 4 so that no child can be singled out."""
    hidden = 0 < n < SMALL_NUMBER
    return Count(count=None if hidden else n, suppressed=hidden)


@router.get("/figures", response_model=FiguresOut)
def aggregate(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.EI_FIGURES))],
              on: OnDay = None) -> FiguresOut:
    """Children eligible and not referred, and referrals by month with how far they went."""
    found = figures.figures(db, today(on))
    return FiguresOut(on=found.on, eligible_not_referred=count(found.eligible_not_referred),
                      months=[MonthOut(month=m.month, referred=count(m.referred),
                                       consent_given=count(m.consent_given),
                                       consent_refused=count(m.consent_refused),
                                       support_started=count(m.support_started),
                                       support_ended=count(m.support_ended))
                              for m in found.months])
