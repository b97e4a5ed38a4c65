"""Time profiles of timestamped point data (issue #16 item 4), against hand counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from crimeplan.analysis.timing import TimingError, time_profile, weekday_occurrences
from crimeplan.cli.main import app
from crimeplan.store import Warehouse
from crimeplan.store.points import PointsSpec, ingest_points

# 2024-03-04 is a Monday; the period runs to Sunday 2024-03-17: two of each weekday.
EVENTS = [("2024-03-04 15:10", "robbery"), ("2024-03-04 15:50", "robbery"),
          ("2024-03-11 15:20", "robbery"), ("2024-03-05 16:05", "robbery"),
          ("2024-03-09 23:30", "robbery"), ("2024-03-17 02:00", "burglary")]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "points.csv"
    path.write_bytes(b"when,x,y,kind\n" + b"".join(
        f"{t},0.1,51.5,{k}\r\n".encode() for t, k in EVENTS))
    home = tmp_path / "home"
    ingest_points(home, path, PointsSpec("city", "when", "x", "y", "EPSG:4326", "kind"))
    return home


def test_profile_counts_each_weekday_hour_and_divides_by_its_occurrences(home):
    con = Warehouse(home).connect(read_only=True)
    try:
        robbery = time_profile(con, "city", "robbery")
        every = time_profile(con, "city")
    finally:
        con.close()
    assert robbery.events == 5
    # The period of robberies is 2024-03-04 (Mon) to 2024-03-11 (Mon): Mondays twice.
    how = robbery.hour_of_week.set_index(["day", "hour"])
    assert how.loc[("Monday", 15), "events"] == 3 and how.loc[("Monday", 15), "weekdays"] == 2
    assert how.loc[("Monday", 15), "per_day"] == 1.5
    assert how.loc[("Tuesday", 16), "per_day"] == 1.0
    assert how.loc[("Saturday", 23), "per_day"] == 1.0
    assert list(robbery.peak(1)[["day", "hour"]].iloc[0]) == ["Monday", 15]
    by_hour = robbery.by_hour.set_index("hour")
    assert by_hour.loc[15, "events"] == 3 and by_hour.loc[15, "share"] == pytest.approx(0.6)
    assert robbery.weekday_share == pytest.approx(4 / 5)
    assert every.events == 6 and every.hour_of_week["weekdays"].eq(2).all()


def test_police_uk_data_is_refused_with_the_reason(tmp_path):
    from crimeplan.store.ingest import ingest_paths

    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    zips = sorted(sample.glob("police-uk-*.zip"))
    home = tmp_path / "home"
    ingest_paths(home, zips[:1])
    con = Warehouse(home).connect(read_only=True)
    try:
        force = con.execute("SELECT force FROM partitions LIMIT 1").fetchone()[0]
        with pytest.raises(TimingError, match="month of each crime only"):
            time_profile(con, force)
    finally:
        con.close()


def test_cli_profile_and_unknown_category(home):
    runner = CliRunner()
    ok = runner.invoke(app, ["analysis", "profile", "--dataset", "city", "--category",
                             "robbery", "--home", str(home)])
    assert ok.exit_code == 0, ok.output
    assert "Monday to Friday: 80.0% of events" in ok.output
    none = runner.invoke(app, ["analysis", "profile", "--dataset", "city", "--category",
                               "arson", "--home", str(home)])
    assert none.exit_code == 2 and "no point events of category 'arson'" in none.output


@given(st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)), st.integers(0, 800))
def test_weekday_occurrences_count_each_weekday_of_the_period(first, extra):
    last = first + dt.timedelta(days=extra)
    brute = [0] * 7
    for k in range(extra + 1):
        brute[(first + dt.timedelta(days=k)).weekday()] += 1
    assert weekday_occurrences(first, last) == brute
