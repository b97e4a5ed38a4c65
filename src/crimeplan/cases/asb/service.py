"""ASB case review use cases: recording complaints, the threshold queue, applications and their
steps, recommendations; every processing of personal data logged under s.62 in the same
transaction. The web layer passes its policy check in as ``may_read``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crimeplan.cases import s62, same_person
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency, new_id
from crimeplan.cases.asb.incidents import (
    Complaint,
    ThresholdCheck,
    check_address,
    check_person,
    location_key,
)
from crimeplan.cases.asb.models import RECOMMENDATION, Application
from crimeplan.cases.asb.rules import Procedure, rulebook
from crimeplan.cases.casework import Task
from crimeplan.cases.db import Base
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.months import add_months, uk_date
from crimeplan.cases.people import Person
from crimeplan.cases.places import Location
from crimeplan.errors import BadInput, Conflict, FieldProblem

INCIDENT, COMPLAINT = "asb-incident", "complaint"
COMPLAINANT = "complainant"
#: What a coordinator sees of a complainant or applicant, as logged.
APPLICANT_FIELDS = ("given_name", "family_name", "complaints", "asb_case_review")

MayRead = Callable[[Person], bool]


def subject(person_id: str) -> s62.Subject:
    return s62.Subject("person", person_id)


def _bad(field: str, code: str, message: str) -> BadInput:
    return BadInput(message, fields=(FieldProblem(field, code, message),))


def complaint_rows(agency_id: str, complainant_id: str, incident_at: dt.datetime,
                   made_at: dt.datetime, place: dict[str, Any], category: str | None = None,
                   hate: bool = False, reference: str | None = None,
                   shared_reference: str | None = None) -> tuple[list[Base], ...]:
    """The records of one complaint to an agency, in the order they must be stored: the
    address of the incident (when given), the incident and the complaint (events), and the
    complainant's part in each."""
    if made_at < incident_at:
        raise _bad("made_at", "before-incident", "A complaint cannot be made before the "
                   "incident it reports")
    location = Location(id=new_id(), agency_id=agency_id, **place) if place else None
    details = {"category": category, "hate": hate, "shared_reference": shared_reference}
    incident = Event(id=new_id(), agency_id=agency_id, kind=INCIDENT, occurred_at=incident_at,
                     location_id=location.id if location else None, reference=reference,
                     details=details)
    complaint = Event(id=new_id(), agency_id=agency_id, kind=COMPLAINT, occurred_at=made_at,
                      parent_id=incident.id, location_id=incident.location_id,
                      reference=reference, details={})
    return ([location] if location else [], [incident, complaint],
            [Participant(event_id=e.id, person_id=complainant_id, role=COMPLAINANT)
             for e in (incident, complaint)])


def store(db: Session, groups: Iterable[Iterable[Base]]) -> None:
    """Add groups of new records, each group stored before the next (the rows refer to each
    other by id, not through relationships the session could order by)."""
    for group in groups:
        db.add_all(group)
        db.flush()


def record_complaint(db: Session, actor: Actor, complainant: Person, incident_at: dt.datetime,
                     made_at: dt.datetime, place: dict[str, Any], category: str | None = None,
                     hate: bool = False, reference: str | None = None,
                     shared_reference: str | None = None) -> Event:
    """Record a complaint made to the caller's agency about an incident of ASB."""
    locations, events, parts = complaint_rows(str(actor.agency_id), complainant.id,
                                              incident_at, made_at, place, category, hate,
                                              reference, shared_reference)
    store(db, (locations, events, parts))
    s62.log(db, actor, s62.Category.COLLECTION, subject(complainant.id), ("complaints",))
    complaint = events[1]
    assert isinstance(complaint, Event)
    return complaint


@dataclass(frozen=True)
class ComplaintSet:
    """Complaints with each complainant identified across agencies: ``identity`` maps each
    person record to its identity (the smallest id of its confirmed group), ``addresses``
    each location key to an address as recorded."""

    complaints: list[Complaint]
    identity: dict[str, str]
    addresses: dict[str, str]


