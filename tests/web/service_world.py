"""The service tests' world: an app on a fresh database (SQLite, and PostgreSQL when
CRIMEPLAN_TEST_DATABASE_URL is set), agencies, a persona of every kind and person records."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crimeplan.cases.accounts import ApiClient, User
from crimeplan.cases.actor import Actor
from crimeplan.cases.db import utcnow
from crimeplan.cases.people import Allocation, Person, Share
from crimeplan.cases.testing import backends, fresh_url
from crimeplan.web.app import create_app
from crimeplan.web.identity import accounts, passwords, sessions, totp
from crimeplan.web.identity.sessions import cookie_name
from crimeplan.web.settings import Settings

SETUP = Actor(user_id="test-setup", role="system-admin", purpose="account-administration")
PASSWORD = "correct horse battery staple"
CLIENT_SECRET = "a client secret for the tests only"


@dataclass(frozen=True)
class _Hashes:
    password: str
    secret: str


@lru_cache(maxsize=1)
def _hashes() -> _Hashes:
    """argon2 hashes made once per test process: a hash costs most of a second on a busy
    machine, and the world fixture holds eleven accounts (account creation itself is tested
    through accounts.create_user and the API)."""
    return _Hashes(passwords.hash_password(PASSWORD), passwords.hash_password(CLIENT_SECRET))


@pytest.fixture(params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> str:
    return fresh_url(request.param, tmp_path, worker_id)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.db.dispose()


@dataclass
class Persona:
    """A caller of the service: a user (with TOTP secret) or an API client, or nobody."""

    name: str
    actor: Actor
    email: str | None = None
    totp_secret: str | None = None
    client_secret: str | None = None


@dataclass
class World:
    agencies: dict[str, str] = field(default_factory=dict)
    personas: dict[str, Persona] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)


#: name: (role, agency) of the user personas.
USERS = {
    "system-admin": ("system-admin", "police"),
    "agency-admin": ("agency-admin", "police"),
    "analyst": ("analyst", "police"),
    "police-caseworker": ("case-worker", "police"),
    "probation-caseworker": ("case-worker", "probation"),
    "housing-caseworker": ("case-worker", "housing"),
    "dpo": ("dpo", "police"),
    "pcc": ("pcc-viewer", "pcc"),
}
#: name: (agency, scopes) of the API client personas.
CLIENTS = {
    "probation-system": ("probation", "people:read"),
    "police-system": ("police", "people:read people:write"),
    "stats-system": ("pcc", "stats:read"),
}
AGENCIES = {"police": ("Essex Police (test)", "police-force"),
            "probation": ("Probation East (test)", "probation"),
            "housing": ("Essex Homes (test)", "housing-provider"),
            "pcc": ("Essex PFCC (test)", "pcc-office")}


@pytest.fixture
def world(app: FastAPI) -> World:
    """Agencies, a persona of every kind, and three person records:
    ``shared`` (police, allocated to the police case worker, shared with probation),
    ``restricted`` (police, restricted, allocated to nobody) and ``housing`` (housing's own)."""
    w = World()
    with app.state.db.session() as s:
        for key, (name, kind) in AGENCIES.items():
            w.agencies[key] = accounts.create_agency(s, SETUP, name, kind).id
        users: dict[str, User] = {}
        for name, (role, agency) in USERS.items():
            user = User(agency_id=w.agencies[agency], email=f"{name}@test.crimeplan.test",
                        name=name.title(), role=role, password_hash=_hashes().password,
                        totp_secret=totp.new_secret(), totp_enrolled=True)
            s.add(user)
            s.flush()
            users[name] = user
            w.personas[name] = Persona(name, Actor(
                agency_id=user.agency_id, agency_kind=AGENCIES[agency][1], role=role,
                user_id=user.id), user.email, user.totp_secret)
        for name, (agency, scopes) in CLIENTS.items():
            client = ApiClient(agency_id=w.agencies[agency], name=name,
                               secret_hash=_hashes().secret, scopes=scopes)
            s.add(client)
            s.flush()
            w.personas[name] = Persona(name, Actor(
                agency_id=client.agency_id, agency_kind=AGENCIES[agency][1],
                client_id=client.id, scopes=frozenset(scopes.split())),
                client_secret=CLIENT_SECRET)
        w.personas["anonymous"] = Persona("anonymous", Actor())
        shared = Person(agency_id=w.agencies["police"], given_name="Jo", family_name="Example",
                        date_of_birth=dt.date(1990, 1, 1), pnc_id="90/123456X",
                        category="convicted")
        restricted = Person(agency_id=w.agencies["police"], given_name="Sam",
                            family_name="Sample", category="victim", sensitivity="restricted")
        housing = Person(agency_id=w.agencies["housing"], given_name="Hal",
                         family_name="Tenant", category="other")
        s.add_all([shared, restricted, housing])
        s.flush()
        s.add(Allocation(person_id=shared.id, user_id=users["police-caseworker"].id))
        s.add(Share(person_id=shared.id, agency_id=w.agencies["probation"]))
        w.people = {"shared": shared.id, "restricted": restricted.id, "housing": housing.id}
    return w


def current_code(secret: str) -> str:
    return totp.code_at(secret, time.time())


def client_for(app: FastAPI, world: World, persona: str) -> TestClient:
    """A test client signed in as ``persona``: a live session cookie and CSRF header for a
    user (made through the session store, so tests need not wait for fresh TOTP steps), a
    bearer token from the token endpoint for an API client."""
    client = TestClient(app, base_url="http://testserver")
    p = world.personas[persona]
    if p.actor.user_id is not None:
        with app.state.db.session() as s:
            user = s.get(User, p.actor.user_id)
            token, row = sessions.start(s, user, mfa_passed=True, now=utcnow())
            csrf = row.csrf_token
        client.cookies.set(cookie_name(app.state.settings), token)
        client.headers["X-CSRF-Token"] = csrf
    elif p.actor.client_id is not None:
        response = client.post("/api/v1/oauth/token", data={
            "grant_type": "client_credentials", "client_id": p.actor.client_id,
            "client_secret": p.client_secret})
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client
