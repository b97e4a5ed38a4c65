"""The cohort list: every IOM case with its derived state, where the person is, the cohort,
when the next review is due (overdue flagged), who leads and how the action plan stands.

Read in a few queries for the whole list, not one per case. Filters apply to derived values,
so they are computed first; access is the caller's to apply (see ``web.api.iom``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.casework import Case, Task
from crimeplan.cases.iom import history, journey
from crimeplan.cases.iom.models import IomAllocation, IomRecord, IomReview
from crimeplan.cases.people import Person


@dataclass(frozen=True)
class CohortRow:
    case: Case
    record: IomRecord
    person: Person
    state: str
    location: str | None
    cohort: str | None
    review_due_on: dt.date | None
    review_overdue: bool
    lead: IomAllocation | None
    open_actions: int
    overdue_actions: int


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to (None: no narrowing)."""

    state: str | None = None
    cohort: str | None = None
    location: str | None = None
    review_overdue: bool | None = None

    def keep(self, row: CohortRow) -> bool:
        return ((self.state is None or row.state == self.state)
                and (self.cohort is None or row.cohort == self.cohort)
                and (self.location is None or row.location == self.location)
                and (self.review_overdue is None or row.review_overdue is self.review_overdue))


def rows(db: Session, now: dt.datetime, filters: Filters = Filters()) -> list[CohortRow]:
    """Every IOM case matching the filters, reviews due soonest first, then by name."""
    found = db.execute(select(Case, IomRecord, Person)
                       .join(IomRecord, IomRecord.case_id == Case.id)
                       .join(Person, Person.id == Case.person_id)
                       .where(Case.programme == journey.PROGRAMME)).all()
    if not found:
        return []
    ids = [c.id for c, _, _ in found]
    reviews: dict[str, list[IomReview]] = defaultdict(list)
    for r in db.scalars(select(IomReview).where(IomReview.case_id.in_(ids))):
        reviews[r.case_id].append(r)
    leads = {a.case_id: a for a in db.scalars(
        select(IomAllocation).where(IomAllocation.case_id.in_(ids),
                                    IomAllocation.to_at.is_(None)))}
    today = now.date()
    actions: dict[str, list[str]] = defaultdict(list)
    for t in db.scalars(select(Task).where(Task.case_id.in_(ids))):
        actions[t.case_id].append(t.status(today))
    spells = history.custody_spells(db, [p.id for _, _, p in found])
    out = []
    for case, record, person in found:
        r = reviews[case.id]
        row = CohortRow(
            case=case, record=record, person=person, state=journey.state(record),
            location=journey.location(record, spells.get(person.id, []), now),
            cohort=journey.current_cohort(record, r), review_due_on=journey.review_due_on(
                record, r), review_overdue=journey.review_overdue(record, r, today),
            lead=leads.get(case.id), open_actions=sum(s != "done" for s in actions[case.id]),
            overdue_actions=actions[case.id].count("overdue"))
        if filters.keep(row):
            out.append(row)
    return sorted(out, key=lambda r: (r.review_due_on or dt.date.max, r.person.family_name,
                                      r.person.given_name, r.case.id))
