"""Early intervention and ASB case review records for the service tests: a child with a recent
qualifying event, a referral, complaints and an application, and the authorisation matrix's
calls for every route of the two programmes (merged into test_service_policy's matrix)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from service_world import World

from crimeplan.cases.actor import Actor
from crimeplan.cases.asb import service as asb
from crimeplan.cases.asb.models import Application
from crimeplan.cases.early_intervention import service as ei
from crimeplan.cases.early_intervention.models import Referral
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.months import add_months, uk_date
from crimeplan.cases.people import Person, Share
from crimeplan.web.api.asb import review_resource
from crimeplan.web.api.early_intervention import referral_resource
from crimeplan.web.api.people import person_resource
from crimeplan.web.policy import Action, Resource

_ids = itertools.count()


def today() -> dt.date:
    return uk_date(dt.datetime.now(dt.UTC))


def worker(world: World, name: str, purpose: str) -> Actor:
    p = world.personas[name].actor
    return Actor(agency_id=p.agency_id, agency_kind=p.agency_kind, role=p.role,
                 user_id=p.user_id, purpose=purpose, request_id="setup")


def new_child(app: FastAPI, world: World, owner: str = "police", days_ago: int = 20,
              kind: str = "no-further-action", sensitivity: str = "standard") -> Person:
    """A 14-year-old with a qualifying event ``days_ago``."""
    with app.state.db.session() as s:
        child = Person(agency_id=world.agencies[owner], given_name="Young",
                       family_name=f"Person {next(_ids)}", sensitivity=sensitivity,
                       date_of_birth=add_months(today(), -14 * 12 - 3))
        s.add(child)
        s.flush()
        event = Event(agency_id=world.agencies[owner], kind=kind,
                      occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago))
        s.add(event)
        s.flush()
        s.add(Participant(event_id=event.id, person_id=child.id, role="suspect"))
    with app.state.db.session() as s:
        return s.get(Person, child.id)


def new_referral(app: FastAPI, world: World) -> Referral:
    child = new_child(app, world)
    with app.state.db.session() as s:
        referral = ei.refer(s, worker(world, "yjs-caseworker", "safeguarding"),
                            s.get(Person, child.id), lambda _p: True, dt.datetime.now(dt.UTC))
        referral_id = referral.id
    with app.state.db.session() as s:
        return s.get(Referral, referral_id)


def new_resident(app: FastAPI, world: World, owner: str = "council",
                 shared: str | None = "housing") -> Person:
    with app.state.db.session() as s:
        person = Person(agency_id=world.agencies[owner], given_name="Res",
                        family_name=f"Ident {next(_ids)}")
        s.add(person)
        s.flush()
        if shared:
            s.add(Share(person_id=person.id, agency_id=world.agencies[shared]))
    with app.state.db.session() as s:
        return s.get(Person, person.id)


def complaints(app: FastAPI, world: World, person: Person, n: int = 3) -> None:
    """``n`` qualifying complaints by ``person`` to the council about separate incidents."""
    council = worker(world, "council-caseworker", "case-management")
    now = dt.datetime.now(dt.UTC)
    with app.state.db.session() as s:
        for k in range(n):
            incident = now - dt.timedelta(days=10 + 20 * k)
            asb.record_complaint(s, council, s.get(Person, person.id), incident,
                                 incident + dt.timedelta(hours=3),
                                 {"address": "4 Mill Lane", "postcode": "SS15 6AB"})


def new_review(app: FastAPI, world: World, meeting: bool = False) -> Application:
    """An application led by the council, passed on to housing, for a resident with three
    complaints."""
    person = new_resident(app, world)
    complaints(app, world, person)
    council = worker(world, "council-caseworker", "case-management")
    now = dt.datetime.now(dt.UTC)
    with app.state.db.session() as s:
        application = asb.apply(s, council, {"applicant_id": person.id,
                                             "local_area": "Basildon"},
                                [world.agencies["housing"]], now - dt.timedelta(days=3))
        if meeting:
            for step, days in (("acknowledged", 2), ("threshold-decided", 1),
                               ("meeting-held", 0)):
                asb.record_step(s, council, application, step,
                                now - dt.timedelta(days=days, minutes=5), True)
        review_id = application.id
    with app.state.db.session() as s:
        return s.get(Application, review_id)


# --- the authorisation matrix's calls -------------------------------------------------------

Make = Callable[[FastAPI, World], Any]


def _call(path: str, body: dict[str, Any] | None = None,
          resource: Resource | None = None) -> Any:
    from test_service_policy import Call  # the matrix's own type (imported when it runs)
    return Call(path, body, resource)


def _fixed(path: str) -> Make:
    return lambda app, world: _call(path)


def _child(suffix: str = "") -> Make:
    def make(app: FastAPI, world: World) -> Any:
        child = new_child(app, world)
        return _call(f"/api/v1/early-intervention/children/{child.id}{suffix}", None,
                     person_resource(child))
    return make


def _status(app: FastAPI, world: World) -> Any:
    child = new_child(app, world)
    return _call("/api/v1/early-intervention/status-periods",
                 {"person_id": child.id, "kind": "looked-after",
                  "from_date": today().isoformat()}, person_resource(child))


def _refer(app: FastAPI, world: World) -> Any:
    child = new_child(app, world)
    return _call("/api/v1/early-intervention/referrals", {"person_id": child.id},
                 person_resource(child))


def _step(app: FastAPI, world: World) -> Any:
    referral = new_referral(app, world)
    return _call(f"/api/v1/early-intervention/referrals/{referral.id}/steps",
                 {"step": "consent-given"}, referral_resource(referral))


def _complaint(app: FastAPI, world: World) -> Any:
    person = new_resident(app, world)
    return _call("/api/v1/asb/complaints", {
        "complainant_id": person.id, "incident_at": "2026-05-01T21:00:00Z",
        "made_at": "2026-05-02T09:00:00Z", "postcode": "SS14 1AA",
        "address": "12 High Street"}, person_resource(person))


def _apply(app: FastAPI, world: World) -> Any:
    person = new_resident(app, world, owner="police", shared="council")
    return _call("/api/v1/asb/reviews", {"applicant_id": person.id, "local_area": "Basildon",
                                         "parties": [world.agencies["housing"]]})


def _review(suffix: str = "", body: dict[str, Any] | None = None,
            meeting: bool = False) -> Make:
    def make(app: FastAPI, world: World) -> Any:
        application = new_review(app, world, meeting)
        payload = dict(body or {})
        if "owner_agency_id" in payload:
            payload["owner_agency_id"] = world.agencies["council"]
        return _call(f"/api/v1/asb/reviews/{application.id}{suffix}", payload or None,
                     review_resource(application))
    return make


EI, ASB = "safeguarding", "case-management"
#: (method, path template): (how to make one call, purpose sent, success status).
MATRIX: dict[tuple[str, str], tuple[Make, str, int]] = {
    ("GET", "/api/v1/early-intervention/eligibility"):
        (_fixed("/api/v1/early-intervention/eligibility"), EI, 200),
    ("GET", "/api/v1/early-intervention/children/{person_id}"): (_child(), EI, 200),
    ("POST", "/api/v1/early-intervention/status-periods"): (_status, EI, 201),
    ("GET", "/api/v1/early-intervention/family-links"):
        (_fixed("/api/v1/early-intervention/family-links"), EI, 200),
    ("POST", "/api/v1/early-intervention/referrals"): (_refer, EI, 201),
    ("GET", "/api/v1/early-intervention/referrals"):
        (_fixed("/api/v1/early-intervention/referrals"), EI, 200),
    ("POST", "/api/v1/early-intervention/referrals/{referral_id}/steps"): (_step, EI, 200),
    ("GET", "/api/v1/early-intervention/figures"):
        (_fixed("/api/v1/early-intervention/figures"), "", 200),
    ("POST", "/api/v1/asb/complaints"): (_complaint, ASB, 201),
    ("GET", "/api/v1/asb/threshold-queue"): (_fixed("/api/v1/asb/threshold-queue"), ASB, 200),
    ("POST", "/api/v1/asb/reviews"): (_apply, ASB, 201),
    ("GET", "/api/v1/asb/reviews"): (_fixed("/api/v1/asb/reviews"), ASB, 200),
    ("GET", "/api/v1/asb/reviews/{review_id}"): (_review(), ASB, 200),
    ("POST", "/api/v1/asb/reviews/{review_id}/steps"):
        (_review("/steps", {"step": "acknowledged"}), ASB, 200),
    ("POST", "/api/v1/asb/reviews/{review_id}/recommendations"):
        (_review("/recommendations", {"title": "Mediation", "owner_agency_id": "council"},
                 meeting=True), ASB, 201),
    ("GET", "/api/v1/asb/figures"): (_fixed("/api/v1/asb/figures"), "", 200),
    ("GET", "/api/v1/asb/figures.csv"): (_fixed("/api/v1/asb/figures.csv"), "", 200),
}

#: Pages without a record in the path, and the action each declares.
PAGES: dict[str, Action] = {
    "/early-intervention": Action.EI_ELIGIBILITY_LIST,
    "/early-intervention/family": Action.EI_FAMILY_LIST,
    "/early-intervention/referrals": Action.EI_REFERRAL_LIST,
    "/early-intervention/figures": Action.EI_FIGURES,
    "/asb": Action.ASB_QUEUE_LIST,
    "/asb/reviews": Action.ASB_REVIEW_LIST,
    "/asb/reviews/new": Action.ASB_REVIEW_CREATE,
    "/asb/figures": Action.ASB_FIGURES,
}
#: Pages of one record, tested in test_asbei_pages.
RECORD_PAGES = ("/early-intervention/children/{person_id}", "/asb/reviews/{review_id}")
