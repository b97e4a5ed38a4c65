"""Issue #11, "nothing lost, nothing unrecorded": every published row is loaded or quarantined
with its reason, and no partition is replaced by a short or foreign read.

Fixtures are laid out as police.uk publishes files: an LF header line and CRLF data rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crimeplan.store import Warehouse
from crimeplan.store.ingest import ingest_paths

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
