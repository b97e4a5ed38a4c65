"""Schemathesis against the app's own OpenAPI document, in process, as every persona and
anonymously: no 5xx, and every response within the documented statuses, media types and
schemas."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from service_world import World, client_for

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
#: Purpose sent with every call, so that requests reach the checks behind the purpose.
PURPOSES = ("case-management", "data-protection")


@pytest.fixture
def credentials(app: FastAPI, world: World) -> dict[str, tuple[dict[str, str],
                                                               dict[str, str]]]:
    """Headers and cookies of every persona (anonymous: none)."""
    out = {}
    for name in world.personas:
        client = client_for(app, world, name)
        headers = {k: v for k, v in client.headers.items()
                   if k.lower() in ("authorization", "x-csrf-token")}
        out[name] = (headers, dict(client.cookies.items()))
    return out


def test_api_conforms_for_every_persona(
        app: FastAPI, credentials: dict[str, tuple[dict[str, str], dict[str, str]]]) -> None:
    """Every operation, a few generated requests each, sent as every persona.

    Hypothesis is driven here rather than through schemathesis's pytest plugin, which does
    not run under pytest 9 (it reads a private node attribute)."""
    api = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 20
    personas = sorted(credentials.items())

    for operation in operations:
        _conformance(operation, personas)()


def _conformance(operation: APIOperation,
                 personas: list[tuple[str, tuple[dict[str, str], dict[str, str]]]]
                 ) -> Callable[[], None]:
    """A Hypothesis test of one operation, each generated request sent as every persona."""
    @given(case=operation.as_strategy())
    @settings(max_examples=3, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        for n, (name, (headers, cookies)) in enumerate(personas):
            sent = {**(case.headers or {}), **headers}
            sent.setdefault("X-Purpose", PURPOSES[n % len(PURPOSES)])
            response = case.call(headers=sent, cookies=cookies)
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:
                raise AssertionError(f"{operation.label} as {name}: {exc}") from exc

    return check
