"""IOM pages: the cohort with reviews due, a person's case and action plan, nominations and
the decision, an agency's actions, and offending before and after selection per cohort.

Pages do what the API does, through the same functions (so the same policy and s.62 log),
with the purpose fixed to offender management. Forms post back and redirect on success; a
form with a mistake is shown again with the GOV.UK error summary and nothing is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.accounts import User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.iom import cohort as cohort_list
from crimeplan.cases.iom import journey, nominations, outcomes
from crimeplan.cases.iom.rulebook import rules
from crimeplan.errors import BadInput, CrimeplanError, FieldProblem
from crimeplan.risk.harm import available_tables
from crimeplan.web.api import iom as api
from crimeplan.web.api.people import load as load_person
from crimeplan.web.api.schemas import PRINTABLE, RecordId
from crimeplan.web.deps import DB, Authorise, authorise, now
from crimeplan.web.pages.render import check_csrf, form_errors, page, redirect
from crimeplan.web.policy import Action, may

router = APIRouter(prefix="/iom")
PURPOSE = "offender-management"
Text = Annotated[str, Form(max_length=4000, pattern=PRINTABLE)]
Short = Annotated[str, Query(max_length=60, pattern=PRINTABLE)]
PageNo = Annotated[int, Query(ge=1, le=10_000, alias="page")]
MONTHS = (12, 24, 36)


def as_iom(actor: Actor) -> Actor:
    """Pages of this programme process personal data for offender management."""
    return replace(actor, purpose=PURPOSE)


def names(db: Session) -> dict[str, str]:
    """Display names of agencies and users, by id."""
    return {**dict(db.execute(select(Agency.id, Agency.name)).all()),
            **dict(db.execute(select(User.id, User.name)).all())}


def failed(db: Session, exc: CrimeplanError, rename: dict[str, str] | None = None
           ) -> list[dict[str, str]]:
    """Undo the form's work and turn its problem into error-summary entries, fields renamed
    to the form's own (a record the caller may not see stays not found)."""
    db.rollback()
    return form_errors(exc, rename)


def parse_date(day: str, month: str, year: str, field: str,
               required: bool = True) -> dt.date | None:
    """A date from the three boxes of a GOV.UK date input; errors name the field."""
    if not (day or month or year) and not required:
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise BadInput("not a date", fields=(FieldProblem(
            field, "invalid", "Enter a real date, for example 27 3 2027"),)) from exc


def pages(total: int, page_no: int, query: dict[str, Any]) -> dict[str, Any]:
    """Previous and next links of a paged list (GOV.UK pagination)."""
    last = max((total - 1) // api.PAGE_SIZE + 1, 1)
    kept = {k: v for k, v in query.items() if v not in (None, "")}

    def link(n: int) -> str:
        return "?" + urlencode({**kept, "page": n})
    return {"number": page_no, "last": last, "total": total,
            "previous": link(page_no - 1) if page_no > 1 else None,
            "next": link(page_no + 1) if page_no < last else None}


# --- the cohort ------------------------------------------------------------------------

@router.get("")
def cohort_page(request: Request, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.IOM_COHORT))],
                state: Short = "", cohort: Short = "", location: Short = "",
                review: Short = "", page_no: PageNo = 1) -> Response:
    """The cohort the caller may see, reviews due soonest first, with filters."""
    actor = as_iom(actor)
    filters = cohort_list.Filters(state or None, cohort or None, location or None,
                                  True if review == "overdue" else None)
    rows = api.visible_cohort(db, actor, now(), filters)
    shown = api.paged(rows, page_no)
    for r in shown:
        journey.consult(db, actor, r.person.id, ("given_name", "family_name", "iom_journey"))
    query = {"state": state, "cohort": cohort, "location": location, "review": review}
    return page(request, "iom/cohort.html", title="IOM cohort", rows=shown, query=query,
                paging=pages(len(rows), page_no, query), names=names(db), book=rules(),
                state_options=[(s, s.capitalize()) for s in journey.STATES],
                cohort_options=[(k, c.label) for k, c in rules().cohorts.items()])


# --- a case ----------------------------------------------------------------------------

def _case_view(request: Request, db: DB, actor: Actor, case_id: str, status: int = 200,
               **context: Any) -> Response:
    iom = api.load_case(db, actor, Action.IOM_CASE_READ, case_id)
    at = now()
    view = api.case_out(db, actor, iom, at)
    table = nominations.harm_table(nominations.DEFAULT_TABLE)
    [offending] = outcomes.for_cases(db, table, at, [iom.case.id]) or [None]
    manage = may(actor, Action.IOM_MANAGE, api.case_resource(iom.case, iom.allocation))
    owners = list(db.scalars(select(Agency).order_by(Agency.name)))
    completable = {t.id for t in iom.actions if t.completed_at is None and may(
        actor, Action.IOM_ACTION_COMPLETE, api.action_resource(t, iom.case))}
    context.setdefault("form", {})
    book = rules()
    return page(request, "iom/case.html", status, title="IOM case", case=view,
                completable=completable,
                cohort_choices=[(k, c.label) for k, c in book.cohorts.items()],
                pathway_choices=[(k, p.label) for k, p in book.pathways.items()],
                owner_choices=[(a.id, a.name) for a in owners],
                deselection_choices=[(k, r.label, None)
                                     for k, r in book.deselection_reasons.items()],
                offending=offending, table=table, caveats=outcomes.CAVEATS, manage=manage,
                names=names(db), book=book, today=at.date(), **context)


