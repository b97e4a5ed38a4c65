"""DIP pathways from events, and the use cases that record them.

One pathway per test on arrest. Its events: the ``arrest`` (code: the offence) is the test's
parent; every later step has the test as parent: ``assessment`` (code ``initial`` or
``follow-up``, ``details.attended``), ``referral`` (code ``treatment``), ``treatment-start``,
``treatment-end`` (code: the reason). The state is read from these timestamps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.dip.rulebook import DipRules, rules
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Person
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound

TEST = "test-on-arrest"
#: The steps after a test, as recorded: step id → (event kind, event code).
STEPS: dict[str, tuple[str, str | None]] = {
    "initial-assessment": ("assessment", "initial"),
    "follow-up-assessment": ("assessment", "follow-up"),
    "referral": ("referral", "treatment"),
    "treatment-start": ("treatment-start", None),
    "treatment-end": ("treatment-end", None),
}
STEP_KINDS = frozenset(kind for kind, _ in STEPS.values())

#: Pathway states, in the order a pathway moves through them.
STATES = ("negative", "refused", "awaiting-assessment", "did-not-attend", "assessed",
          "referred", "in-treatment", "treatment-ended")


def _bad(field_: str, message: str, code: str = "invalid") -> BadInput:
    return BadInput(message, fields=(FieldProblem(field_, code, message),))


@dataclass
class Pathway:
    """The events of one test on arrest, and what they say."""

    test: Event
    arrest: Event | None
    person_id: str
    steps: list[Event] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.test.id

    @property
    def agency_id(self) -> str:
        """The force that tested."""
        return self.test.agency_id

    @property
    def tested_at(self) -> dt.datetime:
        return self.test.occurred_at

    @property
    def result(self) -> str:
        return str(self.test.code)

    @property
    def substances(self) -> list[str]:
        return list(self.test.details.get("substances", []))

    @property
    def offence(self) -> str | None:
        return self.arrest.code if self.arrest is not None else None

    @property
    def assessment_agency_id(self) -> str | None:
        return self.test.details.get("assessment_agency_id")

    def _first(self, kind: str, code: str | None = None, attended: bool | None = None
               ) -> Event | None:
        found = [e for e in self.steps if e.kind == kind and (code is None or e.code == code)
                 and (attended is None or bool(e.details.get("attended")) is attended)]
        return min(found, key=lambda e: e.occurred_at) if found else None

    @property
    def assessed_at(self) -> dt.datetime | None:
        """When the person first attended the initial assessment."""
        e = self._first("assessment", "initial", attended=True)
        return e.occurred_at if e else None

    @property
    def missed_assessment(self) -> bool:
        """An initial assessment was required and not attended (and none attended since)."""
        return (self.assessed_at is None
                and self._first("assessment", "initial", attended=False) is not None)

    @property
    def followed_up_at(self) -> dt.datetime | None:
        e = self._first("assessment", "follow-up", attended=True)
        return e.occurred_at if e else None

    @property
    def referred_at(self) -> dt.datetime | None:
        e = self._first("referral")
        return e.occurred_at if e else None

    @property
    def engaged_at(self) -> dt.datetime | None:
        """When treatment started (engagement)."""
        e = self._first("treatment-start")
        return e.occurred_at if e else None

    @property
    def ended(self) -> Event | None:
        return self._first("treatment-end")

    @property
    def state(self) -> str:
        """Where the pathway stands, from its latest step."""
        if self.result != "positive":
            return self.result
        if self.ended is not None:
            return "treatment-ended"
        if self.engaged_at is not None:
            return "in-treatment"
        if self.referred_at is not None:
            return "referred"
        if self.assessed_at is not None:
            return "assessed"
        return "did-not-attend" if self.missed_assessment else "awaiting-assessment"

    @property
    def agencies(self) -> frozenset[str]:
        """Every agency that takes part: the force, the assessing service, step recorders."""
        out = {self.agency_id, *(e.agency_id for e in self.steps)}
        if self.assessment_agency_id:
            out.add(self.assessment_agency_id)
        return frozenset(out)


def load(db: Session, tests: list[Event]) -> list[Pathway]:
    """Pathways of the given test events, with their arrests, steps and people."""
    if not tests:
        return []
    ids = [t.id for t in tests]
    people = dict(db.execute(select(Participant.event_id, Participant.person_id)
                             .where(Participant.event_id.in_(ids),
                                    Participant.role == "subject")).all())
    parents = {t.parent_id for t in tests if t.parent_id}
    arrests = {e.id: e for e in db.scalars(select(Event).where(Event.id.in_(parents)))}
    steps: dict[str, list[Event]] = {}
    for e in db.scalars(select(Event).where(Event.parent_id.in_(ids),
                                            Event.kind.in_(STEP_KINDS))
                        .order_by(Event.occurred_at)):
        steps.setdefault(str(e.parent_id), []).append(e)
    return [Pathway(t, arrests.get(t.parent_id or ""), str(people.get(t.id, "")),
                    steps.get(t.id, [])) for t in tests]


def tests_between(db: Session, start: dt.datetime | None = None,
                  end: dt.datetime | None = None, person_ids: Iterable[str] | None = None
                  ) -> list[Event]:
    """Test-on-arrest events in ``[start, end)`` (of some people), oldest first."""
    query = select(Event).where(Event.kind == TEST)
    if start is not None:
        query = query.where(Event.occurred_at >= start)
    if end is not None:
        query = query.where(Event.occurred_at < end)
    if person_ids is not None:
        query = query.join(Participant, Participant.event_id == Event.id).where(
            Participant.person_id.in_(list(person_ids)))
    return list(db.scalars(query.order_by(Event.occurred_at, Event.id)))


def get(db: Session, test_id: str) -> Pathway:
    test = db.get(Event, test_id)
    if test is None or test.kind != TEST:
        raise NotFound(f"no DIP pathway {test_id}")
    return load(db, [test])[0]


def subject(person_id: str) -> s62.Subject:
    return s62.Subject("person", person_id)


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class ArrestTest:
    """A test on arrest as reported by the force."""

    offence: str
    arrested_at: dt.datetime
    tested_at: dt.datetime
    result: str
    substances: tuple[str, ...] = ()
    inspector_authorised: bool = False
    assessment_agency_id: str | None = None
    #: Where the arrest happened (a location of the force), if known.
    location_id: str | None = None


def check_test(t: ArrestTest, person: Person, book: DipRules, now: dt.datetime) -> None:
    """The conditions of PACE s.63B and the rules' codes; errors name the field."""
    if not t.offence.strip():
        raise _bad("offence", "Give the offence of the arrest", "required")
    if t.offence not in book.trigger_offences and not t.inspector_authorised:
        raise _bad("offence", "Not a trigger offence (Criminal Justice and Court Services Act "
                   "2000 Sch 6): a test needs an inspector's authorisation "
                   f"({book.inspector_authorisation_source})")
    if person.date_of_birth is not None and _age_on(
            person.date_of_birth, t.arrested_at.date()) < book.minimum_age_on_arrest:
        raise _bad("person_id", f"Under {book.minimum_age_on_arrest} on arrest: not tested on "
                   f"arrest ({book.age_source})")
    if t.result not in book.test_results:
        raise _bad("result", f"Choose one of: {', '.join(book.test_results)}")
    unknown = [s for s in t.substances if s not in book.substances]
    if unknown:
        raise _bad("substances", f"Unknown substance(s) {', '.join(unknown)}; choose from "
                   f"{', '.join(book.substances)}")
    if t.result == "positive" and not t.substances:
        raise _bad("substances", "Say which substance(s) the test found", "required")
    if t.result != "positive" and t.substances:
        raise _bad("substances", "Only a positive test names substances")
    if t.tested_at < t.arrested_at:
        raise _bad("tested_at", "The test cannot be before the arrest")
    if t.tested_at > now:
        raise _bad("tested_at", "The test cannot be in the future")


