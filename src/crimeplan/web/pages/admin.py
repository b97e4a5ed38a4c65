"""Administration pages: agencies, users and API clients (forms post back to themselves)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from crimeplan.cases.accounts import ROLES, SCOPES, ApiClient, User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import AGENCY_KINDS, Agency
from crimeplan.errors import CrimeplanError, FieldProblem
from crimeplan.web.api.admin import user_resource
from crimeplan.web.api.schemas import PRINTABLE
from crimeplan.web.deps import DB, Authorise, authorise
from crimeplan.web.identity import accounts
from crimeplan.web.pages.render import check_csrf, field_errors, form_errors, page
from crimeplan.web.policy import Action, Resource, may

router = APIRouter(prefix="/admin")
Text = Annotated[str, Form(max_length=254, pattern=PRINTABLE)]


def _agencies(db: DB, actor: Actor, action: Action) -> list[Agency]:
    """The agencies the caller may act for with ``action``."""
    return [a for a in db.scalars(select(Agency).order_by(Agency.name))
            if may(actor, action, Resource("agency", a.id, a.id))]


def _choose(what: str, agencies: list[Agency]) -> list[tuple[str, str]]:
    """Options of a select, starting with an empty choice (no privileged default)."""
    return [("", f"Choose {what}"), *((a.id, a.name) for a in agencies)]


def _choose_agency() -> list[dict[str, str]]:
    return field_errors([FieldProblem("agency_id", "required", "Choose an agency")])



@router.get("/agencies")
def agencies_page(request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.AGENCY_CREATE))]
                  ) -> Response:
    return _agencies_view(request, db)


def _agencies_view(request: Request, db: DB, status: int = 200, **context: object
                   ) -> Response:
    rows = list(db.scalars(select(Agency).order_by(Agency.name)))
    return page(request, "admin_agencies.html", status, title="Agencies", agencies=rows,
                kinds=[(k.id, k.label) for k in AGENCY_KINDS.values()], **context)


@router.post("/agencies")
def add_agency(request: Request, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.AGENCY_CREATE))],
               name: Text = "", kind: Text = "", csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    try:
        agency = accounts.create_agency(db, actor, name, kind)
    except CrimeplanError as exc:
        return _agencies_view(request, db, 400, errors=form_errors(exc), name=name, kind=kind)
    return _agencies_view(request, db, 201, created=agency.name)


@router.get("/users")
def users_page(request: Request, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.USER_LIST))]) -> Response:
    return _users_view(request, db, actor)


def _users_view(request: Request, db: DB, actor: Actor, status: int = 200,
                **context: object) -> Response:
    admin_actor = accounts.administering(actor)
    users = [u for u in db.scalars(select(User).order_by(User.email))
             if may(admin_actor, Action.USER_READ, user_resource(u))]
    for u in users:
        accounts.log_user_consultation(db, admin_actor, u)
    agencies = _agencies(db, actor, Action.USER_CREATE)
    roles = [(r.id, r.label) for r in ROLES.values()
             if any(may(actor, Action.USER_CREATE, Resource("agency", a.id, a.id, role=r.id))
                    for a in agencies)]
    return page(request, "admin_users.html", status, title="Users", users=users,
                agencies=agencies, agency_options=_choose("an agency", agencies),
                role_options=[("", "Choose a role"), *roles], **context)


@router.post("/users")
def add_user(request: Request, db: DB,
             actor: Annotated[Actor, Depends(Authorise(Action.USER_CREATE))],
             agency_id: Text = "", email: Text = "", name: Text = "", role: Text = "",
             csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    form = {"agency_id": agency_id, "email": email, "name": name, "role": role}
    if not agency_id:
        return _users_view(request, db, actor, 400, errors=_choose_agency(), form=form)
    try:
        authorise(actor, Action.USER_CREATE, Resource("agency", agency_id, agency_id, role=role))
        user, password = accounts.create_user(db, actor, agency_id, email, name, role)
    except CrimeplanError as exc:
        return _users_view(request, db, actor, 400, errors=form_errors(exc), form=form)
    return _users_view(request, db, actor, 201, created=user, password=password)


@router.get("/clients")
def clients_page(request: Request, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.CLIENT_LIST))]) -> Response:
    return _clients_view(request, db, actor)


def _clients_view(request: Request, db: DB, actor: Actor, status: int = 200,
                  **context: object) -> Response:
    clients = [c for c in db.scalars(select(ApiClient).order_by(ApiClient.name))
               if may(actor, Action.CLIENT_CREATE, Resource("client", c.id, c.agency_id))]
    agencies = _agencies(db, actor, Action.CLIENT_CREATE)
    return page(request, "admin_clients.html", status, title="API clients", clients=clients,
                agencies=agencies, agency_options=_choose("an agency", agencies),
                scopes=SCOPES, **context)


@router.post("/clients")
def add_client(request: Request, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.CLIENT_CREATE))],
               agency_id: Text = "", name: Text = "",
               scopes: Annotated[list[str] | None, Form()] = None,
               csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    if not agency_id:
        return _clients_view(request, db, actor, 400, errors=_choose_agency(),
                             form={"agency_id": agency_id, "name": name})
    try:
        authorise(actor, Action.CLIENT_CREATE, Resource("agency", agency_id, agency_id))
        client, secret = accounts.create_client(db, actor, agency_id, name,
                                                frozenset(scopes or ()))
    except CrimeplanError as exc:
        return _clients_view(request, db, actor, 400, errors=form_errors(exc),
                             form={"agency_id": agency_id, "name": name})
    return _clients_view(request, db, actor, 201, created=client, secret=secret)