def complaints(db: Session, since: dt.datetime,
               person_ids: list[str] | None = None) -> ComplaintSet:
    """Every complaint made since ``since`` (by some complainants, when given: every record
    confirmed as one of them counts)."""
    if person_ids is not None:
        person_ids = sorted({i for g in same_person.groups(db, person_ids).values() for i in g})
    incident = aliased(Event)
    query = (select(Event.id, Event.agency_id, Event.occurred_at, incident.occurred_at,
                    incident.details, Participant.person_id, Location.uprn,
                    Location.postcode, Location.address)
             .join(incident, incident.id == Event.parent_id)
             .join(Participant, (Participant.event_id == Event.id)
                   & (Participant.role == COMPLAINANT))
             .outerjoin(Location, Location.id == incident.location_id)
             .where(Event.kind == COMPLAINT, incident.kind == INCIDENT,
                    Event.occurred_at >= since))
    if person_ids is not None:
        query = query.where(Participant.person_id.in_(person_ids))
    rows = db.execute(query).all()
    identity = {pid: min(group) for pid, group in
                same_person.groups(db, {r[5] for r in rows} | set(person_ids or ())).items()}
    found, addresses = [], {}
    for (event_id, agency_id, made_at, incident_at, details, person_id, uprn, postcode,
         address) in rows:
        key = location_key(uprn, postcode, address)
        if key is not None:
            addresses.setdefault(key, ", ".join(x for x in (address, postcode) if x))
        found.append(Complaint(event_id, agency_id, identity[person_id], incident_at, made_at,
                               key, bool((details or {}).get("hate")),
                               (details or {}).get("shared_reference")))
    return ComplaintSet(found, identity, addresses)


def _since(procedure: Procedure, on: dt.date) -> dt.datetime:
    """The earliest complaint that could count for an application on ``on``."""
    months = procedure.qualifying_complaint.application_within_months_of_complaint
    return dt.datetime.combine(add_months(on, -months) - dt.timedelta(days=1), dt.time(),
                               dt.UTC)


@dataclass(frozen=True)
class QueueEntry:
    """A victim or an address that meets the threshold on the day asked."""

    check: ThresholdCheck
    person: Person | None
    address: str | None
    last_complaint: dt.date
    application: Application | None


def _last(check: ThresholdCheck) -> dt.date:
    return max(uk_date(i.first_complaint.made_at) for i in check.counted)


def queue(db: Session, actor: Actor, may_read: MayRead, on: dt.date) -> list[QueueEntry]:
    """Victims (one per person across agencies, shown by a record the caller may read) and
    addresses that meet the threshold on ``on``, with the newest application already made
    for the victim; not yet applied first, then latest complaint first. Each victim shown is
    logged."""
    procedure = rulebook().in_force(on)
    found = complaints(db, _since(procedure, on))
    people = {p.id: p for p in db.scalars(select(Person).where(
        Person.id.in_(list(found.identity))))}
    applications = list(db.scalars(select(Application).order_by(Application.received_at)))
    by_victim: dict[str, list[Complaint]] = defaultdict(list)
    by_address: dict[str, list[Complaint]] = defaultdict(list)
    for c in found.complaints:       # grouped once: each check then reads only its own
        by_victim[c.complainant].append(c)
        if c.location_key:
            by_address[c.location_key].append(c)
    records_of: dict[str, list[str]] = defaultdict(list)
    for pid, key in sorted(found.identity.items()):
        records_of[key].append(pid)
    entries = []
    for key in sorted(by_victim):
        check = check_person(by_victim[key], key, procedure, on)
        records = records_of[key]
        visible = [people[p] for p in records if may_read(people[p])]
        if check.met and visible:
            theirs = [a for a in applications if a.victim_person_id in records]
            entries.append(QueueEntry(check, visible[0], None, _last(check),
                                      theirs[-1] if theirs else None))
    for key in sorted(by_address):
        check = check_address(by_address[key], key, procedure, on)
        if check.met:
            entries.append(QueueEntry(check, None, found.addresses[key], _last(check), None))
    entries.sort(key=lambda e: (e.application is not None, -e.last_complaint.toordinal()))
    for entry in entries:
        if entry.person is not None:
            s62.log(db, actor, s62.Category.CONSULTATION, subject(entry.person.id),
                    APPLICANT_FIELDS)
    return entries


