"""Integrated Offender Management: the cohort, a person's case and action plan, nominations
with the human decision, and offending before and after selection.

Every record goes through the policy (a case the caller may not see is 404) and every
showing or change of personal data into the s.62 log. Lists are filtered record by record,
then paged (each person shown is a logged consultation).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.actor import Actor
from crimeplan.cases.casework import Case, Task
from crimeplan.cases.iom import cohort as cohort_list
from crimeplan.cases.iom import history, journey, nominations, outcomes
from crimeplan.cases.iom.journey import IomCase
from crimeplan.cases.iom.models import IomAllocation
from crimeplan.cases.iom.rulebook import rules
from crimeplan.cases.people import Person
from crimeplan.cases.s62 import require_purpose
from crimeplan.risk.harm import HarmTable
from crimeplan.web.api import iom_schemas as out
from crimeplan.web.api.oversight import SMALL_NUMBER
from crimeplan.web.api.people import load as load_person
from crimeplan.web.api.people import person_resource
from crimeplan.web.api.schemas import RecordId
from crimeplan.web.deps import DB, Authorise, authorise, now
from crimeplan.web.policy import Action, Resource, may

router = APIRouter(tags=["iom"], prefix="/iom")
PAGE_SIZE = 50
#: Agencies that lead IOM cases (National IOM Operational Guidance 2025, s.6 "Roles and
#: responsibilities of Probation and Police"): only they open one.
LEAD_KINDS = frozenset({"police-force", "probation"})

PageNo = Annotated[int, Query(ge=1, le=10_000, description="Page of 50")]
TableName = Annotated[str, Query(min_length=1, max_length=60,
                                 description="A harm table shipped with crimeplan")]


# --- access ----------------------------------------------------------------------------

def case_resource(case: Case, lead: IomAllocation | None) -> Resource:
    """What the policy knows of an IOM case: its agency, sharing, sensitivity, lead worker."""
    return Resource("iom-case", case.id, case.agency_id, case.sensitivity,
                    allocated=frozenset({lead.user_id} if lead and lead.user_id else ()),
                    shared_with=frozenset(s.agency_id for s in case.shares))


def new_case_resource(actor: Actor) -> Resource:
    """A case to be opened: the caller's agency's, if it is one that leads IOM cases."""
    return Resource("iom-case", None,
                    actor.agency_id if actor.agency_kind in LEAD_KINDS else None)


def action_resource(task: Task, case: Case) -> Resource:
    """An action is its owning agency's (and worker's); the case's agencies share it."""
    return Resource("iom-action", task.id, task.owner_agency_id, case.sensitivity,
                    allocated=frozenset({task.owner_user_id} if task.owner_user_id else ()),
                    shared_with=frozenset({case.agency_id, *(s.agency_id for s in case.shares)}))


def load_case(db: Session, actor: Actor, action: Action, case_id: str) -> IomCase:
    """An IOM case the caller may ``action``; 404 otherwise."""
    require_purpose(actor)
    iom = journey.get(db, case_id)
    authorise(actor, action, case_resource(iom.case, iom.allocation))
    return iom


def paged(items: list[Any], page: int) -> list[Any]:
    return items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]


# --- views -----------------------------------------------------------------------------

def person_ref(person: Any) -> out.PersonRef:
    return out.PersonRef(id=person.id, given_name=person.given_name,
                         family_name=person.family_name)


def action_out(task: Task, today: dt.date) -> out.ActionOut:
    return out.ActionOut(id=task.id, case_id=task.case_id, title=task.title,
                         pathway=task.pathway, owner_agency_id=task.owner_agency_id,
                         owner_user_id=task.owner_user_id, due_on=task.due_on,
                         status=task.status(today), completed_at=task.completed_at)


