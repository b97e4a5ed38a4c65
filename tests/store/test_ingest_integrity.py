"""Issue #11, "nothing lost, nothing unrecorded": every published row is loaded or quarantined
with its reason, and no partition is replaced by a short or foreign read.

Fixtures are laid out as police.uk publishes files: an LF header line and CRLF data rows.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.store import Warehouse, staging
from crimeplan.store.ingest import ingest_paths
from crimeplan.store.points import PointsSpec, ingest_points

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "police-uk-2018-sample.zip"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")


def street_row(crime_id: str, month: str = "2018-01", location: str = "On or near Banham Drive",
               context: str = "") -> str:
    return (f"{crime_id},{month},Essex Police,Essex Police,0.738080,52.042187,{location},"
            f"E01029913,Babergh 007B,Burglary,Under investigation,{context}")


def police_uk_file(path: Path, rows: list[str], eol: str = "\r\n") -> Path:
    """A file as police.uk lays it out: LF after the header, ``eol`` after every row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((HEADER + "\n" + "".join(r + eol for r in rows)).encode())
    return path


def query(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = Warehouse(home).connect(read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------------------------------
# Item 2: rows go only to the partition their file is for


def test_row_of_another_month_is_quarantined_not_loaded_over_that_month(tmp_path: Path) -> None:
    home = tmp_path / "h"
    february = police_uk_file(tmp_path / "a" / "2018-02" / "2018-02-essex-street.csv",
                              [street_row(f"f{k}", "2018-02") for k in range(3)])
    ingest_paths(home, [february])
    march = police_uk_file(tmp_path / "b" / "2018-03" / "2018-03-essex-street.csv",
                           [street_row("m1", "2018-03"), street_row("stray", "2018-02"),
                            street_row("m2", "2018-03")])
    (f,) = ingest_paths(home, [march]).files
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", 3, 2, 1)
    assert [(p.month, p.rows, p.action) for p in f.partitions] == [("2018-03", 2, "new")]
    assert query(home, "SELECT month, count(*) FROM street GROUP BY 1 ORDER BY 1") == [
        (dt.date(2018, 2, 1), 3), (dt.date(2018, 3, 1), 2)]
    assert query(home, "SELECT crime_id FROM street WHERE month = '2018-02-01' ORDER BY 1") == [
        ("f0",), ("f1",), ("f2",)]
    assert query(home, "SELECT line, reason, field, value FROM quarantine") == [
        (3, "month differs from the file name", "Month", "2018-02")]


# ------------------------------------------------------------------------------------------
# Item 1: an unterminated quote never hides rows


def sample_march_rows() -> list[str]:
    """The bundled real Essex street rows of March 2018 (7,288), as published lines."""
    with zipfile.ZipFile(SAMPLE) as zf:
        text = zf.read("2018-03/2018-03-essex-street.csv").decode()
    header, *rows = text.splitlines()
    assert header == HEADER
    return rows


def test_unterminated_quote_costs_its_line_and_a_revision_never_shrinks_a_month(
        tmp_path: Path) -> None:
    rows = sample_march_rows()
    home = tmp_path / "h"
    first = police_uk_file(tmp_path / "r1" / "2018-03" / "2018-03-essex-street.csv", rows)
    ingest_paths(home, [first.parent.parent])
    broken = list(rows)
    fields = broken[11].split(",")  # line 13
    fields[6] = '"' + fields[6]     # Location opens a quote that never closes
    broken[11] = ",".join(fields)
    # a later release (folder 2018-04) revises March with the broken file
    police_uk_file(tmp_path / "r2" / "2018-04" / "2018-03-essex-street.csv", broken)
    (f,) = ingest_paths(home, [tmp_path / "r2"]).files
    n = len(rows)
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", n, n - 1, 1)
    assert [(p.month, p.rows, p.action) for p in f.partitions] == [("2018-03", n - 1, "replaced")]
    assert query(home, "SELECT line, reason, detail, raw FROM quarantine") == [
        (13, "malformed quoting", "a quote opened on this line is never closed", broken[11])]
    loaded = [r[0] for r in query(home, "SELECT line FROM street ORDER BY line")]
    assert loaded == [k for k in range(2, n + 2) if k != 13]
    assert query(home, "SELECT rows FROM partitions") == [(n - 1,)]


def test_two_stray_quotes_do_not_swallow_the_rows_between_them(tmp_path: Path) -> None:
    rows = [street_row(f"q{k}", location=f"On or near Street {k}") for k in range(30)]
    rows[4] = street_row("q4", location='"On or near Street 4')       # line 6
    rows[9] = street_row("q9", location='"On or near Street 9')       # line 11: closes line 6's
    path = police_uk_file(tmp_path / "2018-01" / "2018-01-essex-street.csv", rows)
    home = tmp_path / "h"
    (f,) = ingest_paths(home, [path]).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (30, 28, 2)
    assert query(home, "SELECT line, reason FROM quarantine ORDER BY line") == [
        (6, "malformed quoting"), (11, "malformed quoting")]
    assert query(home, "SELECT line, crime_id, location FROM street WHERE line IN (5, 7, 12) "
                 "ORDER BY line") == [(5, "q3", "On or near Street 3"),
                                      (7, "q5", "On or near Street 5"),
                                      (12, "q10", "On or near Street 10")]


def test_quoted_values_load_exactly_and_a_quoted_line_break_keeps_line_numbers(
        tmp_path: Path) -> None:
    rows = [street_row("v1"),
            street_row("v2", location='"On or near ""The Lanes"", Colchester"'),
            street_row("v3", location='"On or near Flat 1\r\nHigh Street"'),   # lines 4-5
            street_row("v4")]
    path = police_uk_file(tmp_path / "2018-01" / "2018-01-essex-street.csv", rows)
    home = tmp_path / "h"
    (f,) = ingest_paths(home, [path]).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (4, 4, 0)
    assert query(home, "SELECT line, crime_id, location FROM street ORDER BY line") == [
        (2, "v1", "On or near Banham Drive"),
        (3, "v2", 'On or near "The Lanes", Colchester'),
        (4, "v3", "On or near Flat 1\r\nHigh Street"),
        (6, "v4", "On or near Banham Drive")]


def test_text_after_a_closing_quote_is_quarantined_not_dropped(tmp_path: Path) -> None:
    rows = [street_row("t1"), street_row("t2", location='"On or near Mill Lane" East'),
            street_row("t3")]
    path = police_uk_file(tmp_path / "2018-01" / "2018-01-essex-street.csv", rows)
    home = tmp_path / "h"
    (f,) = ingest_paths(home, [path]).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 2, 1)
    assert query(home, "SELECT line, reason FROM quarantine") == [(3, "malformed quoting")]
    assert query(home, "SELECT line FROM street ORDER BY line") == [(2,), (4,)]


# ------------------------------------------------------------------------------------------
# Item 3: rows with too many or too few fields, whatever the line endings


@pytest.mark.parametrize("eol", ["\r\n", "\r\r\n", "\n"])
def test_wrong_field_counts_are_quarantined_and_the_run_goes_on(tmp_path: Path,
                                                                eol: str) -> None:
    rows = [street_row("w1"), street_row("w2") + ",extra",             # line 3: 13 fields
            street_row("w3", context="Reported online"),
            "w4,2018-01,Essex Police",                                  # line 5: 3 fields
            street_row("w5") + ",",                                     # line 6: 13, empty
            street_row("w6")]
    bad = police_uk_file(tmp_path / "a" / "2018-01" / "2018-01-essex-street.csv", rows, eol)
    good = police_uk_file(tmp_path / "a" / "2018-02" / "2018-02-essex-street.csv",
                          [street_row("g1", "2018-02"), street_row("g2", "2018-02")], eol)
    home = tmp_path / "h"
    report = ingest_paths(home, [bad, good])
    assert [(f.rows_read, f.rows_loaded, f.rows_quarantined) for f in report.files] == [
        (6, 3, 3), (2, 2, 0)]
    assert query(home, "SELECT line, reason, raw FROM quarantine ORDER BY line") == [
        (3, "wrong column count", rows[1]), (5, "wrong column count", rows[3]),
        (6, "wrong column count", rows[4])]
    assert query(home, "SELECT line, crime_id, context FROM street ORDER BY month, line") == [
        (2, "w1", None), (4, "w3", "Reported online"), (7, "w6", None),
        (2, "g1", None), (3, "g2", None)]


def test_rows_with_a_context_load_from_a_police_uk_layout_file(tmp_path: Path) -> None:
    """A last column with text on CRLF rows under an LF header made DuckDB's strict reader
    fail the whole run."""
    rows = [street_row("c1", context="Reported at the station"), street_row("c2")]
    path = police_uk_file(tmp_path / "2018-01" / "2018-01-essex-street.csv", rows)
    home = tmp_path / "h"
    (f,) = ingest_paths(home, [path]).files
    assert (f.rows_read, f.rows_loaded) == (2, 2)
    assert query(home, "SELECT line, context FROM street ORDER BY line") == [
        (2, "Reported at the station"), (3, None)]


# ------------------------------------------------------------------------------------------
# Items 1 and 3 together: any mix of good and broken rows, any line endings


#: Row kinds: (published text, loaded Location or None when the line is quarantined).
KINDS: dict[str, tuple[str, str | None]] = {
    "plain": (street_row("{id}"), "On or near Banham Drive"),
    "quoted": (street_row("{id}", location='"On or near ""The Lanes"", Colchester"'),
               'On or near "The Lanes", Colchester'),
    "two lines": (street_row("{id}", location='"On or near Flat 2\r\nHigh Street"'),
                  "On or near Flat 2\r\nHigh Street"),
    "too many": (street_row("{id}") + ",spare", None),
    "too few": ("{id},2018-01,Essex Police,Essex Police", None),
    "open quote": (street_row("{id}", location='"On or near Mill Lane'), None),
    "after quote": (street_row("{id}", location='"On or near Mill Lane" East'), None),
    "stray CR": (street_row("{id}", location="On or near Mill\rLane"), None),
    "Latin-1": (street_row("{id}", location="On or near Caf\udce9 Row"), None),
    "blank": ("", None),
}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=12),
       eol=st.sampled_from(["\r\n", "\n", "\r\r\n"]))