def record_test(db: Session, actor: Actor, person: Person, t: ArrestTest,
                now: dt.datetime) -> Pathway:
    """Record an arrest and its test on arrest (a collection); a positive test passed to the
    assessing service is a disclosure to it (Drugs Act 2005 s.15)."""
    book = rules()
    check_test(t, person, book, now)
    if t.assessment_agency_id is not None:
        if db.get(Agency, t.assessment_agency_id) is None:
            raise _bad("assessment_agency_id", "No such agency", "unknown")
        if t.result != "positive":
            raise _bad("assessment_agency_id", "Only a positive test is passed for assessment")
    arrest = Event(agency_id=str(actor.agency_id), kind="arrest", code=t.offence,
                   occurred_at=t.arrested_at, location_id=t.location_id,
                   details={"trigger_offence": t.offence in book.trigger_offences})
    arrest.participants.append(Participant(person_id=person.id, role="suspect"))
    db.add(arrest)
    db.flush()
    details: dict[str, Any] = {"substances": list(t.substances),
                               "inspector_authorised": t.inspector_authorised,
                               "rules_version": book.version}
    if t.assessment_agency_id:
        details["assessment_agency_id"] = t.assessment_agency_id
    test = Event(agency_id=str(actor.agency_id), kind=TEST, code=t.result,
                 occurred_at=t.tested_at, parent_id=arrest.id, details=details)
    test.participants.append(Participant(person_id=person.id, role="subject"))
    db.add(test)
    db.flush()
    s62.log(db, actor, s62.Category.COLLECTION, subject(person.id), ("arrest", "drug_test"))
    if t.assessment_agency_id and t.assessment_agency_id != actor.agency_id:
        s62.log(db, actor, s62.Category.DISCLOSURE, subject(person.id),
                ("given_name", "family_name", "date_of_birth", "drug_test"),
                [s62.Recipient(t.assessment_agency_id)])
    return Pathway(test, arrest, person.id, [])


