"""Identity: sign-in with password and TOTP, lock-out with back-off, sessions and their
time-outs, CSRF, and OAuth2 client credentials."""

from __future__ import annotations

import datetime as dt
import stat
import time

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_world import PASSWORD, World, client_for, current_code
from sqlalchemy import select

from crimeplan.cases.accounts import User, WebSession
from crimeplan.provenance.dblog import AuditEntry
from crimeplan.web.identity import lockout, passwords, totp
from crimeplan.web.identity.sessions import digest
from crimeplan.web.identity.tokens import KEY_FILE


def _sign_in(client: TestClient, email: str, password: str = PASSWORD, code: str = ""):
    return client.post("/api/v1/auth/sign-in", json={"email": email, "password": password,
                                                      "code": code})


def test_sign_in_with_password_and_code_opens_a_session(app: FastAPI, world: World) -> None:
    dpo = world.personas["dpo"]
    client = TestClient(app)
    response = _sign_in(client, dpo.email, code=current_code(dpo.totp_secret))
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    me = client.get("/api/v1/me")
    assert me.json()["user_id"] == dpo.actor.user_id and me.json()["role"] == "dpo"
    with app.state.db.session() as s:
        events = s.scalars(select(AuditEntry).where(AuditEntry.kind == "security")).all()
        assert [e.record["outcome"] for e in events] == ["success"]


def test_a_code_cannot_be_replayed(app: FastAPI, world: World) -> None:
    dpo = world.personas["dpo"]
    code = current_code(dpo.totp_secret)
    assert _sign_in(TestClient(app), dpo.email, code=code).status_code == 200
    again = _sign_in(TestClient(app), dpo.email, code=code)
    assert again.status_code == 401
    assert again.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("password, code", [(PASSWORD, ""), (PASSWORD, "000000"),
                                            ("wrong password!", None)])
def test_roles_that_see_personal_data_need_the_code(app: FastAPI, world: World, password: str,
                                                    code: str | None) -> None:
    dpo = world.personas["dpo"]
    code = current_code(dpo.totp_secret) if code is None else code
    if code == "000000" and code == current_code(dpo.totp_secret):
        code = "000001"
    response = _sign_in(TestClient(app), dpo.email, password, code)
    assert response.status_code == 401
    assert response.json()["detail"] == ("The email, password or security code is not right, "
                                         "or the account is locked")


def test_unknown_email_gets_the_same_answer(app: FastAPI, world: World) -> None:
    response = _sign_in(TestClient(app), "nobody@test.crimeplan.test")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("The email, password or security code")


def test_lock_durations_double_after_the_threshold() -> None:
    base, cap = dt.timedelta(minutes=1), dt.timedelta(hours=1)
    got = [lockout.lock_duration(n, 5, base, cap).total_seconds() / 60 for n in range(4, 13)]
    assert got == [0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_five_failures_lock_the_account_even_with_the_right_password(
        app: FastAPI, world: World) -> None:
    dpo = world.personas["dpo"]
    client = TestClient(app)
    for _ in range(5):
        assert _sign_in(client, dpo.email, "not the password").status_code == 401
    with app.state.db.session() as s:
        user = s.get(User, dpo.actor.user_id)
        assert user.failed_sign_ins == 5
        remaining = user.locked_until - dt.datetime.now(dt.UTC)
        assert dt.timedelta(seconds=50) < remaining <= dt.timedelta(minutes=1)
    locked = _sign_in(client, dpo.email, code=current_code(dpo.totp_secret))
    assert locked.status_code == 401
    with app.state.db.session() as s:
        outcomes = [e.record["outcome"] for e in s.scalars(
            select(AuditEntry).where(AuditEntry.kind == "security").order_by(AuditEntry.seq))]
    assert outcomes == ["failure"] * 5 + ["locked"]


def test_roles_without_personal_data_sign_in_with_a_password(app: FastAPI,
                                                             world: World) -> None:
    with app.state.db.session() as s:
        user = s.get(User, world.personas["pcc"].actor.user_id)
        user.totp_enrolled, user.totp_secret = False, None
    client = TestClient(app)
    assert _sign_in(client, world.personas["pcc"].email).status_code == 200
    assert client.get("/api/v1/me").json()["role"] == "pcc-viewer"


def test_totp_matching_step_accepts_drift_of_one_step_only() -> None:
    secret = totp.new_secret()
    now = 1_000_000_000.0
    step = int(now) // 30
    assert totp.matching_step(secret, totp.code_at(secret, now - 30), 0, now) == step - 1
    assert totp.matching_step(secret, totp.code_at(secret, now + 30), 0, now) == step + 1
    assert totp.matching_step(secret, totp.code_at(secret, now - 90), 0, now) is None
    assert totp.matching_step(secret, totp.code_at(secret, now), step, now) is None


def test_enrolment_qr_is_an_inline_svg() -> None:
    svg = totp.qr_svg(totp.provisioning_uri(totp.new_secret(), "a@b.test", "crimeplan"))
    assert svg.startswith("<svg") and "<script" not in svg


def test_passwords_are_argon2id_and_weak_ones_refused() -> None:
    stored = passwords.hash_password("a long enough passphrase")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "a long enough passphrase")
    assert not passwords.verify_password(stored, "a long enough passphrasE")
    for weak, code in [("short", "too-short"), ("password1234", "too-common"),
                       ("jo.bloggs-2026!", "contains-email")]:
        with pytest.raises(Exception) as info:
            passwords.check_strength(weak, "jo.bloggs@example.org")
        assert info.value.fields[0].code == code  # type: ignore[attr-defined]


