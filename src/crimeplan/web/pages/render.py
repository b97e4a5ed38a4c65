"""Rendering pages: the templates, the CSRF check of forms, and error pages.

A page the caller may not see answers 404 whatever the reason (no enumeration); a page that
needs a signed-in user redirects to the sign-in page.
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from crimeplan.errors import CrimeplanError, ErrorKind, FieldProblem, Forbidden
from crimeplan.web.deps import SessionView

templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page with the shell's context: the signed-in user, the CSRF token, the nav."""
    view: SessionView | None = getattr(request.state, "session_view", None)
    context.setdefault("errors", [])
    return templates.TemplateResponse(request, template, {
        "shell": view if view is not None and view.signed_in else None,
        "csrf_token": view.csrf_token if view else "",
        "service_name": request.app.state.settings.service_name, **context}, status_code=status)


def check_csrf(request: Request, sent: str) -> None:
    """A form must carry its session's CSRF token."""
    view: SessionView | None = getattr(request.state, "session_view", None)
    if view is None or not hmac.compare_digest(sent, view.csrf_token):
        raise Forbidden("the form has expired: go back and try again")


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def field_errors(fields: tuple[FieldProblem, ...] | list[FieldProblem]) -> list[dict[str, str]]:
    """Errors for the GOV.UK error summary: text and the field's anchor."""
    return [{"text": f.message or f.code, "href": f"#{f.field.replace('_', '-')}",
             "field": f.field} for f in fields]


def form_errors(exc: CrimeplanError, rename: dict[str, str] | None = None
                ) -> list[dict[str, str]]:
    """A form's failure as error-summary entries, fields renamed to the form's own; a record
    the caller may not see stays not found (raised again)."""
    if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
        raise exc
    fields = [replace(f, field=(rename or {}).get(f.field, f.field)) for f in exc.fields]
    return field_errors(fields) or [{"text": exc.message, "href": "#main-content"}]


def render_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, CrimeplanError):
        if exc.kind is ErrorKind.UNAUTHENTICATED:
            return redirect("/sign-in")
        if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
            return page(request, "error.html", 404, title="Page not found")
        return page(request, "error.html", 400, title="There is a problem",
                    detail=exc.message)
    if isinstance(exc, RequestValidationError):
        return page(request, "error.html", 400, title="There is a problem",
                    detail="Some of the information sent was missing or not valid.")
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    title = "Page not found" if status == 404 else "Sorry, there is a problem with the service"
    return page(request, "error.html", status, title=title)
