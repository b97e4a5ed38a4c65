"""Nominations for IOM from crimeplan's harm-weighted cohort scores, and the human decision.

The people of the service's event history are scored with :mod:`crimeplan.risk.cohorts`
(the harm table the coordinator chooses, e.g. ``heeks-2018-cost``) over a period: each
nomination shows the score and what it is made of (per offence type: count × weight = harm).
Only recorded offences and their dates enter the score: no age, sex, ethnicity or any other
protected characteristic, nor the area someone lives in. The score never decides: a person
decides (select into a cohort, or do not select) and gives the reason, and the decision keeps
the score as it was shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.casework import Case
from crimeplan.cases.iom import history, journey
from crimeplan.cases.iom.models import IomRecord, NominationDecision
from crimeplan.cases.iom.rulebook import IomRules, rules
from crimeplan.cases.people import Person
from crimeplan.csvsafe import to_csv_text
from crimeplan.errors import BadInput, FieldProblem
from crimeplan.risk.cohorts import OffenceHistory, score_people
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.harm import (
    HarmTable,
    available_tables,
    load_harm_table,
    normalise_offence,
)

DEFAULT_TABLE = "heeks-2018-cost"
SELECT, DO_NOT_SELECT = "select", "do-not-select"
DECISIONS = (SELECT, DO_NOT_SELECT)
#: Where the scored offences come from, as the cohort scorer names its input in messages.
SOURCE = Path("service events")


def _bad(field: str, message: str, code: str = "invalid") -> BadInput:
    return BadInput(message, fields=(FieldProblem(field, code, message),))


@dataclass(frozen=True)
class Component:
    """One offence type's part of a score: how many, the weight of each, the harm."""

    offence: str
    count: int
    weight: float
    harm: float


@dataclass(frozen=True)
class Nomination:
    """A person's harm-weighted score over the period, with its parts."""

    person_id: str
    rank: int
    offences: int
    harm: float
    harm_share: float
    most_harmful_offence: str
    first_offence: dt.date
    last_offence: dt.date
    components: tuple[Component, ...]
    neighbourhood_crime_offences: int

    @property
    def suggested_cohort(self) -> str | None:
        """``fixed`` when any offence is neighbourhood crime (a suggestion for the person
        deciding, from the rules' definition of the Fixed cohort)."""
        return "fixed" if self.neighbourhood_crime_offences else None

    def snapshot(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.components]


@dataclass(frozen=True)
class Scoring:
    """Everyone's scores over a period on one harm table, most harm first."""

    table: HarmTable
    period_from: dt.date
    period_to: dt.date
    nominations: list[Nomination]

    @property
    def people(self) -> int:
        """People with at least one recorded offence in the period."""
        return len(self.nominations)

    def of(self, person_id: str) -> Nomination | None:
        return next((n for n in self.nominations if n.person_id == person_id), None)


def harm_table(name: str) -> HarmTable:
    """A harm table shipped with crimeplan, by name (the service reads no other file)."""
    shipped = available_tables()
    if name not in shipped:
        raise _bad("harm_table", f"Choose one of: {', '.join(shipped)}")
    return load_harm_table(name)


