"""Proposals: running the model over the service's people, and a person's decision on each
pair it proposes.

A run reads every person record into memory (logged as a consultation of each, with the
fields linkage reads), scores pairs with the model and stores the pairs at or above the
threshold as pending proposals, skipping pairs already linked or already proposed (a
rejected pair is never proposed again). Confirming one creates the ``Link`` (a combination
under s.62, logged against both records); rejecting one needs a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import records, s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.db import utcnow
from crimeplan.cases.linkage import frame, model
from crimeplan.cases.linkage.models import LinkProposal
from crimeplan.cases.people import Link
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound


@dataclass(frozen=True)
class RunResult:
    """What a run did: records compared, pairs scored above the threshold, and new
    proposals (the rest were linked or proposed before)."""

    records: int
    matches: int
    proposed: int


def run(db: Session, actor: Actor, threshold: float = model.THRESHOLD, seed: int = 13
        ) -> RunResult:
    """Compare every person record and propose the pairs at or above ``threshold``."""
    rows = frame.from_database(db)
    for r in rows:
        s62.log(db, actor, s62.Category.CONSULTATION, s62.Subject("person", r["unique_id"]),
                frame.FIELDS_READ)
    matches = model.predict(rows, threshold, seed)
    known = set(db.execute(select(LinkProposal.person_id, LinkProposal.other_id)).all())
    known |= set(db.execute(select(Link.person_id, Link.other_id)).all())
    proposed = 0
    for m in matches:
        if (m.left, m.right) in known:
            continue
        db.add(LinkProposal(person_id=m.left, other_id=m.right,
                            match_probability=m.match_probability,
                            match_weight=m.match_weight, evidence=m.evidence,
                            model_version=model.MODEL_VERSION))
        known.add((m.left, m.right))
        proposed += 1
    db.flush()
    return RunResult(len(rows), len(matches), proposed)


def get(db: Session, proposal_id: str) -> LinkProposal:
    proposal = db.get(LinkProposal, proposal_id)
    if proposal is None:
        raise NotFound(f"no proposal {proposal_id}")
    return proposal


def _pending(proposal: LinkProposal) -> None:
    if proposal.status != "pending":
        raise Conflict(f"this proposal was already {proposal.status}")


def confirm(db: Session, actor: Actor, proposal: LinkProposal, reason: str = "") -> Link:
    """The records are one person: link them (a combination, logged on both)."""
    _pending(proposal)
    link = records.link(db, actor, records.get(db, proposal.person_id),
                        records.get(db, proposal.other_id))
    proposal.confirmed_at, proposal.decided_by_user_id = utcnow(), actor.user_id
    proposal.reason = reason or None
    db.flush()
    return link


def reject(db: Session, actor: Actor, proposal: LinkProposal, reason: str) -> LinkProposal:
    """The records are different people: remember it (so the pair is not proposed again)."""
    _pending(proposal)
    if not reason.strip():
        raise BadInput("say why the records are not the same person",
                       fields=(FieldProblem("reason", "required",
                                            "Say why these are different people"),))
    proposal.rejected_at, proposal.decided_by_user_id = utcnow(), actor.user_id
    proposal.reason = reason
    for person_id in (proposal.person_id, proposal.other_id):
        s62.log(db, actor, s62.Category.ALTERATION, s62.Subject("person", person_id),
                ("link_proposals",))
    db.flush()
    return proposal
