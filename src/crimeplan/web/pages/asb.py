"""ASB case review pages: the threshold queue, the list of reviews with filters, a new
application, a review with its clock, threshold check and action plan, and the published
figures.

Pages process personal data for managing the case (the purpose logged under s.62)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.asb import service, timeline
from crimeplan.cases.asb.models import APPLICANT_ROLES, VICTIM_TYPES, Application
from crimeplan.cases.asb.rules import rulebook
from crimeplan.cases.months import UK, uk_date
from crimeplan.cases.people import Person
from crimeplan.errors import BadInput, CrimeplanError, FieldProblem
from crimeplan.web.api.asb import (
    figure_rows,
    load_review,
    person_for,
    reader,
    review_resource,
    summary,
    visible_reviews,
)
from crimeplan.web.api.schemas import PRINTABLE, RecordId
from crimeplan.web.deps import DB, Authorise, authorise, now
from crimeplan.web.pages.render import check_csrf, form_errors, page, redirect
from crimeplan.web.policy import ASB_BODIES, Action, Resource, may

router = APIRouter(prefix="/asb")
PURPOSE = "case-management"
Text = Annotated[str, Form(max_length=2000, pattern=PRINTABLE)]
Filter = Annotated[str, Query(max_length=100, pattern=PRINTABLE)]
STATUSES = ("received", "acknowledged", "threshold-met", "threshold-not-met", "review-held",
            "appeal-received", "appeal-decided")
#: The steps a lead agency records from the review page, with their labels.
STEPS = (("acknowledged", "Application acknowledged"),
         ("threshold-decided", "Threshold decided"), ("meeting-held", "Review meeting held"),
         ("appeal-received", "Appeal received"), ("appeal-decided", "Appeal decided"))


def _acting(actor: Actor) -> Actor:
    return replace(actor, purpose=PURPOSE)



@router.get("")
def queue_page(request: Request, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.ASB_QUEUE_LIST))]) -> Response:
    """Victims and addresses that meet the threshold, from every agency's complaints."""
    actor = _acting(actor)
    today = uk_date(now())
    return page(request, "asb/queue.html", title="ASB case review threshold",
                entries=service.queue(db, actor, reader(actor), today),
                procedure=rulebook().in_force(today))


@router.get("/reviews")
def reviews_page(request: Request, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_LIST))],
                 status: Filter = "", local_area: Filter = "",
                 overdue: Annotated[Literal["", "yes", "no"], Query()] = "") -> Response:
    """The reviews the caller's agency leads or is party to, with filters."""
    actor = _acting(actor)
    rows, areas = visible_reviews(db, actor, uk_date(now()), status, local_area,
                                  {"yes": True, "no": False}.get(overdue))
    return page(request, "asb/reviews.html", title="ASB case reviews", reviews=rows,
                statuses=STATUSES, areas=areas,
                chosen={"status": status, "local_area": local_area, "overdue": overdue})


def _bodies(db: DB) -> list[Agency]:
    return list(db.scalars(select(Agency).where(Agency.kind.in_(ASB_BODIES.split()))
                           .order_by(Agency.name)))


def _new_view(request: Request, db: DB, actor: Actor, person: Person | None,
              status: int = 200, **context: Any) -> Response:
    return page(request, "asb/new.html", status, title="New ASB case review application",
                person=person, bodies=[b for b in _bodies(db) if b.id != actor.agency_id],
                roles=[(r, r.replace("-", " ").capitalize()) for r in APPLICANT_ROLES],
                victim_types=[(v, v.replace("-", " ").capitalize()) for v in VICTIM_TYPES],
                **context)


@router.get("/reviews/new")
def new_page(request: Request, db: DB,
             actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_CREATE))],
             person_id: Annotated[str, Query(max_length=36, pattern=PRINTABLE)] = ""
             ) -> Response:
    """The application form, for a victim from the queue (or a record id typed in)."""
    actor = _acting(actor)
    person = person_for(db, actor, person_id, "person_id") if person_id else None
    return _new_view(request, db, actor, person)


