"""What joins the exchange: one declaration per kind of subject and per model.

A *subject kind* is a record other systems can fetch: where (``detail``, a path of the
/api/v1 routes) and who may (the policy action and how to build the policy's view of one
record). An *exchanged model* is a table whose changes are published: which subject a row
belongs to, the event type's prefix and the people it concerns. A programme joins the exchange
with one ``subject(...)`` and one ``exchanged(...)`` per model, in its own package; the
outbox's session hook does the rest, so no use case can forget to publish a change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from crimeplan.web.policy import Action, Resource


@dataclass(frozen=True)
class SubjectKind:
    """A kind of record events are about, fetched at ``detail`` by whoever may ``read`` it."""

    name: str
    #: The path of its record route, with ``{id}``: ``/api/v1/people/{id}``.
    detail: str
    read: Action
    #: The policy's view of one record (None when it no longer exists).
    resource: Callable[[Session, str], Resource | None]
    #: The API's response model at ``detail``: the standard publishes its JSON Schema.
    schema: type[BaseModel] | None = None
    #: Fields of that model whose values come from a code list (``standard.codes``).
    codes: Mapping[str, str] = field(default_factory=dict)

    def detail_path(self, record_id: str) -> str:
        return self.detail.format(id=record_id)


@dataclass(frozen=True)
class Exchanged:
    """A model whose changes are published as events about a subject."""

    model: type[Any]
    #: ``person``, ``case.task``; or a function of the row (``event.<kind>``).
    prefix: str | Callable[[Any], str]
    #: The subject kind and the subject's id for a row.
    subject: Callable[[Any], tuple[str, str]]
    #: The person record ids a row concerns.
    people: Callable[[Session, Any], Iterable[str]]
    #: A field that, when it gains a value, names the change instead of ``updated``
    #: (``{"closed_at": "closed"}``).
    verbs: Mapping[str, str] = field(default_factory=dict)
    #: Columns whose change is not news (bookkeeping such as ``updated_at``).
    quiet: frozenset[str] = frozenset()

    def type_prefix(self, row: Any) -> str:
        return self.prefix(row) if callable(self.prefix) else self.prefix


SUBJECTS: dict[str, SubjectKind] = {}
MODELS: dict[type[Any], Exchanged] = {}


def subject(kind: SubjectKind) -> SubjectKind:
    """Declare a subject kind (once per name)."""
    if kind.name in SUBJECTS:
        raise ValueError(f"subject kind {kind.name!r} is declared twice")
    SUBJECTS[kind.name] = kind
    return kind


def exchanged(entry: Exchanged) -> Exchanged:
    """Declare an exchanged model (once per model)."""
    if entry.model in MODELS:
        raise ValueError(f"{entry.model.__name__} is declared twice")
    MODELS[entry.model] = entry
    return entry