def test_every_line_is_a_row_or_quarantined_with_its_number(kinds: list[str], eol: str) -> None:
    body, loaded, quarantined, line = [], [], [], 2
    for k, kind in enumerate(kinds):
        text, location = KINDS[kind]
        body.append(text.replace("{id}", f"r{k}"))
        if location is not None:
            loaded.append((line, f"r{k}", location))
        elif kind != "blank":
            quarantined.append(line)
        line += 1 + text.count("\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "2018-01" / "2018-01-essex-street.csv"
        path.parent.mkdir()
        path.write_bytes((HEADER + "\n" + "".join(r + eol for r in body))
                         .encode("utf-8", "surrogateescape"))
        home = Path(tmp) / "h"
        (f,) = ingest_paths(home, [path]).files
        assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (
            len(loaded) + len(quarantined), len(loaded), len(quarantined))
        assert query(home, "SELECT line, crime_id, location FROM street ORDER BY line") == loaded
        assert [r[0] for r in query(home, "SELECT line FROM quarantine ORDER BY line")] == (
            quarantined)


def test_old_mac_line_endings_are_lines(tmp_path: Path) -> None:
    path = tmp_path / "2018-01" / "2018-01-essex-street.csv"
    path.parent.mkdir()
    path.write_bytes("\r".join([HEADER, street_row("m1"), street_row("m2") + ",spare",
                                street_row("m3")]).encode())
    home = tmp_path / "h"
    (f,) = ingest_paths(home, [path]).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 2, 1)
    assert query(home, "SELECT line, crime_id FROM street ORDER BY line") == [(2, "m1"),
                                                                             (4, "m3")]
    assert query(home, "SELECT line, reason FROM quarantine") == [(3, "wrong column count")]


