"""The exchange standard, published: JSON Schema (Draft 2020-12) of every exchanged entity,
generated from the pydantic models the API answers with, code lists as stable ids, and the
OpenAPI 3.1 document of the exchange endpoints. Version ``v1``: a breaking change is ``v2``
in a new folder, never an edit of ``v1``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

import crimeplan.cases.models  # noqa: F401  (every declaration of the exchange)
from crimeplan.cases.agencies import AGENCY_KINDS
from crimeplan.cases.people import SENSITIVITIES, SUBJECT_CATEGORIES
from crimeplan.cases.s62 import PURPOSES
from crimeplan.exchange.envelope import ChangeEvent, FeedPage
from crimeplan.exchange.registry import SUBJECTS
from crimeplan.standard import pole

VERSION = "v1"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = f"urn:crimeplan:standard:{VERSION}:"

#: Every code list of the standard: id → [(code id, label)].
CODE_LISTS: dict[str, list[tuple[str, str]]] = {
    "identifier-type": [(c.id, c.label) for c in pole.IDENTIFIER_TYPES.values()],
    "sex": [(c.id, c.label) for c in pole.SEXES.values()],
    "relation-kind": [(c.id, c.label) for c in pole.RELATION_KINDS.values()],
    "event-kind": [(c.id, c.label) for c in pole.EVENT_KINDS.values()],
    "participant-role": [(c.id, c.label) for c in pole.PARTICIPANT_ROLES.values()],
    "programme": [(c.id, c.label) for c in pole.PROGRAMMES.values()],
    "agency-kind": [(k.id, k.label) for k in AGENCY_KINDS.values()],
    "purpose": [(p.id, p.label) for p in PURPOSES.values()],
    "subject-category": [(c, c.replace("-", " ").capitalize()) for c in SUBJECT_CATEGORIES],
    "sensitivity": [(s, s.capitalize()) for s in SENSITIVITIES],
}


def code_list(name: str) -> dict[str, Any]:
    """A code list as a schema: one ``const`` per stable id, its English label as title."""
    return {"title": name, "type": "string",
            "oneOf": [{"const": code, "title": label} for code, label in CODE_LISTS[name]]}


def entities() -> dict[str, tuple[type[BaseModel], dict[str, str]]]:
    """Every exchanged entity with a published model: name → (model, coded fields)."""
    out: dict[str, tuple[type[BaseModel], dict[str, str]]] = {
        "change-event": (ChangeEvent, {}), "feed-page": (FeedPage, {})}
    for kind in SUBJECTS.values():
        if kind.schema is not None:
            out[kind.name] = (kind.schema, dict(kind.codes))
    return out


def entity_schema(name: str, model: type[BaseModel], codes: dict[str, str]) -> dict[str, Any]:
    """The JSON Schema of one entity: the model's, its coded fields tied to their lists."""
    schema = model.model_json_schema(mode="serialization")
    defs = schema.setdefault("$defs", {})
    for field, list_name in sorted(codes.items()):
        defs[f"code-{list_name}"] = code_list(list_name)
        ref: dict[str, Any] = {"$ref": f"#/$defs/code-{list_name}"}
        prop = schema["properties"][field]
        nullable = {"type": "null"} in prop.get("anyOf", [])
        schema["properties"][field] = {"anyOf": [ref, {"type": "null"}]} if nullable else ref
    if not defs:
        del schema["$defs"]
    return {"$schema": DRAFT, "$id": f"{ID_BASE}{name}", **schema}


def codes_schema() -> dict[str, Any]:
    """Every code list, as ``$defs`` of one schema."""
    return {"$schema": DRAFT, "$id": f"{ID_BASE}codes", "title": "Code lists",
            "$defs": {name: code_list(name) for name in CODE_LISTS}}


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the exchange: the feed, subscriptions, dead letters, the
    inbox, the token endpoint and the record routes a ``detailurl`` points at."""
    from crimeplan.web import problems
    from crimeplan.web.api import auth, cases, events, exchange, people, places

    app = FastAPI(title="crimeplan exchange", version=VERSION,
                  description="Change events between agencies' systems (CloudEvents 1.0, "
                              "Standard Webhooks); errors are RFC 9457 problem documents.")
    for router in (exchange.router, auth.router, people.router, places.router, events.router,
                   cases.router):
        app.include_router(router, prefix="/api/v1", responses=problems.RESPONSES)
    document = app.openapi()
    details = {_shape(kind.detail) for kind in SUBJECTS.values() if kind.schema is not None}
    paths = {}
    for path, operations in document["paths"].items():
        if _shape(path) in details or path == "/api/v1/events":  # records, and the feed
            paths[path] = {"get": operations["get"]}
        elif path == "/api/v1/oauth/token" or path.startswith("/api/v1/exchange/"):
            paths[path] = operations
    document["paths"] = paths
    return document


def _shape(path: str) -> str:
    """A path with its parameters' names dropped: /api/v1/people/{}."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def export(out: Path) -> list[Path]:
    """Write ``out/v1/<entity>.schema.json`` for each entity, ``codes.schema.json`` and
    ``openapi.json``; the paths written."""
    folder = out / VERSION
    folder.mkdir(parents=True, exist_ok=True)
    documents = {f"{name}.schema.json": entity_schema(name, model, codes)
                 for name, (model, codes) in entities().items()}
    documents["codes.schema.json"] = codes_schema()
    documents["openapi.json"] = openapi()
    written = []
    for filename, document in documents.items():
        path = folder / filename
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
