"""Reading CSV files into a staging table as text, every line accounted for.

DuckDB reads a batch of same-header files fast and in parallel, but its reader alone cannot be
trusted with broken files. Its strict mode fails outright, aborting the whole run, on any
irregular row of a file with police.uk's mixed line endings (an LF header, CRLF rows); its
lenient mode, used here, cuts rows with too many fields short, drops text after a closing
quote and lets a quote that never closes swallow the rest of a file. So:

1. Each file's census, counted while hashing, must add up: its lines are the header, the rows
   staged, the lines rejected and blank lines; its bytes other than line breaks and quotes are
   the header's, the staged values' plus one comma between fields, and the rejected lines'.
   A row cut short, a line swallowed or a byte dropped breaks one of the two sums.
2. A file whose census does not add up is read again line by line in Python (:func:`recover`):
   each record is a row or a quarantined line with its number and reason, and a quote that
   never closes costs its own line, not the rest of the file.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from crimeplan.store import validation as v
from crimeplan.store.warehouse import register_frame

if TYPE_CHECKING:
    from crimeplan.store.ingest import PreparedFile

_LF, _CR, _QUOTE = 10, 13, 34


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file's bytes tells: its SHA-256, its lines, and its census."""

    sha256: str
    lines: int  # header included; a last line without a line break counts
    content: int  # bytes other than CR, LF and '"': what fields and commas must add up to
    quotes: int  # '"' bytes: without any, no value can hold a comma, quote or line break
    header_content: int  # the same count for line 1


def _content(chunk: bytes) -> int:
    return len(chunk) - chunk.count(b"\r") - chunk.count(b"\n") - chunk.count(b'"')


def scan_file(path: Path) -> FileScan:
    """SHA-256, line count and census of a file, in one pass over its bytes."""
    h = hashlib.sha256()
    size = breaks = crs = quotes = 0
    header: int | None = None
    last = b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            h.update(block)
            # numpy releases the GIL (bytes.count does not): hashing threads run in parallel
            a = np.frombuffer(block, dtype=np.uint8)
            breaks += int(np.count_nonzero(a == _LF))
            crs += int(np.count_nonzero(a == _CR))
            quotes += int(np.count_nonzero(a == _QUOTE))
            size += len(block)
            if header is None:
                end = block.find(b"\n")
                header = _content(block[:end] if end >= 0 else block)
            last = block[-1:]
    return FileScan(h.hexdigest(), breaks + (last != b"\n"), size - breaks - crs - quotes,
                    quotes, header or 0)


# --------------------------------------------------------------------------------------------
# Lines of a file, for the files that need them


class _Lines:
    """A file's bytes split at LF: where each line starts and ends (line 1 = index 0)."""

    def __init__(self, path: Path) -> None:
        self.data = np.fromfile(path, dtype=np.uint8)
        newlines = np.flatnonzero(self.data == _LF)
        self.starts = np.concatenate([[0], newlines + 1])
        self.ends = np.concatenate([newlines, [len(self.data)]])
        if self.starts[-1] == len(self.data):  # ends with a line break: no line after it
            self.starts, self.ends = self.starts[:-1], self.ends[:-1]

    def blank(self) -> np.ndarray:
        """Lines holding nothing but up to two CRs (CR CR LF endings): readers skip them."""
        length = self.ends - self.starts
        padded = np.concatenate([self.data, np.zeros(2, dtype=np.uint8)])
        first, second = padded[self.starts] == _CR, padded[self.starts + 1] == _CR
        return (length == 0) | ((length == 1) & first) | ((length == 2) & first & second)

    def of(self, pos: int) -> int:
        """Line number (1-based) of the record DuckDB reported at byte ``pos`` (which may point
        at the line break before the record)."""
        while 0 <= pos < len(self.data) and self.data[pos] in (_LF, _CR):
            pos += 1
        return int(np.searchsorted(self.starts, pos, side="right"))

    def content(self, line: int) -> int:
        return _content(self.data[self.starts[line - 1]:self.ends[line - 1]].tobytes())


# --------------------------------------------------------------------------------------------
# The recovering reader


