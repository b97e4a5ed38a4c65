"""Record linkage: runs of the model, and the proposals a case worker confirms or rejects."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from sqlalchemy import select

from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.linkage import proposals
from crimeplan.cases.linkage.models import LinkProposal
from crimeplan.cases.s62 import require_purpose
from crimeplan.errors import NotFound
from crimeplan.web.api.pole_schemas import (
    DecisionIn,
    LinkageRunIn,
    LinkageRunOut,
    ProposalOut,
    ProposalSummary,
)
from crimeplan.web.api.resources import person_resource
from crimeplan.web.api.schemas import RecordId
from crimeplan.web.deps import DB, Authorise
from crimeplan.web.policy import Action, decide, may

router = APIRouter(tags=["record linkage"])


@router.post("/linkage/runs", response_model=LinkageRunOut, status_code=201)
def run_linkage(body: LinkageRunIn, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.LINKAGE_RUN))]
                ) -> LinkageRunOut:
    """Compare every person record and propose the pairs at or above the threshold (every
    record read is logged)."""
    require_purpose(actor)
    result = proposals.run(db, actor, body.threshold)
    return LinkageRunOut(records=result.records, matches=result.matches,
                         proposed=result.proposed)


def reviewable(db: DB, actor: Actor, proposal: LinkProposal) -> bool:
    """Whether the caller may decide the proposal: they may link one of its records."""
    return any(may(actor, Action.LINK_PROPOSAL_DECIDE,
                   person_resource(records.get(db, pid)))
               for pid in (proposal.person_id, proposal.other_id))


def queue(db: DB, actor: Actor, status: str | None = "pending") -> list[LinkProposal]:
    """The proposals the caller may decide, most likely first."""
    query = select(LinkProposal).order_by(LinkProposal.match_probability.desc(),
                                          LinkProposal.id)
    rows = db.scalars(query).all()
    return [p for p in rows if (status is None or p.status == status)
            and reviewable(db, actor, p)]


def load(db: DB, actor: Actor, proposal_id: str) -> LinkProposal:
    require_purpose(actor)
    proposal = proposals.get(db, proposal_id)
    if not reviewable(db, actor, proposal):
        raise NotFound(f"no proposal {proposal_id}")
    return proposal


def view(db: DB, actor: Actor, proposal: LinkProposal) -> dict[str, Any]:
    """The proposal with both records side by side, each as the caller may see it (a record
    they may not read shows only its agency); the records shown are logged."""
    agencies = dict(db.execute(select(Agency.id, Agency.name)).all())
    sides = []
    for pid in (proposal.person_id, proposal.other_id):
        person = records.get(db, pid)
        decision = decide(actor, Action.PERSON_READ, person_resource(person))
        sides.append({"id": person.id, "agency_id": person.agency_id,
                      "agency_name": agencies.get(person.agency_id, ""),
                      "visible": decision.allowed,
                      "record": (records.view(db, actor, person, decision.redact)
                                 if decision.allowed else None)})
    return {"id": proposal.id, "status": proposal.status,
            "match_probability": proposal.match_probability,
            "match_weight": proposal.match_weight, "model_version": proposal.model_version,
            "proposed_at": proposal.proposed_at, "reason": proposal.reason,
            "evidence": proposal.evidence, "records": sides}


@router.get("/link-proposals", response_model=list[ProposalSummary])
def list_proposals(db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.LINK_PROPOSAL_LIST))],
                   status: Literal["pending", "confirmed", "rejected"] = "pending"
                   ) -> list[ProposalSummary]:
    """Proposals the caller may decide (ids and scores only)."""
    require_purpose(actor)
    return [ProposalSummary(id=p.id, status=p.status, match_probability=p.match_probability,
                            person_id=p.person_id, other_id=p.other_id,
                            proposed_at=p.proposed_at) for p in queue(db, actor, status)]


@router.get("/link-proposals/{proposal_id}", response_model=ProposalOut)
def read_proposal(proposal_id: RecordId, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.LINK_PROPOSAL_DECIDE))]
                  ) -> dict[str, Any]:
    """The evidence side by side, redacted to what the caller may see."""
    return view(db, actor, load(db, actor, proposal_id))


@router.post("/link-proposals/{proposal_id}/decision", response_model=ProposalOut)
def decide_proposal(proposal_id: RecordId, body: DecisionIn, db: DB,
                    actor: Annotated[Actor, Depends(Authorise(Action.LINK_PROPOSAL_DECIDE))]
                    ) -> dict[str, Any]:
    """Confirm (the records are linked: a combination logged on both) or reject with a
    reason (the pair is never proposed again)."""
    proposal = load(db, actor, proposal_id)
    if body.decision == "confirm":
        proposals.confirm(db, actor, proposal, body.reason)
    else:
        proposals.reject(db, actor, proposal, body.reason)
    return view(db, actor, proposal)
