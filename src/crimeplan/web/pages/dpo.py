"""The data protection officer's pages: the audit log, who has processed a person's data, and
the workspace's run log (who ran which analysis, forecast or model, why, and how)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from crimeplan.app import audit
from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.people import Person
from crimeplan.governance.transparency_page import json_tables
from crimeplan.provenance import dblog
from crimeplan.provenance.chain import AuditLogError
from crimeplan.provenance.dblog import AuditEntry
from crimeplan.web.api.people import person_resource
from crimeplan.web.api.schemas import PRINTABLE, RecordId
from crimeplan.web.deps import DB, Authorise, acting, authorise, get_settings
from crimeplan.web.pages.render import page, redirect
from crimeplan.web.policy import Action

router = APIRouter(prefix="/dpo")
RECENT = 50


@router.get("/audit")
def audit_page(request: Request, db: DB,
               actor: Annotated[Actor, Depends(Authorise(Action.AUDIT_VERIFY))]) -> Response:
    """The chain's integrity and the latest entries."""
    result = dblog.verify(db)
    latest = list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(RECENT)))
    return page(request, "dpo_audit.html", title="Audit log", result=result,
                head=dblog.head(db), entries=latest)


@router.get("/people")
def person_lookup(request: Request,
                  actor: Annotated[Actor, Depends(Authorise(Action.PERSON_HISTORY))],
                  id: Annotated[str, Query(max_length=36, pattern=PRINTABLE)] = "") -> Response:
    """Ask for a record id, then show its history."""
    if id:
        return redirect(f"/dpo/people/{quote(id, safe='')}")
    return page(request, "dpo_lookup.html", title="A person's record")


@router.get("/people/{person_id}")
def person_history(person_id: RecordId, request: Request, db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.PERSON_HISTORY))]
                   ) -> Response:
    """Who has looked at or changed this person's record."""
    actor = replace(actor, purpose="data-protection")
    person = db.get(Person, person_id)
    if person is None:
        return page(request, "error.html", 404, title="Page not found")
    authorise(actor, Action.PERSON_HISTORY, person_resource(person))
    return page(request, "dpo_person.html", title="Who has processed this record",
                person_id=person_id, history=records.history(db, person_id))


HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
RunReader = Annotated[Actor, Depends(Authorise(Action.RUNS_READ))]


def through(record: dict[str, Any]) -> str:
    """How a run was started: the service request, or the command line."""
    command = [str(c) for c in record.get("command") or []]
    if len(command) == 2 and command[0] in HTTP_METHODS:
        return " ".join(command)
    return "command line: crimeplan " + " ".join(command[1:]) if command else "command line"


@router.get("/runs")
def run_log(request: Request, actor: RunReader,
            kind: Annotated[str, Query(max_length=60, pattern=PRINTABLE)] = "") -> Response:
    """The latest runs of the workspace's log (checked end to end), newest first."""
    try:
        runs = audit.runs(acting(request, actor), get_settings(request).home)
    except AuditLogError as exc:
        return page(request, "dpo_runs.html", title="Run log", problem=str(exc))
    kinds = sorted({str(r.get("kind")) for r in runs})
    chosen = [r for r in reversed(runs) if not kind or r.get("kind") == kind][:RECENT]
    return page(request, "dpo_runs.html", title="Run log", total=len(runs), kinds=kinds,
                kind=kind, shown=[{**r, "via": through(r)} for r in chosen])


@router.get("/runs/{run_id}")
def run_record(run_id: RecordId, request: Request, actor: RunReader) -> Response:
    """One run record in full: who, why, how, its inputs with their hashes, its results."""
    entry = audit.find_run(acting(request, actor), get_settings(request).home, run_id)
    r = entry["record"]
    parts = [(title, json_tables(r.get(key) or {})) for title, key in (
        ("Parameters", "parameters"), ("Results", "results"), ("Data coverage", "coverage"))]
    parts[1:1] = [(title, json_tables({str(k + 1): item for k, item in enumerate(r[key])}))
                  for title, key in (("Inputs", "inputs"), ("Outputs", "outputs"))
                  if r.get(key)]
    return page(request, "dpo_run.html", title=f"Run {run_id[:8]}", r={**r, "via": through(r)},
                entry_hash=entry["hash"], parts=parts)
