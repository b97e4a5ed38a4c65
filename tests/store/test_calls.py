"""Calls for service (issue #16 item 1): a command-and-control export ingested by a column
mapping, every row loaded or quarantined, callers pseudonymised at the door, and each demand
measure equal to a hand computation on a small export.

The fixture has an LF header line and CRLF rows, as force exports written on Windows do.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimeplan.analysis.calls import calls_demand, shown
from crimeplan.cli.main import app
from crimeplan.store import Warehouse
from crimeplan.store.calls import WITHHELD, CallsSpec, ingest_calls, pseudonym, pseudonym_key

HEADER = "When,Type,Grade,CallerRef,LSOA,Arrived,MH"
ROWS = [
    "2024-01-01 09:15:00,ASB,Immediate,CALLER-A,E01021001,2024-01-01 09:25:00,Y",  # line 2
    "2024-01-01 09:40:00,ASB,Priority,CALLER-A,E01021001,2024-01-01 10:40:00,N",
    "2024-01-02 22:05:00,Theft,Immediate,CALLER-B,E01021002,2024-01-02 22:25:00,yes",
    "2024-01-08 09:59:59,Concern for safety,Scheduled,CALLER-A,E01021001,,Y",
    "2024-01-14 23:00:00,ASB,Immediate,,E01021003,2024-01-14 23:30:00,n",
    "2024-01-09 22:10:00,Theft,Priority,CALLER-C,,2024-01-09 22:50:00,0",  # line 7
    "not a time,ASB,Immediate,CALLER-D,E01021001,,N",  # line 8
    "2024-01-03 10:00:00,ASB,Immediate,CALLER-E,E01021001,,maybe",  # line 9
    "2024-01-04 10:00:00,ASB,Immediate,CALLER-F,E01021001,2024-01-04 09:00:00,N",  # line 10
    "2024-01-05 10:00:00,ASB,Immediate,CALLER-G,X123,,N",  # line 11
    "2024-01-05 11:00:00,ASB,Immediate,CALLER-SECRET-Z,E01021001,,N,extra",  # line 12
]
SPEC = CallsSpec(name="control-room", time="When", call_type="Type", grade="Grade",
                 caller="CallerRef", lsoa="LSOA", arrival="Arrived",
                 flags=(("mental_health", "MH"),))
FLAGS = ["--name", "control-room", "--time", "When", "--type", "Type", "--grade", "Grade",
         "--caller", "CallerRef", "--lsoa", "LSOA", "--arrival", "Arrived",
         "--flag", "mental_health=MH"]


def export(path: Path, rows: list[str] = ROWS) -> Path:
    path.write_bytes((HEADER + "\n" + "".join(r + "\r\n" for r in rows)).encode())
    return path


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    report = ingest_calls(home, export(tmp_path / "calls.csv"), SPEC)
    assert report.ok, report.to_dict()
    return home


def test_every_row_is_loaded_or_quarantined_with_line_reason_and_field(tmp_path, loaded):
    con = Warehouse(loaded).connect(read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 6
        quarantined = con.execute("SELECT line, reason, field, value FROM quarantine "
                                  "ORDER BY line").fetchall()
        ledger = con.execute("SELECT rows_read, rows_loaded, rows_quarantined FROM "
                             "ingest_ledger").fetchall()
    finally:
        con.close()
    assert quarantined[:4] == [
        (8, "unparsable time", "When", "not a time"),
        (9, "flag neither yes nor no", "MH", "maybe"),
        (10, "arrival before the call", "Arrived", "2024-01-04 09:00:00"),
        (11, "not an LSOA code", "LSOA", "X123"),
    ]
    assert [(line, reason) for line, reason, *_ in quarantined[4:]] == [
        (12, "wrong column count")]
    assert ledger == [(11, 6, 5)]


def test_no_caller_reference_survives_anywhere(tmp_path, loaded):
    """Not in any table (quarantine included), the warehouse file, the run record or the
    analysis output: only keyed pseudonyms."""
    con = Warehouse(loaded).connect(read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        text = "".join(str(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)
        keys = {r[0] for r in con.execute("SELECT caller_key FROM calls").fetchall()}
        withheld = con.execute("SELECT raw FROM quarantine WHERE line = 12").fetchone()[0]
    finally:
        con.close()
    assert "CALLER-" not in text
    assert withheld == WITHHELD
    key = pseudonym_key(loaded)
    assert keys == {pseudonym(key, c) for c in ("CALLER-A", "CALLER-B", "CALLER-C")} | {None}
    for path in loaded.rglob("*"):
        if path.is_file() and path.suffix != ".key":
            assert b"CALLER-" not in path.read_bytes(), path
    result = CliRunner().invoke(app, ["analysis", "calls", "--dataset", "control-room",
                                      "--json", "--home", str(loaded)])
    assert result.exit_code == 0, result.output
    assert "CALLER-" not in result.output
    assert (loaded / "keys" / "pseudonyms.key").stat().st_mode & 0o077 == 0


def test_pseudonyms_are_stable_in_a_workspace_and_differ_between_workspaces(tmp_path, loaded):
    other = tmp_path / "other"
    ingest_calls(other, export(tmp_path / "again.csv", ROWS[:1]), SPEC)
    again = tmp_path / "later.csv"
    ingest_calls(loaded, export(again, ["2024-02-01 09:00:00,ASB,Immediate,CALLER-A,"
                                        "E01021001,,N"]), SPEC)

    def key_of(home: Path, month: str) -> str:
        con = Warehouse(home).connect(read_only=True)
        try:
            return con.execute("SELECT DISTINCT caller_key FROM calls WHERE month = ? AND "
                               "caller_key IS NOT NULL ORDER BY 1 LIMIT 1", [month]).fetchone()[0]
        finally:
            con.close()

    january = pseudonym(pseudonym_key(loaded), "CALLER-A")
    assert key_of(loaded, "2024-02-01") == january
    assert key_of(other, "2024-01-01") != january


def test_demand_measures_match_the_hand_computation(loaded):
    con = Warehouse(loaded).connect(read_only=True)
    try:
        found = calls_demand(con, "control-room", top=2)
    finally:
        con.close()
    assert found.calls == 6
    assert (found.first_day, found.last_day) == (dt.date(2024, 1, 1), dt.date(2024, 1, 14))
    how = found.hour_of_week.set_index(["day", "hour"])
    assert len(how) == 168 and how["weekdays"].eq(2).all()  # two of each weekday in 14 days
    assert how.loc[("Monday", 9), "calls"] == 3 and how.loc[("Monday", 9), "per_day"] == 1.5
    assert how.loc[("Tuesday", 22), "calls"] == 2 and how.loc[("Tuesday", 22), "per_day"] == 1.0
    assert how.loc[("Sunday", 23), "per_day"] == 0.5
    assert how["calls"].sum() == 6
    assert found.by_type.set_index("call_type")["calls"].to_dict() == {
        "ASB": 3, "Theft": 2, "Concern for safety": 1}
    assert found.by_type.set_index("call_type").loc["ASB", "share"] == 0.5
    callers = found.callers
    assert (callers.calls_with_key, callers.distinct, callers.repeat_keys,
            callers.repeat_calls) == (5, 3, 1, 3)
    assert callers.repeat_share == pytest.approx(3 / 5)
    assert callers.top_share() == pytest.approx(4 / 5)
    key = pseudonym(pseudonym_key(loaded), "CALLER-A")
    assert callers.top.iloc[0]["key"] == shown(key) and callers.top.iloc[0]["calls"] == 3
    assert list(callers.top["cumulative_share"]) == pytest.approx([0.6, 0.8])
    places = found.locations
    assert places.place_kind == "LSOA"
    assert (places.calls_with_key, places.distinct, places.repeat_keys) == (5, 3, 1)
    assert places.top.iloc[0]["key"] == "E01021001"
    assert found.flags.set_index("flag").loc["mental_health"].to_dict() == {
        "calls": 3, "share": 0.5}
    response = found.response.set_index("grade")
    # Immediate: 10, 20, 30 minutes; Priority: 60, 40.
    assert response.loc["Immediate"].to_dict() == pytest.approx(
        {"calls": 3, "median": 20.0, "p90": 28.0, "mean": 20.0})
    assert response.loc["Priority"].to_dict() == pytest.approx(
        {"calls": 2, "median": 50.0, "p90": 58.0, "mean": 50.0})
    assert any("no caller reference" in n for n in found.notes)


def test_cli_ingests_by_mapping_and_refuses_bad_options(tmp_path):
    home = tmp_path / "home"
    runner = CliRunner()
    file = export(tmp_path / "calls.csv")
    result = runner.invoke(app, ["ingest-calls", str(file), *FLAGS, "--json", "--home",
                                 str(home)])
    assert result.exit_code == 0, result.output
    totals = json.loads(result.output)["totals"]
    assert (totals["rows_read"], totals["rows_loaded"], totals["rows_quarantined"]) == (11, 6, 5)
    bad_flag = runner.invoke(app, ["ingest-calls", str(file), *FLAGS[:-2], "--flag", "MH",
                                   "--home", str(home)])
    assert bad_flag.exit_code == 2 and "NAME=COLUMN" in bad_flag.output
    missing = runner.invoke(app, ["ingest-calls", str(file), *FLAGS[:-2], "--flag",
                                  "mental_health=Mental", "--home", str(home)])
    assert missing.exit_code == 1 and "['Mental'] not in the header" in missing.output
    unknown = runner.invoke(app, ["analysis", "calls", "--dataset", "nope", "--home",
                                  str(home)])
    assert unknown.exit_code == 2 and "no calls data set 'nope'" in unknown.output


def test_generated_export_has_the_stated_shape(tmp_path):
    from crimeplan.sources.calls_synth import COLUMNS, generate_calls

    frame = generate_calls(20_000, start=dt.date(2024, 1, 1), days=28, seed=3)
    assert tuple(frame.columns) == COLUMNS and len(frame) == 20_000
    when = frame["CallDateTime"].str.slice(0, 10)
    assert when.min() >= "2024-01-01" and when.max() <= "2024-01-28"
    mh = frame.assign(y=frame["MH_Flag"].eq("Y")).groupby("CallType")["y"].mean()
    assert mh["Mental health"] > 0.9 > mh["Concern for safety"] > mh["Theft"]
    attended = frame["Grade"].isin(["Immediate", "Priority"])
    assert frame.loc[attended, "ArrivedDateTime"].ne("").all()
    assert frame.loc[~attended, "ArrivedDateTime"].eq("").all()
    hours = frame["CallDateTime"].str.slice(11, 13).astype(int).value_counts()
    assert hours[19] > 2 * hours[5]  # evening peak, pre-dawn low
