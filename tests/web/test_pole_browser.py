"""POLE journeys in a real browser with axe-core on every page (the harness of
test_service_browser): a case worker confirms a possible match in the queue; a case worker
follows a person's timeline across agencies to a case and the case list."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from fastapi import FastAPI
from service_world import PASSWORD, World
from sqlalchemy import select
from test_service_browser import (  # noqa: F401  (fixtures and marks reused)
    Browser,
    _enter_code,
    _sign_in,
    browser,
    pytestmark,
    server,
)

from crimeplan.cases import case_records, event_records, records
from crimeplan.cases.linkage.models import LinkProposal
from crimeplan.cases.people import Link, Person

EVIDENCE = [{"comparison": "nhs_number", "description": "NHS number", "level": "same",
             "weight": 11.2}]


def _signed_in(b: Browser, world: World, persona: str) -> None:
    p = world.personas[persona]
    _sign_in(b, p.email, PASSWORD)
    _enter_code(b, p.totp_secret)


def test_confirm_a_possible_match(app: FastAPI, world: World,
                                  browser: Browser) -> None:  # noqa: F811
    with app.state.db.session() as s:
        other = Person(agency_id=world.agencies["housing"], given_name="Joanne",
                       family_name="Example", date_of_birth=dt.date(1990, 1, 1))
        s.add(other)
        s.flush()
        a, b = sorted((world.people["shared"], other.id))
        s.add(LinkProposal(person_id=a, other_id=b, match_probability=0.9993,
                           match_weight=10.5, evidence=EVIDENCE, model_version="test"))
        pair = {a, b}
    b = browser
    _signed_in(b, world, "housing-caseworker")
    assert b.goto("/linkage/proposals") == 200
    assert "1 waiting for a decision" in b.page.content()
    b.page.click("text=Review proposal 1")
    b.check()
    content = b.page.content()
    assert "Joanne" in content and "Not shared with your agency" in content
    assert "NHS number" in content and "+11.2" in content
    b.page.click("main button[type=submit]")                # no decision chosen
    b.check()
    assert "Choose whether these are the same person" in b.page.content()
    b.page.check("#decision-confirm")
    b.page.click("main button[type=submit]")
    b.check()
    assert b.page.url.endswith("/linkage/proposals")
    assert "0 waiting for a decision" in b.page.content()
    with app.state.db.session() as s:
        [link] = s.scalars(select(Link)).all()
        assert {link.person_id, link.other_id} == pair
    assert b.csp_violations == []


def test_a_persons_timeline_leads_to_the_case(app: FastAPI, world: World,
                                               browser: Browser) -> None:  # noqa: F811
    police = world.agencies["police"]
    actor = replace(world.personas["police-caseworker"].actor, purpose="case-management")
    with app.state.db.session() as s:
        person = records.get(s, world.people["shared"])
        event_records.create(s, actor, {"kind": "arrest", "occurred_at": dt.datetime(
            2025, 1, 5, 9, tzinfo=dt.UTC)}, police, [(person, "suspect")])
        case = case_records.open_case(s, actor, police, "general", "Support plan for Jo",
                                      person, opened_at=dt.datetime(2025, 2, 1, 9,
                                                                    tzinfo=dt.UTC))
        case_records.add_task(s, actor, case, "Home visit", police, dt.date(2025, 2, 15))
        case_id = case.id
    b = browser
    _signed_in(b, world, "police-caseworker")
    assert b.goto(f"/people/{world.people['shared']}/timeline") == 200
    items = b.page.locator(".app-timeline__item h3").all_inner_texts()
    assert items == ["Case opened – General case: Support plan for Jo", "Arrest – suspect"]
    b.page.click("text=Open the case")
    b.check()
    assert b.page.url.endswith(f"/cases/{case_id}")
    assert "Support plan for Jo" in b.page.content() and "Home visit" in b.page.content()
    assert b.goto("/cases") == 200
    assert "Support plan for Jo" in b.page.content()
    assert b.goto(f"/people/{world.people['housing']}/timeline") == 404
    assert b.csp_violations == []
