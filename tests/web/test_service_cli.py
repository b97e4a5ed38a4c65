"""``crimeplan service`` and ``crimeplan serve``: administration without the web pages, the
demo accounts, and a real server on loopback."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from crimeplan.cases.db import Database, default_url
from crimeplan.cases.testing import TEST_DATABASE_ENV
from crimeplan.cli.main import app
from crimeplan.cli.serve import is_loopback
from crimeplan.web.identity import passwords

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_administrators_can_work_without_the_web_pages(tmp_path: Path) -> None:
    home = str(tmp_path)
    out = _run("service", "create-agency", "Essex Police", "--kind", "police-force",
               "--home", home)
    assert "Police force" in out
    out = _run("service", "create-user", "Admin@Essex.test", "--name", "An Admin", "--role",
               "agency-admin", "--agency", "Essex Police", "--home", home)
    password = out.split("first password (shown once): ")[1].split()[0]
    from sqlalchemy import select

    from crimeplan.cases.accounts import User
    db = Database(default_url(tmp_path))
    with db.session() as s:
        user = s.scalar(select(User))
        assert user.email == "admin@essex.test" and user.role == "agency-admin"
        assert passwords.verify_password(user.password_hash, password)
    db.dispose()
    out = _run("service", "create-client", "Probation system", "--agency", "Essex Police",
               "--scopes", "people:read", "--home", home)
    assert "secret (shown once):" in out
    assert stat.S_IMODE((tmp_path / "service.db").stat().st_mode) == 0o600


def test_audit_verify_checks_the_service_audit_log(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("CRIMEPLAN_DATABASE_URL", raising=False)
    home = str(tmp_path)
    _run("service", "create-agency", "Essex Police", "--kind", "police-force", "--home", home)
    out = _run("audit", "verify", "--service", "--home", home)
    assert "service audit log intact: 1 entries" in out and "(none kept before)" in out
    db = Database(default_url(tmp_path))
    with db.engine.connect() as con:
        con.exec_driver_sql("DROP TRIGGER audit_entries_no_update")
        con.exec_driver_sql("UPDATE audit_entries SET record_json = '{}'")
        con.commit()
    db.dispose()
    result = runner.invoke(app, ["audit", "verify", "--service", "--home", home])
    assert result.exit_code == 1
    assert "entry at position 1: content does not match" in " ".join(result.output.split())
    assert "last verified head" in result.output  # the anchor kept by the first verify


def test_bad_input_exits_non_zero_naming_the_field(tmp_path: Path) -> None:
    result = runner.invoke(app, ["service", "create-agency", "X", "--kind", "bank",
                                 "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "kind:" in result.output and "police-force" in result.output
    result = runner.invoke(app, ["service", "create-user", "a@b.test", "--name", "A",
                                 "--role", "analyst", "--agency", "Nowhere",
                                 "--home", str(tmp_path)])
    assert result.exit_code == 3 and "no such agency" in result.output


def test_seed_demo_prints_the_same_accounts_twice(tmp_path: Path) -> None:
    first = json.loads(_run("service", "seed-demo", "--json", "--home", str(tmp_path)))
    again = json.loads(_run("service", "seed-demo", "--json", "--home", str(tmp_path)))
    assert first == again
    roles = sorted(u["role"] for u in first["users"])
    # case workers of police, probation, housing, the victim service, drug and alcohol
    # treatment (DIP), youth justice and the council (issue #13's programmes)
    assert roles == ["agency-admin", "analyst", *["case-worker"] * 7, "dpo", "pcc-viewer",
                     "system-admin"]
    # Victims' Code (issue #13 item 5): a case worker of the victim service.
    assert "victims-caseworker@demo.crimeplan.test" in {u["email"] for u in first["users"]}
    assert all(len(u["password"]) >= 12 and len(u["totp_secret"]) >= 26 for u in first["users"])
    credentials = tmp_path / "demo-accounts.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True),
                                                ("::1", True), ("0.0.0.0", False),
                                                ("192.0.2.1", False)])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_listens_on_loopback_and_answers(tmp_path: Path) -> None:
    """A real server, here as if behind a TLS proxy on this machine (HSTS, Secure cookies)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != TEST_DATABASE_ENV}
    server = subprocess.Popen([sys.executable, "-m", "crimeplan", "serve", "--port", str(port),
                               "--behind-tls-proxy", "--home", str(tmp_path)], env=env,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert response.json() == {"status": "ok"}
        assert "server" not in response.headers
        assert response.headers["strict-transport-security"].startswith("max-age=")
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True,
                                   text=True, check=False).stdout
        if listening:  # ss present: the one listening socket is on loopback
            assert [line.split()[3] for line in listening.splitlines()] == [
                f"127.0.0.1:{port}"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_demo_ends_by_seeding_the_service(tmp_path: Path) -> None:
    from crimeplan.demo import steps

    last = steps(tmp_path, tmp_path / "out")[-1]
    assert last.args == ("service", "seed-demo", "--home", str(tmp_path))
