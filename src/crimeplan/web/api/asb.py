"""ASB case review API: complaints from any relevant body, the threshold queue (lead agencies),
applications with their clock and action plan (the bodies party to them), and the published
figures as JSON and CSV."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from crimeplan import csvsafe
from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.asb import figures as published
from crimeplan.cases.asb import service, timeline
from crimeplan.cases.asb.incidents import Incident, ThresholdCheck
from crimeplan.cases.asb.models import Application
from crimeplan.cases.asb.rules import rulebook
from crimeplan.cases.months import uk_date
from crimeplan.cases.people import Person
from crimeplan.cases.places import Location
from crimeplan.cases.s62 import require_purpose
from crimeplan.errors import BadInput, FieldProblem, NotFound
from crimeplan.web.api.asb_schemas import (
    ApplicationIn,
    CheckOut,
    ComplaintIn,
    ComplaintOut,
    FiguresRowOut,
    IncidentOut,
    QueueOut,
    RecommendationIn,
    RecommendationOut,
    ReviewOut,
    ReviewSummary,
    StepClockOut,
    StepIn,
)
from crimeplan.web.api.early_intervention import OnDay, today
from crimeplan.web.api.people import person_resource
from crimeplan.web.api.schemas import PRINTABLE, RecordId
from crimeplan.web.deps import DB, Authorise, authorise, now
from crimeplan.web.policy import Action, Resource, may

router = APIRouter(prefix="/asb", tags=["ASB case reviews"])
By = Annotated[Literal["area", "body"], Query(description="Per local area, or per relevant "
                                                          "body in each area")]


def reader(actor: Actor) -> service.MayRead:
    """May this caller use this person's record in ASB work?"""
    return lambda person: may(actor, Action.ASB_COMPLAINT_CREATE, person_resource(person))


def person_for(db: DB, actor: Actor, person_id: str, field: str) -> Person:
    """A person the caller may use; otherwise a bad-input error naming the field (as for a
    record that does not exist)."""
    person = db.get(Person, person_id)
    if person is None or not reader(actor)(person):
        raise BadInput(f"no person {person_id}", fields=(FieldProblem(field, "unknown",
                                                                      "No such person"),))
    return person


@router.post("/complaints", response_model=ComplaintOut, status_code=201)
def record_complaint(body: ComplaintIn, db: DB,
                     actor: Annotated[Actor, Depends(Authorise(Action.ASB_COMPLAINT_CREATE))]
                     ) -> ComplaintOut:
    """Record a complaint made to the caller's agency about an incident of ASB."""
    require_purpose(actor)
    person = records.get(db, body.complainant_id)
    authorise(actor, Action.ASB_COMPLAINT_CREATE, person_resource(person))
    place = body.model_dump(include={"address", "postcode", "uprn", "lsoa11_code"},
                            exclude_none=True)
    complaint = service.record_complaint(
        db, actor, person, body.incident_at, body.made_at, place, body.category, body.hate,
        body.reference, body.shared_reference)
    return ComplaintOut(id=complaint.id, incident_id=str(complaint.parent_id))


def incident_out(incident: Incident) -> IncidentOut:
    return IncidentOut(incident_at=incident.incident_at,
                       complaint_made_at=incident.first_complaint.made_at,
                       agencies=sorted(incident.agencies),
                       complaints=len(incident.complaints), hate=incident.hate)


def check_out(check: ThresholdCheck) -> CheckOut:
    return CheckOut(met=check.met, rule=check.rule, source=check.source,
                    statutory=check.statutory,
                    incidents=[incident_out(i) for i in check.counted])


@router.get("/threshold-queue", response_model=list[QueueOut])
def threshold_queue(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.ASB_QUEUE_LIST))],
                    on: OnDay = None) -> list[QueueOut]:
    """Victims and addresses that meet the threshold for a case review, from complaints
    made to every agency, each incident counted once."""
    require_purpose(actor)
    return [QueueOut(person_id=e.person.id if e.person else None,
                     name=f"{e.person.given_name} {e.person.family_name}" if e.person else None,
                     address=e.address, last_complaint=e.last_complaint,
                     check=check_out(e.check),
                     review_id=e.application.id if e.application else None)
            for e in service.queue(db, actor, reader(actor), today(on))]


