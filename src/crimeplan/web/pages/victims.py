"""Victims' Code pages: a caseload, a victim's record with what is due and a form to record
what was done, the obligations behind a figure, and the compliance dashboard (aggregates only
for the PCC office and analysts: no links into personal data without the right to see it).

Pages process victims' data for the purpose of supporting them (``victim-support``) unless
the address names another purpose.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.victims import services
from crimeplan.cases.victims.codes import STATES
from crimeplan.cases.victims.compliance import DENOMINATOR_NOTE, Filters, right_title
from crimeplan.cases.victims.models import Obligation
from crimeplan.cases.victims.rules import by_id, rule_sets
from crimeplan.errors import CrimeplanError, ErrorKind
from crimeplan.web.api import victims as api
from crimeplan.web.api.schemas import PRINTABLE, RecordId
from crimeplan.web.api.victims_schemas import Month
from crimeplan.web.deps import DB, Authorise, now
from crimeplan.web.pages.render import check_csrf, field_errors, page, redirect
from crimeplan.web.policy import Action, may

router = APIRouter(prefix="/victims")
PURPOSE = "victim-support"
Text = Annotated[str, Form(max_length=200, pattern=PRINTABLE)]
MonthQuery = Annotated[Month | None, Query()]
AgencyQuery = Annotated[str | None, Query(max_length=36, pattern=r"^[0-9a-f-]*$")]
RightQuery = Annotated[int | None, Query(ge=1, le=12)]

#: GOV.UK tag colour of each state.
TAGS = {"met": "govuk-tag--green", "met-late": "govuk-tag--yellow",
        "breached": "govuk-tag--red", "pending": "govuk-tag--blue",
        "opted-out": "govuk-tag--grey", "unable": "govuk-tag--orange",
        "not-applicable": "govuk-tag--grey"}
LABELS = {k: v.label for k, v in STATES.items()}
#: Kinds of agency the rules name as duty holders (the dashboard's agency filter).
DUTY_HOLDERS = sorted({r.duty_holder.agency_kind for rules in rule_sets() for r in rules.rules})


def _for_victims(actor: Actor) -> Actor:
    return replace(actor, purpose=actor.purpose or PURPOSE)


def _context() -> dict[str, Any]:
    return {"tags": TAGS, "labels": LABELS, "right_title": right_title}


@router.get("")
def caseload_page(request: Request, db: DB,
                  actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_LIST))],
                  show: Annotated[str, Query(pattern=r"^(all|breached|pending)?$")] = ""
                  ) -> Response:
    """The victims the worker may see; filter to those with a breach or something due."""
    rows = api.caseload(db, _for_victims(actor), now())
    if show in ("breached", "pending"):
        rows = [r for r in rows if r["obligation_counts"].get(show)]
    return page(request, "victims/caseload.html", title="Victims", rows=rows, show=show,
                **_context())


def _filters_form(db: DB, filters: Filters) -> dict[str, Any]:
    """Options of the filters: the months from the first to the last due (two index
    lookups), the agencies that can owe a duty, the rights with a time limit."""
    first, last = db.execute(select(func.min(Obligation.due_month),
                                    func.max(Obligation.due_month))).one()
    agencies = db.execute(select(Agency.id, Agency.name).where(
        Agency.kind.in_(DUTY_HOLDERS)).order_by(Agency.name))
    rights = sorted({r.right for rules in rule_sets() for r in rules.rules})
    return {"filters": filters,
            "month_options": [("", "Any month"), *((m, m) for m in _months(first, last))],
            "agency_options": [("", "All agencies"), *((a, n) for a, n in agencies)],
            "right_options": [("", "All rights"),
                              *((str(r), f"Right {r}: {right_title(r)}") for r in rights)]}


def _months(first: str | None, last: str | None) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``."""
    if not first or not last:
        return []
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _query(filters: Filters, **extra: Any) -> str:
    params = {"from_month": filters.from_month, "to_month": filters.to_month,
              "agency_id": filters.agency_id, "right": filters.right, **extra}
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@router.get("/compliance")
def compliance_page(request: Request, db: DB,
                    actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_COMPLIANCE))],
                    from_month: MonthQuery = None, to_month: MonthQuery = None,
                    agency_id: AgencyQuery = None, right: RightQuery = None) -> Response:
    """Compliance per right, agency and month, with the obligations behind each figure for
    those who may see them."""
    filters = api.filters_of(from_month, to_month, agency_id, right)
    cells, totals = api.figures(db, filters, now())
    drill = may(actor, Action.VICTIM_OBLIGATIONS)
    return page(request, "victims/compliance.html", title="Victims' Code compliance",
                cells=cells, totals=totals, drill=drill, note=DENOMINATOR_NOTE,
                csv_query=_query(filters), query=lambda **kw: _query(filters, **kw),
                **_filters_form(db, filters), **_context())


