"""The API's contract: OpenAPI 3.1 published, RFC 9457 problems with field-level codes for
every error, security headers on every response."""

from __future__ import annotations

import time
from dataclasses import replace

from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_world import PASSWORD, World, client_for

from crimeplan.web.app import create_app
from crimeplan.web.identity import totp
from crimeplan.web.settings import Settings


def test_openapi_31_is_published_with_problem_responses(app: FastAPI) -> None:
    doc = TestClient(app).get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    people = doc["paths"]["/api/v1/people/{person_id}"]["get"]
    assert people["responses"]["404"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert not any(p.startswith(("/sign-in", "/admin")) for p in doc["paths"])


def test_validation_errors_name_each_field_and_code(app: FastAPI, world: World) -> None:
    client = client_for(app, world, "system-admin")
    response = client.post("/api/v1/users", json={"email": "a@b.test", "role": "boss",
                                                  "extra": 1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:crimeplan:problem:invalid-request" and body["status"] == 422
    assert body["instance"] == "/api/v1/users"
    assert body["request_id"] == response.headers["x-request-id"]
    codes = {(e["field"], e["code"]) for e in body["errors"]}
    assert codes == {("agency_id", "required"), ("name", "required"), ("role", "invalid"),
                     ("extra", "unknown-field")}


def test_domain_errors_become_problems(app: FastAPI, world: World) -> None:
    client = client_for(app, world, "system-admin")
    first = client.post("/api/v1/agencies", json={"name": "Dup", "kind": "health"})
    assert first.status_code == 201
    again = client.post("/api/v1/agencies", json={"name": "Dup", "kind": "health"})
    assert again.status_code == 409
    assert again.json()["errors"] == [{"field": "name", "code": "taken",
                                       "detail": "That name is taken"}]
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_anonymous_api_calls_get_401_with_a_challenge(app: FastAPI) -> None:
    response = TestClient(app).get("/api/v1/agencies")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_security_headers_on_every_response(app: FastAPI) -> None:
    client = TestClient(app)
    for path in ("/api/v1/health", "/sign-in", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "camera=()" in headers["permissions-policy"]
        assert "strict-transport-security" not in headers  # plain HTTP on loopback


def test_hsts_and_secure_cookies_under_tls(settings: Settings, world: World) -> None:
    app = create_app(replace(settings, tls=True))
    client = TestClient(app, base_url="https://testserver")
    response = client.get("/sign-in")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    dpo = world.personas["dpo"]
    signed_in = client.post("/api/v1/auth/sign-in", json={
        "email": dpo.email, "password": PASSWORD,
        "code": totp.code_at(dpo.totp_secret, time.time())})
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("__Host-crimeplan_session=") and "Secure" in cookie
    app.state.db.dispose()


def test_person_counts_withhold_small_numbers(app: FastAPI, world: World) -> None:
    client = client_for(app, world, "police-caseworker")
    for i in range(5):
        assert client.post("/api/v1/people", json={"given_name": "A", "family_name": str(i),
                                                   "category": "victim"},
                           headers={"X-Purpose": "victim-support"}).status_code == 201
    rows = client_for(app, world, "pcc").get("/api/v1/stats/people").json()
    assert rows == [
        {"agency_kind": "housing-provider", "category": "other", "count": None,
         "suppressed": True},
        {"agency_kind": "police-force", "category": "convicted", "count": None,
         "suppressed": True},
        {"agency_kind": "police-force", "category": "victim", "count": 6,
         "suppressed": False},
    ]


def test_patch_cannot_null_a_required_field(app: FastAPI, world: World) -> None:
    client = client_for(app, world, "police-caseworker")
    response = client.patch(f"/api/v1/people/{world.people['shared']}",
                            json={"given_name": None, "date_of_birth": None},
                            headers={"X-Purpose": "case-management"})
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("given_name", "invalid")]
    cleared = client.patch(f"/api/v1/people/{world.people['shared']}",
                           json={"date_of_birth": None}, headers={"X-Purpose": "case-management"})
    assert cleared.status_code == 200 and cleared.json()["date_of_birth"] is None


def test_schema_code_lists_are_the_domain_code_lists() -> None:
    """The API's enumerations are written out for OpenAPI; they must not drift."""
    from typing import get_args

    from crimeplan.cases.accounts import ROLES, SCOPES
    from crimeplan.cases.agencies import AGENCY_KINDS
    from crimeplan.cases.people import SENSITIVITIES, SUBJECT_CATEGORIES
    from crimeplan.web.api import schemas

    assert get_args(schemas.AgencyKindId) == tuple(AGENCY_KINDS)
    assert get_args(schemas.RoleId) == tuple(ROLES)
    assert get_args(schemas.ScopeId) == tuple(SCOPES)
    assert get_args(schemas.SubjectCategory) == SUBJECT_CATEGORIES
    assert get_args(schemas.Sensitivity) == SENSITIVITIES