def review_resource(application: Application) -> Resource:
    case = application.case
    return Resource("asb-review", application.id, case.agency_id, case.sensitivity,
                    shared_with=frozenset(s.agency_id for s in case.shares))


def load_review(db: DB, actor: Actor, action: Action, review_id: str) -> Application:
    require_purpose(actor)
    application = db.get(Application, review_id)
    if application is None:
        raise NotFound(f"no review {review_id}")
    authorise(actor, action, review_resource(application))
    return application


def summary(db: DB, application: Application, on: dt.date) -> dict[str, Any]:
    """The fields of a review's summary, with its status and clock."""
    procedure = rulebook().version(application.procedure_version)
    steps = timeline.clock(application, procedure, on)
    applicant = db.get(Person, application.applicant_id) if application.applicant_id else None
    due = [s.due_on for s in steps if s.state in ("due", "overdue") and s.due_on]
    return {"id": application.id, "case_id": application.case_id,
            "local_area": application.local_area,
            "lead_agency_id": application.case.agency_id,
            "applicant_id": application.applicant_id, "victim_id": application.victim_id,
            "applicant_name": (f"{applicant.given_name} {applicant.family_name}"
                               if applicant else None),
            "received_at": application.received_at, "status": timeline.status(application),
            "overdue": timeline.overdue(steps), "next_due": min(due, default=None),
            "steps": steps}


def review_out(db: DB, application: Application, on: dt.date) -> ReviewOut:
    procedure = rulebook().version(application.procedure_version)
    fields = summary(db, application, on)
    steps = fields.pop("steps")
    return ReviewOut(
        **fields, applicant_role=application.applicant_role,
        victim_type=application.victim_type, procedure_version=application.procedure_version,
        parties=sorted({application.case.agency_id,
                        *(s.agency_id for s in application.case.shares)}),
        threshold_met=application.threshold_met, threshold_rule=application.threshold_rule,
        decision_reason=application.decision_reason, appeal_upheld=application.appeal_upheld,
        appeal_reason=application.appeal_reason,
        appeal_open_until=timeline.appeal_open_until(application, procedure),
        clock=[StepClockOut(**vars(s)) for s in steps],
        check=check_out(service.threshold_check(db, application)),
        recommendations=[RecommendationOut(id=t.id, title=t.title,
                                           owner_agency_id=t.owner_agency_id,
                                           due_on=t.due_on, status=t.status(on))
                         for t in service.recommendations(db, application)])


@router.post("/reviews", response_model=ReviewOut, status_code=201)
def apply(body: ApplicationIn, db: DB,
          actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_CREATE))]) -> ReviewOut:
    """Record an application received by the caller's agency and pass it on to the relevant
    bodies named."""
    require_purpose(actor)
    authorise(actor, Action.ASB_REVIEW_CREATE, Resource("asb-review", None, actor.agency_id))
    for field in ("applicant_id", "victim_id"):
        value = getattr(body, field)
        if value is not None:
            person_for(db, actor, value, field)
    if body.location_id is not None and db.get(Location, body.location_id) is None:
        raise BadInput("no such location", fields=(FieldProblem("location_id", "unknown",
                                                                "No such location"),))
    values = body.model_dump(exclude={"parties", "received_at"})
    application = service.apply(db, actor, values, body.parties, body.received_at or now())
    return review_out(db, application, uk_date(now()))


