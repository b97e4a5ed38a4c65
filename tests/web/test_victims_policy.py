"""The victims' grants, decided by hand: kinds of agency, relationships and purposes."""

from __future__ import annotations

import pytest

from crimeplan.cases.actor import Actor
from crimeplan.web.policy import Action, Resource, decide

#: A victim's record of the police force, shared with the victim service and a housing
#: provider, allocated to worker u9.
VICTIM = Resource("victim", "v1", "police", "standard", allocated=frozenset({"u9"}),
                  shared_with=frozenset({"victims", "housing"}))
KINDS = {"police": "police-force", "victims": "victim-service", "housing": "housing-provider",
         "probation": "probation", "pcc": "pcc-office"}


def _worker(agency: str, role: str = "case-worker", user: str = "u1",
            purpose: str | None = "victim-support") -> Actor:
    return Actor(agency_id=agency, agency_kind=KINDS[agency], role=role, user_id=user,
                 purpose=purpose)


@pytest.mark.parametrize(("actor", "action", "allowed"), [
    (_worker("police"), Action.VICTIM_READ, True),
    (_worker("police"), Action.VICTIM_NEEDS_READ, True),
    (_worker("victims"), Action.VICTIM_NEEDS_WRITE, True),
    (_worker("victims"), Action.VICTIM_OUTCOME, True),
    (_worker("housing"), Action.VICTIM_READ, True),          # shared with housing ...
    (_worker("housing"), Action.VICTIM_NEEDS_READ, False),   # ... but not its needs
    (_worker("housing"), Action.VICTIM_OUTCOME, False),      # housing owes no Code duty
    (_worker("probation"), Action.VICTIM_READ, False),       # not shared with probation
    (_worker("probation", user="u9"), Action.VICTIM_NEEDS_READ, False),  # allocated, wrong kind
    (_worker("probation", user="u9"), Action.VICTIM_OUTCOME, True),
    (_worker("police", purpose="data-protection"), Action.VICTIM_READ, False),
    (_worker("police", role="dpo", purpose="data-protection"), Action.VICTIM_READ, True),
    (_worker("police", role="dpo", purpose="data-protection"), Action.VICTIM_NEEDS_READ,
     False),
    (_worker("pcc", role="pcc-viewer"), Action.VICTIM_READ, False),
])
def test_who_sees_what_of_a_victim(actor: Actor, action: Action, allowed: bool) -> None:
    assert decide(actor, action, VICTIM).allowed is allowed


def test_restricted_victims_need_an_allocation() -> None:
    secret = Resource("victim", "v2", "police", "restricted", allocated=frozenset({"u9"}),
                      shared_with=frozenset({"victims"}))
    assert not decide(_worker("police"), Action.VICTIM_READ, secret).allowed
    assert not decide(_worker("victims"), Action.VICTIM_READ, secret).allowed
    assert decide(_worker("police", user="u9"), Action.VICTIM_NEEDS_READ, secret).allowed


def test_only_the_police_record_a_victim_and_aggregates_are_wider() -> None:
    person = Resource("person", "p1", "police", "standard")
    assert decide(_worker("police"), Action.VICTIM_CREATE, person).allowed
    assert not decide(_worker("victims"), Action.VICTIM_CREATE).allowed
    for role, agency in (("pcc-viewer", "pcc"), ("analyst", "police"),
                         ("agency-admin", "victims")):
        assert decide(_worker(agency, role=role, purpose=None), Action.VICTIM_COMPLIANCE).allowed
    assert not decide(_worker("pcc", role="pcc-viewer"), Action.VICTIM_OBLIGATIONS).allowed
    stats = Actor(agency_id="pcc", agency_kind="pcc-office", client_id="c1",
                  scopes=frozenset({"stats:read"}))
    assert decide(stats, Action.VICTIM_COMPLIANCE).allowed
    assert not decide(stats, Action.VICTIM_LIST).allowed
