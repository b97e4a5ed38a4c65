"""Ingest of police.uk files: round trip of the real sample, bad files, versions, atomicity."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.store import Warehouse
from crimeplan.store.ingest import ingest_paths

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "police-uk-2018-sample.zip"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")


def street_row(crime_id: str = "abc", month: str = "2018-01", lon: str = "0.738080",
               lat: str = "52.042187", crime_type: str = "Burglary",
               outcome: str = "Under investigation") -> str:
    return (f"{crime_id},{month},Essex Police,Essex Police,{lon},{lat},On or near Banham Drive,"
            f"E01029913,Babergh 007B,{crime_type},{outcome},")


def write(path: Path, lines: list[str] | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode()
    path.write_bytes(data)
    return path


def table_rows(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = Warehouse(home).connect()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot(home: Path) -> dict[str, list[tuple]]:
    """Every table's full content, for before/after comparisons."""
    con = Warehouse(home).connect()
    try:
        tables = ["street", "outcomes", "stop_search", "points", "ingest_ledger", "partitions",
                  "quarantine", "locations"]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()


# ------------------------------------------------------------------------------------------
# The real sample


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    home = tmp_path_factory.mktemp("sample")
    report = ingest_paths(home, [SAMPLE])
    return home, report


def test_sample_round_trip_accounts_for_every_row(sample_home) -> None:
    home, report = sample_home
    assert report.ok
    with zipfile.ZipFile(SAMPLE) as zf:
        for member in zf.namelist():
            text = zf.read(member).decode("utf-8")
            expected = list(csv.DictReader(io.StringIO(text)))
            (file_report,) = [f for f in report.files if f.path.endswith(member)]
            assert file_report.rows_read == len(expected)
            assert file_report.rows_loaded == len(expected)
            assert file_report.rows_quarantined == 0
            table = "street" if member.endswith("street.csv") else "stop_search"
            fid = table_rows(home, "SELECT file_id FROM ingest_ledger WHERE path = ?",
                             [file_report.path])[0][0]
            lines = [r[0] for r in table_rows(
                home, f"SELECT line FROM {table} WHERE file_id = ? ORDER BY line", [fid])]
            assert lines == list(range(2, len(expected) + 2))
            if table == "street":
                got = table_rows(home, "SELECT line, crime_id, crime_type, category, "
                                 "longitude, lsoa_code, mapped FROM street WHERE file_id = ? "
                                 "ORDER BY line", [fid])
                for (line, crime_id, crime_type, category, lon, lsoa, mapped) in got[::997]:
                    src = expected[line - 2]
                    assert crime_id == (src["Crime ID"] or None)
                    assert crime_type == src["Crime type"]
                    assert lsoa == (src["LSOA code"] or None)
                    assert mapped == bool(src["Longitude"])
                    if src["Longitude"]:
                        assert lon == pytest.approx(float(src["Longitude"]))
                    if crime_type == "Violence and sexual offences":
                        assert category == "violent-crime"


def test_sample_totals_and_ledger(sample_home) -> None:
    home, report = sample_home
    totals = report.totals()
    assert totals["rows_read"] == 51_851 + 45_382
    assert totals["rows_read"] == totals["rows_loaded"] + totals["rows_quarantined"]
    ledger = table_rows(home, "SELECT count(*), sum(rows_read), sum(rows_loaded) "
                        "FROM ingest_ledger")
    assert ledger == [(11, 97_233, 97_233)]
    # anti-social behaviour has no crime ID and is loaded all the same
    asb = table_rows(home, "SELECT count(*), count(crime_id) FROM street "
                     "WHERE category = 'anti-social-behaviour'")[0]
    assert asb[0] > 10_000 and asb[1] == 0


def test_unmapped_rows_are_kept_and_flagged(sample_home) -> None:
    home, _ = sample_home
    with zipfile.ZipFile(SAMPLE) as zf:
        blank = sum(1 for m in zf.namelist() if m.endswith("street.csv")
                    for r in csv.DictReader(io.StringIO(zf.read(m).decode()))
                    if not r["Longitude"])
    got = table_rows(home, "SELECT count(*), count(x) FROM street WHERE NOT mapped")[0]
    assert got == (blank, 0)
    # every mapped row is projected to British National Grid (Essex lies east of 500 km)
    x_min, x_max = table_rows(home, "SELECT min(x), max(x) FROM street WHERE mapped "
                              "AND lsoa_name LIKE 'Southend%'")[0]
    assert 580_000 < x_min < x_max < 600_000


