"""A person's IOM journey: referral, assessment, selection, reviews, allocation and transfer,
pathway needs, the action plan, de-selection. Each use case writes its s.62 entry (subject:
the person) in the caller's transaction; states are derived from timestamps, never stored.

Who may call what is the access policy's business (the web layer asks it first); these
functions check the journey's own order (no review before selection, no second referral
while one is open) and the codes against the rules in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.accounts import User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case, CaseShare, Task
from crimeplan.cases.iom.history import Custody, in_custody
from crimeplan.cases.iom.models import IomAllocation, IomNeed, IomRecord, IomReview
from crimeplan.cases.iom.rulebook import IomRules, rules
from crimeplan.cases.people import Person
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound

PROGRAMME = "iom"
TITLE = "Integrated Offender Management"

#: Journey states, in order.
REFERRED, ASSESSED, ACTIVE, DESELECTED = "referred", "assessed", "active", "deselected"
STATES = (REFERRED, ASSESSED, ACTIVE, DESELECTED)


def _bad(field: str, message: str, code: str = "invalid") -> BadInput:
    return BadInput(message, fields=(FieldProblem(field, code, message),))


def subject(person_id: str) -> s62.Subject:
    return s62.Subject("person", person_id)


# --- derived state ---------------------------------------------------------------------

def state(record: IomRecord) -> str:
    """referred, assessed, active or deselected, from the journey's timestamps."""
    if record.deselected_at is not None:
        return DESELECTED
    if record.selected_at is not None:
        return ACTIVE
    if record.assessed_at is not None:
        return ASSESSED
    return REFERRED


def location(record: IomRecord, spells: list[Custody], now: dt.datetime) -> str | None:
    """Where an active person is: ``custody`` or ``community`` (None unless active)."""
    if state(record) != ACTIVE:
        return None
    return "custody" if in_custody(spells, now) else "community"


def current_cohort(record: IomRecord, reviews: list[IomReview]) -> str | None:
    """The cohort chosen at selection, or at the latest review that moved it."""
    moved = [r for r in reviews if r.cohort]
    return max(moved, key=lambda r: r.held_at).cohort if moved else record.cohort


def review_due_on(record: IomRecord, reviews: list[IomReview]) -> dt.date | None:
    """When the next review falls due (None unless active)."""
    if state(record) != ACTIVE:
        return None
    if reviews:
        return max(reviews, key=lambda r: r.held_at).next_review_on
    return record.first_review_on


def review_overdue(record: IomRecord, reviews: list[IomReview], today: dt.date) -> bool:
    due = review_due_on(record, reviews)
    return due is not None and due < today


# --- loading ---------------------------------------------------------------------------

@dataclass
class IomCase:
    """An IOM case with its journey, reviews, allocations, needs and action plan."""

    case: Case
    record: IomRecord
    person: Person
    reviews: list[IomReview]
    allocations: list[IomAllocation]
    needs: list[IomNeed]
    actions: list[Task]

    @property
    def allocation(self) -> IomAllocation | None:
        """The current lead (the allocation not yet ended)."""
        live = [a for a in self.allocations if a.to_at is None]
        return live[-1] if live else None

    def current_needs(self) -> dict[str, IomNeed]:
        """The latest need per pathway."""
        out: dict[str, IomNeed] = {}
        for need in sorted(self.needs, key=lambda n: n.assessed_at):
            out[need.pathway] = need
        return out


def get(db: Session, case_id: str) -> IomCase:
    """An IOM case by its case id (not found unless it is an IOM case)."""
    case = db.get(Case, case_id)
    record = db.get(IomRecord, case_id)
    if case is None or record is None or case.programme != PROGRAMME:
        raise NotFound(f"no IOM case {case_id}")
    person = db.get(Person, case.person_id)
    if person is None:
        raise NotFound(f"no IOM case {case_id}")
    return IomCase(
        case, record, person,
        list(db.scalars(select(IomReview).where(IomReview.case_id == case_id)
                        .order_by(IomReview.held_at))),
        list(db.scalars(select(IomAllocation).where(IomAllocation.case_id == case_id)
                        .order_by(IomAllocation.from_at))),
        list(db.scalars(select(IomNeed).where(IomNeed.case_id == case_id)
                        .order_by(IomNeed.assessed_at))),
        list(db.scalars(select(Task).where(Task.case_id == case_id)
                        .order_by(Task.due_on, Task.created_at))))


