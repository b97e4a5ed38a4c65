"""Use cases on accounts: agencies, users and API clients, sign-in and second factors.

Creating or changing an account is processing of a member of staff's personal data, so it is
logged under s.62 like any other; sign-ins (good and bad) go into the same chain as security
events.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.accounts import ROLES, SCOPES, ApiClient, User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import AGENCY_KINDS, Agency
from crimeplan.errors import BadInput, Conflict, FieldProblem, Unauthenticated
from crimeplan.provenance import dblog
from crimeplan.web.identity import lockout, passwords, totp
from crimeplan.web.identity.tokens import IssuedToken, issue
from crimeplan.web.settings import Settings

USER_FIELDS = ("email", "name", "role", "agency_id")


def _bad(field: str, code: str, message: str) -> BadInput:
    return BadInput(message, fields=(FieldProblem(field, code, message),))


def create_agency(db: Session, actor: Actor, name: str, kind: str) -> Agency:
    name = name.strip()
    if not name:
        raise _bad("name", "required", "Enter the agency's name")
    if kind not in AGENCY_KINDS:
        raise _bad("kind", "invalid", f"Use one of: {', '.join(AGENCY_KINDS)}")
    if db.scalar(select(func.count()).where(Agency.name == name)):
        raise Conflict(f"an agency called {name!r} exists",
                       fields=(FieldProblem("name", "taken", "That name is taken"),))
    agency = Agency(name=name, kind=kind)
    db.add(agency)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent create of the same name
        raise Conflict(f"an agency called {name!r} exists") from exc
    dblog.append(db, {"kind": "admin", "event": "agency-created", "actor": actor.who(),
                          "subject": {"type": "agency", "id": agency.id}})
    return agency


def create_user(db: Session, actor: Actor, agency_id: str, email: str, name: str, role: str,
                password: str | None = None) -> tuple[User, str]:
    """A new account and its first password (generated unless given; shown once)."""
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise _bad("email", "invalid", "Enter an email address like name@example.org")
    if not name.strip():
        raise _bad("name", "required", "Enter the person's name")
    if role not in ROLES:
        raise _bad("role", "invalid", f"Use one of: {', '.join(ROLES)}")
    if db.get(Agency, agency_id) is None:
        raise _bad("agency_id", "unknown", "No such agency")
    if db.scalar(select(func.count()).where(User.email == email)):
        raise Conflict(f"an account for {email} exists",
                       fields=(FieldProblem("email", "taken", "That email has an account"),))
    password = password or passwords.generate_password()
    passwords.check_strength(password, email)
    user = User(agency_id=agency_id, email=email, name=name.strip(), role=role,
                password_hash=passwords.hash_password(password))
    db.add(user)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent create of the same email
        raise Conflict(f"an account for {email} exists") from exc
    s62.log(db, administering(actor), s62.Category.COLLECTION, s62.Subject("user", user.id),
            USER_FIELDS)
    return user, password


def create_client(db: Session, actor: Actor, agency_id: str, name: str,
                  scopes: frozenset[str]) -> tuple[ApiClient, str]:
    """A new API client and its secret (shown once, stored only as a hash)."""
    unknown = scopes - SCOPES.keys()
    if unknown:
        raise _bad("scopes", "invalid", f"Unknown scopes: {', '.join(sorted(unknown))}")
    if not name.strip():
        raise _bad("name", "required", "Enter the system's name")
    if db.get(Agency, agency_id) is None:
        raise _bad("agency_id", "unknown", "No such agency")
    secret = secrets.token_urlsafe(32)
    client = ApiClient(agency_id=agency_id, name=name.strip(),
                       secret_hash=passwords.hash_password(secret), scopes=" ".join(sorted(scopes)))
    db.add(client)
    db.flush()
    dblog.append(db, {"kind": "admin", "event": "client-created", "actor": actor.who(),
                          "subject": {"type": "client", "id": client.id},
                          "scopes": sorted(scopes)})
    return client, secret


def administering(actor: Actor) -> Actor:
    """The actor with the account-administration purpose when they gave none."""
    return actor if actor.purpose else replace(actor, purpose="account-administration")


def _security_event(db: Session, event: str, outcome: str, user: User | None,
                    request_id: str | None) -> None:
    dblog.append(db, {
        "kind": "security", "event": event, "outcome": outcome,
        "actor": {"user_id": user.id if user else None,
                  "agency_id": user.agency_id if user else None, "client_id": None,
                  "role": user.role if user else None, "request_id": request_id},
        "subject": {"type": "user", "id": user.id} if user else None})


SIGN_IN_FAILED = "The email, password or security code is not right, or the account is locked"


def check_password(db: Session, settings: Settings, email: str, password: str,
                   now: dt.datetime, request_id: str | None = None) -> User:
    """The user whose password this is, or one unauthenticated error for every failure (wrong
    email, wrong password, locked or disabled), so the answer reveals nothing."""
    user = db.execute(select(User).where(User.email == email.strip().lower())
                      .with_for_update(of=User)).scalar_one_or_none()
    if user is None:
        passwords.burn_time(password)
        _security_event(db, "sign-in", "unknown-account", None, request_id)
        raise Unauthenticated(SIGN_IN_FAILED)
    if user.disabled or lockout.is_locked(user, now):
        passwords.burn_time(password)
        _security_event(db, "sign-in", "locked", user, request_id)
        raise Unauthenticated(SIGN_IN_FAILED)
    if not passwords.verify_password(user.password_hash, password):
        _fail(db, settings, user, now, request_id)
    return user


def check_code(db: Session, settings: Settings, user: User, code: str, now: dt.datetime,
               request_id: str | None = None) -> None:
    """Accept the user's current TOTP code or count a failure (locks like a bad password)."""
    if lockout.is_locked(user, now) or user.totp_secret is None:
        _security_event(db, "second-factor", "locked", user, request_id)
        raise Unauthenticated(SIGN_IN_FAILED)
    step = totp.matching_step(user.totp_secret, code, user.totp_last_step, now.timestamp())
    if step is None:
        _fail(db, settings, user, now, request_id)
    user.totp_last_step = step
    user.totp_enrolled = True
    lockout.register_success(user)
    _security_event(db, "sign-in", "success", user, request_id)