def case_out(db: Session, actor: Actor, iom: IomCase, at: dt.datetime) -> out.CaseOut:
    """The whole case as the caller sees it; logged as a consultation."""
    journey.consult(db, actor, iom.person.id, journey.CASE_FIELDS)
    record, reviews = iom.record, iom.reviews
    spells = history.custody_spells(db, [iom.person.id]).get(iom.person.id, [])
    return out.CaseOut(
        case_id=iom.case.id, person=person_ref(iom.person), agency_id=iom.case.agency_id,
        shared_with=sorted(s.agency_id for s in iom.case.shares), state=journey.state(record),
        location=journey.location(record, spells, at),
        cohort=journey.current_cohort(record, reviews), referred_at=record.referred_at,
        referral_reason=record.referral_reason, assessed_at=record.assessed_at,
        assessment_summary=record.assessment_summary, selected_at=record.selected_at,
        selection_reason=record.selection_reason,
        review_due_on=journey.review_due_on(record, reviews),
        review_overdue=journey.review_overdue(record, reviews, at.date()),
        deselected_at=record.deselected_at, deselection_reason=record.deselection_reason,
        deselection_note=record.deselection_note,
        allocations=[out.AllocationOut(agency_id=a.agency_id, user_id=a.user_id,
                                       from_at=a.from_at, to_at=a.to_at, reason=a.reason)
                     for a in iom.allocations],
        reviews=[out.ReviewOut(held_at=r.held_at, agency_id=r.agency_id, note=r.note,
                               next_review_on=r.next_review_on, cohort=r.cohort)
                 for r in reviews],
        needs=[out.NeedOut(pathway=n.pathway, level=n.level, note=n.note,
                           assessed_at=n.assessed_at, agency_id=n.agency_id)
               for n in iom.current_needs().values()],
        actions=[action_out(t, at.date()) for t in iom.actions],
        rules_version=record.rules_version)


def table_out(table: HarmTable) -> out.HarmTableOut:
    return out.HarmTableOut(name=table.name, version=table.version, unit=table.unit,
                            status=table.status, citation=table.citation)


CAVEATS = [out.CaveatOut(id=c.id, text=c.text) for c in outcomes.CAVEATS]


# --- code lists ------------------------------------------------------------------------

@router.get("/rules", response_model=out.IomRulesOut, tags=["code lists"])
def iom_rules(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]) -> out.IomRulesOut:
    """The IOM rules in force: cohorts with their definitions, pathways, need levels and
    de-selection reasons, each with its source."""
    r = rules()

    def coded(items: dict[str, Any]) -> list[out.CodedOut]:
        return [out.CodedOut(id=c.id, label=c.label, source=c.source,
                             definition=c.definition) for c in items.values()]
    return out.IomRulesOut(version=r.version, title=r.title, sources=r.sources,
                           cohorts=coded(r.cohorts), pathways=coded(r.pathways),
                           need_levels=coded(r.need_levels),
                           deselection_reasons=coded(r.deselection_reasons),
                           review_interval_days=r.review_interval_days)


# --- the cohort and a case -------------------------------------------------------------

def visible_cohort(db: Session, actor: Actor, at: dt.datetime,
                   filters: cohort_list.Filters) -> list[cohort_list.CohortRow]:
    require_purpose(actor)
    return [r for r in cohort_list.rows(db, at, filters)
            if may(actor, Action.IOM_CASE_READ, case_resource(r.case, r.lead))]


def cohort_item(row: cohort_list.CohortRow) -> out.CohortItem:
    return out.CohortItem(
        case_id=row.case.id, person=person_ref(row.person), agency_id=row.case.agency_id,
        state=row.state, location=row.location, cohort=row.cohort,
        selected_at=row.record.selected_at, review_due_on=row.review_due_on,
        review_overdue=row.review_overdue,
        lead_agency_id=row.lead.agency_id if row.lead else None,
        lead_user_id=row.lead.user_id if row.lead else None, open_actions=row.open_actions,
        overdue_actions=row.overdue_actions)


@router.get("/cohort", response_model=out.CohortList)
def list_cohort(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.IOM_COHORT))],
                state: Annotated[str | None, Query(max_length=20)] = None,
                cohort: Annotated[str | None, Query(max_length=20)] = None,
                location: Annotated[str | None, Query(max_length=20)] = None,
                review_overdue: bool | None = None, page: PageNo = 1) -> out.CohortList:
    """IOM cases the caller may see, reviews due soonest first; each person shown is a
    logged consultation."""
    rows = visible_cohort(db, actor, now(), cohort_list.Filters(state, cohort, location,
                                                                review_overdue))
    shown = paged(rows, page)
    for r in shown:
        journey.consult(db, actor, r.person.id, ("given_name", "family_name", "iom_journey"))
    return out.CohortList(total=len(rows), page=page, page_size=PAGE_SIZE,
                          items=[cohort_item(r) for r in shown])


@router.post("/referrals", response_model=out.CaseOut, status_code=201)
def refer(body: out.ReferralIn, db: DB,
          actor: Annotated[Actor, Depends(Authorise(Action.IOM_REFER))]) -> out.CaseOut:
    """Refer a person the caller may read to IOM: a case led by the caller's agency (police
    or probation), shared with the partner agencies named."""
    person, _ = load_person(db, actor, Action.PERSON_READ, body.person_id)
    authorise(actor, Action.IOM_REFER, new_case_resource(actor))
    at = now()
    case = journey.refer(db, actor, person, body.reason, body.partners, at)
    return case_out(db, actor, journey.get(db, case.id), at)


