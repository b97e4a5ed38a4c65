"""Rates per 1,000 residents against hand computations, and their properties."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crimeplan.analysis.rates import Denominator, crime_rates, read_area_set, read_denominator
from crimeplan.analysis.scope import ScopeError, resolve_scope


@pytest.fixture(scope="module")
def year(con):
    return resolve_scope(con, force="essex", start="2018-01", end="2018-12")


def test_force_rate_names_denominator(con, year):
    rates = crime_rates(con, year)
    row = rates.table.iloc[0]
    assert (row.area, row.area_name, row.crimes, row.population) == (
        "essex", "Essex Police", 414, 4500)
    assert row.rate_per_1000 == pytest.approx(92.0)
    assert "mid-2015 population, IMD 2019 denominators" in rates.unit
    assert "2018-01 to 2018-12" in rates.unit


def test_district_and_lsoa_rates(con, year):
    lad = crime_rates(con, year, "lad").table.set_index("area")["rate_per_1000"]
    assert lad.to_dict() == pytest.approx({"E07000001": 130.0, "E07000002": 16.0})
    lsoa = crime_rates(con, year, "lsoa", by_category=True).table
    zero = lsoa[(lsoa.area == "E01000002") & (lsoa.category == "burglary")]
    assert zero["crimes"].item() == 0 and zero["rate_per_1000"].item() == 0.0


def test_custom_area_set(con, year, tmp_path):
    path = tmp_path / "beats.csv"
    path.write_text("lsoa11_code,area\nE01000001,North\nE01000002,South\nE01000003,South\n")
    rates = crime_rates(con, year, "custom", area_set=read_area_set(path))
    got = rates.table.set_index("area")["rate_per_1000"].to_dict()
    assert got == pytest.approx({"North": 330.0, "South": 1000 * 84 / 3500})


def test_user_denominator_and_bad_file(con, year, tmp_path):
    good = tmp_path / "pop.csv"
    good.write_text("area,population\nessex,\"9,000\"\n")
    rates = crime_rates(con, year, denominator=read_denominator(good, "ONS mid-2018"))
    assert rates.table["rate_per_1000"].item() == pytest.approx(46.0)
    assert "ONS mid-2018" in rates.unit
    bad = tmp_path / "bad.csv"
    bad.write_text("area,population\nessex,lots\n")
    with pytest.raises(ScopeError, match=r"bad.csv: row 2, field population"):
        read_denominator(bad, "x")


def test_kent_rate_flags_missing_month(con):
    rates = crime_rates(con, resolve_scope(con, force="kent", start="2018-01", end="2018-12"))
    assert rates.table["crimes"].item() == 220
    assert "kent 2018-03" in rates.rows()[0].note


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.floats(min_value=1, max_value=1e7, allow_nan=False))
def test_rate_times_population_is_crimes(con, year, population):
    denominator = Denominator("test", pd.DataFrame({"area": ["essex"], "population": [population]}))
    row = crime_rates(con, year, denominator=denominator).table.iloc[0]
    assert row.rate_per_1000 * population / 1000 == pytest.approx(414)
