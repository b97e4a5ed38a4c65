"""Case work: cases owned by an agency and shared with named agencies, tasks, notes and MoPI
retention reviews; through the policy and the s.62 log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from crimeplan.cases import case_records, records, retention, s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.casework import Case
from crimeplan.cases.s62 import require_purpose
from crimeplan.web.api.pole_schemas import (
    CaseClose,
    CaseIn,
    CaseOut,
    CaseShareIn,
    CaseSummary,
    NoteIn,
    Programme,
    ReviewIn,
    ReviewOut,
    TaskIn,
)
from crimeplan.web.api.resources import case_resource, person_resource
from crimeplan.web.api.schemas import PRINTABLE, CodeItem, RecordId
from crimeplan.web.deps import DB, Authorise, authorise
from crimeplan.web.policy import Action, Resource, may

router = APIRouter(tags=["case work"])


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def load(db: DB, actor: Actor, action: Action, case_id: str) -> Case:
    require_purpose(actor)
    case = case_records.get(db, case_id)
    authorise(actor, action, case_resource(db, case))
    return case


def summary(case: Case, on: dt.date) -> CaseSummary:
    return CaseSummary(id=case.id, agency_id=case.agency_id, programme=case.programme,
                       person_id=case.person_id, title=case.title, status=case.status,
                       opened_at=case.opened_at, review_on=case.review_on,
                       review_state=retention.review_state(case.review_on, on))


def visible_cases(db: DB, actor: Actor, action: Action, programme: str | None = None,
                  status: str | None = None, person_id: str | None = None) -> list[Case]:
    """The cases the caller may ``action``, filtered, newest first; each listed case is
    logged as consulted (titles are about people)."""
    query = select(Case).order_by(Case.opened_at.desc(), Case.id)
    if programme:
        query = query.where(Case.programme == programme)
    if person_id:
        query = query.where(Case.person_id == person_id)
    if status == "open":
        query = query.where(Case.closed_at.is_(None))
    elif status == "closed":
        query = query.where(Case.closed_at.is_not(None))
    cases = [c for c in db.scalars(query) if may(actor, action, case_resource(db, c))]
    for case in cases:
        if case.person_id is not None:
            s62.log(db, actor, s62.Category.CONSULTATION,
                    s62.Subject("person", case.person_id), ("case.programme", "case.title"))
    return cases


@router.get("/cases", response_model=list[CaseSummary])
def list_cases(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.CASE_LIST))],
               programme: Programme | None = None,
               status: Literal["open", "closed"] | None = None,
               person_id: Annotated[str | None, Query(max_length=36, pattern=PRINTABLE)] = None
               ) -> list[CaseSummary]:
    """Cases the caller's agency owns or was shared, with filters."""
    require_purpose(actor)
    on = today()
    return [summary(c, on) for c in visible_cases(db, actor, Action.CASE_READ, programme,
                                                  status, person_id)]


@router.post("/cases", response_model=CaseOut, status_code=201)
def open_case(body: CaseIn, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.CASE_CREATE))]
              ) -> dict[str, Any]:
    """Open a case for the caller's agency, about a person it may read."""
    require_purpose(actor)
    authorise(actor, Action.CASE_CREATE, Resource("case", None, actor.agency_id))
    person = None
    if body.person_id:
        person = records.get(db, body.person_id)
        authorise(actor, Action.PERSON_READ, person_resource(person))
    case = case_records.open_case(db, actor, str(actor.agency_id), body.programme, body.title,
                                  person, body.sensitivity, body.retention_group)
    return case_records.as_dict(db, case, actor.agency_id, today())


@router.get("/cases/{case_id}", response_model=CaseOut)
def read_case(case_id: RecordId, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.CASE_READ))]
              ) -> dict[str, Any]:
    """A case with its tasks and the notes the caller's agency may see (restricted notes:
    the owning agency only)."""
    case = load(db, actor, Action.CASE_READ, case_id)
    return case_records.view(db, actor, case, today())


