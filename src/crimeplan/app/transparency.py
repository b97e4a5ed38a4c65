"""Use cases of transparency records (ATRS 3.0): writing one for a recorded run, and reading
those written, for the service's pages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.errors import BadInput, DataMissing, NotFound
from crimeplan.governance.transparency import TransparencyFiles
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.hashing import sha256_file
from crimeplan.provenance.runs import RunRecorder, output_files

KIND = "transparency"
PUBLISHED = "it reads transparency records already written, each checked against its run record"


@dataclass(frozen=True)
class WrittenRecord:
    """A transparency record written: its run, the record and its files."""

    run_id: str
    record: dict[str, Any]
    files: TransparencyFiles


@use_case("transparency.write", run_kind=KIND)
def write(actor: Actor, home: Path, run: str, owner_file: Path, out: Path) -> WrittenRecord:
    """Write the ATRS 3.0 record (JSON, schema-checked, and HTML) of a recorded run, joining
    the owner file, the run record and the run's fairness audits."""
    import jsonschema

    from crimeplan.governance.transparency import build_record, read_owner_file
    from crimeplan.governance.transparency_page import write_record

    try:
        with bad_input(ValueError):  # OwnerFileError included: names the file and field
            record = build_record(home, run, read_owner_file(owner_file))
    except jsonschema.ValidationError as exc:
        raise BadInput(f"the record does not match its schema at {exc.json_path}: "
                       f"{exc.message}") from exc
    with RunRecorder(home, KIND, actor,
                     parameters={"run": record["run"]["run_id"]}) as rec:
        rec.add_input(owner_file, role="owner file")
        rec.add_input_data(f"run:{record['run']['run_id']}", record["run"]["log_hash"])
        files = write_record(record, out)
        rec.add_output(files.json)
        rec.add_output(files.html)
        rec.set_result("missing", record["missing"])
    return WrittenRecord(rec.run_id, record, files)


@dataclass(frozen=True)
class RecordListing:
    """A transparency record written earlier: the run that wrote it and the run it describes."""

    run_id: str
    describes: str
    written_at: str
    missing: int


@use_case("transparency.list", run_kind=None, no_run_because=PUBLISHED)
def records(actor: Actor, home: Path) -> list[RecordListing]:
    """Every transparency record written in the workspace, newest first."""
    found = [RecordListing(r["run_id"], str(r.get("parameters", {}).get("run", "")),
                           str(r.get("finished_at", "")), len(r["results"].get("missing", [])))
             for r in AuditLog(home).records()
             if r.get("kind") == KIND and r.get("status") == "ok"]
    return found[::-1]


@use_case("transparency.read", run_kind=None, no_run_because=PUBLISHED)
def read(actor: Actor, home: Path, run_id: str) -> dict[str, Any]:
    """The record written by run ``run_id``, refused unless its file still has the SHA-256
    its run recorded (so an edited record is never shown as the one written)."""
    entry = AuditLog(home).find_entry(run_id)
    if entry is None or entry["record"].get("kind") != KIND or entry["record"]["run_id"] != (
            run_id):
        raise NotFound(f"no transparency record {run_id}")
    written = entry["record"]
    path = next((p for p in output_files(written) if p.name == "record.json"), None)
    recorded = {o["path"]: o.get("sha256") for o in written["outputs"]}
    if path is None or not path.is_file():
        raise DataMissing(f"the record written by run {run_id} is no longer at {path}")
    if sha256_file(path) != recorded.get(str(path)):
        raise DataMissing(f"{path} is not the record run {run_id} wrote (its SHA-256 differs "
                          "from the run record): it was changed afterwards")
    return dict(json.loads(path.read_text(encoding="utf-8")))