@router.get("/cases/{case_id}")
def case_page(case_id: RecordId, request: Request, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.IOM_CASE_READ))]) -> Response:
    """A person's IOM case: journey, needs, the action plan, reviews, offending."""
    return _case_view(request, db, as_iom(actor), case_id)


Manage = Annotated[Actor, Depends(Authorise(Action.IOM_MANAGE))]


@router.post("/cases/{case_id}/reviews")
def review_form(case_id: RecordId, request: Request, db: DB, actor: Manage, note: Text = "",
                cohort: Text = "", next_day: Text = "", next_month: Text = "",
                next_year: Text = "", csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    actor = as_iom(actor)
    iom = api.load_case(db, actor, Action.IOM_MANAGE, case_id)
    try:
        due = parse_date(next_day, next_month, next_year, "next_review_on", required=False)
        journey.review(db, actor, iom, note, now(), due, cohort or None)
    except CrimeplanError as exc:
        return _case_view(request, db, actor, case_id, 400, errors=failed(db, exc),
                          form={"note": note, "cohort": cohort})
    return redirect(f"/iom/cases/{case_id}#reviews")


@router.post("/cases/{case_id}/actions")
def action_form(case_id: RecordId, request: Request, db: DB, actor: Manage, title: Text = "",
                pathway: Text = "", owner_agency_id: Text = "", due_day: Text = "",
                due_month: Text = "", due_year: Text = "", csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    actor = as_iom(actor)
    iom = api.load_case(db, actor, Action.IOM_MANAGE, case_id)
    try:
        due = parse_date(due_day, due_month, due_year, "due_on")
        journey.add_action(db, actor, iom, title, pathway, owner_agency_id, None,
                           due or now().date(), now())
    except CrimeplanError as exc:
        return _case_view(request, db, actor, case_id, 400, errors=failed(db, exc),
                          form={"title": title, "pathway": pathway,
                                "owner_agency_id": owner_agency_id})
    return redirect(f"/iom/cases/{case_id}#plan")


@router.post("/cases/{case_id}/deselection")
def deselect_form(case_id: RecordId, request: Request, db: DB, actor: Manage,
                  reason: Text = "", deselection_note: Text = "", csrf_token: Text = ""
                  ) -> Response:
    check_csrf(request, csrf_token)
    actor = as_iom(actor)
    iom = api.load_case(db, actor, Action.IOM_MANAGE, case_id)
    try:
        journey.deselect(db, actor, iom, reason, deselection_note, now())
    except CrimeplanError as exc:
        return _case_view(request, db, actor, case_id, 400,
                          errors=failed(db, exc, {"note": "deselection_note"}),
                          form={"reason": reason, "deselection_note": deselection_note})
    return redirect(f"/iom/cases/{case_id}")


@router.post("/actions/{action_id}/completion")
def complete_form(action_id: RecordId, request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.IOM_ACTION_COMPLETE))],
                  back: Text = "", csrf_token: Text = "") -> Response:
    """Mark an action done, then go back to the case or the agency's actions."""
    check_csrf(request, csrf_token)
    actor = as_iom(actor)
    task, case = journey.action(db, action_id)
    authorise(actor, Action.IOM_ACTION_COMPLETE, api.action_resource(task, case))
    if task.completed_at is None:
        journey.complete_action(db, actor, task, str(case.person_id), now())
    return redirect(f"/iom/cases/{case.id}#plan" if back == "case" else "/iom/actions")


# --- an agency's actions ---------------------------------------------------------------

@router.get("/actions")
def actions_page(request: Request, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.IOM_ACTIONS))],
                 page_no: PageNo = 1) -> Response:
    """The IOM actions the caller's agency owns: the person and the action, nothing else."""
    actor = as_iom(actor)
    found = api.visible_actions(db, actor)
    shown = api.paged(found, page_no)
    for task, _, person in shown:
        journey.consult(db, actor, person.id, ("given_name", "family_name",
                                               f"action:{task.pathway}"))
    return page(request, "iom/actions.html", title="IOM actions for your agency", rows=shown,
                today=now().date(), book=rules(), paging=pages(len(found), page_no, {}))


# --- nominations -----------------------------------------------------------------------

def _period(months: int, today: dt.date) -> tuple[dt.date, dt.date]:
    end = today + dt.timedelta(days=1)
    return end - dt.timedelta(days=round(months * 365.25 / 12)), end


