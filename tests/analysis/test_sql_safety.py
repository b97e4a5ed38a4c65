"""No analysis SQL is built from a user's value: every value is a bound parameter.

Two checks: the sources (a grep: no statement run except through ``analysis.sql``, no quoted
SQL literal made by formatting, no hand-made quoting), and every indicator run with values
that would break out of a quoted literal, watching each statement sent to DuckDB (the value
is in the parameters, never in the text)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from crimeplan import analysis as an
from crimeplan.analysis.rates import Denominator
from crimeplan.analysis.scope import Scope, resolve_scope

SRC = Path(__file__).resolve().parents[2] / "src" / "crimeplan"
SOURCES = [*sorted((SRC / "analysis").glob("*.py")), SRC / "report" / "analysis_report.py"]
CANARY = "zz'canary\" OR '1'='1"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_sql_formats_a_value(path):
    text = path.read_text(encoding="utf-8")
    if path.name != "sql.py":
        assert re.findall(r"\b\w*(?:con|cur)\w*\.(?:execute|executemany|sql|query|register)\(",
                          text) == [], (
            "run statements through crimeplan.analysis.sql (bound parameters, own cursor)")
    assert re.findall(r"'\{[^}]*\}'|DATE '\{|\bquote\(", text) == [], (
        "a quoted SQL literal made by formatting: bind the value as a $parameter")


class Watched:
    """A DuckDB connection (or cursor) that notes every statement and its parameters."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sent: list[tuple[str, Any]]) -> None:
        self._con, self.sent = con, sent

    def cursor(self) -> Watched:
        return Watched(self._con.cursor(), self.sent)

    def execute(self, query: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        self.sent.append((query, parameters))
        return self._con.execute(query, parameters)

    def __enter__(self) -> Watched:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def test_hostile_values_stay_in_the_parameters(con):
    sent: list[tuple[str, Any]] = []
    watched = Watched(con, sent)
    year = resolve_scope(con, force="essex", start="2018-01", end="2018-12")
    hostile = Scope(("essex", CANARY), year.start, year.end, label=CANARY)
    district = Scope(("essex",), year.start, year.end, lad_code=CANARY, label=CANARY)
    areas = pd.DataFrame({"lsoa11_code": ["E01000001", CANARY], "area": [CANARY, "South"]})
    own = Denominator(CANARY, pd.DataFrame({"area": ["essex", CANARY],
                                            "population": [9000.0, 1.0]}))
    results = [
        an.monthly_counts(watched, hostile, "lsoa"),
        an.crime_rates(watched, hostile, "lsoa", by_category=True),
        an.crime_rates(watched, hostile, "custom", area_set=areas),
        an.crime_rates(watched, hostile, denominator=own),
        an.largest_rises(watched, hostile, "lad", category=CANARY),
        an.outcome_shares(watched, hostile, "lad"),
        an.stop_search_summary(watched, hostile, "ethnicity"),
        an.concentration(watched, hostile, "lsoa", category=CANARY),
        an.concentration(watched, hostile, "grid", cell_size=123.0),
        an.deprivation(watched, hostile, category=CANARY),
        an.cost_of_crime(watched, hostile),
        an.coverage(watched, district, "street"),
        an.crime_rates(watched, district, "lad"),
    ]
    assert len(results) == 13 and len(sent) > 30
    leaked = [query for query, _ in sent if "canary" in query]
    assert leaked == []
    assert any("canary" in str(params) for _, params in sent)  # it reached DuckDB, bound
    # The hostile force has no rows, so Essex's own numbers come through unchanged.
    rate = results[3].table.set_index("area").loc["essex", "rate_per_1000"]
    assert rate == pytest.approx(1000 * 414 / 9000)
    assert results[1].table["crimes"].sum() == 414
