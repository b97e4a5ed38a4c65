"""The IOM and DIP routes in the authorisation matrix (tests/web/test_service_policy.py adds
them to its CASES): how to make one call of each, the purpose sent and the success status.

A call's resource is what the route asks the policy about; for records about to be created
it depends on the caller (an IOM case is opened by police or probation only, a DIP test taken
by police only), so it is given as a function of the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from iomdip_records import dip_pathway, iom_action, iom_case, person
from service_world import World

from crimeplan.cases.db import utcnow
from crimeplan.cases.dip import pathway
from crimeplan.cases.iom import journey
from crimeplan.web.api.dip import new_pathway_resource, pathway_resource
from crimeplan.web.api.iom import action_resource, case_resource, new_case_resource

IOM = "offender-management"
CARE = "case-management"
API = "/api/v1"


def _call(path: str, json: dict[str, Any] | None = None, resource: Any = None) -> Any:
    from test_service_policy import Call  # the matrix's own call type

    return Call(path, json, resource)


def _fixed(path: str) -> Callable[[FastAPI, World], Any]:
    return lambda app, world: _call(f"{API}{path}")


def _case(state: str, suffix: str, body: Callable[[World], dict[str, Any]] | None = None
          ) -> Callable[[FastAPI, World], Any]:
    def make(app: FastAPI, world: World) -> Any:
        case_id = iom_case(app, world, state)
        with app.state.db.session() as s:
            iom = journey.get(s, case_id)
            resource = case_resource(iom.case, iom.allocation)
        return _call(f"{API}/iom/cases/{case_id}{suffix}", body(world) if body else None,
                     resource)
    return make


def _referral(app: FastAPI, world: World) -> Any:
    return _call(f"{API}/iom/referrals", {"person_id": person(app, world),
                                          "reason": "Released from prison, prolific"},
                 new_case_resource)


def _completion(app: FastAPI, world: World) -> Any:
    task_id, _ = iom_action(app, world)
    with app.state.db.session() as s:
        task, case = journey.action(s, task_id)
        resource = action_resource(task, case)
    return _call(f"{API}/iom/actions/{task_id}/completion", None, resource)


def _decision(app: FastAPI, world: World) -> Any:
    today = utcnow().date()
    return _call(f"{API}/iom/nominations/decisions", {
        "person_id": person(app, world, ("domestic-burglary", "vehicle-theft")),
        "decision": "select", "cohort": "fixed", "reason": "Agreed at the selection panel",
        "period_from": (today - dt.timedelta(days=365)).isoformat(),
        "period_to": (today + dt.timedelta(days=1)).isoformat()}, new_case_resource)


def _test_on_arrest(app: FastAPI, world: World) -> Any:
    tested = utcnow() - dt.timedelta(hours=1)
    return _call(f"{API}/dip/tests", {
        "person_id": person(app, world), "offence": "theft",
        "arrested_at": (tested - dt.timedelta(hours=2)).isoformat(),
        "tested_at": tested.isoformat(), "result": "positive", "substances": ["cocaine"],
        "assessment_agency_id": world.agencies["treatment"]}, new_pathway_resource)


def _pathway(suffix: str, body: dict[str, Any] | None = None
             ) -> Callable[[FastAPI, World], Any]:
    def make(app: FastAPI, world: World) -> Any:
        test_id = dip_pathway(app, world)
        with app.state.db.session() as s:
            resource = pathway_resource(pathway.get(s, test_id))
        return _call(f"{API}/dip/pathways/{test_id}{suffix}", body, resource)
    return make


def _assessment_now() -> dict[str, Any]:
    return {"step": "initial-assessment", "attended": True,
            "occurred_at": (utcnow() - dt.timedelta(minutes=5)).isoformat()}


def _step(app: FastAPI, world: World) -> Any:
    return _pathway("/steps", _assessment_now())(app, world)


#: (method, path template): (how to make one call, purpose sent, success status).
IOMDIP_CASES: dict[tuple[str, str], tuple[Callable[[FastAPI, World], Any], str, int]] = {
    ("GET", f"{API}/iom/rules"): (_fixed("/iom/rules"), "", 200),
    ("GET", f"{API}/iom/cohort"): (_fixed("/iom/cohort"), IOM, 200),
    ("POST", f"{API}/iom/referrals"): (_referral, IOM, 201),
    ("GET", f"{API}/iom/cases/{{case_id}}"): (_case("active", ""), IOM, 200),
    ("POST", f"{API}/iom/cases/{{case_id}}/assessment"): (
        _case("referred", "/assessment", lambda w: {"summary": "Heroin use"}), IOM, 200),
    ("POST", f"{API}/iom/cases/{{case_id}}/selection"): (
        _case("assessed", "/selection", lambda w: {"cohort": "flex", "reason": "Priority"}),
        IOM, 200),
    ("POST", f"{API}/iom/cases/{{case_id}}/reviews"): (
        _case("active", "/reviews", lambda w: {"note": "Engaging well"}), IOM, 201),
    ("POST", f"{API}/iom/cases/{{case_id}}/deselection"): (
        _case("active", "/deselection", lambda w: {"reason": "reduced-risk"}), IOM, 200),
    ("POST", f"{API}/iom/cases/{{case_id}}/transfers"): (
        _case("active", "/transfers", lambda w: {
            "agency_id": w.agencies["probation"],
            "user_id": w.personas["probation-caseworker"].actor.user_id,
            "reason": "On licence"}), IOM, 201),
    ("POST", f"{API}/iom/cases/{{case_id}}/needs"): (
        _case("active", "/needs", lambda w: {"pathway": "accommodation",
                                             "level": "significant-need"}), IOM, 201),
    ("POST", f"{API}/iom/cases/{{case_id}}/actions"): (
        _case("active", "/actions", lambda w: {
            "title": "Tenancy", "pathway": "accommodation",
            "owner_agency_id": w.agencies["housing"],
            "due_on": (utcnow().date() + dt.timedelta(days=7)).isoformat()}), IOM, 201),
    ("GET", f"{API}/iom/cases/{{case_id}}/offending"): (_case("active", "/offending"), IOM,
                                                        200),
    ("GET", f"{API}/iom/actions"): (_fixed("/iom/actions"), IOM, 200),
    ("POST", f"{API}/iom/actions/{{action_id}}/completion"): (_completion, IOM, 200),
    ("GET", f"{API}/iom/nominations"): (_fixed("/iom/nominations"), IOM, 200),
    ("POST", f"{API}/iom/nominations/decisions"): (_decision, IOM, 201),
    ("GET", f"{API}/iom/outcomes"): (_fixed("/iom/outcomes"), "", 200),
    ("GET", f"{API}/dip/rules"): (_fixed("/dip/rules"), "", 200),
    ("GET", f"{API}/dip/pathways"): (_fixed("/dip/pathways"), CARE, 200),
    ("POST", f"{API}/dip/tests"): (_test_on_arrest, CARE, 201),
    ("GET", f"{API}/dip/pathways/{{pathway_id}}"): (_pathway(""), CARE, 200),
    ("POST", f"{API}/dip/pathways/{{pathway_id}}/steps"): (_step, CARE, 201),
    ("GET", f"{API}/dip/measures"): (_fixed("/dip/measures"), "", 200),
}