@router.post("/cases/{case_id}/shares", status_code=204)
def share_case(case_id: RecordId, body: CaseShareIn, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.CASE_SHARE))]) -> Response:
    """Share the case with a named agency (a disclosure, logged with the recipient)."""
    case = load(db, actor, Action.CASE_SHARE, case_id)
    case_records.share(db, actor, case, body.agency_id)
    return Response(status_code=204)


@router.post("/cases/{case_id}/close", response_model=CaseOut)
def close_case(case_id: RecordId, body: CaseClose, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.CASE_UPDATE))]
               ) -> dict[str, Any]:
    case = load(db, actor, Action.CASE_UPDATE, case_id)
    case_records.close(db, actor, case, body.reason)
    return case_records.as_dict(db, case, actor.agency_id, today())


@router.post("/cases/{case_id}/tasks", response_model=CaseOut, status_code=201)
def add_task(case_id: RecordId, body: TaskIn, db: DB,
             actor: Annotated[Actor, Depends(Authorise(Action.CASE_UPDATE))]
             ) -> dict[str, Any]:
    """A task for the owning agency or one the case is shared with, with a due date."""
    case = load(db, actor, Action.CASE_UPDATE, case_id)
    case_records.add_task(db, actor, case, body.title, body.owner_agency_id, body.due_on,
                          body.owner_user_id, body.pathway)
    return case_records.as_dict(db, case, actor.agency_id, today())


@router.post("/cases/{case_id}/tasks/{task_id}/complete", response_model=CaseOut)
def complete_task(case_id: RecordId, task_id: RecordId, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.CASE_UPDATE))]
                  ) -> dict[str, Any]:
    case = load(db, actor, Action.CASE_UPDATE, case_id)
    case_records.complete_task(db, actor, case, task_id)
    return case_records.as_dict(db, case, actor.agency_id, today())


@router.post("/cases/{case_id}/notes", response_model=CaseOut, status_code=201)
def add_note(case_id: RecordId, body: NoteIn, db: DB,
             actor: Annotated[Actor, Depends(Authorise(Action.CASE_UPDATE))]
             ) -> dict[str, Any]:
    """A note, standard or restricted (owning agency only), recording a fact or an
    assessment."""
    case = load(db, actor, Action.CASE_UPDATE, case_id)
    case_records.add_note(db, actor, case, body.text, body.sensitivity, body.basis)
    return case_records.as_dict(db, case, actor.agency_id, today())


@router.get("/retention/reviews-due", response_model=list[CaseSummary], tags=["oversight"])
def reviews_due(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.RETENTION_LIST))]
                ) -> list[CaseSummary]:
    """The caller's agency's cases whose MoPI review is overdue or due within 90 days."""
    require_purpose(actor)
    on = today()
    due = [c for c in db.scalars(select(Case).where(
               Case.review_on.is_not(None), Case.review_on <= on + retention.DUE_SOON)
               .order_by(Case.review_on, Case.id))
           if may(actor, Action.RETENTION_REVIEW, case_resource(db, c))]
    for case in due:
        if case.person_id is not None:
            s62.log(db, actor, s62.Category.CONSULTATION,
                    s62.Subject("person", case.person_id), ("case.title", "case.review_on"))
    return [summary(c, on) for c in due]


@router.post("/cases/{case_id}/retention-reviews", response_model=ReviewOut, status_code=201)
def review_case(case_id: RecordId, body: ReviewIn, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.RETENTION_REVIEW))]
                ) -> ReviewOut:
    """Record a MoPI review: retain (the next review date follows from the group) or
    dispose (the case closes)."""
    case = load(db, actor, Action.RETENTION_REVIEW, case_id)
    row = case_records.review(db, actor, case, body.decision, body.reason, today())
    return ReviewOut(case_id=case.id, decision=row.decision, reason=row.reason,
                     next_review_on=row.next_review_on)


@router.get("/retention-groups", response_model=list[CodeItem], tags=["code lists"])
def retention_groups(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]
                     ) -> list[CodeItem]:
    """The MoPI review groups of the rules in force."""
    return [CodeItem(id=g.id, label=g.label) for g in retention.rules().groups.values()]