def test_same_archive_twice_changes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "h"
    ingest_paths(home, [SAMPLE])
    before = snapshot(home)
    again = ingest_paths(home, [SAMPLE])
    assert {f.status for f in again.files} == {"unchanged"}
    assert snapshot(home) == before


# ------------------------------------------------------------------------------------------
# Hand-built bad files


def test_bad_rows_are_quarantined_with_line_and_reason(tmp_path: Path) -> None:
    lines = [
        HEADER,
        street_row("a1"),                                        # 2 loaded
        street_row("a2", lat="95.000000"),                       # 3 latitude 95
        street_row("a3", month="2018-13"),                       # 4 unparsable month
        street_row("a4", crime_type="Witchcraft"),               # 5 unknown crime type
        street_row("a5", lon="", lat=""),                        # 6 unmapped, loaded
        street_row("a6", lon="east"),                            # 7 unparsable coordinates
        "a7,2018-01,Essex Police",                               # 8 truncated row
    ]
    data = ("\n".join(lines) + "\n").encode()
    latin1 = street_row("a8").replace("Banham", "Caf\xe9").encode("latin-1")
    path = write(tmp_path / "2018-01" / "2018-01-essex-street.csv",
                 data + latin1 + b"\n" + street_row("a9").encode() + b"\n")
    home = tmp_path / "h"
    report = ingest_paths(home, [path])
    (f,) = report.files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (9, 3, 6)
    assert f.rows_unmapped == 1
    got = table_rows(home, "SELECT line, reason, field, value FROM quarantine ORDER BY line")
    assert [g[:2] for g in got] == [
        (3, "coordinates outside the UK"), (4, "unparsable month"), (5, "unknown crime type"),
        (7, "coordinates unparsable"), (8, "wrong column count"), (9, "undecodable bytes")]
    assert got[0][2:] == ("Latitude", "95.000000")
    assert got[2][2:] == ("Crime type", "Witchcraft")
    assert [r[0] for r in table_rows(home, "SELECT line FROM street ORDER BY line")] == [2, 6, 10]
    raw = table_rows(home, "SELECT raw FROM quarantine WHERE line = 8")[0][0]
    assert raw == "a7,2018-01,Essex Police"


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV"),
    (b"name,colour\nbob,blue\n", "unknown header"),
    (b"just one line of prose without commas\n", "not a CSV"),
])
def test_unreadable_files_are_errors_naming_the_file(tmp_path: Path, content: bytes,
                                                     message: str) -> None:
    bad = write(tmp_path / "2018-01-essex-street.csv", content)
    good = write(tmp_path / "2018-02" / "2018-02-essex-street.csv",
                 [HEADER, street_row("b1", month="2018-02")])
    home = tmp_path / "h"
    result = CliRunner().invoke(app, ["ingest", str(bad), str(good), "--home", str(home),
                                      "--json"])
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    by_path = {f["path"]: f for f in summary["files"]}
    assert by_path[str(bad)]["status"] == "error"
    assert message in by_path[str(bad)]["message"]
    assert by_path[str(good)]["rows_loaded"] == 1  # the readable file still loads
    assert str(bad) in result.stderr
    assert table_rows(home, "SELECT count(*) FROM ingest_ledger WHERE path = ?",
                      [str(bad)]) == [(0,)]


def test_header_contradicting_file_name_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "2018-01-essex-outcomes.csv", [HEADER, street_row()])
    report = ingest_paths(tmp_path / "h", [path])
    assert report.files[0].status == "error"
    assert "outcomes" in report.files[0].message


def test_snake_case_header_and_no_file_name_pattern(tmp_path: Path) -> None:
    snake = ",".join(h.lower().replace(" ", "_") for h in HEADER.split(","))
    path = write(tmp_path / "essex_export.csv", [snake, street_row("c1"),
                                                 street_row("c2", month="2018-02")])
    home = tmp_path / "h"
    report = ingest_paths(home, [path])
    (f,) = report.files
    assert (f.dataset, f.rows_loaded) == ("street", 2)
    # force from 'Reported by', partitions from each row's month
    assert sorted((p.force, p.month) for p in f.partitions) == [("essex", "2018-01"),
                                                                ("essex", "2018-02")]


