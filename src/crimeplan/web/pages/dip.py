"""DIP pages: the pathways the caller may see, one pathway with its next step, and the
partnership's dashboard. Same functions as the API (policy, s.62 log), purpose case
management; times are entered and shown in UK time."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from crimeplan.cases.actor import Actor
from crimeplan.cases.dip import measures, pathway
from crimeplan.cases.dip.rulebook import rules
from crimeplan.errors import BadInput, CrimeplanError, FieldProblem
from crimeplan.web.api import dip as api
from crimeplan.web.api.iom import paged
from crimeplan.web.api.schemas import PRINTABLE, RecordId
from crimeplan.web.deps import DB, Authorise, now
from crimeplan.web.pages.iom import PageNo, Text, failed, names, pages, parse_date
from crimeplan.web.pages.render import check_csrf, page, redirect
from crimeplan.web.policy import Action, may

router = APIRouter(prefix="/dip")
PURPOSE = "case-management"
Short = Annotated[str, Query(max_length=30, pattern=PRINTABLE)]
STEP_LABELS = {"initial-assessment": "Initial assessment",
               "follow-up-assessment": "Follow-up assessment",
               "referral": "Referral into treatment", "treatment-start": "Treatment started",
               "treatment-end": "Treatment ended"}


def as_dip(actor: Actor) -> Actor:
    return replace(actor, purpose=PURPOSE)


def uk_time(day: str, month: str, year: str, time: str) -> dt.datetime:
    """A UK wall-clock date and time (``HH:MM``) as a UTC timestamp."""
    date = parse_date(day, month, year, "occurred_at") or dt.date.min
    try:
        hour, minute = (int(p) for p in time.strip().split(":"))
        local = dt.datetime(date.year, date.month, date.day, hour, minute,
                            tzinfo=measures.UK)
    except ValueError as exc:
        raise BadInput("not a time", fields=(FieldProblem(
            "time", "invalid", "Enter a time as hours and minutes, for example 14:30"),)) from exc
    return local.astimezone(dt.UTC)


@router.get("")
def pathways_page(request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.DIP_PATHWAYS))],
                  state: Short = "", result: Short = "",
                  month: Annotated[str, Query(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")] = "",
                  page_no: PageNo = 1) -> Response:
    """Pathways the caller may see, newest test first, with filters."""
    actor = as_dip(actor)
    found = [p for p in api.visible_pathways(db, actor)
             if (not state or p.state == state) and (not result or p.result == result)
             and (not month or measures.month_of(p.tested_at) == month)]
    shown = paged(found, page_no)
    for p in shown:
        pathway.consult(db, actor, p.person_id, ("given_name", "family_name", "drug_test"))
    query = {"state": state, "result": result, "month": month}
    return page(request, "dip/pathways.html", title="DIP pathways", rows=shown,
                people=api.people_of(db, shown), query=query, names=names(db),
                paging=pages(len(found), page_no, query), uk=measures.UK,
                state_options=[(s, s.replace("-", " ").capitalize()) for s in pathway.STATES],
                result_options=list(rules().test_results.items()))


def _pathway_view(request: Request, db: DB, actor: Actor, pathway_id: str, status: int = 200,
                  **context: Any) -> Response:
    p = api.load_pathway(db, actor, Action.DIP_PATHWAY_READ, pathway_id)
    view = api.pathway_out(db, actor, p)
    context.setdefault("form", {})
    book = rules()
    return page(request, "dip/pathway.html", status, title="DIP pathway", p=view,
                names=names(db), book=book, uk=measures.UK, step_labels=STEP_LABELS,
                can_record=may(actor, Action.DIP_STEP, api.pathway_resource(p)),
                step_choices=list(STEP_LABELS.items()),
                end_choices=list(book.treatment_end_reasons.items()), **context)


@router.get("/pathways/{pathway_id}")
def pathway_page(pathway_id: RecordId, request: Request, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.DIP_PATHWAY_READ))]
                 ) -> Response:
    """One pathway: arrest, test and every step since, and the form for the next step."""
    return _pathway_view(request, db, as_dip(actor), pathway_id)


@router.post("/pathways/{pathway_id}/steps")
def step_form(pathway_id: RecordId, request: Request, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.DIP_STEP))], step: Text = "",
              at_day: Text = "", at_month: Text = "", at_year: Text = "", time: Text = "",
              attended: Text = "", reason: Text = "", csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    actor = as_dip(actor)
    p = api.load_pathway(db, actor, Action.DIP_STEP, pathway_id)
    try:
        at = uk_time(at_day, at_month, at_year, time)
        came = {"yes": True, "no": False}.get(attended) if step.endswith("assessment") else None
        pathway.record_step(db, actor, p, step, at, now(), came, reason or None)
    except CrimeplanError as exc:
        return _pathway_view(request, db, actor, pathway_id, 400, errors=failed(db, exc),
                             form={"step": step, "time": time, "attended": attended,
                                   "reason": reason})
    return redirect(f"/dip/pathways/{pathway_id}")


@router.get("/dashboard")
def dashboard(request: Request, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.DIP_MEASURES))]) -> Response:
    """The partnership's measures for the last 12 months, by month and testing force."""
    today = now().date()
    start = dt.datetime(today.year - 1, today.month, 1, tzinfo=dt.UTC)
    rows = api.measure_rows(db, start, None)
    return page(request, "dip/dashboard.html", title="DIP dashboard", rows=rows,
                months=sorted({r.month for r in rows}, reverse=True), notes=api.NOTES)
