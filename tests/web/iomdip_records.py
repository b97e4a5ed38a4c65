"""IOM and DIP records for the web tests, made through the real use cases as the police case
worker of the service world: a person, an IOM case in any state, an action, an offence
history, a DIP pathway."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

from fastapi import FastAPI
from service_world import World

from crimeplan.cases.actor import Actor
from crimeplan.cases.db import utcnow
from crimeplan.cases.dip import pathway
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.iom import journey
from crimeplan.cases.people import Allocation, Person, Share

_ids = itertools.count()


def actor(world: World, persona: str = "police-caseworker",
          purpose: str = "offender-management") -> Actor:
    return replace(world.personas[persona].actor, purpose=purpose, request_id="setup")


def person(app: FastAPI, world: World, offences: tuple[str, ...] = (),
           sensitivity: str = "standard") -> str:
    """A police record, allocated to the police case worker and shared with probation, with
    recorded offences (harm-table ids) over the last months."""
    with app.state.db.session() as s:
        p = Person(agency_id=world.agencies["police"], given_name="Iom",
                   family_name=f"Person {next(_ids)}", date_of_birth=dt.date(1991, 2, 3),
                   category="convicted", sensitivity=sensitivity)
        s.add(p)
        s.flush()
        s.add(Allocation(person_id=p.id, user_id=world.personas["police-caseworker"]
                         .actor.user_id))
        s.add(Share(person_id=p.id, agency_id=world.agencies["probation"]))
        for k, code in enumerate(offences):
            e = Event(agency_id=world.agencies["police"], kind="offence", code=code,
                      occurred_at=utcnow() - dt.timedelta(days=30 * (k + 1)))
            e.participants.append(Participant(person_id=p.id, role="offender"))
            s.add(e)
        return p.id


def iom_case(app: FastAPI, world: World, state: str = "active",
             sensitivity: str = "standard") -> str:
    """An IOM case led by the police case worker, shared with probation, in ``state``."""
    person_id = person(app, world, ("domestic-burglary", "robbery"))
    police = actor(world)
    at = utcnow() - dt.timedelta(days=200)
    with app.state.db.session() as s:
        case = journey.refer(s, police, s.get(Person, person_id), "Prolific burglar",
                             [world.agencies["probation"]], at)
        case.sensitivity = sensitivity
        iom = journey.get(s, case.id)
        if state in ("assessed", "active", "deselected"):
            journey.assess(s, police, iom, "Drug-driven acquisitive offending", at)
        if state in ("active", "deselected"):
            journey.select_into(s, police, iom, "fixed", "Neighbourhood crime", at)
        if state == "deselected":
            journey.deselect(s, police, iom, "reduced-risk", "", at + dt.timedelta(days=100))
        return case.id


def iom_action(app: FastAPI, world: World, owner: str = "housing") -> tuple[str, str]:
    """An accommodation action owned by ``owner``'s agency on an active case."""
    case_id = iom_case(app, world)
    with app.state.db.session() as s:
        iom = journey.get(s, case_id)
        task = journey.add_action(s, actor(world), iom, "Secure a tenancy", "accommodation",
                                  world.agencies[owner], None,
                                  utcnow().date() + dt.timedelta(days=14), utcnow())
        return task.id, case_id


def dip_pathway(app: FastAPI, world: World, result: str = "positive") -> str:
    """A test on arrest for burglary by the police, passed to the treatment service."""
    person_id = person(app, world)
    tested = utcnow() - dt.timedelta(days=3)
    with app.state.db.session() as s:
        p = pathway.record_test(s, actor(world, purpose="case-management"),
                                s.get(Person, person_id), pathway.ArrestTest(
            "burglary", tested - dt.timedelta(hours=3), tested, result,
            ("opiates",) if result == "positive" else (),
            assessment_agency_id=world.agencies["treatment"] if result == "positive"
            else None), utcnow())
        return p.id