def open_case_of(db: Session, person_id: str) -> Case | None:
    """The person's IOM case that is not de-selected, if any."""
    return db.scalar(select(Case).join(IomRecord, IomRecord.case_id == Case.id)
                     .where(Case.person_id == person_id, Case.programme == PROGRAMME,
                            IomRecord.deselected_at.is_(None)))


# --- use cases -------------------------------------------------------------------------

def _agency(db: Session, agency_id: str, field: str) -> Agency:
    agency = db.get(Agency, agency_id)
    if agency is None:
        raise _bad(field, "No such agency", "unknown")
    return agency


def _share(db: Session, actor: Actor, iom: Case, person_id: str, agency_id: str) -> None:
    """Share the case with another agency (a disclosure of the IOM record to it)."""
    if agency_id == iom.agency_id or any(s.agency_id == agency_id for s in iom.shares):
        return
    iom.shares.append(CaseShare(case_id=iom.id, agency_id=agency_id))
    s62.log(db, actor, s62.Category.DISCLOSURE, subject(person_id),
            ("iom_referral", "iom_journey"), [s62.Recipient(agency_id)])


def refer(db: Session, actor: Actor, person: Person, reason: str, partners: list[str],
          at: dt.datetime) -> Case:
    """Refer a person to IOM: a case owned by the caller's agency, led by the caller, shared
    with the named partner agencies (a disclosure to each)."""
    if not reason.strip():
        raise _bad("reason", "Say why the person is referred", "required")
    if open_case_of(db, person.id) is not None:
        raise Conflict("this person already has an open IOM case")
    for agency_id in partners:
        _agency(db, agency_id, "partners")
    iom = Case(agency_id=str(actor.agency_id), programme=PROGRAMME, person_id=person.id,
               title=TITLE, opened_at=at)
    db.add(iom)
    db.flush()
    db.add(IomRecord(case_id=iom.id, referred_at=at, referring_agency_id=str(actor.agency_id),
                     referral_reason=reason.strip(), rules_version=rules().version))
    db.add(IomAllocation(case_id=iom.id, agency_id=str(actor.agency_id), user_id=actor.user_id,
                         from_at=at, reason="referral"))
    s62.log(db, actor, s62.Category.COLLECTION, subject(person.id), ("iom_referral",))
    for agency_id in partners:
        _share(db, actor, iom, person.id, agency_id)
    db.flush()
    return iom


def assess(db: Session, actor: Actor, iom: IomCase, summary: str, at: dt.datetime) -> None:
    """Record the assessment of a referred person."""
    if state(iom.record) != REFERRED:
        raise Conflict("the person has already been assessed")
    if not summary.strip():
        raise _bad("summary", "Summarise the assessment", "required")
    _not_before(at, iom.record.referred_at, "assessed_at", "the referral")
    iom.record.assessed_at = at
    iom.record.assessment_summary = summary.strip()
    s62.log(db, actor, s62.Category.COLLECTION, subject(iom.person.id), ("iom_assessment",))


def _cohort(cohort: str, book: IomRules) -> str:
    if cohort not in book.cohorts:
        raise _bad("cohort", f"Choose one of: {', '.join(book.cohorts)}")
    return cohort


def _not_before(at: dt.datetime, earlier: dt.datetime, field: str, what: str) -> None:
    if at < earlier:
        raise _bad(field, f"This cannot be before {what}")


def select_into(db: Session, actor: Actor, iom: IomCase, cohort: str, reason: str,
                at: dt.datetime, first_review_on: dt.date | None = None) -> None:
    """Select an assessed person into a cohort, with the decision's reason; the first
    review falls due after the rules' interval unless another date is given."""
    book = rules()
    if state(iom.record) != ASSESSED:
        raise Conflict("only an assessed person who is not yet selected can be selected")
    if not reason.strip():
        raise _bad("reason", "Give the reason for the decision", "required")
    _not_before(at, iom.record.assessed_at or at, "selected_at", "the assessment")
    due = first_review_on or at.date() + dt.timedelta(days=book.review_interval_days)
    if due <= at.date():
        raise _bad("first_review_on", "The first review must be after the selection")
    record = iom.record
    record.cohort = _cohort(cohort, book)
    record.selected_at = at
    record.selection_reason = reason.strip()
    record.selected_by_user_id = actor.user_id
    record.first_review_on = due
    s62.log(db, actor, s62.Category.COLLECTION, subject(iom.person.id),
            ("iom_selection", "iom_cohort"))


