"""Small police.uk files for command-line tests."""

from __future__ import annotations

from pathlib import Path


def street_csv(path: Path, rows: int) -> Path:
    """A police.uk street file as published: LF after the header, CRLF after each row."""
    header = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
              "LSOA name,Crime type,Last outcome category,Context\n")
    body = "".join(f"id{i},2018-01,Essex Police,Essex Police,0.738080,52.042187,On or near "
                   f"Banham Drive,E01029913,Babergh 007B,Burglary,Under investigation,\r\n"
                   for i in range(rows))
    path.write_bytes((header + body).encode())
    return path
