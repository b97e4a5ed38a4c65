"""CSV written by crimeplan: formula-like text is neutralised, numbers stay numbers, and
crimeplan reads its own files back unchanged."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crimeplan import csvsafe
from crimeplan.csvsafe import (
    neutralise,
    neutralised,
    restore,
    to_csv_text,
    write_csv,
    write_large_csv,
    write_rows,
)

SRC = Path(__file__).resolve().parents[1] / "src" / "crimeplan"


@pytest.mark.parametrize(("text", "written"), [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+44 1234", "'+44 1234"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("'=1", "''=1"),  # already quoted: one more, so restore gives it back
    ("-", "'-"),
    ("-0.5", "-0.5"),  # plain numbers are not formulas
    ("+3", "+3"),
    ("-1e-3", "-1e-3"),
    ("-.5", "-.5"),
    ("Theft", "Theft"),
    ("'quoted", "'quoted"),
    ("a=b", "a=b"),
    ("", ""),
])
def test_neutralise(text, written):
    assert neutralise(text) == written
    assert restore(written) == text


@given(st.text())
def test_restore_undoes_neutralise(text):
    assert restore(neutralise(text)) == text


@given(st.text())
def test_a_neutralised_cell_never_starts_a_formula(text):
    out = neutralise(text)
    assert not out.startswith(tuple(csvsafe.FORMULA_START)) or \
        re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", out)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_written_as_text_stay_numbers(x):
    assert neutralise(repr(x)) == repr(x)
    assert float(neutralise(repr(x))) == x


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "person": ["=cmd|'/c calc'!A1", "@SUM(1)", "-", "Ann", "'=x"],
        "score": [-0.5, 1.25, -3.0, 0.0, 2.0],
        "count": np.array([-1, 2, 3, -4, 5], dtype=np.int64),
        "group": pd.Categorical(["+a", "b", "+a", "b", "b"]),
        "mixed": ["=1", None, 3, "x", np.nan],
        "=total": [1, 2, 3, 4, 5],
    })


def test_written_file_neutralises_text_and_keeps_numbers(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(_frame(), path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["person", "score", "count", "group", "mixed", "'=total"]
    assert [r[0] for r in rows[1:]] == ["'=cmd|'/c calc'!A1", "'@SUM(1)", "'-", "Ann", "''=x"]
    assert [r[1] for r in rows[1:]] == ["-0.5", "1.25", "-3.0", "0.0", "2.0"]
    assert [r[2] for r in rows[1:]] == ["-1", "2", "3", "-4", "5"]
    assert [r[3] for r in rows[1:]] == ["'+a", "b", "'+a", "b", "b"]
    assert [r[4] for r in rows[1:]] == ["'=1", "", "3", "x", ""]
    back = pd.read_csv(path)
    assert back["score"].tolist() == [-0.5, 1.25, -3.0, 0.0, 2.0]
    assert back["count"].tolist() == [-1, 2, 3, -4, 5]
    assert back["person"].map(restore).tolist() == _frame()["person"].tolist()


def test_the_original_frame_is_not_changed():
    frame = _frame()
    neutralised(frame)
    pd.testing.assert_frame_equal(frame, _frame())


def test_text_and_large_writers_agree_with_the_file_writer(tmp_path):
    frame = _frame().drop(columns=["mixed"])
    write_csv(frame, tmp_path / "a.csv")
    assert to_csv_text(frame).encode() == (tmp_path / "a.csv").read_bytes()
    write_large_csv(frame, tmp_path / "b.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "b.csv"),
                                  pd.read_csv(tmp_path / "a.csv"))


def test_string_dtype_columns_are_neutralised():
    frame = pd.DataFrame({"cell_id": pd.array(["-1_2", "3_4", None], dtype="string")})
    assert neutralised(frame)["cell_id"].tolist()[:2] == ["'-1_2", "3_4"]
    assert neutralised(frame)["cell_id"].isna().tolist() == [False, False, True]


def test_write_rows(tmp_path):
    path = tmp_path / "d" / "rows.csv"
    write_rows(path, ["Location", "Longitude"],
               [{"Location": "=evil()", "Longitude": "-0.1234"},
                {"Location": "On or near High Street", "Longitude": "0.5"}])
    assert path.read_bytes().decode() == (
        "Location,Longitude\r\n'=evil(),-0.1234\r\nOn or near High Street,0.5\r\n")
    assert not path.with_name("rows.csv.part").exists()


@given(st.lists(st.tuples(st.text(), st.floats(allow_nan=False, allow_infinity=False,
                                                 width=32)), min_size=1, max_size=20))
def test_round_trip_through_a_file(rows):
    frame = pd.DataFrame(rows, columns=["text", "number"])
    buffer = io.StringIO(to_csv_text(frame))
    back = pd.read_csv(buffer, dtype={"text": str}, keep_default_na=False)
    assert back["text"].map(restore).tolist() == frame["text"].tolist()
    np.testing.assert_array_equal(back["number"].to_numpy(), frame["number"].to_numpy())


def test_no_csv_is_written_outside_this_module():
    """Every CSV writer in crimeplan goes through ``crimeplan.csvsafe``."""
    pattern = re.compile(r"\.to_csv\(|csv\.writer|csv\.DictWriter|pcsv\.write_csv|"
                         r"pyarrow\.csv")
    offenders = [f"{path.relative_to(SRC)}:{n}: {line.strip()}"
                 for path in SRC.rglob("*.py") if path.name != "csvsafe.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []


def test_forecast_cell_ids_west_of_the_origin_read_back_unchanged(tmp_path):
    """Cell ids such as ``-3_7`` are neutralised on writing and restored on reading."""
    from crimeplan.forecast.outputs import ranked_cells
    from crimeplan.governance.forecast_run import _read_forecast
    cells = pd.DataFrame({"cell_id": ["-3_7", "2_-1", "0_0"], "x_min": [-300.0, 200.0, 0.0],
                          "y_min": [700.0, -100.0, 0.0], "x_max": [-200.0, 300.0, 100.0],
                          "y_max": [800.0, 0.0, 100.0]})
    path = tmp_path / "2024-01.csv"
    write_large_csv(ranked_cells(cells, np.array([0.5, 2.0, 1.0])), path)
    assert "'-3_7" in path.read_text()
    back = _read_forecast(path)
    assert back["cell_id"].tolist() == ["2_-1", "0_0", "-3_7"]
    assert back["x_min"].tolist() == [200.0, 0.0, -300.0]
