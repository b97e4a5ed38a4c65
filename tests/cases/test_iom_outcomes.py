"""Offending before and after selection: equal windows, exposure at liberty, pooled cohorts,
all hand-computed; the caveats travel with the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from iomdip_world import at, build, custody, offence, person

from crimeplan.cases.db import Database
from crimeplan.cases.iom import journey, nominations, outcomes


def _select(s, w, who, cohort: str, when: dt.datetime) -> str:
    police = w.actor("police")
    iom = journey.get(s, journey.refer(s, police, who, "r", [], when).id)
    journey.assess(s, police, iom, "a", when)
    journey.select_into(s, police, iom, cohort, "s", when)
    return iom.case.id


def test_before_and_after_per_person_and_per_cohort(db: Database) -> None:
    now = at("2026-07-01")
    with db.session() as s:
        w = build(s)
        jo, al, new = person(s, w, "Jo"), person(s, w, "Al"), person(s, w, "New")
        # Jo, selected 1 January 2026: the windows are 181 days either side (to 1 July).
        offence(s, w, jo, "domestic-burglary", at("2025-12-22"))   # S − 10 days
        offence(s, w, jo, "robbery", at("2025-09-23"))             # S − 100 days
        offence(s, w, jo, "robbery", at("2025-06-15"))             # S − 200: outside
        offence(s, w, jo, "common-assault", at("2026-01-06"))      # S + 5 days
        custody(s, w, jo, at("2025-08-01"), at("2025-08-31"))      # 30 days before
        custody(s, w, jo, at("2026-02-01"), at("2026-03-03"))      # 30 days after
        jo_case = _select(s, w, jo, "fixed", at("2026-01-01"))
        # Al, selected 1 April 2026: 91 days either side; one shoplifting before, none after.
        offence(s, w, al, "shoplifting", at("2026-03-01"))
        _select(s, w, al, "fixed", at("2026-04-01"))
        # Selected today: no window yet.
        _select(s, w, new, "flex", now)
        table = nominations.harm_table("heeks-2018-cost")
        rows = outcomes.for_cases(s, table, now)
    assert [(r.person_id, r.window_days) for r in rows] == [(jo.id, 181), (al.id, 91)]
    jo_row = rows[0]
    assert jo_row.case_id == jo_case and jo_row.cohort == "fixed"
    assert (jo_row.before.offences, jo_row.before.harm) == (2, 5930.0 + 11320.0)
    assert (jo_row.after.offences, jo_row.after.harm) == (1, 5930.0)
    assert jo_row.before.liberty_days == jo_row.after.liberty_days == 151.0
    assert jo_row.before.offences_per_year == pytest.approx(2 / 151 * 365)
    assert jo_row.after.harm_per_year == pytest.approx(5930 / 151 * 365)
    [fixed, everyone] = outcomes.by_cohort(rows)
    assert (fixed.cohort, fixed.people, everyone.cohort) == ("fixed", 2, "all")
    assert fixed.before == outcomes.Pooled(3, 17250.0, 242.0)
    assert fixed.after == outcomes.Pooled(1, 5930.0, 242.0)
    assert fixed.change == pytest.approx(1 / 3 - 1)
    assert fixed.small_numbers


def test_a_spell_still_running_counts_to_now_and_no_liberty_gives_no_rate() -> None:
    s = at("2026-01-01")
    now = at("2026-01-11")
    row = outcomes.compare("c", "p", "free", s, [(at("2026-01-02"), 1.0)],
                           [outcomes.Custody(at("2025-12-31"), None)], now)
    assert row is not None and row.window_days == 10
    assert row.before.custody_days == 1.0 and row.after.custody_days == 10.0
    assert row.after.liberty_days == 0.0 and row.after.offences_per_year is None
    assert outcomes.compare("c", "p", "free", s, [], [], s + dt.timedelta(hours=23)) is None


def test_the_caveats_name_the_four_reasons_for_caution() -> None:
    ids = {c.id for c in outcomes.CAVEATS}
    assert {"regression-to-the-mean", "no-counterfactual", "detection", "small-numbers"} <= ids
    assert all(len(c.text) > 40 for c in outcomes.CAVEATS)
