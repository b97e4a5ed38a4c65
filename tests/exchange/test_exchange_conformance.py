"""The conformance kit run against crimeplan itself (``crimeplan serve`` in its own process on
loopback), and against an endpoint that does not conform."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from instances import SECRET, Instance, care
from sqlalchemy import select
from typer.testing import CliRunner

from crimeplan.app.registry import traced
from crimeplan.cases import records
from crimeplan.cases.accounts import ApiClient
from crimeplan.cases.people import Person, Share
from crimeplan.cli.main import app as cli
from crimeplan.exchange.subscriptions import Subscription
from crimeplan.standard.conformance import Kit

runner = CliRunner()


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    force = Instance("Force A (test)", tmp_path_factory.mktemp("force-a"), "police-force")
    force.setup({"Probation (test)": "probation"})
    db = force.db()
    with db.session() as s:
        person = records.create(s, care(force.agency_id), {"given_name": "C", "family_name":
                                                           "Conform"}, force.agency_id)
        guest = s.get(ApiClient, force.clients["Probation (test)"]).agency_id
        s.add(Share(person_id=person.id, agency_id=guest))
    db.dispose()
    force.start()
    yield force
    force.stop()


def _change_once_subscribed(force: Instance) -> threading.Thread:
    """Change the shared person as soon as the kit's webhook subscription exists, so the
    serving process has something to deliver to it."""
    def change() -> None:
        db = force.db()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.session() as s:
                if s.scalar(select(Subscription).where(
                        Subscription.url.endswith("/conformance"))) is not None:
                    records.update(s, care(force.agency_id), s.scalars(select(Person)).first(),
                                   {"given_name": "Changed"})
                    break
            time.sleep(0.1)
        db.dispose()

    thread = threading.Thread(target=change)
    thread.start()
    return thread


def test_crimeplan_passes_its_own_conformance_kit(force: Instance) -> None:
    timer = _change_once_subscribed(force)
    with traced() as calls:
        result = runner.invoke(cli, [
            "standard", "check", force.url, "--client-id", force.clients["Probation (test)"],
            "--client-secret", SECRET, "--purpose", "offender-management",
            "--webhook-wait", "20"])
    timer.join()
    assert calls == ["standard.check"]
    assert result.exit_code == 0, result.output
    assert "8 of 8 checks did not fail" in result.output
    assert "deliveries verified and valid" in result.output
    assert "skipped" not in result.output


def test_without_credentials_only_the_error_format_is_checked(force: Instance) -> None:
    results = Kit(force.url).run()
    assert [r.status for r in results] == ["passed"] + ["skipped"] * 7


class _NotProblems(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # an endpoint answering errors as plain JSON
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": "unauthorised"}')

    def log_message(self, *args: object) -> None:
        pass


def test_an_endpoint_that_does_not_conform_fails(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotProblems)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = runner.invoke(cli, ["standard", "check", url])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1
    assert "failed" in result.output and "application/problem+json" in result.output