@router.get("/cases/{case_id}", response_model=out.CaseOut)
def read_case(case_id: RecordId, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.IOM_CASE_READ))]
              ) -> out.CaseOut:
    """A person's IOM case: journey, reviews, allocation, needs and action plan."""
    return case_out(db, actor, load_case(db, actor, Action.IOM_CASE_READ, case_id), now())


Manage = Annotated[Actor, Depends(Authorise(Action.IOM_MANAGE))]


@router.post("/cases/{case_id}/assessment", response_model=out.CaseOut)
def assess(case_id: RecordId, body: out.AssessmentIn, db: DB, actor: Manage) -> out.CaseOut:
    iom = load_case(db, actor, Action.IOM_MANAGE, case_id)
    at = now()
    journey.assess(db, actor, iom, body.summary, at)
    return case_out(db, actor, iom, at)


@router.post("/cases/{case_id}/selection", response_model=out.CaseOut)
def select_into(case_id: RecordId, body: out.SelectionIn, db: DB, actor: Manage
                ) -> out.CaseOut:
    """Select an assessed person into a cohort, with the reason for the decision."""
    iom = load_case(db, actor, Action.IOM_MANAGE, case_id)
    at = now()
    journey.select_into(db, actor, iom, body.cohort, body.reason, at, body.first_review_on)
    return case_out(db, actor, iom, at)


@router.post("/cases/{case_id}/reviews", response_model=out.CaseOut, status_code=201)
def review(case_id: RecordId, body: out.ReviewIn, db: DB, actor: Manage) -> out.CaseOut:
    iom = load_case(db, actor, Action.IOM_MANAGE, case_id)
    at = now()
    journey.review(db, actor, iom, body.note, at, body.next_review_on, body.cohort)
    return case_out(db, actor, iom, at)


@router.post("/cases/{case_id}/deselection", response_model=out.CaseOut)
def deselect(case_id: RecordId, body: out.DeselectionIn, db: DB, actor: Manage
             ) -> out.CaseOut:
    iom = load_case(db, actor, Action.IOM_MANAGE, case_id)
    at = now()
    journey.deselect(db, actor, iom, body.reason, body.note, at)
    return case_out(db, actor, iom, at)


@router.post("/cases/{case_id}/transfers", response_model=out.CaseOut, status_code=201)
def transfer(case_id: RecordId, body: out.TransferIn, db: DB, actor: Manage) -> out.CaseOut:
    """Hand the lead to another agency or worker (the case is shared with a new agency)."""
    iom = load_case(db, actor, Action.IOM_MANAGE, case_id)
    at = now()
    journey.transfer(db, actor, iom, body.agency_id, body.user_id, body.reason, at)
    return case_out(db, actor, iom, at)


@router.post("/cases/{case_id}/needs", response_model=out.CaseOut, status_code=201)
def need(case_id: RecordId, body: out.NeedIn, db: DB, actor: Manage) -> out.CaseOut:
    iom = load_case(db, actor, Action.IOM_MANAGE, case_id)
    at = now()
    journey.record_need(db, actor, iom, body.pathway, body.level, body.note, at)
    return case_out(db, actor, iom, at)


@router.post("/cases/{case_id}/actions", response_model=out.ActionOut, status_code=201)
def add_action(case_id: RecordId, body: out.ActionIn, db: DB, actor: Manage
               ) -> out.ActionOut:
    """Add an action to the multi-agency plan, owned by an agency (and worker)."""
    iom = load_case(db, actor, Action.IOM_MANAGE, case_id)
    at = now()
    task = journey.add_action(db, actor, iom, body.title, body.pathway, body.owner_agency_id,
                              body.owner_user_id, body.due_on, at)
    return action_out(task, at.date())