def _day(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def score(db: Session, table: HarmTable, period_from: dt.date, period_to: dt.date,
          book: IomRules | None = None) -> Scoring:
    """Score everyone with recorded offences in ``[period_from, period_to)``."""
    if period_to <= period_from:
        raise _bad("period_to", "The period must end after it starts")
    book = book or rules()
    found = history.offences(db, start=_day(period_from), end=_day(period_to))
    if not found:
        return Scoring(table, period_from, period_to, [])
    frame = pd.DataFrame({"person": [o.person_id for o in found],
                          "date": pd.to_datetime([o.at.replace(tzinfo=None) for o in found]),
                          "offence": [o.offence for o in found]})
    digest = hashlib.sha256(to_csv_text(frame).encode()).hexdigest()
    try:
        people = score_people(OffenceHistory(SOURCE, digest, frame), table)
        weights = table.weigh(frame["offence"], where=str(SOURCE))
    except RiskInputError as exc:
        raise _bad("harm_table", str(exc)) from exc
    parts = (frame.assign(weight=weights.to_numpy(), key=frame["offence"].map(normalise_offence))
             .groupby(["person", "offence"], sort=True)
             .agg(count=("weight", "size"), weight=("weight", "first"), key=("key", "first")))
    components: dict[str, list[Component]] = {}
    nc: dict[str, int] = {}
    for (person, offence), row in parts.iterrows():
        components.setdefault(person, []).append(Component(
            str(offence), int(row["count"]), float(row["weight"]),
            float(row["count"] * row["weight"])))
        if row["key"] in book.neighbourhood_crime:
            nc[person] = nc.get(person, 0) + int(row["count"])
    nominations = [Nomination(
        person_id=str(r.person), rank=int(r.rank), offences=int(r.offences), harm=float(r.harm),
        harm_share=float(r.harm_share), most_harmful_offence=str(r.most_harmful_offence),
        first_offence=r.first_offence, last_offence=r.last_offence,
        components=tuple(sorted(components[r.person], key=lambda c: (-c.harm, c.offence))),
        neighbourhood_crime_offences=nc.get(str(r.person), 0))
        for r in people.itertuples()]
    return Scoring(table, period_from, period_to, nominations)


def log_shown(db: Session, actor: Actor, shown: list[Nomination]) -> None:
    """Showing nominations is a consultation of each person's offending and score."""
    for n in shown:
        s62.log(db, actor, s62.Category.CONSULTATION, journey.subject(n.person_id),
                ("given_name", "family_name", "offence_history", "harm_score"))


def decide(db: Session, actor: Actor, person: Person, scoring: Scoring, decision: str,
           reason: str, at: dt.datetime, cohort: str | None = None,
           partners: list[str] | None = None) -> NominationDecision:
    """Record a person's decision on a nomination, with the score as shown.

    ``select`` refers, assesses and selects the person into ``cohort`` in one step (the
    nomination and its review are the assessment); ``do-not-select`` only records the
    decision. Either way the reason is required and the decision is logged.
    """
    if decision not in DECISIONS:
        raise _bad("decision", f"Choose one of: {', '.join(DECISIONS)}")
    if not reason.strip():
        raise _bad("reason", "Give the reason for the decision", "required")
    nomination = scoring.of(person.id)
    if nomination is None:
        raise _bad("person_id", "This person has no recorded offences in the period")
    if decision == SELECT and cohort not in rules().cohorts:
        raise _bad("cohort", "Choose the cohort to select into", "required")
    if decision == DO_NOT_SELECT and cohort is not None:
        raise _bad("cohort", "A cohort is chosen only when selecting")
    row = NominationDecision(
        person_id=person.id, decided_at=at, agency_id=str(actor.agency_id),
        user_id=actor.user_id, decision=decision, cohort=cohort, reason=reason.strip(),
        harm_table=scoring.table.label, period_from=scoring.period_from,
        period_to=scoring.period_to, harm=nomination.harm, offences=nomination.offences,
        rank=nomination.rank, components=nomination.snapshot())
    if decision == SELECT:
        case = journey.refer(db, actor, person, f"Nominated from harm-weighted scores "
                             f"({scoring.table.label}, rank {nomination.rank})", partners or [],
                             at)
        iom = journey.get(db, case.id)
        journey.assess(db, actor, iom, reason, at)
        journey.select_into(db, actor, iom, str(cohort), reason, at)
        row.case_id = case.id
    db.add(row)
    s62.log(db, actor, s62.Category.COLLECTION, journey.subject(person.id),
            ("iom_nomination_decision", "harm_score"))
    db.flush()
    return row


def latest_decisions(db: Session, person_ids: list[str]) -> dict[str, NominationDecision]:
    """Each person's latest nomination decision."""
    rows = db.scalars(select(NominationDecision)
                      .where(NominationDecision.person_id.in_(person_ids))
                      .order_by(NominationDecision.decided_at))
    return {r.person_id: r for r in rows}


def open_cases(db: Session, person_ids: list[str]) -> dict[str, Case]:
    """People among ``person_ids`` with an IOM case not de-selected."""
    rows = db.scalars(select(Case).join(IomRecord, IomRecord.case_id == Case.id)
                      .where(Case.person_id.in_(person_ids), Case.programme == journey.PROGRAMME,
                             IomRecord.deselected_at.is_(None)))
    return {str(c.person_id): c for c in rows}
