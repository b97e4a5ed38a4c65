"""The transparency record as a self-contained HTML page, and writing both files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from crimeplan.governance.transparency import TransparencyFiles, record_schema
from crimeplan.report import html, numbers

NOT_SUPPLIED = "Not supplied by the owner."


def write_record(record: dict[str, Any], out: Path) -> TransparencyFiles:
    """Write record.json and record.html into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files = TransparencyFiles(out / "record.json", out / "record.html")
    files.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    files.html.write_text(record_page(record), encoding="utf-8")
    return files


def record_page(record: dict[str, Any]) -> str:
    """The whole record for people as one self-contained page."""
    title, intro, sections = record_sections(record)
    return html.page(title, sections, intro=intro,
                     footer=f"Generated {record['generated_at']} by {record['generated_by']}")


def record_sections(record: dict[str, Any]) -> tuple[str, list[str], list[html.Section]]:
    """The record's title, introduction and sections: every field, with missing ones marked,
    never filled in (the service shows them in its own pages)."""
    schema = record_schema()["properties"]
    tier2_schema = schema["tier2"]["properties"]
    name = record["tier1"].get("name") or f"run {record['run']['run_id']}"
    sections = [_fields("Tier 1: overview", "tier1", record["tier1"], schema["tier1"])]
    for key in ("owner_and_responsibility", "description_and_rationale",
                "decision_making_process", "data"):
        sections.append(_fields(f"Tier 2: {tier2_schema[key]['title']}", key,
                                record["tier2"][key], tier2_schema[key]))
    data = record["tier2"]["data"]
    cards = html.Section("Dataset cards", "datasets")
    for card in data["datasets"]:
        cards.add(f"<h3>{html.esc(card['name'])}</h3>")
        cards.add(html.paragraph(f"SHA-256: {card['sha256'] or 'not recorded'}"))
        if card["details"]:
            cards.add(json_tables(card["details"]))
    if data["data_quantities"]:
        cards.add(html.paragraph("Coverage of the data, from the run record:"))
        cards.add(json_tables(data["data_quantities"]))
    if not data["datasets"]:
        cards.add(html.note("The run record lists no inputs.", warn=True))
    sections.append(cards)
    sections.append(_risks(record["tier2"]["risks_mitigations_and_impact_assessments"]))
    sections.append(_model_card(record))
    sections.append(_audits(record["fairness_audits"]))
    algo = html.Section("ALGO-CARE checklist", "algo-care")
    for key, item in record["algo_care"].items():
        algo.add(f"<h3>{html.esc(key.capitalize())}</h3>")
        algo.add(html.paragraph(item["question"]))
        algo.add(html.paragraph(item["answer"]) if item["answer"] else
                 html.note(NOT_SUPPLIED, warn=True))
    sections.append(algo)
    missing = html.Section("What is missing", "missing")
    if record["missing"]:
        missing.add(html.note(f"{len(record['missing'])} item(s) were not supplied; this record "
                              "does not fill them in.", warn=True))
        missing.add("<ul>" + "".join(f"<li>{html.esc(m)}</li>" for m in record["missing"])
                    + "</ul>")
    else:
        missing.add(html.paragraph("Nothing: every field was supplied."))
    sections.append(missing)
    run = record["run"]
    intro = [html.paragraph(f"Algorithmic transparency record ({record['standard']} "
                            f"{record['standard_version']}) for run {run['run_id']} "
                            f"({run['kind']}), started {run['started_at']} by {run['user']} "
                            f"for the purpose: {run['purpose']}."),
             html.paragraph(f"Audit log entry hash: {run['log_hash']}. Code version: "
                            f"{run['code_version']}.")]
    return f"Transparency record: {name}", intro, sections


def _fields(title: str, anchor: str, values: dict[str, Any], schema: dict[str, Any]
            ) -> html.Section:
    section = html.Section(title, anchor)
    for key, sub in schema["properties"].items():
        if sub.get("type") == "array" or key in ("data_quantities",):
            continue
        section.add(f"<h3>{html.esc(key.replace('_', ' ').capitalize())}</h3>")
        value = values.get(key)
        section.add(html.paragraph(value) if value else html.note(NOT_SUPPLIED, warn=True))
    return section


