"""Victims' Code compliance: victims, needs assessments, choices, events, obligations, and the
compliance figures per right, agency and month (the figures are aggregates: no personal data).

A victim's record is seen by case workers of the force that owns the case, of agencies it was
shared with (a victim service it was referred to, probation for the Victim Contact Scheme) and
by workers allocated to the person; needs assessments by police and victim services only.
Every read of a victim's data is logged as a consultation, every change as a collection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import Select, or_, select

from crimeplan import csvsafe
from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.casework import Case, CaseShare
from crimeplan.cases.people import Allocation, Person
from crimeplan.cases.s62 import require_purpose
from crimeplan.cases.victims import compliance, obligations, services, views
from crimeplan.cases.victims.compliance import Cell, Filters
from crimeplan.cases.victims.models import Obligation, VictimCare
from crimeplan.cases.victims.rules import rule_sets
from crimeplan.errors import NotFound
from crimeplan.web.api.schemas import RecordId
from crimeplan.web.api.victims_schemas import (
    AssessmentIn,
    AssessmentOut,
    ChoiceIn,
    ChoiceOut,
    Compliance,
    ComplianceRow,
    EventIn,
    EventOut,
    Month,
    ObligationOut,
    OutcomeIn,
    Regenerated,
    Right,
    RulesOut,
    StateId,
    VictimIn,
    VictimOut,
    VictimSummary,
)
from crimeplan.web.deps import DB, Authorise, authorise, now
from crimeplan.web.policy import Action, Decision, Resource, may

router = APIRouter(prefix="/victims", tags=["victims"])
#: At most this many rows in a list (narrow the filters for more).
LIMIT = 200


def care_resource(care: VictimCare) -> Resource:
    """What the policy needs of a victim's record: its case's owner, sensitivity and shares,
    and the workers allocated to the person."""
    return Resource("victim", care.id, care.case.agency_id, care.case.sensitivity,
                    allocated=frozenset(a.user_id for a in care.person.allocations),
                    shared_with=frozenset(s.agency_id for s in care.case.shares))


def load(db: DB, actor: Actor, action: Action, care_id: str) -> tuple[VictimCare, Decision]:
    """The victim's record if the caller may do ``action`` to it; 404 otherwise."""
    require_purpose(actor)
    care = services.get_care(db, care_id)
    return care, authorise(actor, action, care_resource(care))


def candidates(actor: Actor) -> Select[tuple[str]]:
    """Ids of the victims' records the caller could be related to (owning agency, shared,
    allocated): the policy then decides on each."""
    shared = select(CaseShare.case_id).where(CaseShare.agency_id == actor.agency_id)
    allocated = select(Allocation.person_id).where(Allocation.user_id == actor.user_id)
    return (select(VictimCare.id).join(Case, Case.id == VictimCare.case_id)
            .where(or_(Case.agency_id == actor.agency_id, Case.id.in_(shared),
                       VictimCare.person_id.in_(allocated))))


def readable(db: DB, actor: Actor, care_ids: Iterable[str]) -> dict[str, VictimCare]:
    """Those of ``care_ids`` the caller may read."""
    cares = db.scalars(select(VictimCare).where(VictimCare.id.in_(list(care_ids))))
    return {c.id: c for c in cares if may(actor, Action.VICTIM_READ, care_resource(c))}


def consulted(db: DB, actor: Actor, cares: Iterable[VictimCare], fields: Iterable[str]
              ) -> None:
    """Log a consultation of each person shown."""
    fields = tuple(fields)
    for person_id in sorted({c.person_id for c in cares}):
        s62.log(db, actor, s62.Category.CONSULTATION, s62.Subject("person", person_id),
                fields)


def caseload(db: DB, actor: Actor, at: dt.datetime) -> list[dict[str, Any]]:
    """The victims the caller may read, newest crime first (consultations logged)."""
    require_purpose(actor)
    ids = db.scalars(candidates(actor).order_by(VictimCare.created_at.desc()).limit(LIMIT))
    cares = readable(db, actor, ids)
    ordered = sorted(cares.values(), key=lambda c: (c.crime.occurred_at, c.id), reverse=True)
    consulted(db, actor, ordered, ("given_name", "family_name", "victim_of_crime"))
    by_state = views.counts(db, list(cares), at)
    return [views.summary(c, by_state[c.id]) for c in ordered]


def victim_record(db: DB, actor: Actor, care: VictimCare, at: dt.datetime) -> dict[str, Any]:
    """One victim's record (needs assessments if the caller may see them), logged."""
    show_needs = may(actor, Action.VICTIM_NEEDS_READ, care_resource(care))
    consulted(db, actor, [care], views.PERSON_SHOWN + (views.NEEDS_SHOWN if show_needs
                                                       else ()))
    return views.victim(db, care, at, show_needs)


