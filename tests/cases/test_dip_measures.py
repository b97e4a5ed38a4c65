"""The DIP measures by month and testing force, hand-computed from pathways recorded through
the real use cases."""

from __future__ import annotations

import datetime as dt

import pytest
from iomdip_world import at, build, person

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.db import Database
from crimeplan.cases.dip import measures, pathway
from crimeplan.cases.dip.pathway import ArrestTest

NOW = at("2026-12-01")


def _test(s, w, actor, name: str, when: dt.datetime, result: str = "positive"):
    return pathway.record_test(s, actor, person(s, w, name), ArrestTest(
        "theft", when - dt.timedelta(hours=2), when, result,
        ("cocaine",) if result == "positive" else ()), NOW)


def test_measures_of_a_month_hand_computed(db: Database) -> None:
    """Essex, January 2026: five tests. P1 assessed after 1 day, referred 3 days later,
    engaged 7 days after that; P2 assessed after 2 days, referred a day later, not engaged;
    P3 never assessed; one negative; one refused.

    refusal 1/5; positivity 3/4; assessed 2/3, referred 2/3, engaged 1/3.
    test → assessment [1, 2]: q1 1.25, median 1.5, q3 1.75; assessment → referral [3, 1]:
    1.5, 2, 2.5; referral → engagement [7]: 7, 7, 7.
    """
    with db.session() as s:
        w = build(s)
        police = w.actor("police", "case-management")
        treatment = w.actor("treatment", "case-management")
        t0 = at("2026-01-10", "09:00")
        p1, p2, _ = (_test(s, w, police, n, t0) for n in ("P1", "P2", "P3"))
        _test(s, w, police, "N", t0, "negative")
        _test(s, w, police, "R", t0, "refused")
        day = dt.timedelta(days=1)
        pathway.record_step(s, treatment, p1, "initial-assessment", t0 + day, NOW, attended=True)
        pathway.record_step(s, treatment, p1, "referral", t0 + 4 * day, NOW)
        pathway.record_step(s, treatment, p1, "treatment-start", t0 + 11 * day, NOW)
        pathway.record_step(s, treatment, p2, "initial-assessment", t0 + day, NOW, attended=False)
        pathway.record_step(s, treatment, p2, "initial-assessment", t0 + 2 * day, NOW,
                            attended=True)
        pathway.record_step(s, treatment, p2, "referral", t0 + 3 * day, NOW)
        [row] = measures.by_month_and_agency(
            pathway.load(s, pathway.tests_between(s)))
    assert (row.month, row.agency_id) == ("2026-01", w.agencies["police"])
    assert (row.tests, row.positive, row.negative, row.refused) == (5, 3, 1, 1)
    assert row.refusal_rate == measures.Share(1, 5, "tests requested")
    assert row.positivity.rate == pytest.approx(3 / 4)
    assert (row.assessed_share.count, row.assessed_share.of) == (2, 3)
    assert row.assessed_share.denominator == "positive tests"
    assert (row.referred, row.engaged) == (2, 1)
    assert row.engaged_share.rate == pytest.approx(1 / 3)
    assert row.test_to_assessment == measures.Times(2, 1.25, 1.5, 1.75)
    assert row.assessment_to_referral == measures.Times(2, 1.5, 2.0, 2.5)
    assert row.referral_to_engagement == measures.Times(1, 7.0, 7.0, 7.0)


def test_months_are_uk_months_and_forces_are_kept_apart(db: Database) -> None:
    """British Summer Time began on 29 March 2026: a test at 23:30 UTC on 31 March is at
    00:30 on 1 April in the UK, so it counts in April."""
    with db.session() as s:
        w = build(s)
        police = w.actor("police", "case-management")
        kent = Agency(name="Kent Police (test)", kind="police-force")
        s.add(kent)
        s.flush()
        kent_actor = Actor(agency_id=kent.id, agency_kind="police-force", role="case-worker",
                           user_id=police.user_id, purpose="case-management")
        _test(s, w, police, "A", at("2026-03-31", "23:30"))
        _test(s, w, police, "B", at("2026-03-31", "22:59"), "negative")
        _test(s, w, kent_actor, "C", at("2026-03-15"), "refused")
        rows = measures.by_month_and_agency(pathway.load(s, pathway.tests_between(s)))
    got = [(r.month, r.agency_id, r.tests, r.positive) for r in rows]
    essex, kent_id = w.agencies["police"], kent.id
    march = sorted([("2026-03", essex, 1, 0), ("2026-03", kent_id, 1, 0)], key=lambda r: r[1])
    assert got == [*march, ("2026-03", None, 2, 0), ("2026-04", essex, 1, 1),
                   ("2026-04", None, 1, 1)]
    assert measures.month_of(at("2026-10-31", "23:30")) == "2026-10"   # GMT again
    empty = next(r for r in rows if r.positive == 0)
    assert empty.assessed_share.rate is None and empty.test_to_assessment.median is None


def _row(month: str, agency: str | None, tests: int, positive: int, negative: int,
         refused: int, assessed: int, n: int = 0) -> measures.Measures:
    times = measures.Times.of([1.0] * n)
    none = measures.Times.of([])
    return measures.Measures(month, agency, tests, positive, negative, refused, assessed,
                             assessed, 0, times, none, none)


def test_small_numbers_are_withheld_with_whatever_would_reveal_them() -> None:
    quiet = _row("2026-01", "a", 40, 20, 20, 0, 20, n=20)
    assert measures.withheld(quiet, 5) == set()   # 0 of 20 engaged: zero is shown
    # One refusal: it, the total of tests and the refusal rate go; 17 of 20 assessed leaves
    # a remainder of 3, so that share goes too (and the referred share, equal to it).
    noisy = _row("2026-01", "b", 41, 20, 20, 1, 17, n=3)
    assert measures.withheld(noisy, 5) == {
        "refused", "tests", "refusal_rate", "assessed_share", "referred_share",
        "test_to_assessment"}
    everyone = _row("2026-01", None, 81, 40, 40, 1, 37, n=23)
    sets = measures.withheld_rows([quiet, noisy, everyone], 5)
    assert {"refused", "tests", "refusal_rate", "test_to_assessment"} <= sets[2]