def _order(pathway: Pathway, step: str, at: dt.datetime) -> None:
    """A step may follow only the steps before it, and not before them in time."""
    if pathway.result != "positive":
        raise Conflict("only a positive test leads to assessment and treatment")
    needs = {"follow-up-assessment": pathway.assessed_at, "referral": pathway.assessed_at,
             "treatment-start": pathway.referred_at, "treatment-end": pathway.engaged_at,
             "initial-assessment": pathway.tested_at}
    before = needs[step]
    if before is None:
        wanted = {"follow-up-assessment": "an attended initial assessment",
                  "referral": "an attended initial assessment",
                  "treatment-start": "a referral", "treatment-end": "treatment starting"}
        raise Conflict(f"a {step.replace('-', ' ')} needs {wanted[step]} first")
    if at < before:
        raise _bad("occurred_at", "This step cannot be before the step it follows")
    if step == "initial-assessment" and pathway.assessed_at is not None:
        raise Conflict("the initial assessment was already attended")
    once = {"referral": pathway.referred_at, "treatment-start": pathway.engaged_at,
            "treatment-end": pathway.ended, "follow-up-assessment": pathway.followed_up_at}
    if once.get(step) is not None:
        raise Conflict(f"the {step.replace('-', ' ')} is already recorded")


def record_step(db: Session, actor: Actor, pathway: Pathway, step: str, at: dt.datetime,
                now: dt.datetime, attended: bool | None = None, reason: str | None = None
                ) -> Event:
    """Record the next step of a pathway (a collection about the person)."""
    book = rules()
    if step not in STEPS:
        raise _bad("step", f"Choose one of: {', '.join(STEPS)}")
    kind, code = STEPS[step]
    details: dict[str, Any] = {}
    if kind == "assessment":
        if attended is None:
            raise _bad("attended", "Say whether the person attended", "required")
        details["attended"] = attended
    elif attended is not None:
        raise _bad("attended", "Attendance is recorded for assessments only")
    if step == "treatment-end":
        if reason not in book.treatment_end_reasons:
            raise _bad("reason", f"Choose one of: {', '.join(book.treatment_end_reasons)}")
        code = reason
    elif reason is not None:
        raise _bad("reason", "A reason is recorded when treatment ends only")
    if at > now:
        raise _bad("occurred_at", "A step cannot be recorded before it happens")
    _order(pathway, step, at)
    event = Event(agency_id=str(actor.agency_id), kind=kind, code=code, occurred_at=at,
                  parent_id=pathway.id, details=details)
    event.participants.append(Participant(person_id=pathway.person_id, role="subject"))
    db.add(event)
    db.flush()
    pathway.steps.append(event)
    s62.log(db, actor, s62.Category.COLLECTION, subject(pathway.person_id), (f"dip:{step}",))
    return event


def consult(db: Session, actor: Actor, person_id: str, fields: tuple[str, ...]) -> None:
    """Log that the caller was shown these fields of a person's DIP pathway."""
    s62.log(db, actor, s62.Category.CONSULTATION, subject(person_id), fields)
