"""Pages of the POLE core: cases and their work, a person's timeline across agencies, the
record linkage queue and MoPI retention reviews. Each reads through the same use cases and
policy as the API (so the same s.62 entries are written); a page the caller may not see is
404. The purpose of page reads is case management (retention pages: data protection)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from crimeplan.cases import case_records, records
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.errors import CrimeplanError
from crimeplan.standard.pole import PROGRAMMES
from crimeplan.web.api import cases as cases_api
from crimeplan.web.api import linkage as linkage_api
from crimeplan.web.api.people import person_entries
from crimeplan.web.api.resources import person_resource
from crimeplan.web.api.schemas import PRINTABLE, RecordId
from crimeplan.web.deps import DB, Authorise, authorise
from crimeplan.web.pages.render import check_csrf, field_errors, page, redirect
from crimeplan.web.policy import Action

router = APIRouter()
Text = Annotated[str, Form(max_length=1000, pattern=PRINTABLE)]
CARE = "case-management"


def _care(actor: Actor) -> Actor:
    return replace(actor, purpose=actor.purpose or CARE)


def _agency_names(db: DB) -> dict[str, str]:
    return dict(db.execute(select(Agency.id, Agency.name)).all())


@router.get("/cases")
def cases_page(request: Request, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.CASE_LIST))],
               programme: Annotated[str, Query(max_length=30, pattern=PRINTABLE)] = "",
               status: Annotated[str, Query(max_length=10, pattern=PRINTABLE)] = "open"
               ) -> Response:
    """Cases the caller's agency owns or was shared, filtered by programme and status."""
    actor = _care(actor)
    on = cases_api.today()
    rows = cases_api.visible_cases(db, actor, Action.CASE_READ,
                                   programme if programme in PROGRAMMES else None,
                                   status if status in ("open", "closed") else None)
    return page(request, "pole/cases.html", title="Cases",
                cases=[cases_api.summary(c, on) for c in rows], agencies=_agency_names(db),
                programmes=[("", "All programmes"), *((c.id, c.label)
                                                      for c in PROGRAMMES.values())],
                statuses=[("", "Open and closed"), ("open", "Open"), ("closed", "Closed")],
                programme=programme, status_filter=status, labels=PROGRAMMES)


@router.get("/cases/{case_id}")
def case_page(case_id: RecordId, request: Request, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.CASE_READ))]) -> Response:
    """A case: summary, tasks with derived states, notes the agency may see."""
    actor = _care(actor)
    case = cases_api.load(db, actor, Action.CASE_READ, case_id)
    return page(request, "pole/case.html", title=case.title,
                case=case_records.view(db, actor, case, cases_api.today()),
                agencies=_agency_names(db), labels=PROGRAMMES)


@router.get("/people/{person_id}/timeline")
def timeline_page(person_id: RecordId, request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.PERSON_TIMELINE))]
                  ) -> Response:
    """A person's events, cases and linked records across agencies, newest first."""
    actor = _care(actor)
    person = records.get(db, person_id)
    decision = authorise(actor, Action.PERSON_TIMELINE, person_resource(person))
    shown = records.shown(person, decision.redact)
    entries = person_entries(db, actor, person)
    return page(request, "pole/timeline.html", title="Timeline", person=shown,
                entries=entries, agencies=_agency_names(db))


@router.get("/linkage/proposals")
def proposals_page(request: Request, db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.LINK_PROPOSAL_LIST))]
                   ) -> Response:
    """The queue: pending proposals the caller may decide, most likely first."""
    actor = _care(actor)
    return page(request, "pole/proposals.html", title="Possible matches",
                proposals=linkage_api.queue(db, actor))


@router.get("/linkage/proposals/{proposal_id}")
def proposal_page(proposal_id: RecordId, request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.LINK_PROPOSAL_DECIDE))]
                  ) -> Response:
    actor = _care(actor)
    return _proposal_view(request, db, actor, proposal_id)


def _proposal_view(request: Request, db: DB, actor: Actor, proposal_id: str,
                   status: int = 200, **context: object) -> Response:
    proposal = linkage_api.load(db, actor, proposal_id)
    return page(request, "pole/proposal.html", status, title="Are these the same person?",
                proposal=linkage_api.view(db, actor, proposal), **context)


@router.post("/linkage/proposals/{proposal_id}")
def decide_proposal(proposal_id: RecordId, request: Request, db: DB,
                    actor: Annotated[Actor, Depends(Authorise(Action.LINK_PROPOSAL_DECIDE))],
                    decision: Text = "", reason: Text = "", csrf_token: Text = ""
                    ) -> Response:
    """Confirm (link the records) or reject with a reason."""
    check_csrf(request, csrf_token)
    actor = _care(actor)
    proposal = linkage_api.load(db, actor, proposal_id)
    try:
        if decision == "confirm":
            linkage_api.proposals.confirm(db, actor, proposal, reason)
        elif decision == "reject":
            linkage_api.proposals.reject(db, actor, proposal, reason)
        else:
            return _proposal_view(request, db, actor, proposal_id, 400, errors=[
                {"text": "Choose whether these are the same person", "href": "#decision",
                 "field": "decision"}])
    except CrimeplanError as exc:
        if not exc.fields:
            raise
        return _proposal_view(request, db, actor, proposal_id, 400,
                              errors=field_errors(exc.fields))
    return redirect("/linkage/proposals")


@router.get("/retention")
def retention_page(request: Request, db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.RETENTION_LIST))]
                   ) -> Response:
    """The agency's cases whose MoPI review is overdue or due within 90 days."""
    actor = replace(actor, purpose="data-protection")
    due = cases_api.reviews_due(db, actor)
    return page(request, "pole/retention.html", title="Retention reviews", cases=due,
                labels=PROGRAMMES)

