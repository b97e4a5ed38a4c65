"""Signing in and out (staff), tokens (systems), and who the caller is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from crimeplan.cases.actor import Actor
from crimeplan.errors import BadInput, FieldProblem, Unauthenticated
from crimeplan.web.api.schemas import PRINTABLE, Me, SignedIn, SignIn, Token
from crimeplan.web.deps import DB, Authorise, get_settings, now
from crimeplan.web.identity import accounts, sessions
from crimeplan.web.policy import Action

router = APIRouter(tags=["identity"])


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    settings = get_settings(request)
    response.set_cookie(sessions.cookie_name(settings), token, httponly=True,
                        secure=settings.tls, samesite="strict", path="/",
                        max_age=int(settings.absolute_timeout.total_seconds()))


@router.post("/auth/sign-in", response_model=SignedIn)
def sign_in(body: SignIn, request: Request, response: Response, db: DB,
            actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]) -> SignedIn:
    """Sign in with email, password and (for roles that see personal data) a TOTP code."""
    settings = get_settings(request)
    at = now()
    try:
        user = accounts.check_password(db, settings, body.email, body.password, at,
                                       actor.request_id)
        if user.needs_mfa or user.totp_enrolled:
            if not user.totp_enrolled:
                raise Unauthenticated("enrol an authenticator app first: sign in on the "
                                      "web pages once")
            accounts.check_code(db, settings, user, body.code, at, actor.request_id)
        else:
            accounts.signed_in_without_code(db, user, actor.request_id)
    except Unauthenticated:
        db.commit()  # keep the failure count and the security event
        raise
    token, row = sessions.start(db, user, mfa_passed=True, now=at)
    set_session_cookie(response, request, token)
    return SignedIn(user_id=user.id, csrf_token=row.csrf_token)


@router.post("/auth/sign-out", status_code=204)
def sign_out(request: Request, db: DB,
             actor: Annotated[Actor, Depends(Authorise(Action.SIGNED_IN))]) -> Response:
    """End this browser session."""
    settings = get_settings(request)
    sessions.end(db, request.cookies.get(sessions.cookie_name(settings)))
    response = Response(status_code=204)
    response.delete_cookie(sessions.cookie_name(settings), path="/")
    return response


@router.post("/oauth/token", response_model=Token)
def token(request: Request, db: DB,
          actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))],
          grant_type: Annotated[str, Form(max_length=40, pattern=PRINTABLE)],
          client_id: Annotated[str, Form(max_length=36, pattern=PRINTABLE)],
          client_secret: Annotated[str, Form(max_length=200, pattern=PRINTABLE)],
          scope: Annotated[str | None, Form(max_length=200, pattern=PRINTABLE)] = None) -> Token:
    """OAuth2 client credentials grant (RFC 6749 s.4.4): a short-lived signed JWT."""
    if grant_type != "client_credentials":
        raise BadInput("only the client_credentials grant is supported",
                       fields=(FieldProblem("grant_type", "unsupported_grant_type"),))
    try:
        issued = accounts.client_token(db, get_settings(request), request.app.state.signing_key,
                                       client_id, client_secret, scope, now())
    except Unauthenticated:
        db.commit()
        raise
    return Token(access_token=issued.access_token, expires_in=issued.expires_in,
                 scope=issued.scope)


@router.get("/me", response_model=Me)
def me(actor: Annotated[Actor, Depends(Authorise(Action.SIGNED_IN))]) -> Me:
    """The signed-in user."""
    return Me(user_id=actor.user_id, client_id=actor.client_id, agency_id=actor.agency_id,
              role=actor.role, scopes=sorted(actor.scopes))
