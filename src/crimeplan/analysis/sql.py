"""Running analysis SQL: values only as bound parameters, each statement on its own cursor.

Indicators build their SQL from fixed fragments (column expressions chosen from tables in the
code) and pass every value that comes from the user or the data (forces, months, districts,
categories, cell sizes, lists of areas) as a DuckDB named parameter (``$name``). ``bind``
passes a statement exactly the parameters it names. Each statement runs on a fresh cursor of
the caller's connection, and nothing is left on the connection between statements (no
temporary tables, no registered frames), so any number of requests can share one connection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import pandas as pd

_NAME = re.compile(r"\$([A-Za-z_]\w*)")


def bind(sql: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The parameters ``sql`` names, from ``params`` (DuckDB refuses any it does not name)."""
    given = params or {}
    names = set(_NAME.findall(sql))
    missing = names - given.keys()
    if missing:
        raise KeyError(f"SQL parameter(s) not given: {', '.join(sorted(missing))}")
    return {name: given[name] for name in names}


def frame(con: duckdb.DuckDBPyConnection, sql: str,
          params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The statement's result as a DataFrame."""
    with con.cursor() as cur:
        return cur.execute(sql, bind(sql, params)).df()


def rows(con: duckdb.DuckDBPyConnection, sql: str,
         params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """The statement's result as a list of rows."""
    with con.cursor() as cur:
        return cur.execute(sql, bind(sql, params)).fetchall()


def arrays(con: duckdb.DuckDBPyConnection, sql: str,
           params: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """The statement's result as one NumPy array per column."""
    with con.cursor() as cur:
        return dict(cur.execute(sql, bind(sql, params)).fetchnumpy())