def _scoring(db: Session, harm_table: str, months: int) -> nominations.Scoring:
    if months not in MONTHS:
        raise BadInput("period", fields=(FieldProblem("months", "invalid",
                                                      "Choose 12, 24 or 36 months"),))
    return nominations.score(db, nominations.harm_table(harm_table),
                             *_period(months, now().date()))


@router.get("/nominations")
def nominations_page(request: Request, db: DB,
                     actor: Annotated[Actor, Depends(Authorise(Action.IOM_NOMINATIONS))],
                     harm_table: Short = nominations.DEFAULT_TABLE,
                     months: Annotated[int, Query(ge=1, le=120)] = 12,
                     page_no: PageNo = 1) -> Response:
    """People ranked by the harm of their recorded offences, with the parts of each score."""
    actor = as_iom(actor)
    scoring = _scoring(db, harm_table, months)
    found = api.visible_nominations(db, actor, scoring)
    shown = api.paged(found, page_no)
    nominations.log_shown(db, actor, shown)
    query = {"harm_table": harm_table, "months": months}
    return page(request, "iom/nominations.html", title="IOM nominations", scoring=scoring,
                items=api.nomination_items(db, shown), query=query, tables=available_tables(),
                month_options=MONTHS, paging=pages(len(found), page_no, query),
                note=api.NOTE, can_decide=may(actor, Action.IOM_DECIDE,
                                              api.new_case_resource(actor)))


def _decision_view(request: Request, db: DB, actor: Actor, person_id: str, harm_table: str,
                   months: int, status: int = 200, **context: Any) -> Response:
    person, _ = load_person(db, actor, Action.PERSON_READ, person_id)
    scoring = _scoring(db, harm_table, months)
    nomination = scoring.of(person.id)
    shown = [nomination] if nomination else []
    nominations.log_shown(db, actor, shown)
    [item] = api.nomination_items(db, shown) or [None]
    partners = [a for a in db.scalars(select(Agency).order_by(Agency.name))
                if a.kind in api.LEAD_KINDS and a.id != actor.agency_id]
    return page(request, "iom/decide.html", status, title="Decide on a nomination",
                person=person, item=item, scoring=scoring, harm_table=harm_table,
                months=months, book=rules(), partners=partners, **context)


@router.get("/nominations/{person_id}")
def decision_page(person_id: RecordId, request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.IOM_DECIDE))],
                  harm_table: Short = nominations.DEFAULT_TABLE,
                  months: Annotated[int, Query(ge=1, le=120)] = 12) -> Response:
    """One nomination, its score and components, and the decision form."""
    actor = as_iom(actor)
    authorise(actor, Action.IOM_DECIDE, api.new_case_resource(actor))
    return _decision_view(request, db, actor, person_id, harm_table, months)


@router.post("/nominations/{person_id}")
def decision_form(person_id: RecordId, request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.IOM_DECIDE))],
                  decision: Text = "", reason: Text = "", harm_table: Text = "",
                  months: Text = "12",
                  partners: Annotated[list[str] | None, Form()] = None,
                  csrf_token: Text = "") -> Response:
    """Record the decision: select into a cohort (the case opens) or do not select."""
    check_csrf(request, csrf_token)
    actor = as_iom(actor)
    authorise(actor, Action.IOM_DECIDE, api.new_case_resource(actor))
    person, _ = load_person(db, actor, Action.PERSON_READ, person_id)
    span = int(months) if months.isdigit() else 12
    choice, _, cohort = decision.partition(":")
    try:
        scoring = _scoring(db, harm_table or nominations.DEFAULT_TABLE, span)
        row = nominations.decide(db, actor, person, scoring, choice, reason, now(),
                                 cohort or None, [p for p in partners or [] if len(p) <= 36])
    except CrimeplanError as exc:
        return _decision_view(request, db, actor, person_id,
                              harm_table or nominations.DEFAULT_TABLE, span, 400,
                              errors=failed(db, exc), form={"decision": decision,
                                                            "reason": reason})
    if row.case_id:
        return redirect(f"/iom/cases/{row.case_id}")
    return redirect(f"/iom/nominations?{urlencode({'harm_table': harm_table, 'months': span})}")


# --- outcomes --------------------------------------------------------------------------

@router.get("/outcomes")
def outcomes_page(request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.IOM_OUTCOMES))],
                  harm_table: Short = nominations.DEFAULT_TABLE) -> Response:
    """Offending before and after selection per cohort, with the caveats."""
    table = nominations.harm_table(harm_table)
    return page(request, "iom/outcomes.html", title="Offending before and after selection",
                cohorts=api.cohort_outcomes(db, table, outcomes.DEFAULT_WINDOW_DAYS),
                table=table, tables=available_tables(), caveats=outcomes.CAVEATS,
                window_days=outcomes.DEFAULT_WINDOW_DAYS, book=rules())
