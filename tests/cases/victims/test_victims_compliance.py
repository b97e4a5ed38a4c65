"""Compliance per right, agency and month: counts by state hand-checked, rates over the stated
denominator (met + met late + breached), filters, drill-down rows, and the tidy CSV."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from victims_world import LATER, Agencies, at, make_agencies, only, victim

from crimeplan import csvsafe
from crimeplan.cases.agencies import Agency
from crimeplan.cases.db import Database
from crimeplan.cases.victims import compliance, services
from crimeplan.cases.victims.compliance import Filters

ARREST = "r6-suspect-arrested-interviewed-or-released"


@pytest.fixture
def agencies(db: Database) -> Agencies:
    return make_agencies(db)


@pytest.fixture
def caseload(db: Database, agencies: Agencies) -> Agencies:
    """Six standard victims of crimes reported in January 2027 (Right 4 due in January) and
    arrests in February (Right 6 due in February): referrals 2 met, 1 met late, 3 breached;
    arrests 1 met, 1 opted out, 1 pending as of 10 Feb 2027, 3 breached by then.
    One victim of March has its referral counted in March."""
    police = agencies.actor()
    with db.session() as s:
        cares = [victim(s, agencies, at(2027, 1, 11 + i), grounds=(), name=f"V{i}")
                 for i in range(6)]
        for i, care in enumerate(cares[:3]):  # due Wed 13 .. Fri 15 Jan
            row, _ = only(s, care, "r4-referral-to-support-services")
            when = at(2027, 1, 12 + i) if i < 2 else at(2027, 1, 20)
            services.record_outcome(s, police, row, LATER, outcome="met", at=when,
                                    to_agency_id=agencies.victims)
        for i, care in enumerate(cares):
            services.record_event(s, police, care, LATER, kind="arrest",
                                  occurred_at=at(2027, 2, 1) if i != 2 else at(2027, 2, 8))
        row, _ = only(s, cares[0], ARREST)
        services.record_outcome(s, police, row, LATER, outcome="met", at=at(2027, 2, 2))
        services.choose(s, police, cares[1], LATER, kind="opt-out", right=6,
                        recorded_at=at(2027, 2, 3))
        victim(s, agencies, at(2027, 3, 1), grounds=(), name="March")
    return agencies


NOW = at(2027, 2, 10, 12)


def test_counts_and_rates_per_right_agency_and_month(db: Database, caseload: Agencies) -> None:
    with db.session() as s:
        cells = compliance.cells(s, NOW)
    got = {(c.month, c.right): dict(c.counts) for c in cells}
    assert got == {("2027-01", 4): {"met": 2, "met-late": 1, "breached": 3},
                   ("2027-02", 6): {"met": 1, "opted-out": 1, "pending": 1, "breached": 3},
                   ("2027-03", 4): {"pending": 1}}
    january = next(c for c in cells if c.month == "2027-01")
    assert january.agency_id == caseload.police and january.agency == "Essex Police (test)"
    assert (january.total, january.decided) == (6, 6)
    assert january.rate("met") == pytest.approx(2 / 6)
    february = next(c for c in cells if c.month == "2027-02")
    # Pending and opted-out obligations are not in the denominator: 1 met of 4 decided.
    assert (february.total, february.decided, february.rate("met")) == (6, 4, 0.25)
    assert february.rate("breached") == 0.75
    march = next(c for c in cells if c.month == "2027-03")
    assert march.decided == 0 and march.rate("met") is None


def test_filters_and_totals(db: Database, caseload: Agencies) -> None:
    with db.session() as s:
        feb = compliance.cells(s, NOW, Filters(from_month="2027-02", to_month="2027-02"))
        assert [(c.month, c.right) for c in feb] == [("2027-02", 6)]
        assert compliance.cells(s, NOW, Filters(agency_id=caseload.probation)) == []
        right4 = compliance.cells(s, NOW, Filters(right=4))
        assert {c.month for c in right4} == {"2027-01", "2027-03"}
        breached = compliance.cells(s, NOW, Filters(state="breached"))
        assert sum(c.total for c in breached) == 6
        totals = compliance.by_right(compliance.cells(s, NOW))
    assert [(t.right, t.total, t.decided, t.count("met")) for t in totals] == [
        (4, 7, 6, 2), (6, 6, 4, 1)]


def test_drill_down_lists_the_obligations_of_a_figure(db: Database,
                                                      caseload: Agencies) -> None:
    with db.session() as s:
        rows = compliance.obligation_rows(s, NOW, Filters(from_month="2027-02",
                                                          to_month="2027-02",
                                                          state="breached"))
        assert len(rows) == 3 and {st for _, st in rows} == {"breached"}
        assert all(o.right == 6 and o.due_month == "2027-02" for o, _ in rows)
        assert [o.due_at for o, _ in rows] == sorted(o.due_at for o, _ in rows)
        one = compliance.obligation_rows(s, NOW, care_ids=[rows[0][0].care_id])
        assert {o.care_id for o, _ in one} == {rows[0][0].care_id} and len(one) == 2


def test_the_csv_is_tidy_and_safe(db: Database, caseload: Agencies) -> None:
    with db.session() as s:
        s.get(Agency, caseload.police).name = "=HYPERLINK(\"http://x\")"
        table = compliance.frame(compliance.cells(s, NOW))
    text = csvsafe.to_csv_text(table)
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == list(compliance.COLUMNS)
    assert len(back) == 3 and back["agency"].iloc[0].startswith("'=")
    feb = back[back["month"] == "2027-02"].iloc[0]
    assert (feb["right"], feb["met"], feb["opted_out"], feb["pending"], feb["breached"],
            feb["decided"], feb["met_rate"]) == (6, 1, 1, 1, 3, 4, 0.25)
    assert feb["right_title"] == ("To be provided with information about the investigation "
                                  "and prosecution")
