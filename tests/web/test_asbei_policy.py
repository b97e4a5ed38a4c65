"""Hand-worked decisions of the early intervention and ASB case review grants: by role, by
kind of agency and by relationship to the record, in both directions."""

from __future__ import annotations

import pytest

from crimeplan.cases.actor import Actor
from crimeplan.web.policy import Action, Resource, decide


def worker(kind: str, agency: str, user: str = "u1", purpose: str = "safeguarding") -> Actor:
    return Actor(agency_id=agency, agency_kind=kind, role="case-worker", user_id=user,
                 purpose=purpose)


YJS = worker("youth-justice", "yjs")
POLICE = worker("police-force", "police")
COUNCIL = worker("local-authority", "council")
HOUSING = worker("housing-provider", "housing")
PROBATION = worker("probation", "probation")
PCC = Actor(agency_id="pcc", agency_kind="pcc-office", role="pcc-viewer", user_id="u2")
STATS = Actor(agency_id="pcc", agency_kind="pcc-office", client_id="c1",
              scopes=frozenset({"stats:read"}))
CHILD = Resource("person", "p1", "police")                     # the police's record
SECRET = Resource("person", "p2", "police", "restricted", allocated=frozenset({"u9"}))
REVIEW = Resource("asb-review", "r1", "council", shared_with=frozenset({"housing"}))


@pytest.mark.parametrize(("actor", "action", "resource", "allowed"), [
    (YJS, Action.EI_CHILD_READ, CHILD, True),           # any agency's child, standard
    (YJS, Action.EI_CHILD_READ, SECRET, False),         # restricted: allocated only
    (worker("youth-justice", "yjs", "u9"), Action.EI_CHILD_READ, SECRET, True),
    (POLICE, Action.EI_CHILD_READ, CHILD, False),       # the police own it, but are not YJS
    (COUNCIL, Action.EI_CHILD_READ, CHILD, False),
    (COUNCIL, Action.EI_STATUS_RECORD, CHILD, True),    # children's services record statuses
    (HOUSING, Action.EI_STATUS_RECORD, CHILD, False),
    (worker("youth-justice", "yjs", purpose="data-protection"), Action.EI_CHILD_READ, CHILD,
     False),
    (COUNCIL, Action.EI_FAMILY_LIST, None, True),
    (POLICE, Action.EI_FAMILY_LIST, None, False),
    (PCC, Action.EI_FIGURES, None, True),
    (PCC, Action.EI_ELIGIBILITY_LIST, None, False),
    (STATS, Action.EI_FIGURES, None, True),
    (STATS, Action.ASB_FIGURES, None, True),
    (COUNCIL, Action.ASB_REVIEW_READ, REVIEW, True),    # leads it
    (HOUSING, Action.ASB_REVIEW_READ, REVIEW, True),    # party to it
    (POLICE, Action.ASB_REVIEW_READ, REVIEW, False),    # not party
    (PROBATION, Action.ASB_REVIEW_READ, Resource("asb-review", "r2", "probation"), False),
    (COUNCIL, Action.ASB_REVIEW_UPDATE, REVIEW, True),
    (HOUSING, Action.ASB_REVIEW_UPDATE, REVIEW, False),  # parties see, the lead records
    (POLICE, Action.ASB_QUEUE_LIST, None, True),
    (HOUSING, Action.ASB_QUEUE_LIST, None, False),
    (PCC, Action.ASB_REVIEW_LIST, None, False),
])
def test_decisions(actor: Actor, action: Action, resource: Resource | None,
                   allowed: bool) -> None:
    assert decide(actor, action, resource).allowed is allowed


def test_a_grant_by_agency_kind_refuses_a_caller_without_one() -> None:
    nobody = Actor(role="case-worker", user_id="u1", purpose="safeguarding")
    assert not decide(nobody, Action.EI_ELIGIBILITY_LIST).allowed
    assert decide(nobody, Action.SIGNED_IN).allowed  # grants without kinds are unaffected