def test_point_data_with_a_stray_quote_keeps_every_other_row(tmp_path: Path) -> None:
    """Point data shares the reader: a month of events is never replaced by a short read."""
    home = tmp_path / "h"
    spec = PointsSpec("export", "time", "x", "y", "EPSG:4326", "kind")
    rows = [f"2020-03-{d:02d} 10:00,-87.6,41.8,assault" for d in range(1, 21)]
    first = tmp_path / "a.csv"
    first.write_bytes(("time,x,y,kind\n" + "".join(r + "\r\n" for r in rows)).encode())
    ingest_points(home, first, spec)
    rows[4] = '2020-03-05 10:00,-87.6,41.8,"assault'                  # line 6
    revised = tmp_path / "b.csv"
    revised.write_bytes(("time,x,y,kind\n" + "".join(r + "\r\n" for r in rows)).encode())
    (f,) = ingest_points(home, revised, spec).files
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", 20, 19, 1)
    assert [(p.month, p.rows, p.action) for p in f.partitions] == [("2020-03", 19, "replaced")]
    assert query(home, "SELECT line, reason FROM quarantine") == [(6, "malformed quoting")]
    assert query(home, "SELECT count(*), min(line), max(line) FROM points") == [(19, 2, 21)]


# ------------------------------------------------------------------------------------------
# Item 4: exact duplicate rows inside one file are reported


def asb_row(location: str = "On or near Pine Close") -> str:
    return (f",2018-01,Essex Police,Essex Police,1.066131,51.964058,{location},E01029872,"
            "Babergh 010B,Anti-social behaviour,,")


