"""The audit log's integrity, aggregate figures, and the code lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import func, select

from crimeplan.cases.accounts import ROLES
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import AGENCY_KINDS, Agency
from crimeplan.cases.people import Person
from crimeplan.cases.s62 import PURPOSES
from crimeplan.provenance import dblog
from crimeplan.web.api.schemas import CodeItem, CountRow, Verified
from crimeplan.web.deps import DB, Authorise
from crimeplan.web.policy import Action

router = APIRouter()

#: Aggregate counts below this are withheld, so no one can be singled out.
SMALL_NUMBER = 5


@router.get("/health", tags=["service"])
def health(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]) -> dict[str, str]:
    return {"status": "ok"}


@router.get("/audit/verify", response_model=Verified, tags=["oversight"])
def verify(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.AUDIT_VERIFY))]
           ) -> Verified:
    """Check the service's hash chain end to end; name the first bad entry."""
    result = dblog.verify(db)
    return Verified(ok=result.ok, entries=result.entries, first_bad=result.first_bad_line,
                    problem=result.problem, head=dblog.head(db))


@router.get("/stats/people", response_model=list[CountRow], tags=["oversight"])
def people_counts(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.STATS_READ))]
                  ) -> list[CountRow]:
    """Person records by kind of agency and category of subject, small numbers withheld."""
    rows = db.execute(select(Agency.kind, Person.category, func.count())
                      .join(Agency, Agency.id == Person.agency_id)
                      .group_by(Agency.kind, Person.category)
                      .order_by(Agency.kind, Person.category)).all()
    return [CountRow(agency_kind=kind, category=category,
                     count=None if n < SMALL_NUMBER else n, suppressed=n < SMALL_NUMBER)
            for kind, category, n in rows]


@router.get("/purposes", response_model=list[CodeItem], tags=["code lists"])
def purposes(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]) -> list[CodeItem]:
    """Purpose codes to send as X-Purpose."""
    return [CodeItem(id=p.id, label=p.label) for p in PURPOSES.values()]


@router.get("/agency-kinds", response_model=list[CodeItem], tags=["code lists"])
def agency_kinds(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]
                 ) -> list[CodeItem]:
    return [CodeItem(id=k.id, label=k.label) for k in AGENCY_KINDS.values()]


@router.get("/roles", response_model=list[CodeItem], tags=["code lists"])
def roles(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]) -> list[CodeItem]:
    return [CodeItem(id=r.id, label=r.label) for r in ROLES.values()]
