"""The Home Office recorded crime open data reader, on a fixture in the published layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from crimeplan.analysis.official import official_benchmark
from crimeplan.sources.home_office import RecordedCrimeError, quarter_start, read_recorded_crime

FIXTURE = Path(__file__).parents[1] / "fixtures" / "home_office_prc_pfa.csv"


def test_reads_published_layout():
    data = read_recorded_crime(FIXTURE)
    assert len(data.table) == 11
    first = data.table.iloc[0]
    assert (first.force, first.offences, first.quarter_start) == (
        "essex", 1204, dt.date(2017, 4, 1))
    assert pd.isna(data.table.loc[10, "force"])        # Action Fraud is not a force
    series = data.series("offence_group", "Essex Police").set_index(
        ["offence_group", "quarter_start"])["offences"]
    assert series[("Theft offences", dt.date(2017, 7, 1))] == 1150 + 598
    assert data.series("all", "kent")["offences"].item() == 1321 + 2905


def test_quarters_follow_the_financial_year():
    assert quarter_start("2017/18", 1) == dt.date(2017, 4, 1)
    assert quarter_start("2017/18", 3) == dt.date(2017, 10, 1)
    assert quarter_start("2017/18", 4) == dt.date(2018, 1, 1)


@pytest.mark.parametrize(("line", "message"), [
    ("2017/19,1,Essex,Burglary,Theft,Burglary,28E,5", "row 2, field Financial Year"),
    ("2017/18,5,Essex,Burglary,Theft,Burglary,28E,5", "row 2, field Financial Quarter"),
    ("2017/18,1,Essex,Burglary,Theft,Burglary,28E,five", "row 2, field Number of Offences"),
    ("2017/18,1,,Burglary,Theft,Burglary,28E,5", "row 2, field Force Name"),
])
def test_bad_values_name_file_row_and_field(tmp_path, line, message):
    path = tmp_path / "prc.csv"
    path.write_text(FIXTURE.read_text().splitlines()[0] + "\n" + line + "\n")
    with pytest.raises(RecordedCrimeError, match=message):
        read_recorded_crime(path)


def test_missing_column(tmp_path):
    path = tmp_path / "prc.csv"
    path.write_text("Financial Year,Force Name\n2017/18,Essex\n")
    with pytest.raises(RecordedCrimeError, match="missing column"):
        read_recorded_crime(path)


def test_official_benchmark_ranks_forces(con):
    data = read_recorded_crime(FIXTURE)
    bench = official_benchmark(con, data, "2017/18").table.set_index("force")
    assert bench.loc["essex", "offences"] == 1204 + 612 + 2310 + 1150 + 598 + 2402
    assert bench.loc["essex", "rate_per_1000"] == pytest.approx(1000 * 8276 / 4500)
    assert bench.loc["kent", "rate_per_1000"] == pytest.approx(1000 * 4226 / 500)
    assert list(bench["rank"].dropna()) == [1, 2]                 # kent, essex
    # police.uk April 2017 - March 2018: burglary 13..24, violence 5 and shoplifting 2 a month
    assert bench.loc["essex", "police_uk_crimes"] == sum(range(13, 25)) + 60 + 24
    assert bench.loc["essex", "police_uk_months"] == 12
    assert bench.loc["kent", "police_uk_months"] == 11           # 2018-03 missing
    result = official_benchmark(con, data)
    assert result.financial_year == "2018/19"
    assert "Metropolitan Police" in result.note()                # no population, no rate
