"""Transparency records (UK ATRS 3.0 tiers 1 and 2) generated from run records.

The record joins three sources and never invents anything: the owner file (YAML, the text only
people can write: who owns the tool, why, how decisions are made, risks, ALGO-CARE answers), the
run record in the audit log (what was run, on which data with which hashes, with what results)
and any fairness audits of that run. The JSON Schema shipped in ``crimeplan/data/transparency``
is the single definition of the record's fields: the owner file's expected fields are read from
it. Every owner field left out is null in the record and listed in ``missing``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

import crimeplan
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.runs import output_files

STANDARD = "UK Algorithmic Transparency Recording Standard"
TIER2 = ("owner_and_responsibility", "description_and_rationale", "decision_making_process",
         "data", "risks_mitigations_and_impact_assessments")
#: Fields of tier 2 "data" filled from the run record, not the owner file.
FROM_RUN = ("datasets", "data_quantities")


@cache
def record_schema() -> dict[str, Any]:
    """The JSON Schema of a transparency record (package data)."""
    path = resources.files("crimeplan") / "data" / "transparency" / "record.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


class OwnerFileError(ValueError):
    """The owner file cannot be read or has a field the record does not know."""


@dataclass(frozen=True)
class TransparencyFiles:
    """Paths written by ``write_record``."""

    json: Path
    html: Path


def read_owner_file(path: Path) -> dict[str, Any]:
    """Parse and check the owner YAML: known sections and fields only, text values."""
    try:
        owner = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise OwnerFileError(f"{path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise OwnerFileError(f"{path}{where}: not valid YAML ({exc})") from exc
    if not isinstance(owner, dict):
        raise OwnerFileError(f"{path}: expected sections (tier1, owner_and_responsibility, ...)")
    owner = _text(owner)
    known = _owner_sections()
    for section, values in owner.items():
        if section not in known:
            raise OwnerFileError(f"{path}, field {section}: unknown section (expected one of "
                                 f"{', '.join(known)})")
        if not isinstance(values, dict):
            raise OwnerFileError(f"{path}, field {section}: expected named fields")
        for name, value in values.items():
            if name not in known[section]:
                raise OwnerFileError(f"{path}, field {section}.{name}: unknown field (expected "
                                     f"one of {', '.join(known[section])})")
            _check_value(path, f"{section}.{name}", value, known[section][name])
    return owner


def _owner_sections() -> dict[str, dict[str, dict[str, Any]]]:
    """Section → field → sub-schema, for the parts the owner writes."""
    props = record_schema()["properties"]
    tier2 = props["tier2"]["properties"]
    sections = {"tier1": props["tier1"]["properties"]}
    for name in TIER2:
        sections[name] = {k: v for k, v in tier2[name]["properties"].items()
                          if k not in FROM_RUN}
    sections["algo_care"] = {k: {"type": ["string", "null"]}
                             for k in props["algo_care"]["properties"]}
    return sections


def _check_value(path: Path, field: str, value: Any, schema: dict[str, Any]) -> None:
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        raise OwnerFileError(f"{path}, field {field}{'/' + where if where else ''}: "
                             f"{exc.message}") from exc


def _text(value: Any) -> Any:
    """Dates and numbers written in YAML become text, inside lists and mappings too."""
    if isinstance(value, dict):
        return {str(k): _text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text(v) for v in value]
    if isinstance(value, dt.date | int | float) and not isinstance(value, bool):
        return str(value)
    return value


def build_record(home: Path, run_id: str, owner: dict[str, Any]) -> dict[str, Any]:
    """The transparency record of one run: validated against the schema before it is returned.

    It draws on the run and on every later audit of it, so the whole audit log must verify
    first (AuditLogDamaged, naming the entry, otherwise)."""
    log = AuditLog(home)
    log.check()
    entry = log.find_entry(run_id)
    if entry is None:
        raise ValueError(f"no single run matches {run_id!r} in {home}")
    run = entry["record"]
    schema = record_schema()
    props = schema["properties"]
    missing: list[str] = []

    def section(name: str, fields: dict[str, Any], prefix: str) -> dict[str, Any]:
        given = owner.get(name) or {}
        out = {}
        for field, sub in fields.items():
            value = given.get(field)
            if sub.get("type") == "array":
                value = list(value or [])
                if not value:
                    missing.append(f"{prefix}{field}")
            else:
                value = None if value is None or str(value).strip() == "" else str(value)
                if value is None:
                    missing.append(f"{prefix}{field}")
            out[field] = value
        return out

    owner_sections = _owner_sections()
    tier1 = section("tier1", owner_sections["tier1"], "tier1.")
    tier2 = {name: section(name, owner_sections[name], f"tier2.{name}.") for name in TIER2}
    tier2["data"]["datasets"] = dataset_cards(run)
    tier2["data"]["data_quantities"] = run.get("coverage")
    questions = {k: v["properties"]["question"]["const"]
                 for k, v in props["algo_care"]["properties"].items()}
    answers = section("algo_care", owner_sections["algo_care"], "algo_care.")
    audits = fairness_audits(log, run["run_id"])
    if not audits:
        missing.append("fairness_audits (run crimeplan audit places/people on this run)")
    record = {
        "standard": STANDARD,
        "standard_version": "3.0",
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "generated_by": f"crimeplan {crimeplan.__version__}",
        "run": {"run_id": run["run_id"], "kind": run.get("kind", ""),
                "purpose": run.get("purpose", ""), "user": run.get("user", ""),
                "started_at": run.get("started_at"), "status": run.get("status"),
                "code_version": run.get("code_version", ""),
                "parameters": run.get("parameters", {}), "log_hash": entry["hash"]},
        "tier1": tier1,
        "tier2": tier2,
        "model_card": model_card(run),
        "fairness_audits": audits,
        "algo_care": {k: {"question": q, "answer": answers[k]} for k, q in questions.items()},
        "missing": missing,
    }
    record = json.loads(json.dumps(record, default=str))
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(record)
    return record


def dataset_cards(run: dict[str, Any]) -> list[dict[str, Any]]:
    """One card per input of the run: its name or path, content hash and other details."""
    cards = []
    for entry in run.get("inputs", []):
        name = entry.get("name") or entry.get("path") or "input"
        details = {k: v for k, v in entry.items() if k not in ("name", "path", "sha256")}
        cards.append({"name": str(name), "sha256": entry.get("sha256"), "details": details})
    return cards


def model_card(run: dict[str, Any]) -> dict[str, Any]:
    """What was run and its quantitative results, from the record and its output files; for
    a forecast by ``auto``, the model it chose and its validation scores (``model_choice``)."""
    results: dict[str, Any] = {"recorded": run.get("results", {})}
    if results["recorded"].get("scorecard"):  # a risk scorecard: its points and totals tables
        results["scorecard"] = results["recorded"]["scorecard"]
    for path in output_files(run):
        if path.name == "scores.csv" and path.exists():
            results["forecast_scores"] = forecast_scores(path)
        elif path.name == "metrics.json" and path.exists():
            metrics = json.loads(path.read_text(encoding="utf-8"))
            results["overall"] = metrics.get("overall")
            results["by_group"] = metrics.get("groups")
    card = {"tool_kind": str(run.get("kind", "")), "parameters": run.get("parameters", {}),
            "outputs": [str(p) for p in output_files(run)], "quantitative_results": results}
    if run.get("results", {}).get("auto"):  # which model auto chose, on what evidence
        card["model_choice"] = run["results"]["auto"]
    return card


def forecast_scores(path: Path) -> list[dict[str, Any]]:
    """Per model and coverage over all periods: crimes captured, pooled hit rate, mean PAI/PEI."""
    frame = pd.read_csv(path)
    rows = []
    for (model, coverage), part in frame.groupby(["model", "coverage"], sort=True):
        total = float(part["N"].sum())
        rows.append({"model": str(model), "coverage": float(coverage),
                     "periods": len(part), "captured": float(part["n"].sum()),
                     "crimes": total,
                     "hit_rate": float(part["n"].sum()) / total if total else None,
                     "mean_pai": _mean(part["pai"]), "mean_pei": _mean(part["pei"])})
    return rows


def fairness_audits(log: AuditLog, run_id: str) -> list[dict[str, Any]]:
    """The latest audit of each kind recorded for ``run_id``."""
    latest: dict[str, dict[str, Any]] = {}
    for record in log.records():
        kind = record.get("kind")
        if kind in ("audit.places", "audit.people") and record.get("status") == "ok" and (
                record.get("parameters", {}).get("run") == run_id):
            latest[kind] = record
    return [{"run_id": r["run_id"], "kind": r["kind"], "started_at": r.get("started_at"),
             "results": r.get("results", {}), "outputs": [str(p) for p in output_files(r)]}
            for r in latest.values()]


def _mean(series: pd.Series) -> float | None:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return float(values.mean()) if len(values) else None