def review(db: Session, actor: Actor, iom: IomCase, note: str, at: dt.datetime,
           next_review_on: dt.date | None = None, cohort: str | None = None) -> IomReview:
    """Review an active case: the next review date (after the rules' interval unless given)
    and, if the partnership decides so, a new cohort."""
    book = rules()
    if state(iom.record) != ACTIVE:
        raise Conflict("only an active case is reviewed")
    if not note.strip():
        raise _bad("note", "Record what the review found", "required")
    _not_before(at, iom.record.selected_at or at, "held_at", "the selection")
    due = next_review_on or at.date() + dt.timedelta(days=book.review_interval_days)
    if due <= at.date():
        raise _bad("next_review_on", "The next review must be after this one")
    row = IomReview(case_id=iom.case.id, held_at=at, agency_id=str(actor.agency_id),
                    user_id=actor.user_id, note=note.strip(), next_review_on=due,
                    cohort=_cohort(cohort, book) if cohort else None)
    db.add(row)
    iom.reviews.append(row)
    s62.log(db, actor, s62.Category.COLLECTION, subject(iom.person.id),
            ("iom_review", *(("iom_cohort",) if cohort else ())))
    return row


def deselect(db: Session, actor: Actor, iom: IomCase, reason: str, note: str,
             at: dt.datetime) -> None:
    """De-select an active person with a reason from the rules (the case closes)."""
    book = rules()
    if state(iom.record) != ACTIVE:
        raise Conflict("only an active case can be de-selected")
    if reason not in book.deselection_reasons:
        raise _bad("reason", f"Choose one of: {', '.join(book.deselection_reasons)}")
    if reason == "other" and not note.strip():
        raise _bad("note", "Say why, when the reason is 'other'", "required")
    _not_before(at, iom.record.selected_at or at, "deselected_at", "the selection")
    iom.record.deselected_at = at
    iom.record.deselection_reason = reason
    iom.record.deselection_note = note.strip() or None
    iom.case.closed_at = at
    iom.case.close_reason = book.deselection_reasons[reason].label
    if (lead := iom.allocation) is not None:
        lead.to_at = at
    s62.log(db, actor, s62.Category.ALTERATION, subject(iom.person.id), ("iom_deselection",))


def transfer(db: Session, actor: Actor, iom: IomCase, agency_id: str, user_id: str | None,
             reason: str, at: dt.datetime) -> IomAllocation:
    """Hand the lead to another agency or worker; the case is shared with a new agency."""
    if state(iom.record) == DESELECTED:
        raise Conflict("a de-selected case is not transferred")
    if not reason.strip():
        raise _bad("reason", "Say why the case is transferred", "required")
    _agency(db, agency_id, "agency_id")
    if user_id is not None:
        user = db.get(User, user_id)
        if user is None or user.agency_id != agency_id:
            raise _bad("user_id", "Choose a worker of that agency")
    lead = iom.allocation
    if lead is not None and (lead.agency_id, lead.user_id) == (agency_id, user_id):
        raise Conflict("the case is already led by them")
    if lead is not None:
        _not_before(at, lead.from_at, "at", "the current allocation")
        lead.to_at = at
    row = IomAllocation(case_id=iom.case.id, agency_id=agency_id, user_id=user_id, from_at=at,
                        reason=reason.strip())
    db.add(row)
    iom.allocations.append(row)
    s62.log(db, actor, s62.Category.ALTERATION, subject(iom.person.id), ("iom_allocation",))
    _share(db, actor, iom.case, iom.person.id, agency_id)
    return row


