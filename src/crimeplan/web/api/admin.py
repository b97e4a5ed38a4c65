"""Administration: agencies, users and API clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from crimeplan.cases.accounts import ApiClient, User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.errors import NotFound
from crimeplan.web.api.schemas import (
    AgencyIn,
    AgencyOut,
    ClientCreated,
    ClientIn,
    ClientOut,
    RecordId,
    UserCreated,
    UserIn,
    UserOut,
)
from crimeplan.web.deps import DB, Authorise, authorise
from crimeplan.web.identity import accounts
from crimeplan.web.policy import Action, Resource, may

router = APIRouter(tags=["administration"])


def agency_out(a: Agency) -> AgencyOut:
    return AgencyOut(id=a.id, name=a.name, kind=a.kind, kind_label=a.kind_label)


def user_out(u: User) -> UserOut:
    return UserOut(id=u.id, agency_id=u.agency_id, email=u.email, name=u.name, role=u.role,
                   mfa_enrolled=u.totp_enrolled)


def user_resource(u: User) -> Resource:
    return Resource("user", u.id, u.agency_id, role=u.role)


def client_out(c: ApiClient) -> ClientOut:
    return ClientOut(id=c.id, agency_id=c.agency_id, name=c.name, scopes=sorted(c.scope_set))


@router.get("/agencies", response_model=list[AgencyOut])
def list_agencies(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.AGENCY_LIST))]
                  ) -> list[AgencyOut]:
    """Every agency taking part (names and kinds are not personal data)."""
    return [agency_out(a) for a in db.scalars(select(Agency).order_by(Agency.name))]


@router.post("/agencies", response_model=AgencyOut, status_code=201)
def create_agency(body: AgencyIn, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.AGENCY_CREATE))]
                  ) -> AgencyOut:
    return agency_out(accounts.create_agency(db, actor, body.name, body.kind))


@router.get("/users", response_model=list[UserOut])
def list_users(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.USER_LIST))]
               ) -> list[UserOut]:
    """The accounts the caller may see (their own agency's, or all for a system admin)."""
    actor = accounts.administering(actor)
    users = [u for u in db.scalars(select(User).order_by(User.email))
             if may(actor, Action.USER_READ, user_resource(u))]
    for u in users:
        accounts.log_user_consultation(db, actor, u)
    return [user_out(u) for u in users]


@router.get("/users/{user_id}", response_model=UserOut)
def read_user(user_id: RecordId, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.USER_READ))]) -> UserOut:
    actor = accounts.administering(actor)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    authorise(actor, Action.USER_READ, user_resource(user))
    accounts.log_user_consultation(db, actor, user)
    return user_out(user)


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(body: UserIn, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.USER_CREATE))]
                ) -> UserCreated:
    """Create an account; its first password is generated and shown once."""
    authorise(actor, Action.USER_CREATE, Resource("agency", body.agency_id, body.agency_id,
                                                  role=body.role))
    user, password = accounts.create_user(db, actor, body.agency_id, body.email, body.name,
                                          body.role)
    return UserCreated(**user_out(user).model_dump(), password=password)


@router.get("/clients", response_model=list[ClientOut])
def list_clients(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.CLIENT_LIST))]
                 ) -> list[ClientOut]:
    return [client_out(c) for c in db.scalars(select(ApiClient).order_by(ApiClient.name))
            if may(actor, Action.CLIENT_CREATE, Resource("client", c.id, c.agency_id))]


@router.post("/clients", response_model=ClientCreated, status_code=201)
def create_client(body: ClientIn, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.CLIENT_CREATE))]
                  ) -> ClientCreated:
    """Register another agency's system; its secret is shown once."""
    authorise(actor, Action.CLIENT_CREATE, Resource("agency", body.agency_id, body.agency_id))
    client, secret = accounts.create_client(db, actor, body.agency_id, body.name,
                                            frozenset(body.scopes))
    return ClientCreated(**client_out(client).model_dump(), secret=secret)