def _risks(risks: dict[str, Any]) -> html.Section:
    section = html.Section("Tier 2: Risks, mitigations and impact assessments", "risks")
    for key, title in (("impact_assessments", "Impact assessments"), ("risks", "Risks")):
        section.add(f"<h3>{title}</h3>")
        if risks[key]:
            section.add(html.table(pd.DataFrame(risks[key]).fillna("")))
        else:
            section.add(html.note(NOT_SUPPLIED, warn=True))
    return section


def _model_card(record: dict[str, Any]) -> html.Section:
    card = record["model_card"]
    section = html.Section("Model card: quantitative results", "model-card")
    section.add(html.paragraph(f"Tool: {card['tool_kind']}. Parameters:"))
    section.add(json_tables(card["parameters"]))
    results = card["quantitative_results"]
    if results.get("forecast_scores"):
        section.add(html.table(pd.DataFrame(results["forecast_scores"]), float_format="{:.3f}",
                               caption="Forecast accuracy over the run's periods"))
    if results.get("by_group"):
        section.add(html.table(pd.DataFrame(results["by_group"]), float_format="{:.3f}",
                               caption="Risk model metrics by protected group"))
    section.add(html.paragraph("Results recorded with the run:"))
    section.add(json_tables(results.get("recorded", {})))
    return section


def _audits(audits: list[dict[str, Any]]) -> html.Section:
    section = html.Section("Fairness audits", "fairness")
    if not audits:
        section.add(html.note("No fairness audit of this run has been recorded.", warn=True))
    for audit in audits:
        section.add(f"<h3>{html.esc(audit['kind'])} (run {html.esc(audit['run_id'])})</h3>")
        section.add(json_tables(audit["results"]))
    return section


def json_tables(value: Any) -> str:
    """Part of a run record (parameters, results, dataset details) as tables: its plain items
    in one table of item and value, then each nested group under its name with one row per
    innermost record (e.g. model · coverage → pai, hit_rate, pei). Numbers are rounded."""
    if not isinstance(value, dict):
        value = {"value": value}
    plain = {k: v for k, v in value.items() if _plain(v)}
    parts = [_items(plain)] if plain else []
    for key, nested in value.items():
        if key not in plain:
            parts += [f"<h4>{html.esc(key)}</h4>", _records(nested)]
    return "".join(parts) or html.paragraph("None recorded.")


def _plain(value: Any) -> bool:
    """A scalar, or a list of scalars."""
    items = value if isinstance(value, list) else [value]
    return not any(isinstance(v, dict | list) for v in items)


def _leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(key path, plain value) of every innermost item; list positions count from 1."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)))
    elif not _plain(value):
        for n, item in enumerate(value, start=1):
            yield from _leaves(item, (*path, str(n)))
    else:
        yield path, value


def _records(value: Any) -> str:
    """A nested group as one table: a row per parent of innermost items, a column per item;
    a column's numbers as counts when all whole, else to 3 decimals."""
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for path, leaf in _leaves(value):
        rows.setdefault(path[:-1], {})[path[-1] if path else "value"] = leaf
    if list(rows) == [()]:
        return _items(rows[()])
    frame = pd.DataFrame([{"item": " · ".join(parent), **fields}
                          for parent, fields in rows.items()])
    return html.table(frame.astype(object).map(_cell), float_format="{:,.3f}")


def _items(values: dict[str, Any]) -> str:
    """Items of different kinds, one per row: each number rounded on its own."""
    frame = pd.DataFrame({"item": list(values), "value": [_cell(v) for v in values.values()]})
    return html.table(frame, formats={"value": numbers.rounded})


def _cell(value: Any) -> Any:
    """Booleans as yes/no, lists as text (numbers in them rounded)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        texts = [str(_cell(v)) if not numbers.is_number(v) else numbers.rounded(v)
                 for v in value]
        return " ".join(texts) if all(t.endswith(".") for t in texts) else ", ".join(texts)
    return value