def record_need(db: Session, actor: Actor, iom: IomCase, pathway: str, level: str,
                note: str, at: dt.datetime) -> IomNeed:
    """Record the need on one pathway as assessed now."""
    book = rules()
    if pathway not in book.pathways:
        raise _bad("pathway", f"Choose one of: {', '.join(book.pathways)}")
    if level not in book.need_levels:
        raise _bad("level", f"Choose one of: {', '.join(book.need_levels)}")
    if state(iom.record) == DESELECTED:
        raise Conflict("needs are not recorded on a de-selected case")
    row = IomNeed(case_id=iom.case.id, pathway=pathway, level=level, note=note.strip(),
                  assessed_at=at, agency_id=str(actor.agency_id))
    db.add(row)
    iom.needs.append(row)
    s62.log(db, actor, s62.Category.COLLECTION, subject(iom.person.id), (f"need:{pathway}",))
    return row


def add_action(db: Session, actor: Actor, iom: IomCase, title: str, pathway: str,
               owner_agency_id: str, owner_user_id: str | None, due_on: dt.date,
               at: dt.datetime) -> Task:
    """Add an action to the multi-agency plan; an owner outside the case's agencies learns
    of the person's IOM action on that pathway only (a disclosure to that agency)."""
    if pathway not in rules().pathways:
        raise _bad("pathway", f"Choose one of: {', '.join(rules().pathways)}")
    if state(iom.record) == DESELECTED:
        raise Conflict("actions are not added to a de-selected case")
    if not title.strip():
        raise _bad("title", "Say what is to be done", "required")
    _agency(db, owner_agency_id, "owner_agency_id")
    if owner_user_id is not None:
        user = db.get(User, owner_user_id)
        if user is None or user.agency_id != owner_agency_id:
            raise _bad("owner_user_id", "Choose a worker of the owning agency")
    task = Task(case_id=iom.case.id, title=title.strip(), owner_agency_id=owner_agency_id,
                owner_user_id=owner_user_id, pathway=pathway, due_on=due_on, created_at=at)
    db.add(task)
    db.flush()
    iom.actions.append(task)
    s62.log(db, actor, s62.Category.COLLECTION, subject(iom.person.id),
            (f"action:{pathway}",))
    case_agencies = {iom.case.agency_id, *(s.agency_id for s in iom.case.shares)}
    if owner_agency_id not in case_agencies:
        s62.log(db, actor, s62.Category.DISCLOSURE, subject(iom.person.id),
                ("given_name", "family_name", f"action:{pathway}"),
                [s62.Recipient(owner_agency_id)])
    return task


def complete_action(db: Session, actor: Actor, task: Task, person_id: str,
                    at: dt.datetime) -> None:
    """Mark an action done."""
    if task.completed_at is not None:
        raise Conflict("the action is already done")
    _not_before(at, task.created_at, "completed_at", "the action was set")
    task.completed_at = at
    s62.log(db, actor, s62.Category.ALTERATION, subject(person_id),
            (f"action:{task.pathway}",))


# --- reading -------------------------------------------------------------------------------

#: What a view of a whole IOM case shows of the person.
CASE_FIELDS = ("given_name", "family_name", "iom_journey", "iom_reviews", "iom_allocation",
               "iom_needs", "iom_action_plan")


def consult(db: Session, actor: Actor, person_id: str, fields: tuple[str, ...]) -> None:
    """Log that the caller was shown these fields of a person's IOM record."""
    s62.log(db, actor, s62.Category.CONSULTATION, subject(person_id), fields)


def actions_owned_by(db: Session, agency_id: str) -> list[tuple[Task, Case, Person]]:
    """The IOM actions an agency owns, with their case and person, due soonest first."""
    return [(t, c, p) for t, c, p in db.execute(
        select(Task, Case, Person).join(Case, Case.id == Task.case_id)
        .join(Person, Person.id == Case.person_id)
        .where(Case.programme == PROGRAMME, Task.owner_agency_id == agency_id)
        .order_by(Task.completed_at.is_not(None), Task.due_on, Task.id)).all()]


def action(db: Session, action_id: str) -> tuple[Task, Case]:
    """An IOM action and its case (not found unless it is an action of an IOM case)."""
    task = db.get(Task, action_id)
    case = db.get(Case, task.case_id) if task is not None else None
    if task is None or case is None or case.programme != PROGRAMME:
        raise NotFound(f"no IOM action {action_id}")
    return task, case