@pytest.mark.parametrize("broken", [False, True])
def test_repeated_rows_are_loaded_and_counted(tmp_path: Path, broken: bool) -> None:
    rows = [asb_row(), asb_row(), asb_row("On or near Elm Road"), street_row("d1"),
            street_row("d1"), street_row("d1"), street_row("d2")]
    if broken:  # a stray quote: the file is read by the recovering reader, same count
        rows.insert(2, street_row("d3", location='"On or near Mill Lane'))
    path = police_uk_file(tmp_path / "2018-01" / "2018-01-essex-street.csv", rows)
    home = tmp_path / "h"
    result = CliRunner().invoke(app, ["ingest", str(path), "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["totals"]["rows_duplicate"] == 3
    (f,) = out["files"]
    assert (f["rows_duplicate"], f["rows_loaded"], f["rows_quarantined"]) == (3, 7, int(broken))
    assert query(home, "SELECT count(*) FROM street WHERE crime_id IS NULL") == [(3,)]
    assert query(home, "SELECT line, detail FROM quarantine") == (
        [(4, "a quote opened on this line is never closed")] if broken else [])
    shown = CliRunner().invoke(app, ["ingest", str(path), "--home", str(tmp_path / "h2")])
    assert "3 rows repeat an earlier row of their file exactly" in " ".join(shown.stdout.split())


def test_duplicate_counts_of_the_real_sample(tmp_path: Path) -> None:
    report = ingest_paths(tmp_path / "h", [SAMPLE])
    with zipfile.ZipFile(SAMPLE) as zf:
        for member in zf.namelist():
            rows = zf.read(member).decode().splitlines()[1:]
            (f,) = [f for f in report.files if f.path.endswith(member)]
            assert f.rows_duplicate == len(rows) - len(set(rows)), member
    assert report.totals()["rows_duplicate"] > 1_000  # anti-social behaviour and searches


def test_point_data_rows_with_wrong_field_counts_and_repeats(tmp_path: Path) -> None:
    """Items 3 and 4 for point data, which shares the reader."""
    rows = ["2020-03-01 10:00,-87.6,41.8,assault", "2020-03-01 10:00,-87.6,41.8,assault",
            "2020-03-02 10:00,-87.6,41.8,assault,spare", "2020-03-03 10:00,-87.6",
            "2020-03-04 10:00,-87.5,41.7,robbery"]
    path = tmp_path / "p.csv"
    path.write_bytes(("time,x,y,kind\n" + "".join(r + "\r\n" for r in rows)).encode())
    home = tmp_path / "h"
    (f,) = ingest_points(home, path, PointsSpec("export", "time", "x", "y", "EPSG:4326",
                                                "kind")).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_duplicate) == (5, 3, 2, 1)
    assert query(home, "SELECT line, reason FROM quarantine ORDER BY line") == [
        (4, "wrong column count"), (5, "wrong column count")]
    assert query(home, "SELECT line, category FROM points ORDER BY line") == [
        (2, "assault"), (3, "assault"), (6, "robbery")]


@pytest.mark.parametrize("rows, eol, recovered", [
    ([street_row("k1"), street_row("k2")], "\r\n", False),
    ([street_row("k1"), street_row("k2", location='"On or near ""The Lanes"", Colchester"')],
     "\r\n", False),
    ([street_row("k1"), "", street_row("k2"), "a,2018-01"], "\r\r\n", False),  # blank, short
    ([street_row("k1", context="Reported online"), street_row("k2") + ",spare"], "\r\n", True),
    ([street_row("k1"), street_row("k2", location='"On or near Mill Lane" East')], "\n", True),
    ([street_row("k1", location='"Flat 1\r\nHigh St"'), street_row("k2")], "\r\n", True),
])
def test_duckdb_reads_what_adds_up_and_only_the_rest_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[str], eol: str,
        recovered: bool) -> None:
    """The census keeps DuckDB's fast read for every well-formed file (quoted values, blank
    lines, rows DuckDB itself rejects) and sends exactly the others to the recovering reader."""
    calls: list[Path] = []

    def spy(path: Path, width: int) -> staging.Recovered:
        calls.append(path)
        return real(path, width)

    real = staging.recover
    monkeypatch.setattr(staging, "recover", spy)
    path = police_uk_file(tmp_path / "2018-01" / "2018-01-essex-street.csv", rows, eol)
    (f,) = ingest_paths(tmp_path / "h", [path]).files
    assert f.rows_read == sum(1 for r in rows if r)
    assert calls == ([path] if recovered else [])