def threshold_check(db: Session, application: Application) -> ThresholdCheck:
    """The threshold for an application's victim on the day it was received, under the
    procedure it was made under."""
    procedure = rulebook().version(application.procedure_version)
    on = uk_date(application.received_at)
    victim = application.victim_person_id
    if victim is None:
        return ThresholdCheck(False, None, (), procedure.threshold.source)
    found = complaints(db, _since(procedure, on), [victim])
    return check_person(found.complaints, found.identity[victim], procedure, on)


def apply(db: Session, actor: Actor, values: dict[str, Any], parties: list[str],
          received_at: dt.datetime) -> Application:
    """Record an application received by the caller's agency (the point of contact), passed
    on to the relevant bodies named (s.104(3)(b)): the case is shared with each, which is a
    disclosure of the applicant's and victim's data to them."""
    procedure = rulebook().in_force(uk_date(received_at))
    known = set(db.scalars(select(Agency.id).where(Agency.id.in_(parties))))
    unknown = [p for p in parties if p not in known]
    if unknown:
        raise _bad("parties", "unknown", f"No such agency: {', '.join(unknown)}")
    application = Application.make(str(actor.agency_id), values, parties, received_at,
                                   procedure.version)
    db.add(application)
    db.flush()
    case = application.case
    recipients = [s62.Recipient(s.agency_id) for s in case.shares]
    for person_id in _people_of(application):
        s62.log(db, actor, s62.Category.COLLECTION, subject(person_id), ("asb_case_review",))
        if recipients:
            s62.log(db, actor, s62.Category.DISCLOSURE, subject(person_id), APPLICANT_FIELDS,
                    recipients)
    return application


def _people_of(application: Application) -> list[str]:
    return [p for p in dict.fromkeys((application.applicant_id, application.victim_id)) if p]


def view(db: Session, actor: Actor, application: Application) -> None:
    """Log that the caller looked at an application's people."""
    for person_id in _people_of(application):
        s62.log(db, actor, s62.Category.CONSULTATION, subject(person_id), APPLICANT_FIELDS)


def record_step(db: Session, actor: Actor, application: Application, step: str,
                at: dt.datetime, met: bool | None = None, reason: str | None = None,
                upheld: bool | None = None) -> Application:
    """Record a step of the application (see ``Application.advance``), the threshold decided
    on the complaints counted on the day it was received; logged."""
    check = threshold_check(db, application) if step == "threshold-decided" else None
    application.advance(step, at, met, reason, upheld, check)
    for person_id in _people_of(application):
        s62.log(db, actor, s62.Category.ALTERATION, subject(person_id), ("asb_case_review",))
    db.flush()
    return application


def recommend(db: Session, actor: Actor, application: Application, title: str,
              owner_agency_id: str, due_on: dt.date | None) -> Task:
    """Add a recommendation of the review to its action plan, owned by a relevant body."""
    if application.meeting_held_at is None:
        raise Conflict("recommendations come from the review meeting: record it first")
    case = application.case
    parties = {case.agency_id, *(s.agency_id for s in case.shares)}
    if owner_agency_id not in parties:
        raise _bad("owner_agency_id", "not-a-party", "Choose a relevant body party to the "
                   "review")
    task = Task(case_id=case.id, title=title, owner_agency_id=owner_agency_id,
                pathway=RECOMMENDATION, due_on=due_on)
    db.add(task)
    db.flush()
    return task


def recommendations(db: Session, application: Application) -> list[Task]:
    return list(db.scalars(select(Task).where(Task.case_id == application.case_id,
                                              Task.pathway == RECOMMENDATION)
                           .order_by(Task.created_at, Task.id)))
