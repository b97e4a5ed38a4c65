"""Versioned rule files: legal and local rules kept as data, each rule citing its source.

A programme keeps its rules in YAML files under its ``rules/`` folder, one file per version
(a new version of the rules is a new file, never an edit of a published one). Each file is
validated against the programme's pydantic model when it is loaded; a bad file stops with a
message naming the file, the line and the field. The version in force on a day is the newest
whose ``effective_from`` is on or before that day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from crimeplan.errors import BadInput, DataMissing, FieldProblem


class RuleFile(BaseModel):
    """The fields every rule file has: what it is, which version, from when, and its sources
    (the ``source`` of each rule names one of them and the paragraph)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    title: str
    effective_from: dt.date
    sources: dict[str, str]

    def check_cited(self, citations: Iterable[str]) -> None:
        """Every citation must begin with the key of one of the file's sources."""
        for citation in citations:
            if source_key(citation) not in self.sources:
                raise ValueError(f"source {citation!r} does not start with a key of sources "
                                 f"({', '.join(self.sources)})")


def source_key(citation: str) -> str:
    """The source a citation names: its first word (``act, s.104(4)`` names ``act``)."""
    key = re.match(r"[a-z][a-z0-9-]*", citation)
    return key.group() if key else ""


R = TypeVar("R", bound=RuleFile)


M = TypeVar("M", bound=BaseModel)


def validated(path: Path, model: type[M], name: str | None = None) -> M:
    """A YAML file (read with the safe loader: no code runs from data) validated by
    ``model``; a bad file is a bad-input error naming the file (as ``name``, default its
    path), the line and the field."""
    name = str(path) if name is None else name
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise BadInput(f"{name}{line}: not valid YAML ({exc})") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = tuple(FieldProblem(dotted(err["loc"]), err["type"], err["msg"])
                         for err in exc.errors())
        first = exc.errors()[0]
        line = _line_of(text, first["loc"])
        raise BadInput(f"{name} line {line}, field {problems[0].field}: {first['msg']}",
                       fields=problems) from exc


def load(path: Path, model: type[R]) -> R:
    """One rule file, validated; a bad file is a bad-input error naming file, line and field."""
    return validated(path, model)


def dotted(loc: tuple[Any, ...]) -> str:
    """A validation error's location as a field path: ``rules[2].trigger.kinds``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


def _line_of(text: str, loc: tuple[Any, ...]) -> int:
    """The line (1-based) of the deepest node of ``loc`` found in the YAML text."""
    node = yaml.compose(text)
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == str(key)]
            if not match:
                break
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and (
                key < len(node.value)):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


class Rulebook(Generic[R]):
    """Every version of one programme's rules, oldest first."""

    def __init__(self, folder: Path, model: type[R]) -> None:
        versions = [load(p, model) for p in sorted(folder.glob("*.yaml"))]
        if not versions:
            raise DataMissing(f"no rule files in {folder}")
        dates = [v.effective_from for v in versions]
        if len(set(dates)) != len(dates):
            raise BadInput(f"two rule files in {folder} take effect on the same day")
        self.versions: list[R] = sorted(versions, key=lambda v: v.effective_from)

    def in_force(self, day: dt.date) -> R:
        """The version that applies on ``day``."""
        applicable = [v for v in self.versions if v.effective_from <= day]
        if not applicable:
            raise DataMissing(f"no rules in force on {day.isoformat()}")
        return applicable[-1]

    def version(self, version: str) -> R:
        """A version by its name (the one a record was decided under)."""
        for v in self.versions:
            if v.version == version:
                return v
        raise DataMissing(f"no rules of version {version!r}")
