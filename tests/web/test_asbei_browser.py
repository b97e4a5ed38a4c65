"""Early intervention and ASB case review journeys in a real browser, with axe-core on every
page (no serious or critical violations) and no Content-Security-Policy violations; the
harness is test_service_browser's."""

from __future__ import annotations

from asbei_world import complaints, new_child, new_resident, new_review
from fastapi import FastAPI
from service_world import PASSWORD, World
from test_service_browser import (  # noqa: F401  (fixtures and marks are used by name)
    Browser,
    _enter_code,
    _sign_in,
    browser,
    pytestmark,
    server,
)


def _as(b: Browser, world: World, persona: str) -> None:
    p = world.personas[persona]
    _sign_in(b, p.email, PASSWORD)
    _enter_code(b, p.totp_secret)


def test_youth_justice_journey(app: FastAPI, world: World,
                               browser: Browser) -> None:  # noqa: F811
    child = new_child(app, world)
    b = browser
    _as(b, world, "yjs-caseworker")
    b.page.click("text=Early intervention")
    b.check()
    assert child.family_name in b.page.content()
    b.page.click(f"text={child.given_name} {child.family_name}")
    b.check()
    b.page.click("button:has-text('Refer for early intervention')")
    b.check()
    assert b.page.inner_text("#referral-status") == "Awaiting consent"
    for path in ("/early-intervention?show=all", "/early-intervention/referrals",
                 "/early-intervention/family", "/early-intervention/figures"):
        assert b.goto(path) == 200
    assert b.csp_violations == []


def test_asb_coordinator_journey(app: FastAPI, world: World,
                                 browser: Browser) -> None:  # noqa: F811
    person = new_resident(app, world)
    complaints(app, world, person)
    new_review(app, world, meeting=True)
    b = browser
    _as(b, world, "council-caseworker")
    assert b.goto("/asb") == 200
    b.page.click(f"text=Start an application for {person.given_name} {person.family_name}")
    b.check()
    b.page.fill("#local-area", "Basildon")
    b.page.check("text=Essex Homes (test)")
    b.page.click("button:has-text('Record the application')")
    b.check()
    assert b.page.inner_text("#review-status") == "Received"
    b.page.select_option("#step", "acknowledged")
    b.page.click("button:has-text('Record step')")
    b.check()
    assert b.page.inner_text("#review-status") == "Acknowledged"
    assert b.goto("/asb/reviews?overdue=no") == 200
    assert b.goto("/asb/figures?by=body") == 200
    assert b.csp_violations == []


def test_pcc_sees_the_figures(world: World, browser: Browser) -> None:  # noqa: F811
    b = browser
    p = world.personas["pcc"]
    _sign_in(b, p.email, PASSWORD)          # no personal data: no second factor
    for path in ("/asb/figures", "/early-intervention/figures"):
        assert b.goto(path) == 200
    assert b.goto("/asb/reviews") == 404
    assert b.csp_violations == []
