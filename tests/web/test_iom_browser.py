"""IOM and DIP journeys in Chromium with axe-core on every page (the harness of
test_service_browser): an IOM coordinator, a housing officer and a DIP worker."""

from __future__ import annotations

import test_service_browser as harness
from fastapi import FastAPI
from iomdip_records import dip_pathway, iom_action, iom_case, person
from service_world import PASSWORD, World
from test_service_browser import Browser, _enter_code, _sign_in

pytestmark = harness.pytestmark
#: The harness's fixtures, under the names the tests ask for.
server, browser = harness.server, harness.browser


def _as(b: Browser, world: World, persona: str) -> None:
    p = world.personas[persona]
    _sign_in(b, p.email, PASSWORD)
    _enter_code(b, p.totp_secret)


def test_iom_coordinator_journey(app: FastAPI, world: World, browser: Browser) -> None:
    case_id = iom_case(app, world)
    person(app, world, ("domestic-burglary", "robbery"))
    b = browser
    _as(b, world, "police-caseworker")
    assert b.goto("/iom") == 200
    b.page.select_option("#review", "overdue")
    b.page.click("main button[type=submit]")
    b.check()
    b.page.click(f"a[href='/iom/cases/{case_id}']")
    b.check()
    b.page.fill("#title", "Referral to the hostel")
    b.page.select_option("#pathway", "accommodation")
    b.page.select_option("#owner-agency-id", world.agencies["housing"])
    b.page.click("button:has-text('Add the action')")
    b.check()
    assert "There is a problem" in b.page.content()   # no due date
    b.page.fill("#due-day", "1")
    b.page.fill("#due-month", "1")
    b.page.fill("#due-year", "2099")
    b.page.click("button:has-text('Add the action')")
    b.check()
    assert "Referral to the hostel" in b.page.content()
    assert b.goto("/iom/nominations") == 200
    b.page.click("main table a:has-text('Decide')")
    b.check()
    b.page.check("#decision-2")
    b.page.fill("#reason", "Domestic abuse perpetrator, agreed at the panel")
    b.page.click("button:has-text('Record the decision')")
    b.check()
    assert "/iom/cases/" in b.page.url and "Flex" in b.page.content()
    assert b.goto("/iom/outcomes") == 200
    assert b.csp_violations == []


def test_housing_officer_journey(app: FastAPI, world: World, browser: Browser) -> None:
    iom_action(app, world)
    b = browser
    _as(b, world, "housing-caseworker")
    assert "IOM actions for your agency" in b.page.content()
    assert b.goto("/iom/actions") == 200
    b.page.click("button:has-text('Mark done')")
    b.check()
    assert "Done" in b.page.content()
    assert b.csp_violations == []


def test_dip_worker_journey(app: FastAPI, world: World, browser: Browser) -> None:
    pathway_id = dip_pathway(app, world)
    b = browser
    _as(b, world, "treatment-caseworker")
    assert b.goto("/dip") == 200
    b.page.click(f"a[href='/dip/pathways/{pathway_id}']")
    b.check()
    b.page.select_option("#step", "initial-assessment")
    b.page.click("button:has-text('Record the step')")
    b.check()
    assert "There is a problem" in b.page.content()
    assert b.goto("/dip/dashboard") == 200
    assert b.csp_violations == []