@router.get("/cases/{case_id}/offending", response_model=out.OffendingOut)
def offending(case_id: RecordId, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.IOM_CASE_READ))],
              harm_table: TableName = nominations.DEFAULT_TABLE,
              window_days: Annotated[int, Query(ge=1, le=3650)] = outcomes.DEFAULT_WINDOW_DAYS
              ) -> out.OffendingOut:
    """The person's recorded offending in equal windows before and after selection,
    exposure-adjusted for custody, with the caveats of such a comparison."""
    iom = load_case(db, actor, Action.IOM_CASE_READ, case_id)
    table = nominations.harm_table(harm_table)
    [row] = outcomes.for_cases(db, table, now(), [iom.case.id], window_days) or [None]
    journey.consult(db, actor, iom.person.id, ("offence_history", "custody"))

    def window(w: outcomes.Window | None) -> out.WindowOut | None:
        return None if w is None else out.WindowOut(
            start=w.start, end=w.end, offences=w.offences, harm=w.harm,
            custody_days=w.custody_days, liberty_days=w.liberty_days,
            offences_per_year=w.offences_per_year, harm_per_year=w.harm_per_year)
    return out.OffendingOut(case_id=iom.case.id, harm_table=table_out(table),
                            window_days=row.window_days if row else None,
                            selected_at=iom.record.selected_at,
                            before=window(row.before if row else None),
                            after=window(row.after if row else None), caveats=CAVEATS)


# --- actions an agency owns ------------------------------------------------------------

def visible_actions(db: Session, actor: Actor) -> list[tuple[Task, Case, Any]]:
    """The IOM actions the caller's agency owns, as far as the policy lets it see them."""
    require_purpose(actor)
    return [(t, c, p) for t, c, p in journey.actions_owned_by(db, str(actor.agency_id))
            if may(actor, Action.IOM_ACTIONS, action_resource(t, c))]


@router.get("/actions", response_model=out.AgencyActions)
def agency_actions(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.IOM_ACTIONS))],
                   page: PageNo = 1) -> out.AgencyActions:
    """Actions of IOM plans that the caller's agency owns (a housing provider sees its
    accommodation actions and the person's name, nothing else of the case)."""
    found = visible_actions(db, actor)
    shown = paged(found, page)
    today = now().date()
    items = []
    for task, _, person in shown:
        journey.consult(db, actor, person.id, ("given_name", "family_name",
                                                f"action:{task.pathway}"))
        items.append(out.AgencyAction(**action_out(task, today).model_dump(),
                                      person=person_ref(person)))
    return out.AgencyActions(total=len(found), page=page, page_size=PAGE_SIZE, items=items)


@router.post("/actions/{action_id}/completion", response_model=out.ActionOut)
def complete(action_id: RecordId, db: DB,
             actor: Annotated[Actor, Depends(Authorise(Action.IOM_ACTION_COMPLETE))]
             ) -> out.ActionOut:
    """Mark an action done (its owner, or the case's agencies)."""
    require_purpose(actor)
    task, case = journey.action(db, action_id)
    authorise(actor, Action.IOM_ACTION_COMPLETE, action_resource(task, case))
    at = now()
    journey.complete_action(db, actor, task, str(case.person_id), at)
    return action_out(task, at.date())


# --- nominations -----------------------------------------------------------------------

NOTE = ("The score ranks recorded offending by harm; it is not a decision. A person decides, "
        "with a reason, whether to select someone. Only recorded offences and their dates "
        "enter the score: no protected characteristic, no address.")


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The 365 days up to and including today (the period's end is exclusive)."""
    return today - dt.timedelta(days=364), today + dt.timedelta(days=1)


def visible_nominations(db: Session, actor: Actor, scoring: nominations.Scoring
                        ) -> list[nominations.Nomination]:
    """Nominations of people the caller may read."""
    require_purpose(actor)
    ids = [n.person_id for n in scoring.nominations]
    people = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(ids)))}
    return [n for n in scoring.nominations
            if may(actor, Action.PERSON_READ, person_resource(people[n.person_id]))]


def nomination_items(db: Session, shown: list[nominations.Nomination]
                     ) -> list[out.NominationOut]:
    ids = [n.person_id for n in shown]
    people = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(ids)))}
    open_cases = nominations.open_cases(db, ids)
    decisions = nominations.latest_decisions(db, ids)
    items = []
    for n in shown:
        d = decisions.get(n.person_id)
        items.append(out.NominationOut(
            person=person_ref(people[n.person_id]), rank=n.rank, offences=n.offences,
            harm=n.harm, harm_share=n.harm_share, most_harmful_offence=n.most_harmful_offence,
            first_offence=n.first_offence, last_offence=n.last_offence,
            components=[out.ComponentOut(**vars(c)) for c in n.components],
            neighbourhood_crime_offences=n.neighbourhood_crime_offences,
            suggested_cohort=n.suggested_cohort,
            iom_case_id=open_cases[n.person_id].id if n.person_id in open_cases else None,
            last_decision=None if d is None else out.DecisionRef(
                decision=d.decision, cohort=d.cohort, reason=d.reason,
                decided_at=d.decided_at)))
    return items