def drill_down(db: DB, actor: Actor, filters: Filters, at: dt.datetime
               ) -> list[dict[str, Any]]:
    """The obligations behind a figure that the caller may see (consultations logged)."""
    require_purpose(actor)
    rows = compliance.obligation_rows(db, at, filters, care_ids=candidates(actor),
                                       limit=LIMIT)
    cares = readable(db, actor, {o.care_id for o, _ in rows})
    consulted(db, actor, cares.values(), ("given_name", "family_name", "victim_obligations"))
    return [{**views.obligation(o, st), "victim": f"{cares[o.care_id].person.given_name} "
                                                  f"{cares[o.care_id].person.family_name}"}
            for o, st in rows if o.care_id in cares]


def figures(db: DB, filters: Filters, at: dt.datetime) -> tuple[list[Cell], list[Cell]]:
    cells = compliance.cells(db, at, filters)
    return cells, compliance.by_right(cells)


def _row(cell: Cell) -> ComplianceRow:
    return ComplianceRow.model_validate(compliance.record(cell))


def filters_of(from_month: str | None, to_month: str | None, agency_id: str | None,
               right: int | None, state: str | None = None) -> Filters:
    return Filters(from_month or None, to_month or None, agency_id or None, right, state or None)


FromMonth = Annotated[Month | None, Query(description="First due month, YYYY-MM")]
ToMonth = Annotated[Month | None, Query(description="Last due month, YYYY-MM")]
AgencyFilter = Annotated[str | None, Query(max_length=36, pattern=r"^[0-9a-f-]+$")]
RightFilter = Annotated[Right | None, Query()]


@router.get("/rules", response_model=list[RulesOut])
def rules(actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_RULES))]
          ) -> list[RulesOut]:
    """Every version of the Code's rules encoded, with the source of each rule."""
    return [RulesOut(
        id=r.id, title=r.title, edition=r.edition, url=r.url, in_force_from=r.in_force_from,
        in_force_until=r.in_force_until, rights={str(k): v for k, v in r.rights.items()},
        grounds=r.grounds,
        rules=[{"id": x.id, "right": x.right, "duty": x.duty,
                "duty_holder": x.duty_holder.service, "agency_kind": x.duty_holder.agency_kind,
                "triggers": list(x.trigger.kinds), "clock": x.clock, "action": x.action.label,
                "standard_days": x.limit_working_days.standard,
                "enhanced_days": x.limit_working_days.enhanced,
                "victim_can_stop": x.victim_can_stop, "source": x.source.model_dump()}
               for x in r.rules]) for r in rule_sets()]


@router.get("/compliance", response_model=Compliance)
def compliance_figures(db: DB,
                       actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_COMPLIANCE))],
                       from_month: FromMonth = None, to_month: ToMonth = None,
                       agency_id: AgencyFilter = None, right: RightFilter = None
                       ) -> Compliance:
    """Obligations per right, duty-holding agency and due month, by state, with rates."""
    at = now()
    cells, totals = figures(db, filters_of(from_month, to_month, agency_id, right), at)
    return Compliance(as_of=at, denominator=compliance.DENOMINATOR_NOTE,
                      rows=[_row(c) for c in cells], by_right=[_row(c) for c in totals])


def csv_response(cells: list[Cell]) -> Response:
    return Response(csvsafe.to_csv_text(compliance.frame(cells)), media_type="text/csv",
                    headers={"Content-Disposition":
                             'attachment; filename="victims-code-compliance.csv"'})


@router.get("/compliance.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "One row per right, agency and due month"}})
def compliance_csv(db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_COMPLIANCE))],
                   from_month: FromMonth = None, to_month: ToMonth = None,
                   agency_id: AgencyFilter = None, right: RightFilter = None) -> Response:
    """The same figures as a tidy CSV (text cells made safe for spreadsheets)."""
    cells, _ = figures(db, filters_of(from_month, to_month, agency_id, right), now())
    return csv_response(cells)


@router.get("/obligations", response_model=list[ObligationOut])
def list_obligations(db: DB,
                     actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_OBLIGATIONS))],
                     from_month: FromMonth = None, to_month: ToMonth = None,
                     agency_id: AgencyFilter = None, right: RightFilter = None,
                     state: Annotated[StateId | None, Query()] = None
                     ) -> list[dict[str, Any]]:
    """The obligations behind a figure, most urgent first (those of victims the caller may
    see; at most 200)."""
    return drill_down(db, actor, filters_of(from_month, to_month, agency_id, right, state),
                      now())


