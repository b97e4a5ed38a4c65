"""Use cases on cases: opened by an agency, shared with named agencies, with tasks, notes and
MoPI retention reviews. Every status is derived from timestamps (see :mod:`casework`).

A case about a person is that person's data: its collection, reads, sharing (a disclosure to
the agency named) and changes are logged against the person, with fields ``case.<field>``.
Restricted notes are shown to the owning agency only; a note says whether it records a fact
or a professional's assessment (DPA 2018 s.38(2)).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimeplan.cases import retention, s62
from crimeplan.cases.accounts import User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case, CaseNote, CaseShare, RetentionReview, Task
from crimeplan.cases.db import utcnow
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Person
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound
from crimeplan.standard.pole import PROGRAMMES

NOTE_BASES = ("fact", "assessment")
SENSITIVITIES = ("standard", "restricted")
REVIEW_DECISIONS = ("retain", "dispose")


def get(db: Session, case_id: str) -> Case:
    case = db.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def _log(db: Session, actor: Actor, category: s62.Category, case: Case, fields: list[str],
         recipients: list[s62.Recipient] | None = None) -> None:
    """Log processing of the case against its person (a case about no one is not personal
    data)."""
    if case.person_id is not None:
        s62.log(db, actor, category, s62.Subject("person", case.person_id),
                [f"case.{f}" for f in fields], recipients or [])


def _problem(field: str, code: str, message: str) -> BadInput:
    return BadInput(message, fields=(FieldProblem(field, code, message),))


def last_activity(db: Session, case: Case) -> dt.date:
    """The last time the case's subject came to notice: the newest of the case's own dates
    and the events the person took part in."""
    dates = [case.opened_at.date()] + ([case.closed_at.date()] if case.closed_at else [])
    if case.person_id is not None:
        newest = db.scalar(select(func.max(Event.occurred_at)).join(
            Participant, Participant.event_id == Event.id).where(
            Participant.person_id == case.person_id))
        if newest is not None:
            dates.append(newest.date() if isinstance(newest, dt.datetime) else newest)
    return max(dates)


def open_case(db: Session, actor: Actor, agency_id: str, programme: str, title: str,
              person: Person | None = None, sensitivity: str = "standard",
              retention_group: str | None = None, opened_at: dt.datetime | None = None
              ) -> Case:
    """Open a case owned by an agency (about a person, usually)."""
    if programme not in PROGRAMMES:
        raise _problem("programme", "invalid", f"Use one of: {', '.join(PROGRAMMES)}")
    if sensitivity not in SENSITIVITIES:
        raise _problem("sensitivity", "invalid", "Use standard or restricted")
    if retention_group is not None and retention_group not in retention.rules().groups:
        raise _problem("retention_group", "invalid",
                       f"Use one of: {', '.join(retention.rules().groups)}")
    case = Case(agency_id=agency_id, programme=programme, title=title,
                person_id=person.id if person else None, sensitivity=sensitivity,
                retention_group=retention_group, opened_at=opened_at or utcnow())
    db.add(case)
    db.flush()
    if retention_group is not None:
        today = case.opened_at.date()
        case.review_on = retention.review_date(retention_group, today,
                                               last_activity(db, case))
    _log(db, actor, s62.Category.COLLECTION, case, ["programme", "title", "sensitivity"])
    return case


def notes_for(case: Case, notes: list[CaseNote], agency_id: str | None) -> list[CaseNote]:
    """The notes a member of ``agency_id`` may see: restricted ones to the owning agency
    only."""
    return [n for n in notes if n.sensitivity == "standard" or agency_id == case.agency_id]


def as_dict(db: Session, case: Case, agency_id: str | None, today: dt.date) -> dict[str, Any]:
    """The case with its tasks and the notes the agency may see; statuses as of ``today``."""
    tasks = db.scalars(select(Task).where(Task.case_id == case.id)
                       .order_by(Task.due_on, Task.created_at)).all()
    notes = db.scalars(select(CaseNote).where(CaseNote.case_id == case.id)
                       .order_by(CaseNote.created_at.desc())).all()
    return {
        "id": case.id, "agency_id": case.agency_id, "programme": case.programme,
        "person_id": case.person_id, "title": case.title, "sensitivity": case.sensitivity,
        "opened_at": case.opened_at, "closed_at": case.closed_at,
        "close_reason": case.close_reason, "status": case.status,
        "retention_group": case.retention_group, "review_on": case.review_on,
        "review_state": retention.review_state(case.review_on, today),
        "shared_with": sorted(s.agency_id for s in case.shares),
        "tasks": [{"id": t.id, "title": t.title, "owner_agency_id": t.owner_agency_id,
                   "owner_user_id": t.owner_user_id, "pathway": t.pathway, "due_on": t.due_on,
                   "created_at": t.created_at, "completed_at": t.completed_at,
                   "status": t.status(today)} for t in tasks],
        "notes": [{"id": n.id, "agency_id": n.agency_id, "author_user_id": n.author_user_id,
                   "text": n.text, "sensitivity": n.sensitivity, "basis": n.basis,
                   "created_at": n.created_at}
                  for n in notes_for(case, list(notes), agency_id)],
    }


def view(db: Session, actor: Actor, case: Case, today: dt.date) -> dict[str, Any]:
    """The case as the caller's agency may see it, logged against its person."""
    out = as_dict(db, case, actor.agency_id, today)
    fields = ["programme", "title", "status", "tasks"] + (["notes"] if out["notes"] else [])
    if actor.client_id is not None:
        _log(db, actor, s62.Category.DISCLOSURE, case, fields,
             [s62.Recipient(str(actor.agency_id), actor.client_id)])
    else:
        _log(db, actor, s62.Category.CONSULTATION, case, fields)
    return out


