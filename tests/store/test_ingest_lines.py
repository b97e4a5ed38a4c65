"""Exact line numbers of loaded rows when files have blank lines, CRLF or no final newline."""

from __future__ import annotations

from pathlib import Path

import pytest

from crimeplan.store import Warehouse
from crimeplan.store.ingest import ingest_paths
from crimeplan.store.staging import scan_file

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")


def street_row(crime_id: str) -> str:
    return (f"{crime_id},2018-01,Essex Police,Essex Police,0.738080,52.042187,"
            "On or near Banham Drive,E01029913,Babergh 007B,Burglary,Under investigation,")


def table_rows(home: Path, sql: str) -> list[tuple]:
    con = Warehouse(home).connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("data, lines", [
    (b"a\nb\n", 2), (b"a\nb", 2), (b"a\r\n\r\nb\r\n", 3), (b"h", 1), (b"\n\n", 2),
])
def test_scan_counts_lines_as_the_reader_sees_them(tmp_path: Path, data: bytes,
                                                   lines: int) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert scan_file(path).lines == lines


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_blank_lines_are_not_rows_and_keep_line_numbers_exact(tmp_path: Path, eol: str) -> None:
    text = eol.join([HEADER, street_row("a1"), "", street_row("a2"), "", "", street_row("a3")])
    path = tmp_path / "2018-01" / "2018-01-essex-street.csv"
    path.parent.mkdir()
    path.write_bytes(text.encode())  # no final line break either
    (f,) = ingest_paths(tmp_path / "h", [path]).files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 3, 0)
    got = table_rows(tmp_path / "h", "SELECT crime_id, line FROM street ORDER BY line")
    assert got == [("a1", 2), ("a2", 4), ("a3", 7)]


def test_clean_file_lines_follow_staging_order(tmp_path: Path) -> None:
    rows = [street_row(f"c{k}") for k in range(5)]
    path = tmp_path / "2018-01" / "2018-01-essex-street.csv"
    path.parent.mkdir()
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode())
    ingest_paths(tmp_path / "h", [path])
    got = table_rows(tmp_path / "h", "SELECT crime_id, line FROM street ORDER BY line")
    assert got == [(f"c{k}", k + 2) for k in range(5)]
