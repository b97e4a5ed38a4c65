"""The access policy: hand-worked decisions, every route declaring its action, and an
authorisation matrix generated from the policy and run against every endpoint for every
persona, in the allowed and the denied direction."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import asbei_world
import pytest
from analysis_world import record_forecast
from fastapi import FastAPI
from service_world import World, client_for
from victims_matrix import VICTIM_CASES, VICTIM_PAGES, VICTIM_PAGES_ELSEWHERE

from crimeplan.cases.actor import Actor
from crimeplan.cases.casework import Case, CaseShare, Task
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.linkage.models import LinkProposal
from crimeplan.cases.people import Person
from crimeplan.cases.places import Location
from crimeplan.web.api.resources import (
    case_resource,
    event_resource,
    location_resource,
    person_resource,
)
from crimeplan.web.deps import declared_routes
from crimeplan.web.policy import Action, Resource, decide

_ids = itertools.count()


def _actor(role: str | None = None, agency: str = "police", user: str = "u1",
           purpose: str | None = "case-management", scopes: str = "") -> Actor:
    if role is None:
        return Actor(agency_id=agency, client_id="c1", scopes=frozenset(scopes.split()),
                     purpose=purpose)
    return Actor(agency_id=agency, role=role, user_id=user, purpose=purpose)


RECORD = Resource("person", "p1", "police", "standard", allocated=frozenset({"u9"}),
                  shared_with=frozenset({"probation"}))
SECRET = replace(RECORD, sensitivity="restricted")


@pytest.mark.parametrize(("actor", "resource", "allowed", "redact"), [
    (_actor("case-worker"), RECORD, True, set()),                          # own agency
    (_actor("case-worker", "probation"), RECORD, True, {"pnc_id"}),        # shared with them
    (_actor("case-worker", "housing"), RECORD, False, set()),              # no relationship
    (_actor("case-worker"), SECRET, False, set()),                         # restricted
    (_actor("case-worker", user="u9"), SECRET, True, set()),               # allocated
    (_actor("case-worker", purpose=None), RECORD, False, set()),           # no purpose
    (_actor("case-worker", purpose="data-protection"), RECORD, False, set()),
    (_actor("dpo", purpose="data-protection"), SECRET, True, set()),
    (_actor("dpo", purpose="case-management"), RECORD, False, set()),
    (_actor("analyst"), RECORD, False, set()),
    (_actor("system-admin"), RECORD, False, set()),
    (_actor("pcc-viewer"), RECORD, False, set()),
    (_actor(None, "probation", scopes="people:read"), RECORD, True, {"pnc_id"}),
    (_actor(None, "probation", scopes="stats:read"), RECORD, False, set()),
    (_actor(None, "housing", scopes="people:read"), RECORD, False, set()),
    (Actor(purpose="case-management"), RECORD, False, set()),
])
def test_reading_a_person(actor: Actor, resource: Resource, allowed: bool,
                          redact: set[str]) -> None:
    decision = decide(actor, Action.PERSON_READ, resource)
    assert decision.allowed is allowed
    assert set(decision.redact) == redact


def test_agency_admins_create_accounts_in_their_agency_below_system_admin() -> None:
    admin = _actor("agency-admin")
    assert decide(admin, Action.USER_CREATE, Resource("agency", "police", "police",
                                                      role="case-worker")).allowed
    assert not decide(admin, Action.USER_CREATE, Resource("agency", "police", "police",
                                                          role="system-admin")).allowed
    assert not decide(admin, Action.USER_CREATE, Resource("agency", "housing", "housing",
                                                          role="case-worker")).allowed
    assert decide(_actor("system-admin"), Action.USER_CREATE,
                  Resource("agency", "housing", "housing", role="system-admin")).allowed


def test_everyone_may_read_their_own_account_only() -> None:
    me = Resource("user", "u1", "police", role="analyst")
    other = Resource("user", "u2", "police", role="analyst")
    assert decide(_actor("analyst"), Action.USER_READ, me).allowed
    assert not decide(_actor("analyst"), Action.USER_READ, other).allowed


def test_unknown_actions_and_anonymous_callers_are_denied() -> None:
    assert not decide(Actor(), Action.SIGNED_IN).allowed
    assert decide(Actor(), Action.PUBLIC).allowed
    assert all(not decide(Actor(), a).allowed for a in Action if a is not Action.PUBLIC)


def test_every_route_declares_its_action(app: FastAPI) -> None:
    routes = declared_routes(app)
    assert len(routes) > 30
    missing = [f"{sorted(r.methods)} {r.path}" for r in routes if r.action is None]
    assert missing == []


# --- the matrix -------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    path: str
    json: dict[str, Any] | None = None
    resource: Resource | None = None
    form: dict[str, str] | None = None


def _new_person(app: FastAPI, world: World, owner: str = "police",
                allocated_to: str | None = None, shared: str | None = None) -> Person:
    from crimeplan.cases.people import Allocation, Share

    with app.state.db.session() as s:
        person = Person(agency_id=world.agencies[owner], given_name="Matrix",
                        family_name=f"Case {next(_ids)}", category="other")
        s.add(person)
        s.flush()
        if allocated_to:
            s.add(Allocation(person_id=person.id,
                             user_id=world.personas[allocated_to].actor.user_id))
        if shared:
            s.add(Share(person_id=person.id, agency_id=world.agencies[shared]))
    with app.state.db.session() as s:
        return s.get(Person, person.id)


def _person_call(suffix: str = "", body: dict[str, Any] | None = None
                 ) -> Callable[[FastAPI, World], Call]:
    def make(app: FastAPI, world: World) -> Call:
        person = _new_person(app, world, allocated_to="police-caseworker", shared="probation")
        return Call(f"/api/v1/people/{person.id}{suffix}", body, person_resource(person))
    return make


def _link(app: FastAPI, world: World) -> Call:
    a = _new_person(app, world, allocated_to="police-caseworker", shared="probation")
    b = _new_person(app, world, shared="probation")
    return Call(f"/api/v1/people/{a.id}/links", {"other_id": b.id}, person_resource(a))


def _share(app: FastAPI, world: World) -> Call:
    person = _new_person(app, world, allocated_to="police-caseworker")
    return Call(f"/api/v1/people/{person.id}/shares", {"agency_id": world.agencies["housing"]},
                person_resource(person))


def _new_user(app: FastAPI, world: World) -> Call:
    police = world.agencies["police"]
    return Call("/api/v1/users", {"agency_id": police, "email": f"new{next(_ids)}@x.test",
                                  "name": "New Person", "role": "case-worker"},
                Resource("agency", police, police, role="case-worker"))


def _read_user(app: FastAPI, world: World) -> Call:
    analyst = world.personas["analyst"].actor
    return Call(f"/api/v1/users/{analyst.user_id}", None,
                Resource("user", analyst.user_id, analyst.agency_id, role="analyst"))


def _new_client(app: FastAPI, world: World) -> Call:
    police = world.agencies["police"]
    return Call("/api/v1/clients", {"agency_id": police, "name": "Records system",
                                    "scopes": ["stats:read"]},
                Resource("agency", police, police))


def _fixed(path: str, body: dict[str, Any] | None = None) -> Callable[[FastAPI, World], Call]:
    return lambda app, world: Call(path, body)


def _new_agency(app: FastAPI, world: World) -> Call:
    return Call("/api/v1/agencies", {"name": f"Council {next(_ids)}", "kind": "local-authority"})


def _new_person_for_agency(app: FastAPI, world: World) -> Call:
    return Call("/api/v1/people", {"given_name": "New", "family_name": "Person"})


# --- POLE services, case work and record linkage (issue #13, core) ---------------------

def _location(app: FastAPI, world: World) -> Location:
    with app.state.db.session() as s:
        location = Location(agency_id=world.agencies["police"], address="1 High Street",
                            postcode="CM1 1AA")
        s.add(location)
    return location


def _address(app: FastAPI, world: World) -> Call:
    person = _new_person(app, world, allocated_to="police-caseworker", shared="probation")
    return Call(f"/api/v1/people/{person.id}/addresses",
                {"location_id": _location(app, world).id}, person_resource(person))


def _relation(app: FastAPI, world: World) -> Call:
    a = _new_person(app, world, allocated_to="police-caseworker", shared="probation")
    b = _new_person(app, world, allocated_to="police-caseworker")
    return Call(f"/api/v1/people/{a.id}/relations", {"other_id": b.id, "kind": "sibling"},
                person_resource(a))


def _location_call(body: dict[str, Any] | None = None) -> Callable[[FastAPI, World], Call]:
    def make(app: FastAPI, world: World) -> Call:
        location = _location(app, world)
        return Call(f"/api/v1/locations/{location.id}", body, location_resource(location))
    return make


def _new_location(app: FastAPI, world: World) -> Call:
    return Call("/api/v1/locations", {"address": "2 Low Road", "postcode": "ss1 1aa"})


def _event(app: FastAPI, world: World) -> tuple[Event, Resource]:
    person = _new_person(app, world, allocated_to="police-caseworker", shared="probation")
    with app.state.db.session() as s:
        event = Event(agency_id=world.agencies["police"], kind="arrest",
                      occurred_at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
        event.participants.append(Participant(person_id=person.id, role="suspect"))
        s.add(event)
        s.flush()
        return event, event_resource(s, event)


def _event_call(suffix: str = "", body: dict[str, Any] | None = None
                ) -> Callable[[FastAPI, World], Call]:
    def make(app: FastAPI, world: World) -> Call:
        event, resource = _event(app, world)
        if suffix:
            other = _new_person(app, world, allocated_to="police-caseworker")
            body_ = {"person_id": other.id, "role": "witness"}
            return Call(f"/api/v1/events/{event.id}{suffix}", body_, resource)
        return Call(f"/api/v1/events/{event.id}", body, resource)
    return make


def _new_event(app: FastAPI, world: World) -> Call:
    return Call("/api/v1/events", {"kind": "contact", "occurred_at": "2026-03-02T10:00:00Z"})


def _case(app: FastAPI, world: World, group: str | None = None) -> tuple[Case, Resource, str]:
    person = _new_person(app, world, allocated_to="police-caseworker", shared="probation")
    with app.state.db.session() as s:
        case = Case(agency_id=world.agencies["police"], programme="general",
                    title="Matrix case", person_id=person.id, retention_group=group,
                    review_on=dt.date(2020, 1, 1) if group else None)
        case.shares.append(CaseShare(agency_id=world.agencies["probation"]))
        s.add(case)
        s.flush()
        task = Task(case_id=case.id, title="Visit", owner_agency_id=case.agency_id)
        s.add(task)
        s.flush()
        return case, case_resource(s, case), task.id


def _case_call(suffix: str = "", body: dict[str, Any] | None = None, group: str | None = None
               ) -> Callable[[FastAPI, World], Call]:
    def make(app: FastAPI, world: World) -> Call:
        case, resource, task_id = _case(app, world, group)
        path = f"/api/v1/cases/{case.id}{suffix}".replace("{task_id}", task_id)
        json = body(world) if callable(body) else body
        return Call(path, json, resource)
    return make


def _new_case(app: FastAPI, world: World) -> Call:
    return Call("/api/v1/cases", {"programme": "general", "title": "A new case"})


def _proposal(app: FastAPI, world: World) -> tuple[str, Resource]:
    a = _new_person(app, world, allocated_to="police-caseworker", shared="probation")
    b = _new_person(app, world)
    with app.state.db.session() as s:
        proposal = LinkProposal(person_id=min(a.id, b.id), other_id=max(a.id, b.id),
                                match_probability=0.995, match_weight=9.0, evidence=[],
                                model_version="test")
        s.add(proposal)
        s.flush()
        return proposal.id, person_resource(a)


def _proposal_call(suffix: str = "", body: dict[str, Any] | None = None
                   ) -> Callable[[FastAPI, World], Call]:
    def make(app: FastAPI, world: World) -> Call:
        proposal_id, resource = _proposal(app, world)
        return Call(f"/api/v1/link-proposals/{proposal_id}{suffix}", body, resource)
    return make


#: Routes that create a record for the caller's own agency: the resource is the agency.
CREATES = {("POST", "/api/v1/people"): "person", ("POST", "/api/v1/locations"): "location",
           ("POST", "/api/v1/events"): "event", ("POST", "/api/v1/cases"): "case"}


def _forecast(app: FastAPI, world: World) -> Call:
    home = app.state.settings.home
    run_id = record_forecast(home, home / "outputs" / f"plan-{next(_ids)}.geojson")
    return Call(f"/api/v1/maps/forecasts/{run_id}")


#: (method, path template): (how to make one call, purpose sent, success status).
CASES: dict[tuple[str, str], tuple[Callable[[FastAPI, World], Call], str, int]] = {
    ("GET", "/api/v1/health"): (_fixed("/api/v1/health"), "", 200),
    ("GET", "/api/v1/purposes"): (_fixed("/api/v1/purposes"), "", 200),
    ("GET", "/api/v1/agency-kinds"): (_fixed("/api/v1/agency-kinds"), "", 200),
    ("GET", "/api/v1/roles"): (_fixed("/api/v1/roles"), "", 200),
    ("GET", "/api/v1/me"): (_fixed("/api/v1/me"), "", 200),
    ("GET", "/api/v1/agencies"): (_fixed("/api/v1/agencies"), "", 200),
    ("POST", "/api/v1/agencies"): (_new_agency, "", 201),
    ("GET", "/api/v1/users"): (_fixed("/api/v1/users"), "", 200),
    ("GET", "/api/v1/users/{user_id}"): (_read_user, "account-administration", 200),
    ("POST", "/api/v1/users"): (_new_user, "", 201),
    ("GET", "/api/v1/clients"): (_fixed("/api/v1/clients"), "", 200),
    ("POST", "/api/v1/clients"): (_new_client, "", 201),
    ("GET", "/api/v1/people"): (_fixed("/api/v1/people"), "case-management", 200),
    ("POST", "/api/v1/people"): (_new_person_for_agency, "case-management", 201),
    ("GET", "/api/v1/people/{person_id}"): (_person_call(), "case-management", 200),
    ("PATCH", "/api/v1/people/{person_id}"): (_person_call("", {"given_name": "Changed"}),
                                              "case-management", 200),
    ("DELETE", "/api/v1/people/{person_id}"): (_person_call(), "data-protection", 204),
    ("POST", "/api/v1/people/{person_id}/shares"): (_share, "information-sharing", 204),
    ("POST", "/api/v1/people/{person_id}/links"): (_link, "case-management", 204),
    ("GET", "/api/v1/people/{person_id}/history"): (_person_call("/history"),
                                                    "data-protection", 200),
    ("GET", "/api/v1/people/{person_id}/subject-access"): (_person_call("/subject-access"),
                                                           "subject-access", 200),
    ("GET", "/api/v1/audit/verify"): (_fixed("/api/v1/audit/verify"), "", 200),
    ("GET", "/api/v1/stats/people"): (_fixed("/api/v1/stats/people"), "", 200),
    # --- POLE services, case work and record linkage (issue #13, core) ---
    ("POST", "/api/v1/people/{person_id}/addresses"): (_address, "case-management", 201),
    ("POST", "/api/v1/people/{person_id}/relations"): (_relation, "case-management", 201),
    ("GET", "/api/v1/people/{person_id}/timeline"): (_person_call("/timeline"),
                                                     "case-management", 200),
    ("POST", "/api/v1/locations"): (_new_location, "case-management", 201),
    ("GET", "/api/v1/locations/{location_id}"): (_location_call(), "case-management", 200),
    ("PATCH", "/api/v1/locations/{location_id}"): (_location_call({"uprn": "100091234567"}),
                                                   "case-management", 200),
    ("POST", "/api/v1/events"): (_new_event, "case-management", 201),
    ("GET", "/api/v1/events/{event_id}"): (_event_call(), "case-management", 200),
    ("PATCH", "/api/v1/events/{event_id}"): (_event_call("", {"reference": "42/1234/26"}),
                                             "case-management", 200),
    ("POST", "/api/v1/events/{event_id}/participants"): (_event_call("/participants"),
                                                         "case-management", 201),
    ("GET", "/api/v1/event-kinds"): (_fixed("/api/v1/event-kinds"), "", 200),
    ("GET", "/api/v1/participant-roles"): (_fixed("/api/v1/participant-roles"), "", 200),
    ("GET", "/api/v1/relation-kinds"): (_fixed("/api/v1/relation-kinds"), "", 200),
    ("GET", "/api/v1/retention-groups"): (_fixed("/api/v1/retention-groups"), "", 200),
    ("GET", "/api/v1/cases"): (_fixed("/api/v1/cases"), "case-management", 200),
    ("POST", "/api/v1/cases"): (_new_case, "case-management", 201),
    ("GET", "/api/v1/cases/{case_id}"): (_case_call(), "case-management", 200),
    ("POST", "/api/v1/cases/{case_id}/shares"): (
        _case_call("/shares", lambda w: {"agency_id": w.agencies["housing"]}),
        "information-sharing", 204),
    ("POST", "/api/v1/cases/{case_id}/close"): (_case_call("/close", {"reason": "Done"}),
                                                "case-management", 200),
    ("POST", "/api/v1/cases/{case_id}/tasks"): (
        _case_call("/tasks", lambda w: {"title": "Call", "owner_agency_id": w.agencies[
            "police"], "due_on": "2026-04-01"}), "case-management", 201),
    ("POST", "/api/v1/cases/{case_id}/tasks/{task_id}/complete"): (
        _case_call("/tasks/{task_id}/complete"), "case-management", 200),
    ("POST", "/api/v1/cases/{case_id}/notes"): (
        _case_call("/notes", {"text": "Seen at home", "basis": "fact"}), "case-management",
        201),
    ("GET", "/api/v1/retention/reviews-due"): (_fixed("/api/v1/retention/reviews-due"),
                                               "data-protection", 200),
    ("POST", "/api/v1/cases/{case_id}/retention-reviews"): (
        _case_call("/retention-reviews", {"decision": "retain", "reason": "Still needed"},
                   group="group-3"), "data-protection", 201),
    ("POST", "/api/v1/linkage/runs"): (_fixed("/api/v1/linkage/runs", {"threshold": 0.99}),
                                       "data-protection", 201),
    ("GET", "/api/v1/link-proposals"): (_fixed("/api/v1/link-proposals"), "case-management",
                                        200),
    ("GET", "/api/v1/link-proposals/{proposal_id}"): (_proposal_call(), "case-management",
                                                      200),
    ("POST", "/api/v1/link-proposals/{proposal_id}/decision"): (
        _proposal_call("/decision", {"decision": "reject", "reason": "Different people"}),
        "case-management", 200),
    ("GET", "/api/v1/maps/forecasts"): (_fixed("/api/v1/maps/forecasts"), "", 200),
    ("GET", "/api/v1/maps/forecasts/{run_id}"): (_forecast, "", 200),
}
# Victims' Code compliance (issue #13 item 5): its routes and pages, from victims_matrix.
CASES.update(VICTIM_CASES)

# --- IOM and DIP (#13): their routes, made in tests/web/iomdip_matrix.py ---
from iomdip_matrix import IOMDIP_CASES  # noqa: E402

CASES.update(IOMDIP_CASES)
# --- end IOM and DIP ---
# --- early intervention and ASB case reviews (issue #13) ---
CASES.update(asbei_world.MATRIX)

#: Routes outside the matrix, with the test that covers them.
ELSEWHERE = {("POST", "/api/v1/auth/sign-in"): "test_service_identity",
             ("POST", "/api/v1/auth/sign-out"): "test_service_pages",
             ("POST", "/api/v1/oauth/token"): "test_service_identity"}


# --- exchange (issue #14): the feed, subscriptions and dead letters of the police system ---
def _police_subscription(app: FastAPI, world: World, dead: bool = False) -> tuple[str, str]:
    from crimeplan.cases.db import utcnow
    from crimeplan.exchange.subscriptions import Delivery, Subscription, new_secret

    with app.state.db.session() as s:
        sub = Subscription(agency_id=world.agencies["police"], url="https://hook.test/in",
                           client_id=world.personas["police-system"].actor.client_id,
                           purpose="case-management", secret=new_secret())
        s.add(sub)
        s.flush()
        delivery = Delivery(subscription_id=sub.id, event_seq=1, attempts=10,
                            dead_at=utcnow() if dead else None)
        s.add(delivery)
        s.flush()
        return sub.id, delivery.id


def _subscription_call(suffix: str = "") -> Callable[[FastAPI, World], Call]:
    def make(app: FastAPI, world: World) -> Call:
        sub_id, _ = _police_subscription(app, world)
        return Call(f"/api/v1/exchange/subscriptions/{sub_id}{suffix}", None,
                    Resource("subscription", sub_id, world.agencies["police"]))
    return make


def _redeliver(app: FastAPI, world: World) -> Call:
    sub_id, delivery_id = _police_subscription(app, world, dead=True)
    return Call(f"/api/v1/exchange/dead-letters/{delivery_id}/redeliver", None,
                Resource("subscription", sub_id, world.agencies["police"]))


CASES.update({
    ("GET", "/api/v1/events"): (_fixed("/api/v1/events"), "case-management", 200),
    ("POST", "/api/v1/exchange/subscriptions"): (
        _fixed("/api/v1/exchange/subscriptions", {"url": "https://hook.test/in"}),
        "case-management", 201),
    ("GET", "/api/v1/exchange/subscriptions"): (_fixed("/api/v1/exchange/subscriptions"),
                                                "case-management", 200),
    ("DELETE", "/api/v1/exchange/subscriptions/{subscription_id}"): (
        _subscription_call(), "case-management", 204),
    ("POST", "/api/v1/exchange/subscriptions/{subscription_id}/rotate-secret"): (
        _subscription_call("/rotate-secret"), "case-management", 200),
    ("GET", "/api/v1/exchange/dead-letters"): (_fixed("/api/v1/exchange/dead-letters"),
                                               "case-management", 200),
    ("POST", "/api/v1/exchange/dead-letters/{delivery_id}/redeliver"): (
        _redeliver, "case-management", 204),
})
ELSEWHERE[("POST", "/api/v1/exchange/inbox")] = "test_exchange_consumer"  # signed webhooks
# --- end exchange ---


def test_the_matrix_covers_every_api_route(app: FastAPI) -> None:
    routes = {(m, r.path) for r in declared_routes(app) if r.path.startswith("/api/")
              for m in r.methods}
    assert routes == CASES.keys() | ELSEWHERE.keys()


def expected_status(actor: Actor, action: Action, resource: Resource | None,
                    success: int) -> int:
    """What the policy says the API must answer."""
    if not decide(actor, action).allowed:
        return 401 if actor.anonymous else 403
    if resource is not None and not decide(actor, action, resource).allowed:
        return 404
    return success


def test_authorisation_matrix(app: FastAPI, world: World) -> None:
    actions = {(m, r.path): r.action for r in declared_routes(app) for m in r.methods}
    clients = {name: client_for(app, world, name) for name in world.personas}
    failures, allowed, denied = [], 0, 0
    for (method, template), (make, purpose, success) in CASES.items():
        action = actions[(method, template)]
        assert action is not None
        for name, persona in world.personas.items():
            call = make(app, world)
            actor = replace(persona.actor, purpose=purpose or None)
            resource = call.resource
            if (method, template) in CREATES:
                resource = Resource(CREATES[(method, template)], None, actor.agency_id)
            if callable(resource):  # a record about to be created: the caller's to make
                resource = resource(actor)
            want = expected_status(actor, action, resource, success)
            headers = {"X-Purpose": purpose} if purpose else {}
            got = clients[name].request(method, call.path, json=call.json, headers=headers)
            if got.status_code != want:
                failures.append(f"{name} {method} {template}: {got.status_code} != {want} "
                                f"{got.text[:120]}")
            allowed += want < 300
            denied += want >= 400
    assert failures == []
    assert allowed >= 40 and denied >= 150  # both directions are exercised


PAGES = {"/": Action.SIGNED_IN, "/admin/agencies": Action.AGENCY_CREATE,
         "/admin/users": Action.USER_LIST, "/admin/clients": Action.CLIENT_LIST,
         "/dpo/audit": Action.AUDIT_VERIFY, "/dpo/people": Action.PERSON_HISTORY,
         "/cases": Action.CASE_LIST, "/linkage/proposals": Action.LINK_PROPOSAL_LIST,
         "/retention": Action.RETENTION_LIST, **VICTIM_PAGES}
# --- IOM and DIP (#13): pages of one record are tested in test_iom_pages ---
PAGES.update({"/iom": Action.IOM_COHORT, "/iom/actions": Action.IOM_ACTIONS,
              "/iom/nominations": Action.IOM_NOMINATIONS, "/iom/outcomes": Action.IOM_OUTCOMES,
              "/dip": Action.DIP_PATHWAYS, "/dip/dashboard": Action.DIP_MEASURES})
IOMDIP_RECORD_PAGES = ("/iom/cases/", "/iom/nominations/", "/dip/pathways/")
# --- end IOM and DIP ---
PAGES.update(asbei_world.PAGES)  # issue #13: early intervention and ASB case reviews
PAGES.update({"/analysis": Action.ANALYSIS_READ, "/map": Action.HOTSPOTS_READ,  # issue #12
              "/transparency": Action.TRANSPARENCY_READ, "/dpo/runs": Action.RUNS_READ})


def test_pages_follow_the_policy_and_deny_with_not_found(app: FastAPI, world: World) -> None:
    page_routes = {r.path: r.action for r in declared_routes(app) if "GET" in r.methods
                   and not r.path.startswith(("/api/", "/sign-in", "/dpo/people/",
                                              "/dpo/runs/", "/transparency/",
                                              *VICTIM_PAGES_ELSEWHERE, *IOMDIP_RECORD_PAGES))
                   and "{" not in r.path and r.path not in asbei_world.RECORD_PAGES}
    assert page_routes == PAGES
    failures = []
    for name, persona in world.personas.items():
        if persona.actor.client_id:
            continue
        client = client_for(app, world, name)
        for path, action in PAGES.items():
            got = client.get(path, follow_redirects=False)
            if persona.actor.anonymous:
                want, where = 303, "/sign-in"
            else:
                want, where = (200 if decide(persona.actor, action).allowed else 404), None
            if got.status_code != want or (where and got.headers["location"] != where):
                failures.append(f"{name} {path}: {got.status_code} != {want}")
    assert failures == []


#: Pages of one record: (path template, how to make the record, action, purpose of reads).
RECORD_PAGES = {
    "/cases/{case_id}": (_case_call(), Action.CASE_READ),
    "/people/{person_id}/timeline": (_person_call(), Action.PERSON_TIMELINE),
    "/linkage/proposals/{proposal_id}": (_proposal_call(), Action.LINK_PROPOSAL_DECIDE),
}


def test_record_pages_follow_the_policy(app: FastAPI, world: World) -> None:
    """Each record page answers 200 exactly when the policy allows the caller the record
    (reads on pages are for case management), 404 otherwise."""
    templated = {r.path for r in declared_routes(app) if "GET" in r.methods
                 and "{" in r.path and not r.path.startswith(
                     ("/api/", "/dpo/", "/transparency/", *VICTIM_PAGES_ELSEWHERE,
                      *IOMDIP_RECORD_PAGES))
                 and r.path not in asbei_world.RECORD_PAGES}
    assert templated == set(RECORD_PAGES)
    failures = []
    for template, (make, action) in RECORD_PAGES.items():
        for name, persona in world.personas.items():
            if persona.actor.client_id or persona.actor.anonymous:
                continue
            call = make(app, world)
            path = template.split("{")[0] + call.path.split("/")[4]
            path += template.split("}")[1]
            actor = replace(persona.actor, purpose="case-management")
            want = 200 if decide(actor, action, call.resource).allowed else 404
            got = client_for(app, world, name).get(path)
            if got.status_code != want:
                failures.append(f"{name} {path}: {got.status_code} != {want}")
    assert failures == []