def share(db: Session, actor: Actor, case: Case, agency_id: str) -> CaseShare:
    """Share the case with a named agency (a disclosure to it)."""
    if db.get(Agency, agency_id) is None:
        raise _problem("agency_id", "unknown", "No such agency")
    if agency_id == case.agency_id or any(s.agency_id == agency_id for s in case.shares):
        raise Conflict("the case is already held by that agency")
    row = CaseShare(case_id=case.id, agency_id=agency_id)
    case.shares.append(row)
    _log(db, actor, s62.Category.DISCLOSURE, case, ["programme", "title", "tasks", "notes"],
         [s62.Recipient(agency_id)])
    db.flush()
    return row


def close(db: Session, actor: Actor, case: Case, reason: str,
          at: dt.datetime | None = None) -> Case:
    if case.closed_at is not None:
        raise Conflict("the case is already closed")
    case.closed_at, case.close_reason = at or utcnow(), reason
    _log(db, actor, s62.Category.ALTERATION, case, ["closed_at", "close_reason"])
    return case


def add_task(db: Session, actor: Actor, case: Case, title: str, owner_agency_id: str,
             due_on: dt.date | None = None, owner_user_id: str | None = None,
             pathway: str | None = None) -> Task:
    """A task for an agency taking part in the case (the owner or one it is shared with),
    and optionally one of its workers."""
    involved = {case.agency_id, *(s.agency_id for s in case.shares)}
    if owner_agency_id not in involved:
        raise _problem("owner_agency_id", "not-involved",
                       "The task's owner must be the case's agency or one it is shared with")
    if owner_user_id is not None:
        user = db.get(User, owner_user_id)
        if user is None or user.agency_id != owner_agency_id:
            raise _problem("owner_user_id", "unknown", "No such worker in that agency")
    task = Task(case_id=case.id, title=title, owner_agency_id=owner_agency_id,
                owner_user_id=owner_user_id, due_on=due_on, pathway=pathway)
    db.add(task)
    db.flush()
    _log(db, actor, s62.Category.ALTERATION, case, ["tasks"])
    return task


def complete_task(db: Session, actor: Actor, case: Case, task_id: str,
                  at: dt.datetime | None = None) -> Task:
    task = db.get(Task, task_id)
    if task is None or task.case_id != case.id:
        raise NotFound(f"no task {task_id}")
    if task.completed_at is not None:
        raise Conflict("the task is already done")
    task.completed_at = at or utcnow()
    _log(db, actor, s62.Category.ALTERATION, case, ["tasks"])
    return task


def add_note(db: Session, actor: Actor, case: Case, text: str, sensitivity: str = "standard",
             basis: str = "fact") -> CaseNote:
    if sensitivity not in SENSITIVITIES:
        raise _problem("sensitivity", "invalid", "Use standard or restricted")
    if basis not in NOTE_BASES:
        raise _problem("basis", "invalid", "Say whether the note is a fact or an assessment")
    note = CaseNote(case_id=case.id, agency_id=str(actor.agency_id), text=text,
                    author_user_id=actor.user_id, sensitivity=sensitivity, basis=basis)
    db.add(note)
    db.flush()
    _log(db, actor, s62.Category.COLLECTION, case, ["notes"])
    return note


def review(db: Session, actor: Actor, case: Case, decision: str, reason: str,
           today: dt.date) -> RetentionReview:
    """Record a MoPI review: retaining sets the next review date from the case's group;
    disposing closes the case (erasing the record is the DPO's separate step)."""
    if decision not in REVIEW_DECISIONS:
        raise _problem("decision", "invalid", "Choose retain or dispose")
    if case.retention_group is None:
        raise _problem("retention_group", "required", "The case has no MoPI review group")
    next_on = (retention.review_date(case.retention_group, today, last_activity(db, case))
               if decision == "retain" else None)
    row = RetentionReview(case_id=case.id, reviewed_by_user_id=actor.user_id,
                          decision=decision, reason=reason, next_review_on=next_on)
    db.add(row)
    case.review_on = next_on
    if decision == "dispose" and case.closed_at is None:
        case.closed_at, case.close_reason = utcnow(), f"MoPI review: {reason}"[:200]
    _log(db, actor, s62.Category.ALTERATION, case, ["review_on"])
    db.flush()
    return row
