"""Use cases of the victims' programme, each logged under s.62 in its own transaction.

Recording a crime with its victim, a needs assessment, a choice of the victim's, an event of
the investigation or prosecution, or what a duty holder did about an obligation: every one
ends by regenerating the obligations of the crime's victims, so what is shown is always what
the rules give for the events as recorded. Who may call them is the access policy's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case, CaseShare
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Person
from crimeplan.cases.victims import obligations
from crimeplan.cases.victims.codes import ASSESSMENT_OUTCOMES, CHANNELS, CHOICE_KINDS, NEEDS
from crimeplan.cases.victims.models import NeedsAssessment, Obligation, VictimCare, VictimChoice
from crimeplan.cases.victims.rules import by_id, in_force
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound
from crimeplan.standard.pole import EVENT_KINDS

PROGRAMME = "victim-care"
#: Event kinds that are something done with the victim, who takes part in them.
WITH_VICTIM = ("contact", "referral")


def subject(care: VictimCare) -> s62.Subject:
    return s62.Subject("person", care.person_id)


def _bad(field: str, message: str, code: str = "invalid") -> BadInput:
    return BadInput(message, fields=(FieldProblem(field, code, message),))


def _not_future(field: str, at: dt.datetime, now: dt.datetime) -> None:
    if at > now:
        raise _bad(field, "This cannot be in the future")


def get_care(db: Session, care_id: str) -> VictimCare:
    care = db.get(VictimCare, care_id)
    if care is None:
        raise NotFound(f"no victim {care_id}")
    return care


def get_obligation(db: Session, obligation_id: str) -> Obligation:
    row = db.get(Obligation, obligation_id)
    if row is None:
        raise NotFound(f"no obligation {obligation_id}")
    return row


def regenerate_crime(db: Session, actor: Actor, crime_id: str, now: dt.datetime) -> None:
    """Regenerate the obligations of every victim of a crime."""
    for care in db.scalars(select(VictimCare).where(VictimCare.crime_event_id == crime_id)):
        obligations.regenerate(db, actor, care, now)


def register(db: Session, actor: Actor, person: Person, now: dt.datetime, *,
             crime_event_id: str | None = None, occurred_at: dt.datetime | None = None,
             reference: str | None = None, code: str | None = None,
             location_id: str | None = None, regenerate: bool = True) -> VictimCare:
    """Record ``person`` as the victim of a crime reported to the actor's force: a new
    ``crime-reported`` event (where it happened, if known), or one the force already recorded
    (a second victim). ``regenerate=False`` leaves the obligations to a later
    ``obligations.regenerate`` (loading many events at once)."""
    if crime_event_id is not None:
        crime = db.get(Event, crime_event_id)
        if crime is None or crime.kind != "crime-reported" or (
                crime.agency_id != actor.agency_id):
            raise _bad("crime_event_id", "Choose a crime your force recorded", "unknown")
    else:
        if occurred_at is None:
            raise _bad("occurred_at", "Say when the crime was reported", "required")
        _not_future("occurred_at", occurred_at, now)
        crime = Event(agency_id=str(actor.agency_id), kind="crime-reported", code=code,
                      occurred_at=occurred_at, reference=reference,
                      location_id=location_id, sensitivity=person.sensitivity)
        db.add(crime)
        db.flush()
    if db.scalar(select(VictimCare).where(VictimCare.person_id == person.id,
                                          VictimCare.crime_event_id == crime.id)):
        raise Conflict("this person is already recorded as a victim of this crime")
    db.add(Participant(event_id=crime.id, person_id=person.id, role="victim"))
    case = Case(agency_id=crime.agency_id, programme=PROGRAMME, person_id=person.id,
                title=f"Victim care {crime.reference or crime.id[:8]}",
                sensitivity=person.sensitivity, opened_at=now)
    db.add(case)
    db.flush()
    care = VictimCare(case_id=case.id, person_id=person.id, crime_event_id=crime.id,
                      created_at=now)
    db.add(care)
    db.flush()
    s62.log(db, actor, s62.Category.COLLECTION, subject(care),
            ("victim_of_crime", "crime_reference", "crime_code", "crime_reported_at"))
    if regenerate:
        obligations.regenerate(db, actor, care, now)
    return care


def assess(db: Session, actor: Actor, care: VictimCare, now: dt.datetime, *,
           assessed_at: dt.datetime, needs: Sequence[str], grounds: Sequence[str],
           outcome: str, regenerate: bool = True) -> NeedsAssessment:
    """Record a needs assessment; its grounds (none: standard) decide Enhanced Rights for
    every duty whose clock starts from then on."""
    _not_future("assessed_at", assessed_at, now)
    rules = in_force(obligations.local_day(care.crime.occurred_at))
    known_grounds = rules.grounds if rules is not None else {}
    for field, values, known in (("needs", needs, NEEDS), ("grounds", grounds, known_grounds)):
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise _bad(field, f"Unknown codes {unknown}: use {sorted(known)}")
    if outcome not in ASSESSMENT_OUTCOMES:
        raise _bad("outcome", f"Use one of {sorted(ASSESSMENT_OUTCOMES)}")
    row = NeedsAssessment(care_id=care.id, assessed_at=assessed_at,
                          agency_id=str(actor.agency_id), assessor_id=actor.user_id,
                          needs=sorted(set(needs)), grounds=sorted(set(grounds)),
                          outcome=outcome)
    care.assessments.append(row)
    db.flush()
    s62.log(db, actor, s62.Category.COLLECTION, subject(care),
            ("needs_assessment.needs", "needs_assessment.grounds", "needs_assessment.outcome"))
    if regenerate:
        obligations.regenerate(db, actor, care, now)
    return row


def choose(db: Session, actor: Actor, care: VictimCare, now: dt.datetime, *, kind: str,
           right: int | None = None, channel: str | None = None,
           frequency_days: int | None = None, recorded_at: dt.datetime | None = None,
           regenerate: bool = True) -> VictimChoice:
    """Record a choice of the victim's; it stops (or restarts) clocks from when it was
    recorded (``recorded_at``, default now)."""
    at = recorded_at or now
    _not_future("recorded_at", at, now)
    if kind not in CHOICE_KINDS:
        raise _bad("kind", f"Use one of {sorted(CHOICE_KINDS)}")
    if right is not None and not 1 <= right <= 12:
        raise _bad("right", "A right of the Code is numbered 1 to 12")
    if kind == "contact-preference" and channel not in CHANNELS:
        raise _bad("channel", f"Use one of {sorted(CHANNELS)}", "required")
    if kind == "agreed-frequency" and (right is None or not frequency_days):
        raise _bad("frequency_days", "An agreed frequency names a right and a number of days",
                   "required")
    row = VictimChoice(care_id=care.id, recorded_at=at, kind=kind, right=right,
                       channel=channel, frequency_days=frequency_days,
                       agency_id=str(actor.agency_id), recorded_by=actor.user_id)
    care.choices.append(row)
    db.flush()
    s62.log(db, actor, s62.Category.COLLECTION, subject(care), ("victim_choices",))
    if regenerate:
        obligations.regenerate(db, actor, care, now)
    return row


def record_event(db: Session, actor: Actor, care: VictimCare, now: dt.datetime, *, kind: str,
                 occurred_at: dt.datetime, code: str | None = None,
                 parent_id: str | None = None, reference: str | None = None,
                 details: Mapping[str, Any] | None = None, recorded_at: dt.datetime | None = None,
                 regenerate: bool = True) -> Event:
    """Record an event of the crime (an arrest, a charge, a hearing, a contact with the
    victim...) below the crime or one of its events, then regenerate the obligations of all
    its victims. A referral to another agency shares the victim's case with it. The event is
    recorded ``now`` unless ``recorded_at`` says when the agency learnt of it."""
    if kind not in EVENT_KINDS:
        raise _bad("kind", "Use an event kind of the code list (GET /api/v1/victims/rules)")
    _not_future("occurred_at", occurred_at, now)
    recorded = recorded_at or now
    _not_future("recorded_at", recorded, now)
    parent = parent_id or care.crime_event_id
    if not _below_crime(db, parent, care.crime_event_id):
        raise _bad("parent_id", "Choose the crime or one of its events", "unknown")
    details = dict(details or {})
    to_agency = _recipient(db, details.get("to_agency_id"))
    event = Event(agency_id=str(actor.agency_id), kind=kind, code=code, occurred_at=occurred_at,
                  recorded_at=recorded, parent_id=parent, reference=reference,
                  sensitivity=care.case.sensitivity, details=details)
    db.add(event)
    db.flush()
    if kind in WITH_VICTIM:
        db.add(Participant(event_id=event.id, person_id=care.person_id, role="victim"))
    s62.log(db, actor, s62.Category.COLLECTION, subject(care), (f"event.{kind}",))
    if to_agency is not None:
        _share(db, actor, care, to_agency)
    db.flush()
    if regenerate:
        regenerate_crime(db, actor, care.crime_event_id, now)
    return event


def _below_crime(db: Session, event_id: str, crime_id: str) -> bool:
    """Whether an event is the crime or below it (walking up its parents)."""
    seen: set[str] = set()
    event = db.get(Event, event_id)
    while event is not None and event.id not in seen:
        if event.id == crime_id:
            return True
        seen.add(event.id)
        event = db.get(Event, event.parent_id) if event.parent_id else None
    return False


def _recipient(db: Session, agency_id: object) -> Agency | None:
    if agency_id is None:
        return None
    agency = db.get(Agency, agency_id) if isinstance(agency_id, str) else None
    if agency is None:
        raise _bad("details.to_agency_id", "No such agency", "unknown")
    return agency


def _share(db: Session, actor: Actor, care: VictimCare, agency: Agency) -> None:
    """Share the victim's case with an agency it was referred to (a disclosure)."""
    case = care.case
    if agency.id == case.agency_id or any(s.agency_id == agency.id for s in case.shares):
        return
    case.shares.append(CaseShare(case_id=case.id, agency_id=agency.id))
    s62.log(db, actor, s62.Category.DISCLOSURE, subject(care),
            ("victim_of_crime", "given_name", "family_name", "victim_choices"),
            [s62.Recipient(agency.id)])