@router.get("/nominations", response_model=out.Nominations)
def list_nominations(db: DB,
                     actor: Annotated[Actor, Depends(Authorise(Action.IOM_NOMINATIONS))],
                     harm_table: TableName = nominations.DEFAULT_TABLE,
                     period_from: dt.date | None = None, period_to: dt.date | None = None,
                     page: PageNo = 1) -> out.Nominations:
    """People ranked by the harm of their recorded offences over the period (default: the
    last 365 days), with each score's components; showing them is a logged consultation."""
    table = nominations.harm_table(harm_table)
    start, end = default_period(now().date())
    scoring = nominations.score(db, table, period_from or start, period_to or end)
    found = visible_nominations(db, actor, scoring)
    shown = paged(found, page)
    nominations.log_shown(db, actor, shown)
    return out.Nominations(total=len(found), page=page, page_size=PAGE_SIZE,
                           harm_table=table_out(table), period_from=scoring.period_from,
                           period_to=scoring.period_to, people_scored=scoring.people,
                           note=NOTE, items=nomination_items(db, shown))


@router.post("/nominations/decisions", response_model=out.DecisionOut, status_code=201)
def decide(body: out.DecisionIn, db: DB,
           actor: Annotated[Actor, Depends(Authorise(Action.IOM_DECIDE))]) -> out.DecisionOut:
    """Record a decision on a nomination, with its reason: select into a cohort (the case
    opens, led by the caller's agency) or do not select. The score is recomputed and kept
    as it was shown."""
    person, _ = load_person(db, actor, Action.PERSON_READ, body.person_id)
    authorise(actor, Action.IOM_DECIDE, new_case_resource(actor))
    scoring = nominations.score(db, nominations.harm_table(body.harm_table), body.period_from,
                                body.period_to)
    row = nominations.decide(db, actor, person, scoring, body.decision, body.reason, now(),
                             body.cohort, body.partners)
    return out.DecisionOut(id=row.id, person_id=row.person_id, decision=row.decision,
                           cohort=row.cohort, reason=row.reason, harm_table=row.harm_table,
                           harm=row.harm, offences=row.offences, rank=row.rank,
                           components=[out.ComponentOut(**c) for c in row.components],
                           case_id=row.case_id)


# --- outcomes (aggregates) ---------------------------------------------------------------

def pooled(p: outcomes.Pooled, suppressed: bool) -> out.PooledOut:
    if suppressed:
        return out.PooledOut(offences=None, harm=None, liberty_days=None,
                             offences_per_year=None, harm_per_year=None)
    return out.PooledOut(offences=p.offences, harm=p.harm, liberty_days=p.liberty_days,
                         offences_per_year=p.offences_per_year, harm_per_year=p.harm_per_year)


def cohort_outcomes(db: Session, table: HarmTable, window_days: int
                    ) -> list[out.CohortOutcomeOut]:
    """Each cohort's pooled comparison; a cohort of fewer than 5 people is withheld, and
    then so is the row for everyone (it would give the withheld one away by subtraction)."""
    rows = outcomes.by_cohort(outcomes.for_cases(db, table, now(), window_days=window_days))
    small = {c.cohort for c in rows if c.people < SMALL_NUMBER}
    if small:
        small.add("all")
    return [out.CohortOutcomeOut(
        cohort=c.cohort, people=None if c.cohort in small else c.people,
        suppressed=c.cohort in small, small_numbers=c.small_numbers,
        before=pooled(c.before, c.cohort in small), after=pooled(c.after, c.cohort in small),
        change=None if c.cohort in small else c.change) for c in rows]


@router.get("/outcomes", response_model=out.OutcomesOut, tags=["oversight"])
def cohort_offending(db: DB,
                     actor: Annotated[Actor, Depends(Authorise(Action.IOM_OUTCOMES))],
                     harm_table: TableName = nominations.DEFAULT_TABLE,
                     window_days: Annotated[int, Query(ge=1, le=3650)] = (
                         outcomes.DEFAULT_WINDOW_DAYS)) -> out.OutcomesOut:
    """Recorded offending before and after selection per cohort (aggregates only, cohorts
    under 5 people withheld), with the caveats of such a comparison."""
    table = nominations.harm_table(harm_table)
    return out.OutcomesOut(harm_table=table_out(table), window_days=window_days,
                           cohorts=cohort_outcomes(db, table, window_days), caveats=CAVEATS)
