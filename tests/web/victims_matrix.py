"""The victims' routes in the authorisation matrix (``test_service_policy``) and the records
the victims' web tests share: a victim of the police, referred to the victim service."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from service_world import World
from sqlalchemy import select

from crimeplan.cases.actor import Actor
from crimeplan.cases.db import utcnow
from crimeplan.cases.people import Allocation, Person
from crimeplan.cases.victims import services
from crimeplan.cases.victims.models import Obligation, VictimCare
from crimeplan.web.api.victims import care_resource
from crimeplan.web.policy import Action, Resource

_ids = itertools.count()
VICTIMS = "victim-support"


def police_actor(world: World) -> Actor:
    worker = world.personas["police-caseworker"].actor
    return Actor(agency_id=worker.agency_id, agency_kind="police-force", role="case-worker",
                 user_id=worker.user_id, purpose=VICTIMS)


def new_victim(app: FastAPI, world: World, *, shared_with: str | None = "victims",
               sensitivity: str = "standard", reported: dt.datetime | None = None,
               grounds: tuple[str, ...] | None = ("fear-or-distress",)) -> VictimCare:
    """A victim of a crime reported to the police (allocated to nobody), assessed by the
    police, and referred to ``shared_with`` (which shares the case with that agency)."""
    actor, now = police_actor(world), utcnow()
    reported = reported or now - dt.timedelta(days=20)
    with app.state.db.session() as s:
        person = Person(agency_id=world.agencies["police"], given_name="Vera",
                        family_name=f"Victim {next(_ids)}", category="victim",
                        sensitivity=sensitivity)
        s.add(person)
        s.flush()
        care = services.register(s, actor, person, now, occurred_at=reported,
                                 reference=f"42/{next(_ids)}/26", code="violent-crime")
        if grounds is not None:
            services.assess(s, actor, care, now, assessed_at=reported, needs=["safety-planning"],
                            grounds=list(grounds), outcome="referred")
        if shared_with is not None:
            referral = s.scalars(select(Obligation).where(Obligation.care_id == care.id)).one()
            services.record_outcome(s, actor, referral, now, outcome="met",
                                    at=reported + dt.timedelta(hours=5),
                                    to_agency_id=world.agencies[shared_with])
        care_id = care.id
    with app.state.db.session() as s:
        return s.get(VictimCare, care_id)


def the_obligation(app: FastAPI, care: VictimCare, rule_id: str) -> Obligation:
    with app.state.db.session() as s:
        return s.scalars(select(Obligation).where(Obligation.care_id == care.id,
                                                  Obligation.rule_id == rule_id)).one()


# --- the matrix ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """One request of the matrix (as ``test_service_policy.Call``)."""

    path: str
    json: dict[str, Any] | None = None
    resource: Resource | None = None


def _care(suffix: str, body: Callable[[], dict[str, Any]] | None = None
          ) -> Callable[[FastAPI, World], Call]:
    def make(app: FastAPI, world: World) -> Call:
        care = new_victim(app, world)
        return Call(f"/api/v1/victims/{care.id}{suffix}", body() if body else None,
                    care_resource(care))
    return make


def _now() -> str:
    return utcnow().isoformat()


def _outcome(app: FastAPI, world: World) -> Call:
    from test_service_policy import Call

    care = new_victim(app, world, shared_with=None)
    row = the_obligation(app, care, "r4-referral-to-support-services")
    return Call(f"/api/v1/victims/obligations/{row.id}/outcome",
                {"outcome": "unable", "at": _now(), "reason": "No contact details"},
                care_resource(care))


def _create(app: FastAPI, world: World) -> Call:
    from test_service_policy import Call

    with app.state.db.session() as s:
        person = Person(agency_id=world.agencies["police"], given_name="New",
                        family_name=f"Victim {next(_ids)}", category="victim")
        s.add(person)
        s.flush()
        s.add(Allocation(person_id=person.id,
                         user_id=world.personas["police-caseworker"].actor.user_id))
        resource = Resource("person", person.id, person.agency_id, "standard",
                            allocated=frozenset({world.personas["police-caseworker"]
                                                 .actor.user_id}))
        return Call("/api/v1/victims", {"person_id": person.id, "occurred_at": _now(),
                                        "reference": "42/999/26"}, resource)


def _fixed(path: str) -> Callable[[FastAPI, World], Call]:
    def make(app: FastAPI, world: World) -> Call:
        return Call(path)
    return make


#: (method, path template): (how to make one call, purpose sent, success status).
VICTIM_CASES: dict[tuple[str, str], tuple[Callable[[FastAPI, World], Call], str, int]] = {
    ("GET", "/api/v1/victims/rules"): (_fixed("/api/v1/victims/rules"), "", 200),
    ("GET", "/api/v1/victims/compliance"): (_fixed("/api/v1/victims/compliance"), "", 200),
    ("GET", "/api/v1/victims/compliance.csv"): (_fixed("/api/v1/victims/compliance.csv"), "",
                                                200),
    ("GET", "/api/v1/victims/obligations"): (_fixed("/api/v1/victims/obligations"), VICTIMS,
                                             200),
    ("POST", "/api/v1/victims/obligations/{obligation_id}/outcome"): (_outcome, VICTIMS, 200),
    ("GET", "/api/v1/victims"): (_fixed("/api/v1/victims"), VICTIMS, 200),
    ("POST", "/api/v1/victims"): (_create, VICTIMS, 201),
    ("GET", "/api/v1/victims/{care_id}"): (_care(""), VICTIMS, 200),
    ("GET", "/api/v1/victims/{care_id}/needs-assessments"): (_care("/needs-assessments"),
                                                             VICTIMS, 200),
    ("POST", "/api/v1/victims/{care_id}/needs-assessments"): (
        _care("/needs-assessments", lambda: {"assessed_at": _now(), "needs": ["interpreter"],
                                             "grounds": [], "outcome": "referred"}),
        VICTIMS, 201),
    ("POST", "/api/v1/victims/{care_id}/choices"): (
        _care("/choices", lambda: {"kind": "contact-preference", "channel": "email"}),
        VICTIMS, 201),
    ("POST", "/api/v1/victims/{care_id}/events"): (
        _care("/events", lambda: {"kind": "arrest", "occurred_at": _now()}), VICTIMS, 201),
    ("POST", "/api/v1/victims/{care_id}/obligations/regenerate"): (
        _care("/obligations/regenerate"), VICTIMS, 200),
}

#: The victims' pages without a parameter and their actions (pages with one are tested in
#: test_victims_web, both directions).
VICTIM_PAGES = {"/victims": Action.VICTIM_LIST, "/victims/compliance": Action.VICTIM_COMPLIANCE,
                "/victims/compliance.csv": Action.VICTIM_COMPLIANCE,
                "/victims/obligations": Action.VICTIM_OBLIGATIONS}
VICTIM_PAGES_ELSEWHERE = ("/victims/{",)
