"""The transparency record as a self-contained HTML page, and writing both files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from crimeplan.governance.transparency import TransparencyFiles, record_schema
from crimeplan.report import html

NOT_SUPPLIED = "Not supplied by the owner."


def write_record(record: dict[str, Any], out: Path) -> TransparencyFiles:
    """Write record.json and record.html into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files = TransparencyFiles(out / "record.json", out / "record.html")
    files.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    files.html.write_text(record_page(record), encoding="utf-8")
    return files


def record_page(record: dict[str, Any]) -> str:
    """The whole record for people: every field, with missing ones marked, never filled in."""
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
            cards.add(f"<pre>{html.esc(json.dumps(card['details'], indent=2))}</pre>")
    if data["data_quantities"]:
        cards.add(html.paragraph("Coverage of the data, from the run record:"))
        cards.add(f"<pre>{html.esc(json.dumps(data['data_quantities'], indent=2))}</pre>")
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
    return html.page(f"Transparency record: {name}", sections, intro=intro,
                     footer=f"Generated {record['generated_at']} by {record['generated_by']}")


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
    section.add(f"<pre>{html.esc(json.dumps(card['parameters'], indent=2))}</pre>")
    results = card["quantitative_results"]
    if results.get("forecast_scores"):
        section.add(html.table(pd.DataFrame(results["forecast_scores"]), float_format="{:.3f}",
                               caption="Forecast accuracy over the run's periods"))
    if results.get("by_group"):
        section.add(html.table(pd.DataFrame(results["by_group"]), float_format="{:.3f}",
                               caption="Risk model metrics by protected group"))
    section.add(html.paragraph("Results recorded with the run:"))
    section.add(f"<pre>{html.esc(json.dumps(results.get('recorded', {}), indent=2))}</pre>")
    return section


def _audits(audits: list[dict[str, Any]]) -> html.Section:
    section = html.Section("Fairness audits", "fairness")
    if not audits:
        section.add(html.note("No fairness audit of this run has been recorded.", warn=True))
    for audit in audits:
        section.add(f"<h3>{html.esc(audit['kind'])} (run {html.esc(audit['run_id'])})</h3>")
        section.add(f"<pre>{html.esc(json.dumps(audit['results'], indent=2))}</pre>")
    return section
