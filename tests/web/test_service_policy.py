"""The access policy: hand-worked decisions, every route declaring its action, and an
authorisation matrix generated from the policy and run against every endpoint for every
persona, in the allowed and the denied direction."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from fastapi import FastAPI
from service_world import World, client_for

from crimeplan.cases.actor import Actor
from crimeplan.cases.people import Person
from crimeplan.web.api.people import person_resource
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


def _create_resource(actor: Actor) -> Resource:
    return Resource("person", None, actor.agency_id)


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
}
#: Routes outside the matrix, with the test that covers them.
ELSEWHERE = {("POST", "/api/v1/auth/sign-in"): "test_service_identity",
             ("POST", "/api/v1/auth/sign-out"): "test_service_pages",
             ("POST", "/api/v1/oauth/token"): "test_service_identity"}


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
            if (method, template) == ("POST", "/api/v1/people"):
                resource = _create_resource(actor)
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
         "/dpo/audit": Action.AUDIT_VERIFY, "/dpo/people": Action.PERSON_HISTORY}


def test_pages_follow_the_policy_and_deny_with_not_found(app: FastAPI, world: World) -> None:
    page_routes = {r.path: r.action for r in declared_routes(app) if "GET" in r.methods
                   and not r.path.startswith(("/api/", "/sign-in", "/dpo/people/"))}
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