#: What a duty holder can record about an obligation.
OUTCOMES = ("met", "unable", "not-applicable")


def record_outcome(db: Session, actor: Actor, obligation: Obligation, now: dt.datetime, *,
                   outcome: str, at: dt.datetime, reason: str | None = None,
                   to_agency_id: str | None = None) -> Obligation:
    """Record that the duty was done (an event of the rule's action, below the triggering
    event, naming the victim), could not be done (with the reason), or does not apply."""
    _not_future("at", at, now)
    if outcome not in OUTCOMES:
        raise _bad("outcome", f"Use one of {list(OUTCOMES)}")
    care = get_care(db, obligation.care_id)
    if outcome == "met":
        if obligation.met_at is not None:
            raise Conflict("this obligation is already met")
        if obligation.trigger_event_id is None or obligation.withdrawn_at is not None:
            raise Conflict("the event that started this obligation was withdrawn")
        if at < obligation.triggered_at:
            raise _bad("at", "It was met before it started: check the time")
        action = by_id(obligation.rules_version).rule(obligation.rule_id).action
        details = {"to_agency_id": to_agency_id} if to_agency_id else {}
        record_event(db, actor, care, now, kind=action.kind, code=action.code, occurred_at=at,
                     parent_id=obligation.trigger_event_id, details=details)
        return obligation
    if outcome == "unable" and (obligation.met_at or obligation.unable_at) is not None:
        raise Conflict("this obligation is already met, or unable was already recorded")
    if outcome == "not-applicable" and obligation.not_applicable_at is not None:
        raise Conflict("not applicable was already recorded")
    if not reason:
        raise _bad("reason", "Say why", "required")
    if outcome == "unable":
        obligation.unable_at, obligation.unable_reason = at, reason
    else:
        obligation.not_applicable_at, obligation.not_applicable_reason = at, reason
    s62.log(db, actor, s62.Category.COLLECTION, subject(care), (f"obligation.{outcome}",))
    db.flush()
    return obligation
