"""What the API and the pages show of victims and obligations: one shape for both.

Building a view reads personal data; callers log the consultation (the web layer does, with
the fields it shows).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.events import Event
from crimeplan.cases.victims.models import Obligation, VictimCare
from crimeplan.cases.victims.obligations import crime_tree, state
from crimeplan.cases.victims.rules import by_id

#: Fields logged when a victim's record is shown (needs assessments only when shown too).
PERSON_SHOWN = ("given_name", "family_name", "date_of_birth", "victim_of_crime",
                "crime_reference", "victim_choices", "victim_obligations")
NEEDS_SHOWN = ("needs_assessment.needs", "needs_assessment.grounds",
               "needs_assessment.outcome")


def obligation(row: Obligation, state_id: str, trigger_kind: str | None = None
               ) -> dict[str, Any]:
    """One obligation with its derived state and what its rule says."""
    rule = by_id(row.rules_version).rule(row.rule_id)
    return {"id": row.id, "care_id": row.care_id, "rules_version": row.rules_version,
            "rule_id": row.rule_id, "right": row.right, "duty": rule.duty,
            "duty_holder": rule.duty_holder.service, "action": rule.action.label,
            "duty_agency_id": row.duty_agency_id, "trigger_event_id": row.trigger_event_id,
            "trigger_kind": trigger_kind, "triggered_at": row.triggered_at,
            "enhanced": row.enhanced, "limit_days": row.limit_days, "due_on": row.due_on,
            "state": state_id, "met_at": row.met_at, "stopped_at": row.stopped_at,
            "stop_reason": row.stop_reason, "unable_at": row.unable_at,
            "unable_reason": row.unable_reason, "not_applicable_at": row.not_applicable_at,
            "not_applicable_reason": row.not_applicable_reason or (
                "The event that started it was corrected or removed"
                if row.withdrawn_at else None)}


def obligations_of(db: Session, care: VictimCare, now: dt.datetime) -> list[dict[str, Any]]:
    """The victim's obligations, in the order their clocks started."""
    rows = db.execute(select(Obligation, state(now), Event.kind)
                      .outerjoin(Event, Event.id == Obligation.trigger_event_id)
                      .where(Obligation.care_id == care.id)
                      .order_by(Obligation.triggered_at, Obligation.right, Obligation.id))
    return [obligation(o, s, k) for o, s, k in rows]


def counts(db: Session, care_ids: list[str], now: dt.datetime) -> dict[str, dict[str, int]]:
    """Obligations per state of each victim (for lists)."""
    out: dict[str, dict[str, int]] = {c: {} for c in care_ids}
    st = state(now)
    for care_id, s in db.execute(select(Obligation.care_id, st)
                                 .where(Obligation.care_id.in_(care_ids))):
        out[care_id][s] = out[care_id].get(s, 0) + 1
    return out


def summary(care: VictimCare, by_state: dict[str, int]) -> dict[str, Any]:
    """A line of a caseload: who, which crime, and how their obligations stand."""
    person, crime = care.person, care.crime
    latest = care.assessments[-1] if care.assessments else None
    return {"id": care.id, "person_id": person.id, "given_name": person.given_name,
            "family_name": person.family_name, "crime_event_id": crime.id,
            "crime_reference": crime.reference, "crime_code": crime.code,
            "reported_at": crime.occurred_at, "agency_id": care.case.agency_id,
            "assessed": latest is not None,
            "enhanced": latest.enhanced if latest is not None else None,
            "obligation_counts": dict(sorted(by_state.items()))}


def needs(care: VictimCare) -> list[dict[str, Any]]:
    return [{"id": a.id, "assessed_at": a.assessed_at, "agency_id": a.agency_id,
             "needs": list(a.needs), "grounds": list(a.grounds), "enhanced": a.enhanced,
             "outcome": a.outcome} for a in care.assessments]


def choices(care: VictimCare) -> list[dict[str, Any]]:
    return [{"id": c.id, "recorded_at": c.recorded_at, "kind": c.kind, "right": c.right,
             "channel": c.channel, "frequency_days": c.frequency_days,
             "agency_id": c.agency_id} for c in care.choices]


def victim(db: Session, care: VictimCare, now: dt.datetime, show_needs: bool
           ) -> dict[str, Any]:
    """A victim's record: the person, the crime and its events, choices, obligations, and
    the needs assessments when the caller may see them (``needs_assessments`` None and
    listed in ``withheld`` otherwise)."""
    timeline = [{"id": e.id, "kind": e.kind, "code": e.code, "occurred_at": e.occurred_at,
                 "recorded_at": e.recorded_at, "parent_id": e.parent_id,
                 "agency_id": e.agency_id}
                for e in sorted(crime_tree(db, care.crime_event_id),
                                key=lambda e: (e.occurred_at, e.id))]
    duties = obligations_of(db, care, now)
    return {**summary(care, dict(Counter(o["state"] for o in duties))), "case_id": care.case_id,
            "date_of_birth": care.person.date_of_birth,
            "shared_with": sorted(s.agency_id for s in care.case.shares),
            "needs_assessments": needs(care) if show_needs else None,
            "withheld": [] if show_needs else ["needs_assessments"],
            "choices": choices(care), "events": timeline,
            "obligations": duties}
