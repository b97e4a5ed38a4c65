"""Sign-in in two steps (password, then the authenticator's code), first-time enrolment of
an authenticator app, signing out, and the home page of each role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from crimeplan.cases.accounts import WebSession
from crimeplan.cases.actor import Actor
from crimeplan.errors import Unauthenticated
from crimeplan.web.api.auth import set_session_cookie
from crimeplan.web.api.schemas import PRINTABLE
from crimeplan.web.deps import DB, Authorise, get_settings, now
from crimeplan.web.identity import accounts, sessions, totp
from crimeplan.web.pages.render import check_csrf, page, redirect
from crimeplan.web.policy import Action, may

router = APIRouter()
Public = Annotated[Actor, Depends(Authorise(Action.PUBLIC))]
SignedIn = Annotated[Actor, Depends(Authorise(Action.SIGNED_IN))]
Text = Annotated[str, Form(max_length=254, pattern=PRINTABLE)]


def _pending(request: Request) -> WebSession:
    """The half-signed-in session (password right, code still due), or back to sign-in."""
    web_session: WebSession | None = getattr(request.state, "web_session", None)
    if web_session is None or web_session.mfa_passed:
        raise Unauthenticated("start again")
    return web_session


@router.get("/sign-in")
def sign_in_page(request: Request, actor: Public) -> Response:
    return page(request, "sign_in.html", title="Sign in")


@router.post("/sign-in")
def sign_in(request: Request, db: DB, actor: Public, email: Text = "",
            password: Text = "") -> Response:
    settings = get_settings(request)
    at = now()
    try:
        user = accounts.check_password(db, settings, email, password, at, actor.request_id)
    except Unauthenticated as exc:
        db.commit()
        return page(request, "sign_in.html", 200, title="Sign in", email=email,
                    errors=[{"text": exc.message, "href": "#email"}])
    sessions.end(db, request.cookies.get(sessions.cookie_name(settings)))
    needs_code = user.needs_mfa or user.totp_enrolled
    if not needs_code:
        accounts.signed_in_without_code(db, user, actor.request_id)
    token, _ = sessions.start(db, user, mfa_passed=not needs_code, now=at)
    target = "/" if not needs_code else "/sign-in/code" if user.totp_enrolled else "/sign-in/enrol"
    response = redirect(target)
    set_session_cookie(response, request, token)
    return response


@router.get("/sign-in/code")
def code_page(request: Request, actor: Public) -> Response:
    _pending(request)
    return page(request, "sign_in_code.html", title="Enter the code from your authenticator app")


@router.post("/sign-in/code")
def code(request: Request, db: DB, actor: Public, code: Text = "",
         csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    return _confirm_code(request, db, actor, code, "sign_in_code.html",
                         "Enter the code from your authenticator app")


@router.get("/sign-in/enrol")
def enrol_page(request: Request, actor: Public) -> Response:
    web_session = _pending(request)
    user = web_session.user
    secret = accounts.begin_enrolment(user)
    uri = totp.provisioning_uri(secret, user.email, get_settings(request).service_name)
    return page(request, "sign_in_enrol.html", title="Set up your authenticator app",
                qr=totp.qr_svg(uri), secret=secret)


@router.post("/sign-in/enrol")
def enrol(request: Request, db: DB, actor: Public, code: Text = "",
          csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    return _confirm_code(request, db, actor, code, "sign_in_enrol.html",
                         "Set up your authenticator app")


def _confirm_code(request: Request, db: DB, actor: Actor, code_: str, template: str,
                  title: str) -> Response:
    web_session = _pending(request)
    user = web_session.user
    try:
        accounts.check_code(db, get_settings(request), user, code_, now(), actor.request_id)
    except Unauthenticated as exc:
        db.commit()
        context = {}
        if template == "sign_in_enrol.html" and user.totp_secret:
            uri = totp.provisioning_uri(user.totp_secret, user.email,
                                        get_settings(request).service_name)
            context = {"qr": totp.qr_svg(uri), "secret": user.totp_secret}
        return page(request, template, 200, title=title,
                    errors=[{"text": exc.message, "href": "#code"}], **context)
    # A fresh session once fully signed in (no fixation of the half-signed-in one).
    settings = get_settings(request)
    sessions.end(db, request.cookies.get(sessions.cookie_name(settings)))
    token, _ = sessions.start(db, user, mfa_passed=True, now=now())
    response = redirect("/")
    set_session_cookie(response, request, token)
    return response


@router.post("/sign-out")
def sign_out(request: Request, db: DB, actor: SignedIn, csrf_token: Text = "") -> Response:
    check_csrf(request, csrf_token)
    settings = get_settings(request)
    sessions.end(db, request.cookies.get(sessions.cookie_name(settings)))
    response = redirect("/sign-in")
    response.delete_cookie(sessions.cookie_name(settings), path="/")
    return response


#: Links on each home page: (action needed, title, url, description).
TASKS = (
    (Action.AGENCY_CREATE, "Agencies", "/admin/agencies", "Add and view the agencies"),
    (Action.USER_LIST, "Users", "/admin/users", "Add accounts and see who has access"),
    (Action.CLIENT_LIST, "API clients", "/admin/clients", "Other agencies' systems"),
    (Action.AUDIT_VERIFY, "Audit log", "/dpo/audit",
     "Check the log's integrity and see recent processing"),
    (Action.PERSON_HISTORY, "A person's record", "/dpo/people",
     "Who has looked at or changed a person's record; subject access"),
)


@router.get("/")
def home(request: Request, actor: SignedIn) -> Response:
    """The signed-in user's tasks, from what the policy lets their role do."""
    tasks = [t for t in TASKS if may(actor, t[0])]
    return page(request, "home.html", title="Home", tasks=tasks)
