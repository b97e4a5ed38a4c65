"""JSON Schema export of the record types."""

from __future__ import annotations

import json
from pathlib import Path

from crimeplan.standard.records import RECORD_TYPES


def export_schemas(out_dir: Path) -> list[Path]:
    """Write one ``<record-type>.schema.json`` per record type into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in RECORD_TYPES.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"crimeplan:standard/{name}"
        path = out_dir / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