@dataclass
class Recovered:
    """A file read record by record: rows with the line each starts on, and the lines that
    are not rows as (line, reason, detail, raw)."""

    rows: list[list[str | None]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    rejects: list[tuple[int, str, str, str]] = field(default_factory=list)


def _csv_reason(exc: csv.Error) -> tuple[str, str]:
    """Quarantine reason and detail for an error of Python's strict CSV parser."""
    text = str(exc)
    if text.startswith("new-line character"):
        return v.STRAY_CARRIAGE_RETURN, "a carriage return inside a field"
    if text.startswith(("unexpected end of data", "field larger than field limit")):
        return v.MALFORMED_QUOTING, "a quote opened on this line is never closed"
    return v.MALFORMED_QUOTING, text


def _is_row(line: str, width: int) -> bool:
    try:
        return len(next(csv.reader([line], strict=True), [])) == width
    except csv.Error:
        return False


def _undecodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _raw(text: str) -> str:
    """Published text fit to store: last line break dropped, bad bytes as \\xNN escapes."""
    return text.rstrip("\r\n").encode("utf-8", "surrogateescape").decode("utf-8",
                                                                       "backslashreplace")


def recover(path: Path, width: int) -> Recovered:
    """Read a CSV file record by record with Python's strict CSV parser, ``width`` fields each.

    A record of ``width`` fields is a row; a quoted value may span lines, unless one of the
    lines it would take in is itself a whole row (then the quote is a stray one). Any other
    record is quarantined by its first line and reading resumes on the next: an unterminated
    quote, a row with too many or too few fields or a stray carriage return costs one line.
    Blank lines are skipped. Lines are counted at LF (header = line 1), or at CR in a file
    without any LF (old Mac line endings).
    """
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    parts = text.split("\n" if "\n" in text else "\r")
    lines = [f"{s}\n" for s in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    out = Recovered()

    def reject(i: int, reason: str, detail: str, raw: str) -> None:
        out.rejects.append((i + 1, reason, detail, _raw(raw)))

    i = 1
    while i < len(lines):
        if not lines[i].strip("\r\n"):
            i += 1
            continue
        reader = csv.reader((lines[j] for j in range(i, len(lines))), strict=True)
        try:
            fields = next(reader)
        except csv.Error as exc:
            reject(i, *_csv_reason(exc), lines[i])
            i += 1
            continue
        end = i + reader.line_num
        if len(fields) != width:
            reject(i, v.WRONG_COLUMN_COUNT, f"{len(fields)} fields, the header has {width}",
                   lines[i])
            i += 1
        elif any(_is_row(line, width) for line in lines[i + 1:end]):
            reject(i, v.MALFORMED_QUOTING, "a quote opened on this line runs over whole rows",
                   lines[i])
            i += 1
        elif _undecodable(record := "".join(lines[i:end])):
            reject(i, v.UNDECODABLE, "not valid UTF-8", record)
            i = end
        else:
            out.rows.append([f or None for f in fields])
            out.lines.append(i + 1)
            i = end
    return out


# --------------------------------------------------------------------------------------------
# Staging a batch


def _read_csv(con: duckdb.DuckDBPyConnection, g: int, names: list[str],
              files: list[PreparedFile]) -> None:
    """DuckDB reads the batch, leniently (its strict mode fails outright on police.uk's mixed
    line endings), into ``stage_<g>``; the lines it rejects, by byte offset, into
    ``rejected_<g>``."""
    con.execute(
        f"CREATE TEMP TABLE stage_{g} AS SELECT * FROM read_csv($paths, columns=$spec, "
        "header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
        f"strict_mode=false, store_rejects=true, rejects_table='rejects_{g}', "
        f"rejects_scan='rejects_scan_{g}', filename=true, encoding='utf-8')",
        {"paths": [str(p.src.disk_path) for p in files], "spec": {n: "VARCHAR" for n in names}})
    con.execute(f"""CREATE TEMP TABLE rejected_{g} AS SELECT s.file_path AS path,
            e.line_byte_position AS pos, e.error_type, e.csv_line, e.error_message AS message
        FROM rejects_{g} e JOIN rejects_scan_{g} s USING (scan_id, file_id)""")
    con.execute(f"DROP TABLE rejects_{g}")
    con.execute(f"DROP TABLE rejects_scan_{g}")


@dataclass
class _Census:
    """What DuckDB made of one file: rows staged, their bytes, rejected lines' byte offsets."""

    rows: int = 0
    values: int = 0  # bytes of staged values, less quotes and line breaks
    breaks: int = 0  # line breaks inside staged values
    repeats: int = 0  # rows identical to an earlier row (by a 64-bit hash of the row)
    rejects: list[int] = field(default_factory=list)


def _censuses(con: duckdb.DuckDBPyConnection, g: int, names: list[str],
              files: list[PreparedFile]) -> dict[str, _Census]:
    out = {str(p.src.disk_path): _Census() for p in files}
    sums = ", ".join(f"sum(strlen({n}))" for n in names)
    for path, rows, distinct, *lengths in con.execute(
            f"SELECT filename, count(*), count(DISTINCT hash({', '.join(names)})), {sums} "
            f"FROM stage_{g} GROUP BY filename").fetchall():
        census = out[path]
        census.rows, census.repeats = int(rows), int(rows) - int(distinct)
        census.values = sum(int(n or 0) for n in lengths)
    strip = "'\"' || chr(13) || chr(10)"
    content = " + ".join(f"coalesce(strlen(translate({n}, {strip}, '')), 0)" for n in names)
    breaks = " + ".join(f"coalesce(strlen({n}) - strlen(replace({n}, chr(10), '')), 0)"
                        for n in names)
    quoted = [str(p.src.disk_path) for p in files if p.scan.quotes]
    if quoted:  # values may hold quotes and line breaks, which the census leaves out
        for path, values, inside in con.execute(
                f"SELECT filename, sum({content}), sum({breaks}) FROM stage_{g} "
                "WHERE list_contains($quoted, filename) GROUP BY filename",
                {"quoted": quoted}).fetchall():
            out[path].values, out[path].breaks = int(values), int(inside)
    for path, pos in con.execute(f"SELECT DISTINCT path, pos FROM rejected_{g}").fetchall():
        out[path].rejects.append(int(pos))
    return out


def _adds_up(p: PreparedFile, census: _Census, width: int,
             lines: _Lines | None) -> bool:
    """Whether a file's lines and bytes are exactly what DuckDB staged and rejected, one row
    per line (a value spanning lines goes to the recovering reader, which tells a quoted line
    break from a stray quote that runs over whole rows)."""
    scan = p.scan
    if census.breaks:
        return False
    if lines is None:  # no rejected lines, no blank lines
        return (scan.lines == 1 + census.rows and scan.content == scan.header_content
                + census.rows * (width - 1) + census.values)
    rejected = {lines.of(pos) for pos in census.rejects}
    blank = int(lines.blank()[1:].sum())
    return (scan.lines == 1 + census.rows + len(rejected) + blank
            and scan.content == scan.header_content + census.rows * (width - 1)
            + census.values + sum(lines.content(k) for k in rejected))


@dataclass
class Staged:
    """A staged batch: the text rows (``stage``), exact lines where a file needs them
    (``lines``: filename, rowid, line) and lines that are not rows (``rejects``, shaped as
    the quarantine table)."""

    stage: str
    lines: str
    rejects: str


def stage_files(con: duckdb.DuckDBPyConnection, g: int, names: list[str],
                files: list[PreparedFile]) -> Staged:
    """Read batch ``g`` of same-header files (columns ``names``) into staging tables, and set
    each file's ``staged`` count and first staging rowid. Every line of every file ends up a
    staged row, a rejected line, a blank line or part of a quoted value spanning lines."""
    _read_csv(con, g, names, files)
    censuses = _censuses(con, g, names, files)
    line_maps: dict[str, _Lines] = {}
    recovered: dict[str, Recovered] = {}
    for p in files:
        path = str(p.src.disk_path)
        census = censuses[path]
        lines = None
        if census.rejects or p.scan.lines != 1 + census.rows:
            lines = line_maps[path] = _Lines(p.src.disk_path)
        if _adds_up(p, census, len(names), lines):
            p.report.rows_duplicate = census.repeats
        else:
            rec = recovered[path] = recover(p.src.disk_path, len(names))
            p.report.rows_duplicate = len(rec.rows) - len(set(map(tuple, rec.rows)))
    _replace(con, g, names, recovered)
    exact, rejects = _exact_lines(con, g, files, line_maps, recovered)
    con.execute(f"DROP TABLE rejected_{g}")
    register_frame(con, "exact_lines", exact)
    con.execute(f"CREATE TEMP TABLE lines_{g} AS SELECT * FROM exact_lines")
    con.unregister("exact_lines")
    con.execute(f"CREATE TEMP TABLE parser_rej_{g} AS SELECT * FROM quarantine LIMIT 0")
    if rejects:
        con.executemany(f"INSERT INTO parser_rej_{g} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rejects)
    return Staged(f"stage_{g}", f"lines_{g}", f"parser_rej_{g}")


def _replace(con: duckdb.DuckDBPyConnection, g: int, names: list[str],
             recovered: dict[str, Recovered]) -> None:
    """Put recovered files' rows in place of what DuckDB made of them."""
    for path, rec in recovered.items():
        con.execute(f"DELETE FROM stage_{g} WHERE filename = ?", [path])
        con.execute(f"DELETE FROM rejected_{g} WHERE path = ?", [path])
        if rec.rows:
            frame = pd.DataFrame(rec.rows, columns=names, dtype=object)
            frame["filename"] = path
            register_frame(con, "recovered_rows", frame)
            con.execute(f"INSERT INTO stage_{g} SELECT * FROM recovered_rows")
            con.unregister("recovered_rows")


_EMPTY_LINES = pd.DataFrame({"filename": pd.Series([], dtype=str),
                             "rowid": pd.Series([], dtype="int64"),
                             "line": pd.Series([], dtype="int64")})


def _exact_lines(con: duckdb.DuckDBPyConnection, g: int, files: list[PreparedFile],
                 line_maps: dict[str, _Lines], recovered: dict[str, Recovered],
                 ) -> tuple[pd.DataFrame, list[tuple]]:
    """Each file's ``staged`` count and first staging rowid; exact lines for the files whose
    rows are not simply lines 2, 3, ...; quarantine rows for the lines that are not rows."""
    spans = {path: (int(lo), int(hi), int(n)) for path, lo, hi, n in con.execute(
        f"SELECT filename, min(rowid), max(rowid), count(*) FROM stage_{g} "
        "GROUP BY filename").fetchall()}
    frames = []
    rejects: list[tuple] = []
    for p in files:
        path = str(p.src.disk_path)
        lo, hi, count = spans.get(path, (0, -1, 0))
        if hi - lo + 1 != count:
            raise RuntimeError(f"{path}: rows were not staged in file order")
        p.staged, p.first_rowid = count, lo
        if path in recovered:
            rec = recovered[path]
            lines = np.asarray(rec.lines, dtype=np.int64)
            rejects += [(p.file_id, p.report.path, line, reason, None, None, detail, raw)
                        for line, reason, detail, raw in rec.rejects]
        elif path in line_maps:
            lines, file_rejects = _duckdb_lines(con, g, p, line_maps[path], count)
            rejects += file_rejects
        else:
            continue
        if count:
            frames.append(pd.DataFrame({"filename": path, "rowid": np.arange(lo, hi + 1),
                                        "line": lines}))
    return (pd.concat(frames, ignore_index=True) if frames else _EMPTY_LINES), rejects


def _duckdb_lines(con: duckdb.DuckDBPyConnection, g: int, p: PreparedFile,
                  lines: _Lines, count: int) -> tuple[np.ndarray, list[tuple]]:
    """Lines of the rows DuckDB staged from a file with rejected or blank lines (its census
    added up, so every other line is one row), and a quarantine row per rejected line."""
    found = con.execute(
        f"SELECT pos, list(DISTINCT error_type), first(csv_line), first(message) "
        f"FROM rejected_{g} WHERE path = ? GROUP BY pos ORDER BY pos",
        [str(p.src.disk_path)]).fetchall()
    keep = ~lines.blank()
    keep[0] = False  # header
    by_line: dict[int, tuple[str, str, str]] = {}
    for pos, types, raw, message in found:
        line = lines.of(int(pos))
        kind = sorted(types)[0]
        by_line.setdefault(line, (v.PARSER_REASONS.get(kind, kind.lower()), message,
                                  (raw or "").lstrip("\r\n")))
    keep[np.asarray(list(by_line), dtype=np.int64) - 1] = False
    rejects = [(p.file_id, p.report.path, line, reason, None, None, message, raw)
               for line, (reason, message, raw) in sorted(by_line.items())]
    staged = np.flatnonzero(keep) + 1
    if len(staged) != count:
        raise RuntimeError(f"{p.report.path}: {count} rows staged, {len(staged)} lines left")
    return staged.astype(np.int64), rejects
