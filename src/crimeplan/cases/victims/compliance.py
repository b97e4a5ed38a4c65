"""Compliance with the Victims' Code per right, duty-holding agency and month, counted in the
database, and the obligations behind each figure.

An obligation counts in the month its due day falls in. Its state is the one SQL expression of
``obligations.state``; the database groups and counts (one pass over the table, whatever its
size), Python only pivots the few hundred groups. Rates are shares of the obligations whose
time limit ran its course: met, met late and breached (pending, opted out, unable and not
applicable obligations are counted but are not in the denominator).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from crimeplan.cases.agencies import Agency
from crimeplan.cases.victims.codes import DECIDED, STATES
from crimeplan.cases.victims.models import Obligation
from crimeplan.cases.victims.obligations import state
from crimeplan.cases.victims.rules import rule_sets

#: How the rates are computed, for every page and document that shows them.
DENOMINATOR_NOTE = ("Rates are shares of the obligations whose time limit ran its course (met, "
                    "met late and breached). Pending, opted-out, unable and not-applicable "
                    "obligations are counted but are not in the denominator. An obligation "
                    "counts in the month of its due day.")


def right_title(right: int | None) -> str:
    """The right's title in the newest Code encoded (the twelve rights keep their numbers)."""
    return rule_sets()[-1].rights.get(right or 0, "")


@dataclass(frozen=True)
class Filters:
    """Which obligations: due months ``from_month``..``to_month`` (``YYYY-MM``, inclusive),
    one duty-holding agency, one right, one state (None: all)."""

    from_month: str | None = None
    to_month: str | None = None
    agency_id: str | None = None
    right: int | None = None
    state: str | None = None


@dataclass(frozen=True)
class Cell:
    """The obligations of one right, agency and month (or a total over some of them)."""

    right: int | None
    agency_id: str | None
    agency: str
    month: str | None
    counts: Mapping[str, int] = field(default_factory=dict)

    def count(self, state_id: str) -> int:
        return self.counts.get(state_id, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def decided(self) -> int:
        """The denominator of the rates: obligations whose time limit ran its course."""
        return sum(self.count(s) for s in DECIDED)

    def rate(self, state_id: str) -> float | None:
        """Share of ``decided`` in ``state_id`` (None when nothing was decided)."""
        return self.count(state_id) / self.decided if self.decided else None


def _filtered(query: Select, filters: Filters, now: dt.datetime) -> Select:
    o = Obligation
    if filters.from_month:
        query = query.where(o.due_month >= filters.from_month)
    if filters.to_month:
        query = query.where(o.due_month <= filters.to_month)
    if filters.agency_id:
        query = query.where(o.duty_agency_id == filters.agency_id)
    if filters.right is not None:
        query = query.where(o.right == filters.right)
    if filters.state:
        query = query.where(state(now) == filters.state)
    return query


def cells(db: Session, now: dt.datetime, filters: Filters = Filters()) -> list[Cell]:
    """One cell per right, agency and month with its count of obligations in each state."""
    o = Obligation
    stated = _filtered(select(o.right, o.duty_agency_id, o.due_month,
                              state(now).label("state")), filters, now).subquery()
    groups = db.execute(
        select(stated.c.right, stated.c.duty_agency_id, stated.c.due_month, stated.c.state,
               func.count())
        .group_by(stated.c.right, stated.c.duty_agency_id, stated.c.due_month, stated.c.state))
    names = {i: n for i, n in db.execute(select(Agency.id, Agency.name))}
    counts: dict[tuple[int, str, str], dict[str, int]] = defaultdict(dict)
    for right, agency_id, month, state_id, n in groups:
        counts[(right, agency_id, month)][state_id] = n
    return [Cell(right, agency_id, names.get(agency_id, agency_id), month, c)
            for (right, agency_id, month), c in sorted(
                counts.items(), key=lambda kv: (kv[0][2], kv[0][0], names.get(kv[0][1], "")))]


def total(parts: Iterable[Cell], right: int | None = None, agency_id: str | None = None,
          agency: str = "All agencies", month: str | None = None) -> Cell:
    """The sum of some cells, labelled with what they share."""
    summed: dict[str, int] = defaultdict(int)
    for c in parts:
        for s, n in c.counts.items():
            summed[s] += n
    return Cell(right, agency_id, agency, month, dict(summed))


def by_right(all_cells: Iterable[Cell]) -> list[Cell]:
    """One total per right, over every agency and month shown."""
    grouped: dict[int | None, list[Cell]] = defaultdict(list)
    for c in all_cells:
        grouped[c.right].append(c)
    return [total(cs, right=r) for r, cs in sorted(grouped.items(), key=lambda kv: kv[0] or 0)]


#: Columns of the CSV download, one row per right, agency and month.
COLUMNS = ("month", "right", "right_title", "agency_id", "agency",
           *(s.replace("-", "_") for s in STATES), "total", "decided", "met_rate",
           "met_late_rate", "breached_rate")


def record(cell: Cell) -> dict[str, object]:
    """A cell as one row of ``COLUMNS``: counts per state, the denominator and the rates."""
    return {"month": cell.month, "right": cell.right, "right_title": right_title(cell.right),
            "agency_id": cell.agency_id, "agency": cell.agency,
            **{s.replace("-", "_"): cell.count(s) for s in STATES},
            "total": cell.total, "decided": cell.decided, "met_rate": cell.rate("met"),
            "met_late_rate": cell.rate("met-late"), "breached_rate": cell.rate("breached")}


def frame(all_cells: Iterable[Cell]) -> pd.DataFrame:
    """The cells as a tidy table (one row per right, agency and month) for the CSV."""
    return pd.DataFrame([record(c) for c in all_cells], columns=list(COLUMNS))


def obligation_rows(db: Session, now: dt.datetime, filters: Filters = Filters(),
                    care_ids: Select[tuple[str]] | Iterable[str] | None = None,
                    limit: int = 500) -> list[tuple[Obligation, str]]:
    """Obligations with their state, most urgent first (due soonest), within ``filters``
    and, when given, the care records ``care_ids`` (ids, or a query of them)."""
    query = _filtered(select(Obligation, state(now).label("state")), filters, now)
    if care_ids is not None:
        query = query.where(Obligation.care_id.in_(
            care_ids if isinstance(care_ids, Select) else list(care_ids)))
    query = query.order_by(Obligation.due_at, Obligation.id).limit(limit)
    return [(o, s) for o, s in db.execute(query)]
