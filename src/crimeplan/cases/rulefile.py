"""Programme rules files: versioned YAML that cites a source for every rule, checked on load.

A programme keeps its rules in ``<package>/rules/<name>.yaml`` (a new version of the rules is
a new file). ``load`` reads one with the line of every mapping remembered, so a missing field
or a duplicate id is reported with the file, line and field; ``entries`` checks a list of
coded entries (``id``, ``label``, ``source`` at least). Files are read with YAML's safe loader:
nothing in them can run code.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from typing import Any

import yaml

from crimeplan.errors import BadInput, FieldProblem

#: Key under which the loader keeps the line a mapping starts on (not part of the rules).
LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """The safe loader, remembering the line each mapping starts on."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def problem(where: str, line: int | None, field: str, message: str) -> BadInput:
    """A rules-file error naming the file, line and field."""
    at = f"{where} line {line}" if line else where
    return BadInput(f"{at}: {field}: {message}",
                    fields=(FieldProblem(field, "invalid", message),))


def parse(text: str, where: str) -> dict[str, Any]:
    """A rules document from text; ``where`` names it in errors."""
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # a safe loader subclass
    except yaml.YAMLError as exc:
        raise problem(where, None, "file", f"not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise problem(where, None, "file", "a rules file is a mapping of named sections")
    return raw


def load(package: str, filename: str) -> dict[str, Any]:
    """A rules file shipped in ``package``'s ``rules`` folder."""
    path = resources.files(package).joinpath("rules", filename)
    return parse(path.read_text(encoding="utf-8"), f"{package}/rules/{filename}")


def require(raw: dict[str, Any], keys: Iterable[str], where: str) -> None:
    """Every key present and not empty."""
    for key in keys:
        if raw.get(key) in (None, "", [], {}):
            raise problem(where, raw.get(LINE), key, "is required")


def entries(raw: dict[str, Any], key: str, where: str,
            fields: tuple[str, ...] = ("id", "label", "source")) -> list[dict[str, Any]]:
    """The coded entries listed under ``key``: each has ``fields``, ids are unique."""
    items = raw.get(key)
    if not isinstance(items, list) or not items:
        raise problem(where, raw.get(LINE), key, "must list at least one entry")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise problem(where, raw.get(LINE), key, "every entry must be a mapping")
        require(item, fields, where)
        if item["id"] in seen:
            raise problem(where, item[LINE], f"{key}.id", f"duplicate id {item['id']!r}")
        seen.add(item["id"])
    return items
