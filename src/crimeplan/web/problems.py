"""RFC 9457 problem details for every error the API answers, with field-level codes.

``{"type", "title", "status", "detail", "instance", "request_id", "errors": [{"field",
"code", "detail"}]}``, served as ``application/problem+json``. Request validation failures use
the same shape (422) with the field and a stable code (``required``, ``too-long``, …).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from crimeplan.errors import CrimeplanError, ErrorKind, FieldProblem

MEDIA_TYPE = "application/problem+json"

STATUS: dict[ErrorKind, int] = {
    ErrorKind.BAD_INPUT: 400,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.DATA_MISSING: 422,
}

TITLES: dict[int, str] = {
    400: "Bad request", 401: "Sign-in required", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Request too large",
    415: "Unsupported media type", 422: "Unprocessable content", 429: "Too many requests",
    500: "Internal error",
}

#: pydantic error types and the field codes they become.
_CODES = {"missing": "required", "string_too_short": "too-short", "string_too_long": "too-long",
          "string_pattern_mismatch": "invalid", "literal_error": "invalid", "enum": "invalid",
          "json_invalid": "invalid-json", "extra_forbidden": "unknown-field",
          "value_error": "invalid"}


class FieldError(BaseModel):
    field: str
    code: str
    detail: str = ""


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    request_id: str = ""
    errors: list[FieldError] = []


def _problem_doc(ref: str) -> dict[str, Any]:
    return {"model": Problem, "content": {MEDIA_TYPE: {"schema": {"$ref": ref}}}}


#: The error responses every API route documents.
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": TITLES[status], **_problem_doc("#/components/schemas/Problem")}
    for status in (400, 401, 403, 404, 409, 422)
}


def problem_response(request: Request, status: int, detail: str, kind: str | None = None,
                     fields: tuple[FieldProblem, ...] = (),
                     headers: dict[str, str] | None = None,
                     extra: dict[str, Any] | None = None) -> JSONResponse:
    body = Problem(
        type=f"urn:crimeplan:problem:{kind or status}", title=TITLES.get(status, "Error"),
        status=status, detail=detail, instance=request.url.path,
        request_id=getattr(request.state, "request_id", ""),
        errors=[FieldError(field=f.field, code=f.code, detail=f.message) for f in fields],
    ).model_dump()
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_error(request: Request, exc: CrimeplanError) -> JSONResponse:
    status = STATUS[exc.kind]
    headers = {"WWW-Authenticate": 'Bearer realm="crimeplan"'} if status == 401 else None
    return problem_response(request, status, exc.message, exc.kind.value, exc.fields, headers)


def from_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    fields = tuple(FieldProblem(_field_name(err["loc"]), _CODES.get(err["type"], err["type"]),
                                str(err.get("msg", ""))) for err in exc.errors())
    return problem_response(request, 422, "The request has invalid fields", "invalid-request",
                            fields)


def from_http(request: Request, exc: HTTPException) -> JSONResponse:
    return problem_response(request, exc.status_code, str(exc.detail or ""),
                            headers=getattr(exc, "headers", None))


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"