@router.get("/compliance.csv")
def compliance_csv(db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_COMPLIANCE))],
                   from_month: MonthQuery = None, to_month: MonthQuery = None,
                   agency_id: AgencyQuery = None, right: RightQuery = None) -> Response:
    """The dashboard's figures as a tidy CSV."""
    cells, _ = api.figures(db, api.filters_of(from_month, to_month, agency_id, right), now())
    return api.csv_response(cells)


@router.get("/obligations")
def obligations_page(request: Request, db: DB,
                     actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_OBLIGATIONS))],
                     from_month: MonthQuery = None, to_month: MonthQuery = None,
                     agency_id: AgencyQuery = None, right: RightQuery = None,
                     state: Annotated[str | None, Query(max_length=20,
                                                        pattern=r"^[a-z-]*$")] = None
                     ) -> Response:
    """The obligations of the victims the worker may see, most urgent first."""
    state = state if state in STATES else None
    filters = api.filters_of(from_month, to_month, agency_id, right, state)
    rows = api.drill_down(db, _for_victims(actor), filters, now())
    return page(request, "victims/obligations.html", title="Obligations", rows=rows,
                state_options=[("", "Any state"), *((k, v) for k, v in LABELS.items())],
                limit=api.LIMIT, **_filters_form(db, filters), **_context())


@router.get("/{care_id}")
def victim_page(care_id: RecordId, request: Request, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_READ))]) -> Response:
    return _victim_view(request, db, _for_victims(actor), care_id)


def _victim_view(request: Request, db: DB, actor: Actor, care_id: str, status: int = 200,
                 **context: Any) -> Response:
    care, _ = api.load(db, actor, Action.VICTIM_READ, care_id)
    record = api.victim_record(db, actor, care, now())
    may_record = may(actor, Action.VICTIM_OUTCOME, api.care_resource(care))
    names = {i: n for i, n in db.execute(select(Agency.id, Agency.name))}
    referral_to = {kind: [("", "Choose an agency"),
                          *((a.id, a.name) for a in db.scalars(
                              select(Agency).where(Agency.kind == kind).order_by(Agency.name)))]
                   for kind in ("victim-service", "probation")}
    return page(request, "victims/victim.html", status, title="Victim", v=record,
                may_record=may_record, agency_names=names, referral_to=referral_to,
                grounds=_grounds(), referral_kind=_referral_kind, **_context(), **context)


def _grounds() -> dict[str, str]:
    return {k: v for rules in rule_sets() for k, v in rules.grounds.items()}


def _referral_kind(obligation: dict[str, Any]) -> str | None:
    """For a duty met by a referral, the kind of agency referred to."""
    rule = by_id(obligation["rules_version"]).rule(obligation["rule_id"])
    if rule.action.kind != "referral":
        return None
    return "probation" if rule.action.code == "victim-contact-scheme" else "victim-service"


@router.post("/{care_id}/obligations/{obligation_id}")
def record_outcome(care_id: RecordId, obligation_id: RecordId, request: Request, db: DB,
                   actor: Annotated[Actor, Depends(Authorise(Action.VICTIM_OUTCOME))],
                   outcome: Text = "", reason: Text = "", to_agency_id: Text = "",
                   csrf_token: Text = "") -> Response:
    """Record what was done about an obligation, then show the record again."""
    check_csrf(request, csrf_token)
    actor = _for_victims(actor)
    care, _ = api.load(db, actor, Action.VICTIM_OUTCOME, care_id)
    row = services.get_obligation(db, obligation_id)
    if row.care_id != care.id:
        return page(request, "error.html", 404, title="Page not found")
    at = now()
    try:
        services.record_outcome(db, actor, row, at, outcome=outcome, at=at,
                                reason=reason or None, to_agency_id=to_agency_id or None)
    except CrimeplanError as exc:
        if exc.kind is ErrorKind.NOT_FOUND:
            raise
        errors = field_errors(exc.fields) or [{"text": exc.message, "href": "#obligations"}]
        for e in errors:
            e["href"] = f"#{e['field'].replace('_', '-')}-{row.id}" if "field" in e else e["href"]
        return _victim_view(request, db, actor, care_id, 400, errors=errors,
                            failed=row.id)
    return redirect(f"/victims/{care.id}#obligations")
