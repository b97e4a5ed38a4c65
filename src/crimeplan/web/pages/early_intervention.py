"""Early intervention pages: the eligibility queue, a child's page (assessment, events, status
periods, referral with its steps), the family links list, referrals and aggregate figures.

Pages process personal data for safeguarding children (the purpose logged under s.62)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.early_intervention import family, figures, service
from crimeplan.cases.early_intervention.models import Referral
from crimeplan.cases.early_intervention.rules import rulebook
from crimeplan.cases.months import uk_date
from crimeplan.cases.people import Person
from crimeplan.errors import BadInput, CrimeplanError, FieldProblem, NotFound
from crimeplan.standard.pole import EVENT_KINDS
from crimeplan.web.api.early_intervention import count, reader, referral_resource
from crimeplan.web.api.people import person_resource
from crimeplan.web.api.schemas import PRINTABLE, RecordId
from crimeplan.web.deps import DB, Authorise, authorise, now
from crimeplan.web.pages.render import check_csrf, form_errors, page, redirect
from crimeplan.web.policy import Action, may

router = APIRouter(prefix="/early-intervention")
PURPOSE = "safeguarding"
Text = Annotated[str, Form(max_length=200, pattern=PRINTABLE)]
#: How soon a deadline is flagged as near.
SOON = dt.timedelta(days=14)


def _acting(actor: Actor) -> Actor:
    return replace(actor, purpose=PURPOSE)



@router.get("")
def queue_page(request: Request, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.EI_ELIGIBILITY_LIST))],
               show: Annotated[Literal["eligible", "not-eligible", "all"],
                               Query()] = "eligible") -> Response:
    """Children eligible (or not) for early intervention, soonest deadline first."""
    actor = _acting(actor)
    today = uk_date(now())
    children = service.assess_recent(db, reader(actor), today)
    shown = [c for c in children if show == "all"
             or c.assessment.eligible == (show == "eligible")]
    service.log_views(db, actor, shown)          # only the children the page shows
    return page(request, "early_intervention/queue.html", title="Early intervention",
                children=shown, total=len(children), show=show, today=today, soon=SOON,
                rules=rulebook().in_force(today))


def _child_view(request: Request, db: DB, actor: Actor, person: Person, status: int = 200,
                **context: object) -> Response:
    today = uk_date(now())
    found = service.child(db, actor, person, reader(actor), today)
    rules = rulebook().in_force(today)
    return page(request, "early_intervention/child.html", status,
                title=f"{found.person.given_name} {found.person.family_name}", child=found,
                today=today, rules=rules, event_kinds=EVENT_KINDS,
                may_refer=may(actor, Action.EI_REFERRAL_CREATE, person_resource(person)),
                may_record=may(actor, Action.EI_STATUS_RECORD, person_resource(person)),
                may_step=found.referral is not None and may(
                    actor, Action.EI_REFERRAL_UPDATE, referral_resource(found.referral)),
                kinds=[(e.id, e.label) for e in rules.exclusions], **context)


def _child(db: DB, actor: Actor, person_id: str, action: Action) -> Person:
    person = records.get(db, person_id)
    authorise(actor, action, person_resource(person))
    return person


@router.get("/children/{person_id}")
def child_page(person_id: RecordId, request: Request, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.EI_CHILD_READ))]) -> Response:
    """One child: why they are (not) eligible, their events, statuses and referral."""
    actor = _acting(actor)
    return _child_view(request, db, actor, _child(db, actor, person_id, Action.EI_CHILD_READ))


@router.post("/children/{person_id}/referral")
def refer(person_id: RecordId, request: Request, db: DB,
          actor: Annotated[Actor, Depends(Authorise(Action.EI_REFERRAL_CREATE))],
          csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    actor = _acting(actor)
    person = _child(db, actor, person_id, Action.EI_REFERRAL_CREATE)
    try:
        service.refer(db, actor, person, reader(actor), now())
    except CrimeplanError as exc:
        return _child_view(request, db, actor, person, 400, errors=form_errors(exc))
    return redirect(f"/early-intervention/children/{person_id}")


@router.post("/children/{person_id}/status-periods")
def record_status(person_id: RecordId, request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.EI_STATUS_RECORD))],
                  kind: Text = "", from_date: Text = "", to_date: Text = "",
                  csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    actor = _acting(actor)
    person = _child(db, actor, person_id, Action.EI_STATUS_RECORD)
    form = {"kind": kind, "from_date": from_date, "to_date": to_date}
    try:
        start = _day(from_date, "from_date")
        end = _day(to_date, "to_date") if to_date else None
        service.record_status(db, actor, person, kind, start, end)
    except CrimeplanError as exc:
        return _child_view(request, db, actor, person, 400, errors=form_errors(exc), form=form)
    return redirect(f"/early-intervention/children/{person_id}")


def _day(text: str, field: str) -> dt.date:
    """A date typed as YYYY-MM-DD, or a bad-input error naming the field."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput("not a date", fields=(FieldProblem(
            field, "invalid", "Enter a date like 2026-03-31"),)) from None


@router.post("/referrals/{referral_id}/steps")
def record_step(referral_id: RecordId, request: Request, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.EI_REFERRAL_UPDATE))],
                step: Text = "", reason: Text = "", csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    actor = _acting(actor)
    referral = db.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"no referral {referral_id}")
    authorise(actor, Action.EI_REFERRAL_UPDATE, referral_resource(referral))
    try:
        service.record_step(db, actor, referral, step, now(), reason or None)
    except CrimeplanError as exc:
        person = records.get(db, referral.person_id)
        return _child_view(request, db, actor, person, 400, errors=form_errors(exc))
    return redirect(f"/early-intervention/children/{referral.person_id}")


@router.get("/family")
def family_page(request: Request, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.EI_FAMILY_LIST))]
                ) -> Response:
    """Children related to someone caught up in violence, to offer them support."""
    actor = _acting(actor)
    today = uk_date(now())
    links = family.family_links(db, actor, reader(actor), today)
    return page(request, "early_intervention/family.html", title="Family links",
                links=links, rules=rulebook().in_force(today).family,
                may_open=may(actor, Action.EI_CHILD_READ))


@router.get("/referrals")
def referrals_page(request: Request, db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.EI_REFERRAL_LIST))],
                   status: Annotated[str, Query(max_length=30, pattern=PRINTABLE)] = ""
                   ) -> Response:
    """The service's referrals, with their derived status."""
    actor = _acting(actor)
    rows = [r for r in db.scalars(select(Referral).order_by(Referral.referred_at.desc()))
            if may(actor, Action.EI_REFERRAL_UPDATE, referral_resource(r))
            and (not status or r.status == status)]
    return page(request, "early_intervention/referrals.html", title="Referrals",
                referrals=rows, chosen=status)


@router.get("/figures")
def figures_page(request: Request, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.EI_FIGURES))]) -> Response:
    """Counts only, small numbers withheld."""
    found = figures.figures(db, uk_date(now()))
    return page(request, "early_intervention/figures.html", title="Early intervention figures",
                figures=found, count=count)
