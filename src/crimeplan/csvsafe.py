"""Every CSV crimeplan writes goes through here, so a spreadsheet never runs a cell as a formula.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-`` or ``@`` as a
formula (a leading TAB or CR can hide one), so text from data such as ``=HYPERLINK(...)`` could
act when an analyst opens an output (CSV injection). OWASP's remedy: such text cells get a
leading single quote, which spreadsheets show as text. Numbers stay numbers: numeric columns are
written unchanged, and a text cell holding a plain decimal number (``-0.5``, ``+3``, ``1e-3``) is
no formula and is left alone. Header names are treated like text cells. Rows end in CRLF
(RFC 4180), so a text cell holding a carriage return is quoted (with LF endings Python's
writer leaves a lone CR unquoted, and readers split the row there); ``write_large_csv``
(Arrow) ends rows in LF and quotes every text cell instead.

``restore`` undoes ``neutralise`` exactly (text that already starts with quotes before such a
character gets one more), so crimeplan reads its own files back unchanged.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

#: Characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_START = "=+-@\t\r"
CRLF = "\r\n"
_RISKY = r"'*[=+\-@\t\r]"
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
_NEEDS_QUOTE = re.compile(_RISKY)
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_PLAIN_NUMBER = re.compile(_NUMBER)


def neutralise(text: str) -> str:
    """``text`` with a leading quote if a spreadsheet could read it as a formula."""
    if _NEEDS_QUOTE.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The text ``neutralise`` was given (its inverse)."""
    return text[1:] if _QUOTED.match(text) else text


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and column name neutralised; numbers untouched."""
    out = frame.copy(deep=False)
    for i in range(frame.shape[1]):
        out.isetitem(i, _column(frame.iloc[:, i]))
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in frame.columns]
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` (without its index) as a CSV file, text cells neutralised."""
    neutralised(frame).to_csv(path, index=False, lineterminator=CRLF)


def to_csv_text(frame: pd.DataFrame) -> str:
    """``frame`` (without its index) as CSV text, text cells neutralised."""
    return neutralised(frame).to_csv(index=False, lineterminator=CRLF)


def write_large_csv(frame: pd.DataFrame, path: Path) -> None:
    """``write_csv`` through Arrow's writer: ten times pandas' speed on large numeric grids."""
    pcsv.write_csv(pa.Table.from_pandas(neutralised(frame), preserve_index=False), path,
                   pcsv.WriteOptions(quoting_style="needed"))


def write_rows(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    """Write text rows under ``columns``, neutralised, atomically (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[neutralise(c) for c in columns],
                                lineterminator=CRLF)
        writer.writeheader()
        writer.writerows({neutralise(k): _cell(v) for k, v in row.items()} for row in rows)
    os.replace(tmp, path)


def _cell(value: object) -> object:
    return neutralise(value) if isinstance(value, str) else value


def _column(values: pd.Series) -> pd.Series:
    """A column with its risky text cells neutralised (numeric and date columns as they are)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.rename_categories(_cell)
    if isinstance(values.dtype, pd.StringDtype):
        risky = (values.str.match(_RISKY) & ~values.str.fullmatch(_NUMBER)).fillna(False)
    elif values.dtype == object:
        risky = values.map(lambda v: isinstance(v, str) and neutralise(v) != v)
    else:
        return values
    mask = risky.to_numpy(dtype=bool)
    if not mask.any():
        return values
    cells = values.to_numpy(dtype=object, copy=True)
    cells[mask] = [neutralise(v) for v in cells[mask]]
    return pd.Series(cells, index=values.index, name=values.name, dtype=values.dtype)