def signed_in_without_code(db: Session, user: User, request_id: str | None = None) -> None:
    """Record a complete sign-in for a role that needs no second factor."""
    lockout.register_success(user)
    _security_event(db, "sign-in", "success", user, request_id)


def _fail(db: Session, settings: Settings, user: User, now: dt.datetime,
          request_id: str | None) -> None:
    lockout.register_failure(user, now, settings.lockout_threshold, settings.lockout_base,
                             settings.lockout_max)
    _security_event(db, "sign-in", "failure", user, request_id)
    # The caller commits before it answers, so the count survives the failed request.
    raise Unauthenticated(SIGN_IN_FAILED)


def begin_enrolment(user: User) -> str:
    """A fresh TOTP secret for a user who has not enrolled yet (kept until they confirm)."""
    if user.totp_enrolled:
        raise Conflict("this account already has an authenticator")
    if user.totp_secret is None:
        user.totp_secret = totp.new_secret()
    return user.totp_secret


def client_token(db: Session, settings: Settings, key: Ed25519PrivateKey, client_id: str,
                 secret: str, requested: str | None, now: dt.datetime) -> IssuedToken:
    """Exchange client credentials for an access token with the granted (or asked) scopes."""
    client = db.get(ApiClient, client_id) if client_id else None
    if client is None or client.disabled:
        passwords.burn_time(secret)
        raise Unauthenticated("invalid client credentials")
    if not passwords.verify_password(client.secret_hash, secret):
        raise Unauthenticated("invalid client credentials")
    scopes = client.scope_set if not requested else frozenset(requested.split())
    if not scopes <= client.scope_set:
        raise BadInput("scope not granted to this client",
                       fields=(FieldProblem("scope", "invalid_scope",
                                            "Ask only for scopes granted to the client"),))
    dblog.append(db, {"kind": "security", "event": "token-issued",
                          "actor": {"client_id": client.id, "agency_id": client.agency_id,
                                    "user_id": None, "role": None, "request_id": None},
                          "subject": {"type": "client", "id": client.id},
                          "scopes": sorted(scopes)})
    return issue(client, scopes, key, settings.issuer, settings.token_lifetime, now)



def log_user_consultation(db: Session, actor: Actor, user: User) -> None:
    """A member of staff's account was shown to an administrator."""
    s62.log(db, administering(actor), s62.Category.CONSULTATION, s62.Subject("user", user.id),
            USER_FIELDS)
