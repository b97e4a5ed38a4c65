"""Hypothesis strategies from the JSON Schema the standard publishes (the subset pydantic
writes: types, const and oneOf/anyOf, local $refs, patterns, lengths, bounds, date-time and
date formats, closed objects).

hypothesis-jsonschema 0.23.1, the newest release, draws objects through a Hypothesis
internal (``many.more``) that Hypothesis 6.170 no longer has, so the tests build their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

_TIMES = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1),
                      timezones=st.just(dt.UTC))


def from_schema(schema: dict[str, Any], root: dict[str, Any] | None = None
                ) -> st.SearchStrategy[Any]:
    """Instances of ``schema`` (``root`` holds the ``$defs`` its ``$ref``s point into)."""
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return from_schema(root["$defs"][name], root)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of([from_schema(s, root) for s in schema[key]])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False)
    if kind == "string":
        return _string(schema)
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), root),
                        min_size=schema.get("minItems", 0),
                        max_size=min(schema.get("maxItems", 5), 5))
    if kind == "object":
        return _object(schema, root)
    raise ValueError(f"no strategy for {schema}")


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":
        return _TIMES.map(lambda t: t.isoformat())
    if schema.get("format") == "date":
        return st.dates().map(lambda d: d.isoformat())
    low, high = schema.get("minLength", 0), schema.get("maxLength", 40)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda s: low <= len(s) <= high)
    return st.text(min_size=low, max_size=min(high, 40))


def _object(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[dict]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {k: from_schema(v, root) for k, v in properties.items() if k in required},
        optional={k: from_schema(v, root) for k, v in properties.items() if k not in required})
