"""The analyst's journey in a real browser (Chromium via Playwright, axe-core on every page):
sign in with MFA → force dashboard (charts load under the CSP) → hotspot map (Leaflet draws
the forecast read from the API) → a page outside the role is not found."""

from __future__ import annotations

from analysis_world import built_home, record_forecast, settings
from fastapi import FastAPI
from service_world import PASSWORD, World
from test_service_browser import Browser, _enter_code, _sign_in, browser, pytestmark, server

__all__ = ["browser", "built_home", "pytestmark", "server", "settings"]


def test_analyst_dashboard_map_and_a_denied_page(app: FastAPI, world: World,
                                                  browser: Browser) -> None:
    home = app.state.settings.home
    record_forecast(home, home / "outputs" / "plan.geojson")
    b = browser
    analyst = world.personas["analyst"]
    _sign_in(b, analyst.email, PASSWORD)
    _enter_code(b, analyst.totp_secret)
    b.page.click("text=Crime analysis")
    b.check()
    assert b.page.url.endswith("/analysis?force=essex")
    charts = b.page.locator("figure.app-chart img")
    assert charts.count() == 2
    assert all(charts.nth(k).evaluate("img => img.complete && img.naturalWidth > 0")
               for k in range(2))
    assert b.goto("/map") == 200
    b.page.wait_for_selector("#hotspot-map[data-loaded='4']")
    assert b.page.locator("#hotspot-map path.leaflet-interactive").count() == 6
    assert b.page.locator("#hotspot-map img.leaflet-tile").count() == 0
    assert b.goto("/dpo/runs") == 404
    assert "Page not found" in b.page.content()
    assert b.csp_violations == []
