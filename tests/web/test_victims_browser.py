"""The Victims' Code pages in Chromium with axe-core on every page (the harness of
test_service_browser): a police case worker from the compliance dashboard down to a victim's
obligations, recording one; then the PCC office, who sees the figures and no way in."""

from __future__ import annotations

import datetime as dt

from service_world import PASSWORD, World
from test_service_browser import (  # the fixtures and helpers of the browser harness
    Browser,
    _enter_code,
    _sign_in,
    browser,
    pytestmark,
    server,
)
from victims_matrix import new_victim, the_obligation

from crimeplan.cases.db import utcnow

__all__ = ["browser", "pytestmark", "server"]


def test_compliance_dashboard_down_to_an_obligation(app, world: World,
                                                    browser: Browser) -> None:
    referred = new_victim(app, world)
    waiting = new_victim(app, world, shared_with=None,
                         reported=utcnow() - dt.timedelta(days=30))
    b = browser
    police = world.personas["police-caseworker"]
    _sign_in(b, police.email, PASSWORD)
    _enter_code(b, police.totp_secret)
    assert b.goto("/victims/compliance") == 200
    assert "Met on time" in b.page.content()
    b.page.click("#by-month a:has-text('breached')")
    b.check()
    assert "/victims/obligations?" in b.page.url and "state=breached" in b.page.url
    b.page.click(f"a[href='/victims/{waiting.id}#obligations']")
    b.check()
    b.page.click("summary:has-text('Record')")
    b.page.select_option(f"#outcome-{the_referral(app, waiting)}", "unable")
    b.page.fill(f"#reason-{the_referral(app, waiting)}", "No contact details on the report")
    b.page.click("form button:has-text('Record')")
    b.check()
    assert "Unable: No contact details on the report" in b.page.content()
    assert b.goto(f"/victims/{referred.id}") == 200
    assert b.goto("/victims?show=breached") == 200
    b.page.click("text=Sign out")
    b.check()
    pcc = world.personas["pcc"]
    _sign_in(b, pcc.email, PASSWORD)
    assert b.goto("/victims/compliance") == 200
    assert b.page.locator("a[href^='/victims/obligations']").count() == 0
    assert b.goto("/victims/obligations") == 404
    assert b.csp_violations == []


def the_referral(app, care) -> str:
    return the_obligation(app, care, "r4-referral-to-support-services").id
