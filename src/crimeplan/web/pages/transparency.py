"""Transparency records (Algorithmic Transparency Recording Standard 3.0) as readable pages:
the records written in the workspace, and each one in full, with what its owner did not supply
marked as missing. Shells over ``crimeplan.app.transparency``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from crimeplan.app import transparency
from crimeplan.cases.actor import Actor
from crimeplan.governance.transparency_page import record_sections
from crimeplan.web.api.schemas import RecordId
from crimeplan.web.deps import Authorise, acting, get_settings
from crimeplan.web.pages.render import page
from crimeplan.web.policy import Action

router = APIRouter(prefix="/transparency")
Reader = Annotated[Actor, Depends(Authorise(Action.TRANSPARENCY_READ))]


@router.get("")
def records(request: Request, actor: Reader) -> Response:
    """Every transparency record written, newest first."""
    found = transparency.records(acting(request, actor), get_settings(request).home)
    return page(request, "transparency_list.html", title="Transparency records", found=found)


@router.get("/{run_id}")
def record(run_id: RecordId, request: Request, actor: Reader) -> Response:
    """One record in full, checked against the run that wrote it."""
    written = transparency.read(acting(request, actor), get_settings(request).home, run_id)
    name, intro, sections = record_sections(written)
    return page(request, "transparency_record.html", title=name, intro=intro,
                sections=sections, run_id=run_id, record=written)
