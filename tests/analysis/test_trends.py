"""Trends against hand counts (see conftest for the built warehouse)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crimeplan.analysis.coverage import Coverage
from crimeplan.analysis.scope import Scope, ScopeError, resolve_scope
from crimeplan.analysis.trends import Trends, monthly_counts

JAN18 = dt.date(2018, 1, 1)


def value(frame: pd.DataFrame, column: str, **where: object) -> float:
    mask = np.ones(len(frame), dtype=bool)
    for key, v in where.items():
        mask &= (frame[key] == v).to_numpy()
    assert mask.sum() == 1
    return float(frame.loc[mask, column].iloc[0])


def test_monthly_counts_match_hand_counts(con):
    t = monthly_counts(con, resolve_scope(con, force="Essex Police"))
    assert value(t.monthly, "crimes", area="essex", category="burglary", month=JAN18) == 22
    assert value(t.monthly, "crimes", area="essex", category="all", month=JAN18) == 29
    assert t.coverage.complete and t.coverage.note() == ""


def test_rolling_year_on_year_and_index(con):
    t = monthly_counts(con, resolve_scope(con, force="essex"))
    rolling = t.rolling_12()
    assert value(rolling, "crimes_12m", category="burglary", month=dt.date(2017, 12, 1)) == 186
    assert value(rolling, "crimes_12m", category="burglary", month=dt.date(2018, 12, 1)) == 330
    assert np.isnan(value(rolling, "crimes_12m", category="burglary", month=dt.date(2017, 11, 1)))
    yoy = t.year_on_year()
    assert value(yoy, "pct_change", category="burglary", month=JAN18) == pytest.approx(120.0)
    assert value(yoy, "pct_change", category="all", month=JAN18) == pytest.approx(1200 / 17)
    index = t.indexed()
    assert value(index, "index", category="burglary", month=JAN18) == pytest.approx(220.0)
    assert value(index, "index", category="violent-crime", month=JAN18) == pytest.approx(100.0)
    two = t.indexed(dt.date(2017, 1, 1), dt.date(2017, 2, 1))
    assert value(two, "index", category="burglary", month=JAN18) == pytest.approx(2200 / 10.5)


def test_missing_force_month_is_nan_and_named(con):
    t = monthly_counts(con, resolve_scope(con, force="kent"))
    march = dt.date(2018, 3, 1)
    assert np.isnan(value(t.monthly, "crimes", category="burglary", month=march))
    assert value(t.monthly, "crimes", category="burglary", month=dt.date(2018, 4, 1)) == 20
    assert np.isnan(value(t.year_on_year(), "pct_change", category="burglary", month=march))
    rolling = t.rolling_12()
    assert np.isnan(value(rolling, "crimes_12m", category="burglary", month=dt.date(2018, 12, 1)))
    assert t.coverage.note() == "street missing (excluded): kent 2018-03"
    assert all(r.note == t.coverage.note() for r in t.rows())


def test_lad_areas_need_every_force_month(con):
    t = monthly_counts(con, resolve_scope(con), area_type="lad", by_category=False)
    assert value(t.monthly, "crimes", area="E07000001", month=JAN18) == 27
    assert np.isnan(value(t.monthly, "crimes", area="E07000001", month=dt.date(2018, 3, 1)))


def test_bad_scope_is_a_clear_error(con):
    with pytest.raises(ScopeError, match="unknown force"):
        resolve_scope(con, force="atlantis")
    with pytest.raises(ScopeError, match="YYYY-MM"):
        resolve_scope(con, force="essex", start="2018-13")
    with pytest.raises(ScopeError, match="after"):
        resolve_scope(con, force="essex", start="2018-05", end="2018-01")
    with pytest.raises(ScopeError, match="neither a force area nor"):
        resolve_scope(con, area="E07999999")


def test_area_scope_selects_district(con):
    scope = resolve_scope(con, area="e07000002", start="2018-01", end="2018-12")
    assert scope.lad_code == "E07000002" and scope.forces == ("essex",)
    t = monthly_counts(con, scope, by_category=False)
    assert t.monthly["crimes"].sum() == 24


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=2, max_size=24),
       st.integers(min_value=1, max_value=50))
def test_index_properties(counts, factor):
    """Base month indexes to 100, each month is 100·x/x_base, and scaling changes nothing."""
    start = dt.date(2018, 1, 1)
    months = [dt.date(2018 + (i // 12), i % 12 + 1, 1) for i in range(len(counts))]
    scope = Scope(("essex",), start, months[-1])

    def trends(values):
        monthly = pd.DataFrame({"area": "essex", "category": "all", "month": months,
                                "crimes": np.asarray(values, dtype=float)})
        return Trends(scope, Coverage("street", ("essex",), tuple(months), ()), "force", monthly)

    index = trends(counts).indexed()["index"].to_numpy()
    assert index[0] == pytest.approx(100.0)
    assert index == pytest.approx(100.0 * np.asarray(counts) / counts[0])
    scaled = trends([c * factor for c in counts]).indexed()["index"].to_numpy()
    assert scaled == pytest.approx(index)
