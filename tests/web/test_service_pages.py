"""Pages: sign-in with first-time MFA enrolment, the home page of each role, administration
forms, sign-out, and not-found for pages a user may not see."""

from __future__ import annotations

import re
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_world import PASSWORD, SETUP, World, client_for

from crimeplan.cases.accounts import User
from crimeplan.web.identity import accounts, totp


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_first_sign_in_enrols_an_authenticator(app: FastAPI, world: World) -> None:
    with app.state.db.session() as s:
        user, password = accounts.create_user(s, SETUP, world.agencies["probation"],
                                              "new.worker@test.crimeplan.test", "New Worker",
                                              "case-worker")
    client = TestClient(app)
    step1 = client.post("/sign-in", data={"email": "New.Worker@test.crimeplan.test",
                                          "password": password}, follow_redirects=False)
    assert step1.status_code == 303 and step1.headers["location"] == "/sign-in/enrol"
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"
    enrol = client.get("/sign-in/enrol")
    assert "<svg" in enrol.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text).group(1)
    wrong = client.post("/sign-in/enrol", data={"code": "12345",
                                                "csrf_token": _csrf(enrol.text)})
    assert "There is a problem" in wrong.text
    done = client.post("/sign-in/enrol", data={"code": totp.code_at(secret, time.time()),
                                               "csrf_token": _csrf(enrol.text)},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Signed in as New Worker" in home.text
    with app.state.db.session() as s:
        stored = s.get(User, user.id)
        assert stored.totp_enrolled and stored.totp_secret == secret


def test_sign_in_page_shows_one_error_for_every_failure(app: FastAPI, world: World) -> None:
    page = TestClient(app).post("/sign-in", data={"email": "dpo@test.crimeplan.test",
                                                  "password": "wrong"})
    assert page.status_code == 200
    assert "govuk-error-summary" in page.text and "is not right" in page.text


def test_enrolled_users_are_asked_for_their_code(app: FastAPI, world: World) -> None:
    client = TestClient(app)
    step1 = client.post("/sign-in", data={"email": "dpo@test.crimeplan.test",
                                          "password": PASSWORD}, follow_redirects=False)
    assert step1.headers["location"] == "/sign-in/code"
    form = client.get("/sign-in/code")
    code = totp.code_at(world.personas["dpo"].totp_secret, time.time())
    done = client.post("/sign-in/code", data={"code": code, "csrf_token": _csrf(form.text)},
                       follow_redirects=False)
    assert done.headers["location"] == "/"
    home = client.get("/")
    assert "Audit log" in home.text and "Agencies" not in home.text


def test_home_pages_list_what_the_role_may_do(app: FastAPI, world: World) -> None:
    admin = client_for(app, world, "system-admin").get("/").text
    for task in ("Agencies", "Users", "API clients", "Audit log", "Run log"):
        assert f">{task}</a>" in admin
    analyst = client_for(app, world, "analyst").get("/").text
    # Analysts see aggregates only (the Victims' Code figures), nothing about a person.
    assert " Code compliance</a>" in analyst
    assert ">Victims</a>" not in analyst and ">A person's record</a>" not in analyst

    # an analyst's only tasks are aggregates: IOM and DIP figures (#13), no case or admin work
    assert ">IOM offending before and after selection</a>" in analyst
    assert ">DIP dashboard</a>" in analyst
    assert ">IOM cohort</a>" not in analyst and ">Agencies</a>" not in analyst

    for task in ("Agencies", "Users", "API clients", "Audit log"):
        assert f">{task}</a>" not in analyst    # analysts see programme aggregates only

    for task in ("Crime analysis", "Hotspot map", "Transparency records"):
        assert f">{task}</a>" in analyst
    assert ">Run log</a>" not in analyst and ">Users</a>" not in analyst
    caseworker = client_for(app, world, "police-caseworker").get("/").text
    for task in ("Crime analysis", "Hotspot map", "Run log", "Users"):
        assert f">{task}</a>" not in caseworker  # case work only, no aggregates of analysis


def test_admin_creates_a_user_and_sees_the_password_once(app: FastAPI, world: World) -> None:
    client = client_for(app, world, "agency-admin")
    page = client.get("/admin/users")
    options = re.findall(r'<option value="([^"]+)"', page.text)
    assert world.agencies["police"] in options and world.agencies["housing"] not in options
    assert "system-admin" not in options
    created = client.post("/admin/users", data={
        "agency_id": world.agencies["police"], "email": "analyst2@test.crimeplan.test",
        "name": "Second Analyst", "role": "analyst", "csrf_token": _csrf(page.text)})
    assert created.status_code == 201
    password = re.search(r'id="new-password">([^<]+)<', created.text).group(1)
    assert len(password) >= 12
    other = client.post("/admin/users", data={
        "agency_id": world.agencies["housing"], "email": "x@test.crimeplan.test",
        "name": "X", "role": "analyst", "csrf_token": _csrf(page.text)})
    assert other.status_code == 404
    unchosen = client.post("/admin/users", data={
        "agency_id": "", "email": "z@test.crimeplan.test", "name": "Z", "role": "",
        "csrf_token": _csrf(page.text)})
    assert unchosen.status_code == 400 and 'href="#agency-id">Choose an agency' in unchosen.text
    assert re.search(r'<option value=""( selected)?>Choose a role</option>', page.text)
    bad = client.post("/admin/users", data={
        "agency_id": world.agencies["police"], "email": "not-an-email", "name": "Y",
        "role": "analyst", "csrf_token": _csrf(page.text)})
    assert bad.status_code == 400 and 'href="#email"' in bad.text


def test_forms_without_the_csrf_token_are_refused(app: FastAPI, world: World) -> None:
    client = client_for(app, world, "system-admin")
    response = client.post("/admin/agencies", data={"name": "X", "kind": "health"})
    assert response.status_code == 404  # a refused page is not found, like any other


def test_admin_registers_a_client(app: FastAPI, world: World) -> None:
    client = client_for(app, world, "system-admin")
    page = client.get("/admin/clients")
    created = client.post("/admin/clients", data={
        "agency_id": world.agencies["probation"], "name": "Case system",
        "scopes": ["people:read", "stats:read"], "csrf_token": _csrf(page.text)})
    assert created.status_code == 201
    assert re.search(r'id="new-secret">([^<]{20,})<', created.text)


def test_sign_out_ends_the_session(app: FastAPI, world: World) -> None:
    client = client_for(app, world, "dpo")
    home = client.get("/")
    out = client.post("/sign-out", data={"csrf_token": _csrf(home.text)},
                      follow_redirects=False)
    assert out.headers["location"] == "/sign-in"
    assert client.get("/", follow_redirects=False).status_code == 303
    api = client_for(app, world, "dpo")
    assert api.post("/api/v1/auth/sign-out").status_code == 204
    assert api.get("/api/v1/me").status_code == 401


def test_the_audit_page_shows_integrity_and_entries(app: FastAPI, world: World) -> None:
    page = client_for(app, world, "dpo").get("/dpo/audit")
    assert page.status_code == 200 and "Intact" in page.text
    assert page.text.count('<tr class="govuk-table__row">') >= 5


def test_static_front_end_is_served_locally(app: FastAPI) -> None:
    client = TestClient(app)
    css = client.get("/static/vendor/govuk/govuk-frontend.min.css")
    assert css.status_code == 200 and "govuk-" in css.text
    font = client.get("/assets/fonts/bold-b542beb274-v2.woff2")
    assert font.status_code == 200
    page = client.get("/sign-in").text
    assert "<script>" not in page and "style=" not in page
    assert not re.search(r'(src|href)="https?://', page)
