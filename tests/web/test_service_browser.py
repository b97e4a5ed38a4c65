"""The main journeys in a real browser (Debian's Chromium driven by Playwright) against the
service on loopback, with axe-core run on every page: no serious or critical violations of
WCAG 2.2 A/AA, and no Content-Security-Policy violations."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import ConsoleMessage, Page, sync_playwright
from service_world import PASSWORD, SETUP, World

from crimeplan.web.identity import accounts, totp

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                       "(make test installs it)"),
    pytest.mark.skipif(not AXE.exists(), reason="frontend/node_modules missing: make install"),
]


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


class Browser:
    """One page in Chromium that checks accessibility and CSP on every page it lands on."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.csp_violations: list[str] = []
        self.checked: list[str] = []
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.csp_violations.append(text)

    def goto(self, path: str) -> int:
        response = self.page.goto(self.base + path)
        assert response is not None
        self.check()
        return response.status

    def check(self) -> None:
        """axe-core on the current page: no serious or critical violations."""
        page = self.page
        page.wait_for_load_state("networkidle")
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', "
            "'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})")
        bad = [f"{v['id']} ({v['impact']}): {v['help']} at "
               f"{[n['target'] for n in v['nodes']][:3]}"
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        url = page.url
        assert bad == [], f"{url}: {bad}"
        self.checked.append(url)


@pytest.fixture
def browser(server: str) -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = chromium.new_page()
        yield Browser(page, server)
        chromium.close()


def _sign_in(b: Browser, email: str, password: str) -> None:
    assert b.goto("/sign-in") == 200
    b.page.fill("#email", email)
    b.page.fill("#password", password)
    b.page.click("main button[type=submit]")
    b.check()


def _enter_code(b: Browser, secret: str) -> None:
    b.page.fill("#code", totp.code_at(secret, time.time()))
    b.page.click("main button[type=submit]")
    b.check()


def test_sign_in_with_mfa_enrolment_then_home(app: FastAPI, world: World,
                                              browser: Browser) -> None:
    with app.state.db.session() as s:
        _, password = accounts.create_user(s, SETUP, world.agencies["police"],
                                           "first.timer@test.crimeplan.test", "First Timer",
                                           "case-worker")
    b = browser
    _sign_in(b, "first.timer@test.crimeplan.test", "not the password")
    assert "There is a problem" in b.page.content()
    _sign_in(b, "first.timer@test.crimeplan.test", password)
    assert b.page.url.endswith("/sign-in/enrol")
    secret = b.page.inner_text("#totp-secret")
    assert b.page.locator(".app-qr svg").count() == 1
    _enter_code(b, secret)
    assert b.page.url == b.base + "/"
    assert "Signed in as First Timer" in b.page.content()
    assert b.csp_violations == []


def test_dpo_journey_and_a_denied_page_is_not_found(world: World, browser: Browser) -> None:
    b = browser
    dpo = world.personas["dpo"]
    _sign_in(b, dpo.email, PASSWORD)
    assert b.page.url.endswith("/sign-in/code")
    _enter_code(b, dpo.totp_secret)
    assert b.goto("/dpo/audit") == 200
    assert "Intact" in b.page.content()
    assert b.goto(f"/dpo/people/{world.people['shared']}") == 200
    assert b.goto("/dpo/people") == 200
    assert b.goto("/admin/agencies") == 404
    assert "Page not found" in b.page.content()
    assert b.goto(f"/dpo/people/{world.people['housing']}") == 404
    b.page.click("text=Sign out")
    b.check()
    assert b.page.url.endswith("/sign-in")
    assert b.csp_violations == []


def test_administrator_pages(world: World, browser: Browser) -> None:
    b = browser
    admin = world.personas["system-admin"]
    _sign_in(b, admin.email, PASSWORD)
    _enter_code(b, admin.totp_secret)
    for path in ("/admin/users", "/admin/clients", "/dpo/audit", "/admin/agencies"):
        assert b.goto(path) == 200
    b.page.fill("#name", "Thurrock Council (test)")
    b.page.select_option("#kind", "local-authority")
    b.page.click("main button[type=submit]")
    b.check()
    assert "Thurrock Council (test) added" in b.page.content()
    b.goto("/admin/users")
    b.page.click("button:has-text('Add user')")
    b.check()
    assert "Choose an agency" in b.page.content()
    assert b.csp_violations == []