@router.post("/reviews/new")
def apply(request: Request, db: DB,
          actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_CREATE))],
          person_id: Text = "", applicant_role: Text = "victim",
          victim_type: Text = "individual", local_area: Text = "",
          parties: Annotated[list[str] | None, Form()] = None,
          csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    actor = _acting(actor)
    authorise(actor, Action.ASB_REVIEW_CREATE, Resource("asb-review", None, actor.agency_id))
    form = {"person_id": person_id, "applicant_role": applicant_role,
            "victim_type": victim_type, "local_area": local_area}
    person = None
    try:
        person = person_for(db, actor, person_id, "person_id")
        if applicant_role not in APPLICANT_ROLES or victim_type not in VICTIM_TYPES:
            raise BadInput("choose from the list", fields=(FieldProblem(
                "applicant_role", "invalid", "Choose who is applying"),))
        if not local_area.strip():
            raise BadInput("the local area is required", fields=(FieldProblem(
                "local_area", "required", "Enter the local government area"),))
        field = "applicant_id" if applicant_role == "victim" else "victim_id"
        application = service.apply(db, actor, {
            field: person.id, "applicant_role": applicant_role, "victim_type": victim_type,
            "local_area": local_area.strip()}, list(parties or ()), now())
    except CrimeplanError as exc:
        return _new_view(request, db, actor, person, 400, errors=form_errors(exc), form=form)
    return redirect(f"/asb/reviews/{application.id}")


def _review_view(request: Request, db: DB, actor: Actor, application: Application,
                 status: int = 200, **context: Any) -> Response:
    today = uk_date(now())
    procedure = rulebook().version(application.procedure_version)
    names = {a.id: a.name for a in db.scalars(select(Agency))}
    case = application.case
    parties = [case.agency_id, *(s.agency_id for s in case.shares)]
    people = {pid: db.get(Person, pid) for pid in (application.applicant_id,
                                                   application.victim_id) if pid}
    lead = may(actor, Action.ASB_REVIEW_UPDATE, review_resource(application))
    service.view(db, actor, application)
    return page(request, "asb/review.html", status, title="ASB case review",
                review=application, fields=summary(db, application, today),
                clock=timeline.clock(application, procedure, today),
                appeal_until=timeline.appeal_open_until(application, procedure),
                check=service.threshold_check(db, application),
                recommendations=service.recommendations(db, application),
                names=names, parties=parties, people=people, lead=lead, today=today,
                steps=[s for s in STEPS if application.done_at(s[0]) is None],
                **context)


@router.get("/reviews/{review_id}")
def review_page(review_id: RecordId, request: Request, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_READ))]
                ) -> Response:
    """One review: its clock, the complaints counted and the action plan."""
    actor = _acting(actor)
    application = load_review(db, actor, Action.ASB_REVIEW_READ, review_id)
    return _review_view(request, db, actor, application)


def _moment(text: str) -> dt.datetime:
    """A date typed on the form (that day, 12:00 UK time), or now when left empty."""
    if not text:
        return now()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput("not a date", fields=(FieldProblem(
            "on", "invalid", "Enter a date like 2026-03-31"),)) from None
    return dt.datetime.combine(day, dt.time(12), UK).astimezone(dt.UTC)


@router.post("/reviews/{review_id}/steps")
def record_step(review_id: RecordId, request: Request, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_UPDATE))],
                step: Text = "", on: Text = "", outcome: Text = "", reason: Text = "",
                csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    actor = _acting(actor)
    application = load_review(db, actor, Action.ASB_REVIEW_UPDATE, review_id)
    yes = {"yes": True, "no": False}.get(outcome)
    try:
        service.record_step(db, actor, application, step, _moment(on), met=yes,
                            reason=reason or None, upheld=yes)
    except CrimeplanError as exc:
        return _review_view(request, db, actor, application, 400, errors=form_errors(exc))
    return redirect(f"/asb/reviews/{review_id}")


@router.post("/reviews/{review_id}/recommendations")
def recommend(review_id: RecordId, request: Request, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_UPDATE))],
              title: Text = "", owner_agency_id: Text = "", due_on: Text = "",
              csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    actor = _acting(actor)
    application = load_review(db, actor, Action.ASB_REVIEW_UPDATE, review_id)
    try:
        if not title.strip():
            raise BadInput("a recommendation needs a title", fields=(FieldProblem(
                "title", "required", "Enter the recommendation"),))
        due = uk_date(_moment(due_on)) if due_on else None
        service.recommend(db, actor, application, title.strip(), owner_agency_id, due)
    except CrimeplanError as exc:
        return _review_view(request, db, actor, application, 400, errors=form_errors(exc))
    return redirect(f"/asb/reviews/{review_id}")


@router.get("/figures")
def figures_page(request: Request, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.ASB_FIGURES))],
                 by: Annotated[Literal["area", "body"], Query()] = "area") -> Response:
    """The figures s.104(10) requires to be published, with a CSV to download."""
    return page(request, "asb/figures.html", title="ASB case review figures",
                rows=figure_rows(db, by), by=by)