def _age_session(app: FastAPI, client: TestClient, created: dt.timedelta,
                 seen: dt.timedelta) -> None:
    token = client.cookies.get("crimeplan_session")
    with app.state.db.session() as s:
        row = s.get(WebSession, digest(token))
        now = dt.datetime.now(dt.UTC)
        row.created_at, row.last_seen_at = now - created, now - seen


@pytest.mark.parametrize("created, seen, alive", [
    (dt.timedelta(minutes=20), dt.timedelta(minutes=14), True),
    (dt.timedelta(minutes=20), dt.timedelta(minutes=16), False),
    (dt.timedelta(hours=8, minutes=1), dt.timedelta(minutes=1), False),
])
def test_sessions_end_after_idle_and_absolute_time_outs(
        app: FastAPI, world: World, created: dt.timedelta, seen: dt.timedelta,
        alive: bool) -> None:
    client = client_for(app, world, "dpo")
    _age_session(app, client, created, seen)
    assert client.get("/api/v1/me").status_code == (200 if alive else 401)


def test_unsafe_api_calls_from_a_browser_session_need_the_csrf_header(
        app: FastAPI, world: World) -> None:
    client = client_for(app, world, "system-admin")
    body = {"name": "Essex Council (test)", "kind": "local-authority"}
    token = client.headers.pop("X-CSRF-Token")
    refused = client.post("/api/v1/agencies", json=body)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    assert client.post("/api/v1/agencies", json=body,
                       headers={"X-CSRF-Token": token}).status_code == 201


@pytest.mark.parametrize(("headers", "refused"), [
    ({"Origin": "https://evil.example"}, True),
    ({"Origin": "null"}, True),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "null"}, True),
    ({"Sec-Fetch-Site": "same-site"}, True),
    ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, False),
    ({"Origin": "http://testserver"}, False),
    ({}, False),
])
def test_cross_site_posts_are_refused(app: FastAPI, world: World, headers: dict[str, str],
                                      refused: bool) -> None:
    response = TestClient(app).post("/sign-in", data={"email": "x", "password": "y"},
                                    headers=headers)
    assert (response.status_code == 403) is refused


def test_client_credentials_give_a_short_lived_signed_token(app: FastAPI,
                                                            world: World) -> None:
    p = world.personas["probation-system"]
    client = TestClient(app)
    response = client.post("/api/v1/oauth/token", data={
        "grant_type": "client_credentials", "client_id": p.actor.client_id,
        "client_secret": p.client_secret})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert body["scope"] == "people:read"
    key = app.state.signing_key.public_key()
    claims = jwt.decode(body["access_token"], key, algorithms=["EdDSA"],
                        audience="crimeplan-api")
    assert claims["sub"] == p.actor.client_id and claims["exp"] - claims["iat"] == 600
    assert claims["agency"] == world.agencies["probation"]
    key_file = app.state.settings.keys_dir / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_wrong_secret_unknown_scope_and_expired_tokens_are_refused(app: FastAPI,
                                                                   world: World) -> None:
    p = world.personas["probation-system"]
    client = TestClient(app)
    form = {"grant_type": "client_credentials", "client_id": p.actor.client_id,
            "client_secret": "wrong"}
    assert client.post("/api/v1/oauth/token", data=form).status_code == 401
    form.update(client_secret=p.client_secret, scope="people:write")
    bad_scope = client.post("/api/v1/oauth/token", data=form)
    assert bad_scope.status_code == 400
    assert bad_scope.json()["errors"][0] == {"field": "scope", "code": "invalid_scope",
                                             "detail": "Ask only for scopes granted to the "
                                                       "client"}
    now = int(time.time())
    expired = jwt.encode({"iss": "crimeplan", "aud": "crimeplan-api", "sub": p.actor.client_id,
                          "scope": "people:read", "iat": now - 700, "exp": now - 100},
                         app.state.signing_key, algorithm="EdDSA")
    response = client.get("/api/v1/people", headers={"Authorization": f"Bearer {expired}",
                                                     "X-Purpose": "case-management"})
    assert response.status_code == 401
    forged = jwt.encode({"iss": "crimeplan", "aud": "crimeplan-api", "sub": p.actor.client_id,
                         "scope": "people:read", "iat": now, "exp": now + 100}, "k" * 32,
                        algorithm="HS256")
    assert client.get("/api/v1/people", headers={"Authorization": f"Bearer {forged}"}
                      ).status_code == 401
