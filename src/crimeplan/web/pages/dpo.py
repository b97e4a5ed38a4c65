"""The data protection officer's pages: the audit log and who has processed a person's data."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.people import Person
from crimeplan.provenance import dblog
from crimeplan.provenance.dblog import AuditEntry
from crimeplan.web.api.people import person_resource
from crimeplan.web.api.schemas import PRINTABLE, RecordId
from crimeplan.web.deps import DB, Authorise, authorise
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