@router.post("/obligations/{obligation_id}/outcome", response_model=ObligationOut)
def record_outcome(obligation_id: RecordId, body: OutcomeIn, db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_OUTCOME))]
                   ) -> dict[str, Any]:
    """Record that a duty was met, could not be met (why), or does not apply (why)."""
    require_purpose(actor)
    row = services.get_obligation(db, obligation_id)
    load(db, actor, Action.VICTIM_OUTCOME, row.care_id)
    at = now()
    services.record_outcome(db, actor, row, at, outcome=body.outcome, at=body.at,
                            reason=body.reason, to_agency_id=body.to_agency_id)
    return views.obligation(row, db.scalar(select(obligations.state(at)).where(
        Obligation.id == row.id)))


@router.get("", response_model=list[VictimSummary])
def list_victims(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_LIST))]
                 ) -> list[dict[str, Any]]:
    """The victims the caller may see, newest crime first (at most 200), with their
    obligations by state."""
    return caseload(db, actor, now())


@router.post("", response_model=VictimOut, status_code=201)
def create_victim(body: VictimIn, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_CREATE))]
                  ) -> dict[str, Any]:
    """Record a person of the caller's force as the victim of a crime (a new report or one
    the force recorded); the Code's obligations start."""
    require_purpose(actor)
    person = db.get(Person, body.person_id)
    if person is None:
        raise NotFound(f"no person {body.person_id}")
    authorise(actor, Action.VICTIM_CREATE, Resource(
        "person", person.id, person.agency_id, person.sensitivity,
        allocated=frozenset(a.user_id for a in person.allocations)))
    at = now()
    care = services.register(db, actor, person, at, crime_event_id=body.crime_event_id,
                             occurred_at=body.occurred_at, reference=body.reference,
                             code=body.code)
    return victim_record(db, actor, care, at)


@router.get("/{care_id}", response_model=VictimOut)
def read_victim(care_id: RecordId, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_READ))]
                ) -> dict[str, Any]:
    """A victim's record: crime, events, choices, obligations with their state, and needs
    assessments for police and victim services (withheld from others)."""
    care, _ = load(db, actor, Action.VICTIM_READ, care_id)
    return victim_record(db, actor, care, now())


@router.get("/{care_id}/needs-assessments", response_model=list[AssessmentOut])
def read_assessments(care_id: RecordId, db: DB,
                     actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_NEEDS_READ))]
                     ) -> list[dict[str, Any]]:
    care, _ = load(db, actor, Action.VICTIM_NEEDS_READ, care_id)
    consulted(db, actor, [care], views.NEEDS_SHOWN)
    return views.needs(care)


@router.post("/{care_id}/needs-assessments", response_model=AssessmentOut, status_code=201)
def add_assessment(care_id: RecordId, body: AssessmentIn, db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_NEEDS_WRITE))]
                   ) -> dict[str, Any]:
    """Record a needs assessment: its grounds decide Enhanced Rights from then on."""
    care, _ = load(db, actor, Action.VICTIM_NEEDS_WRITE, care_id)
    row = services.assess(db, actor, care, now(), assessed_at=body.assessed_at,
                          needs=body.needs, grounds=body.grounds, outcome=body.outcome)
    return next(a for a in views.needs(care) if a["id"] == row.id)


@router.post("/{care_id}/choices", response_model=ChoiceOut, status_code=201)
def add_choice(care_id: RecordId, body: ChoiceIn, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_UPDATE))]
               ) -> dict[str, Any]:
    """Record a choice of the victim's: opting out stops the clock from when it is recorded."""
    care, _ = load(db, actor, Action.VICTIM_UPDATE, care_id)
    row = services.choose(db, actor, care, now(), kind=body.kind, right=body.right,
                          channel=body.channel, frequency_days=body.frequency_days,
                          recorded_at=body.recorded_at)
    return next(c for c in views.choices(care) if c["id"] == row.id)


@router.post("/{care_id}/events", response_model=EventOut, status_code=201)
def add_event(care_id: RecordId, body: EventIn, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_UPDATE))]) -> Any:
    """Record an event of the crime (arrest, charge, hearing, outcome, a contact with the
    victim...); the obligations of every victim of the crime follow."""
    care, _ = load(db, actor, Action.VICTIM_UPDATE, care_id)
    return services.record_event(db, actor, care, now(), kind=body.kind, code=body.code,
                                 occurred_at=body.occurred_at, parent_id=body.parent_id,
                                 reference=body.reference, details=body.details)


@router.post("/{care_id}/obligations/regenerate", response_model=Regenerated)
def regenerate(care_id: RecordId, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_UPDATE))]
               ) -> Regenerated:
    """Recompute the victim's obligations from the crime's events as recorded now (after
    events arrived or were corrected elsewhere); changes nothing when nothing changed."""
    care, _ = load(db, actor, Action.VICTIM_UPDATE, care_id)
    changes = obligations.regenerate(db, actor, care, now())
    return Regenerated(added=changes.added, updated=changes.updated,
                       withdrawn=changes.withdrawn)