def visible_reviews(db: DB, actor: Actor, on: dt.date, status: str | None = None,
                    local_area: str | None = None, overdue: bool | None = None
                    ) -> tuple[list[dict[str, Any]], list[str]]:
    """The summaries of the reviews the caller may read that pass the filters (each view
    logged), newest first, and every local area among the reviews the caller may read."""
    rows, areas = [], set()
    for application in db.scalars(select(Application).order_by(
            Application.received_at.desc(), Application.id)):
        if not may(actor, Action.ASB_REVIEW_READ, review_resource(application)):
            continue
        areas.add(application.local_area)
        row = summary(db, application, on)
        if ((status and row["status"] != status)
                or (local_area and application.local_area != local_area)
                or (overdue is not None and row["overdue"] != overdue)):
            continue
        service.view(db, actor, application)
        rows.append(row)
    return rows, sorted(areas)


ReviewFilter = Annotated[str | None, Query(max_length=100, pattern=PRINTABLE)]


@router.get("/reviews", response_model=list[ReviewSummary])
def reviews(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_LIST))],
            status: ReviewFilter = None, local_area: ReviewFilter = None,
            overdue: bool | None = None) -> list[ReviewSummary]:
    """The reviews the caller's agency leads or is party to, newest first; logged."""
    require_purpose(actor)
    rows, _ = visible_reviews(db, actor, uk_date(now()), status, local_area, overdue)
    return [ReviewSummary(**{k: v for k, v in row.items() if k != "steps"}) for row in rows]


@router.get("/reviews/{review_id}", response_model=ReviewOut)
def review(review_id: RecordId, db: DB,
           actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_READ))]) -> ReviewOut:
    """One review with its clock, the complaints counted and its action plan; logged."""
    application = load_review(db, actor, Action.ASB_REVIEW_READ, review_id)
    service.view(db, actor, application)
    return review_out(db, application, uk_date(now()))


@router.post("/reviews/{review_id}/steps", response_model=ReviewOut)
def record_step(review_id: RecordId, body: StepIn, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_UPDATE))]
                ) -> ReviewOut:
    """Record the acknowledgement, the threshold decision, the review meeting or an appeal."""
    application = load_review(db, actor, Action.ASB_REVIEW_UPDATE, review_id)
    service.record_step(db, actor, application, body.step, body.at or now(), body.met,
                        body.reason, body.upheld)
    return review_out(db, application, uk_date(now()))


@router.post("/reviews/{review_id}/recommendations", response_model=RecommendationOut,
             status_code=201)
def recommend(review_id: RecordId, body: RecommendationIn, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.ASB_REVIEW_UPDATE))]
              ) -> RecommendationOut:
    """Add a recommendation of the review to the action plan of a relevant body."""
    application = load_review(db, actor, Action.ASB_REVIEW_UPDATE, review_id)
    task = service.recommend(db, actor, application, body.title, body.owner_agency_id,
                             body.due_on)
    return RecommendationOut(id=task.id, title=task.title, owner_agency_id=task.owner_agency_id,
                             due_on=task.due_on, status=task.status(uk_date(now())))


def figure_rows(db: DB, by: str) -> list[published.FiguresRow]:
    return published.figures(db, rulebook().in_force(uk_date(now())), by_body=by == "body")


@router.get("/figures", response_model=list[FiguresRowOut])
def figures(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.ASB_FIGURES))],
            by: By = "area") -> list[FiguresRowOut]:
    """The figures s.104(10) requires to be published, per reporting year and local area
    (or relevant body)."""
    return [FiguresRowOut(**vars(r)) for r in figure_rows(db, by)]


@router.get("/figures.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "The figures as CSV (RFC 4180)"}})
def figures_csv(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.ASB_FIGURES))],
                by: By = "area") -> Response:
    """The same figures as a CSV file for publication."""
    frame = pd.DataFrame([vars(r) for r in figure_rows(db, by)],
                         columns=["year", "local_area", "relevant_body",
                                  *published.MEASURES])
    if by == "area":
        frame = frame.drop(columns="relevant_body")
    return Response(csvsafe.to_csv_text(frame), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="asb-case-review-figures-{by}.csv"'})
