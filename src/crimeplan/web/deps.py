"""Dependencies of every route: the database session, the caller, and the route's action.

``Depends(Authorise(Action.X))`` is how a route declares what it does; it returns the caller
(an :class:`~crimeplan.cases.actor.Actor`) once the policy allows the action at all. Record
level checks happen in the route with :func:`authorise`, which answers 404 for a record the
caller may not see.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from crimeplan.cases.accounts import ApiClient, WebSession
from crimeplan.cases.actor import Actor
from crimeplan.cases.db import utcnow
from crimeplan.errors import Forbidden, NotFound, Unauthenticated
from crimeplan.web.identity import sessions, tokens
from crimeplan.web.policy import Action, Decision, Resource, decide
from crimeplan.web.settings import Settings

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/oauth/token")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_db(request: Request) -> Iterator[Session]:
    """A session committed when the route returns, before the response is sent (so nothing
    is shown whose s.62 entry was not stored), rolled back if it raises."""
    session: Session = request.app.state.db.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DB = Annotated[Session, Depends(get_db, scope="function")]


def now() -> dt.datetime:
    return utcnow()


def _purpose(request: Request, header: str | None) -> str | None:
    return header or request.query_params.get("purpose") or None


@dataclass(frozen=True)
class SessionView:
    """What the page shell shows of a session, copied out so that error pages rendered after
    the database session closed can still show it."""

    signed_in: bool
    csrf_token: str
    user_name: str
    role_label: str
    agency_name: str


def current_session(request: Request, db: DB) -> WebSession | None:
    """The browser session of this request, if its cookie is live."""
    settings = get_settings(request)
    token = request.cookies.get(sessions.cookie_name(settings))
    found = sessions.find(db, token, settings, now())
    request.state.web_session = found
    if found is not None:
        user = found.user
        request.state.session_view = SessionView(
            found.mfa_passed or not user.needs_mfa, found.csrf_token, user.name,
            user.role_info.label, user.agency.name)
    return found


def current_actor(
    request: Request,
    db: DB,
    web_session: Annotated[WebSession | None, Depends(current_session)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_purpose: Annotated[str | None, Header(description="Purpose code for personal data "
                                            "(see /api/v1/purposes)", max_length=40)] = None,
    x_justification: Annotated[str | None, Header(description="Why, in your words",
                                                  max_length=500)] = None,
) -> Actor:
    """Who is calling: an API client by bearer token, a user by session cookie, or nobody."""
    request_id = request.state.request_id
    purpose = _purpose(request, x_purpose)
    if bearer is not None:
        settings = get_settings(request)
        claims = tokens.decode(bearer.credentials, request.app.state.signing_key,
                               settings.issuer)
        client = db.get(ApiClient, str(claims["sub"]))
        if client is None or client.disabled:
            raise Unauthenticated("this client is no longer allowed")
        return Actor(agency_id=client.agency_id, agency_kind=client.agency.kind,
                     client_id=client.id, scopes=frozenset(str(claims["scope"]).split()),
                     purpose=purpose, justification=x_justification, request_id=request_id)
    if web_session is not None and (web_session.mfa_passed or not web_session.user.needs_mfa):
        if request.method in UNSAFE and request.url.path.startswith("/api/"):
            sent = request.headers.get("x-csrf-token", "")
            if not hmac.compare_digest(sent, web_session.csrf_token):
                raise Forbidden("missing or wrong X-CSRF-Token header")
        user = web_session.user
        return Actor(agency_id=user.agency_id, agency_kind=user.agency.kind, role=user.role,
                     user_id=user.id, purpose=purpose, justification=x_justification,
                     request_id=request_id)
    return Actor(request_id=request_id, purpose=purpose)


class Authorise:
    """A route's declared action: lets through only callers the policy may allow."""

    def __init__(self, action: Action) -> None:
        self.action = action

    def __call__(self, actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if not decide(actor, self.action).allowed:
            if actor.anonymous:
                raise Unauthenticated("sign in or send an access token")
            raise Forbidden(f"not allowed: {self.action.value}")
        return actor


def authorise(actor: Actor, action: Action, resource: Resource) -> Decision:
    """The decision on one record; a record the caller may not see is not found (404)."""
    decision = decide(actor, action, resource)
    if not decision.allowed:
        raise NotFound(f"no {resource.kind} {resource.id or ''}".strip())
    return decision


@dataclass(frozen=True)
class DeclaredRoute:
    """A route of the app as mounted: full path, methods and its declared action."""

    path: str
    methods: frozenset[str]
    action: Action | None


def declared_routes(app: FastAPI) -> list[DeclaredRoute]:
    """Every endpoint of the app (static mounts aside) with the action it declared."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found.append(DeclaredRoute(str(context.path), frozenset(context.methods or ()),
                                       route_action(route.dependant)))
    return found


def route_action(dependant: object) -> Action | None:
    """The action a route declared (searched through its dependencies), or None."""
    call = getattr(dependant, "call", None)
    if isinstance(call, Authorise):
        return call.action
    for sub in getattr(dependant, "dependencies", []):
        found = route_action(sub)
        if found is not None:
            return found
    return None