def test_revised_month_replaces_older_release(tmp_path: Path) -> None:
    old = write(tmp_path / "r1" / "2018-01" / "2018-01-essex-street.csv",
                [HEADER, street_row("d1", outcome="Under investigation"),
                 street_row("d2", outcome="Under investigation")])
    # the newer archive folder (released 2018-02) carries the revised January rows
    new_dir = tmp_path / "r2"
    write(new_dir / "2018-01" / "2018-01-essex-street.csv",
          [HEADER, street_row("d1", outcome="Offender sent to prison")])
    write(new_dir / "2018-02" / "2018-02-essex-street.csv",
          [HEADER, street_row("d3", month="2018-02")])
    home = tmp_path / "h"
    ingest_paths(home, [old.parent.parent])
    assert table_rows(home, "SELECT count(*) FROM street") == [(2,)]
    report = ingest_paths(home, [new_dir])
    actions = sorted((p.month, p.action) for f in report.files for p in f.partitions)
    assert actions == [("2018-01", "replaced"), ("2018-02", "new")]
    assert table_rows(home, "SELECT crime_id, last_outcome_category FROM street "
                      "ORDER BY crime_id") == [("d1", "Offender sent to prison"),
                                               ("d3", "Under investigation")]
    # the older release ingested again is refused, and nothing changes
    before = snapshot(home)
    again = ingest_paths(home, [old.parent.parent])
    assert again.files[0].status == "older-release"
    assert snapshot(home) == before


def test_stop_and_search_needs_a_force(tmp_path: Path) -> None:
    header = ("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,"
              "Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
              "Object of search,Outcome,Outcome linked to object of search,"
              "Removal of more than just outer clothing")
    row = ("Person search,2018-06-30T23:01:00+00:00,False,,51.496194,-0.082702,Male,18-24,"
           "White,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,")
    path = write(tmp_path / "searches.csv", [header, row])
    home = tmp_path / "h"
    assert ingest_paths(home, [path]).files[0].status == "error"
    report = ingest_paths(home, [path], force="metropolitan")
    assert report.files[0].rows_loaded == 1
    got = table_rows(home, "SELECT force, month, outcome_linked_to_object_of_search, "
                     "part_of_a_policing_operation, gender FROM stop_search")
    assert got == [("metropolitan", dt.date(2018, 6, 1), True, False, "Male")]


# ------------------------------------------------------------------------------------------
# Atomicity


CRASH_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import crimeplan.store.ingest as ingest

    real = ingest._fill_reports
    def crash(*args, **kwargs):
        real(*args, **kwargs)
        os.kill(os.getpid(), signal.{sig})   # rows are written, the commit has not happened
    ingest._fill_reports = crash
    ingest.ingest_paths(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
""")


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGINT"])
def test_crash_mid_ingest_leaves_warehouse_unchanged(tmp_path: Path, sig: str) -> None:
    home = tmp_path / "h"
    first = write(tmp_path / "a" / "2018-01" / "2018-01-essex-street.csv",
                  [HEADER, street_row("e1")])
    ingest_paths(home, [first])
    before = snapshot(home)
    revised = write(tmp_path / "b" / "2018-02" / "2018-01-essex-street.csv",
                    [HEADER, street_row("e2"), street_row("e3")])
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT.replace("{sig}", sig),
                           str(home), str(revised.parent.parent), str(SAMPLE)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    expected = -getattr(signal, sig)  # KeyboardInterrupt unhandled: Python exits by SIGINT
    assert proc.returncode == expected, proc.stderr[-2000:]
    if sig == "SIGINT":
        assert "KeyboardInterrupt" in proc.stderr
    assert snapshot(home) == before


def test_batches_give_the_same_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         sample_home) -> None:
    """One file per batch (as a national year is read) loads exactly what one batch does."""
    import crimeplan.store.ingest as ingest

    monkeypatch.setattr(ingest, "BATCH_BYTES", 1)
    home = tmp_path / "h"
    report = ingest_paths(home, [SAMPLE])
    assert report.totals() == sample_home[1].totals()
    columns = "force, month, crime_id, category, longitude, x, lsoa11_code, line"
    assert (table_rows(home, f"SELECT {columns} FROM street ORDER BY ALL")
            == table_rows(sample_home[0], f"SELECT {columns} FROM street ORDER BY ALL"))


def test_later_batch_replaces_an_earlier_one_of_the_same_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crimeplan.store.ingest as ingest

    monkeypatch.setattr(ingest, "BATCH_BYTES", 1)
    first = write(tmp_path / "a.csv", [HEADER, street_row("f1"), street_row("f2")])
    second = write(tmp_path / "b.csv", [HEADER, street_row("f3")])
    home = tmp_path / "h"
    report = ingest_paths(home, [first, second])
    assert [f.partitions[0].action for f in report.files] == ["new", "replaced"]
    assert table_rows(home, "SELECT crime_id FROM street") == [("f3",)]
    assert table_rows(home, "SELECT rows FROM partitions") == [(1,)]
