"""Indicators leave nothing on a connection between statements, so two requests computing
different scopes at the same moment on one DuckDB connection (or on cursors of it) each get
their own answer: the same as computed alone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd
import pytest

from crimeplan.analysis import concentration, crime_rates, deprivation, largest_rises
from crimeplan.analysis.scope import Scope, resolve_scope

ROUNDS = 4


def _answers(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict[str, Any]:
    """The indicators that used to hand tables over on the connection (covered LSOAs, the
    force of each LSOA), as plain values."""
    return {
        "lsoa_rates": crime_rates(con, scope, "lsoa", by_category=True).table
        .sort_values(["area", "category"]).reset_index(drop=True),
        "lad_rates": crime_rates(con, scope, "lad").table.sort_values("area")
        .reset_index(drop=True),
        "deprivation": deprivation(con, scope).by_decile,
        "concentration": concentration(con, scope, "lsoa").top_share_pct,
        "rises": largest_rises(con, scope, "lsoa").table.sort_values("area")
        .reset_index(drop=True),
    }


def _same(got: dict[str, Any], want: dict[str, Any]) -> bool:
    for key, value in want.items():
        if isinstance(value, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(got[key], value)
            except AssertionError:
                return False
        elif got[key] != value:
            return False
    return True


def _race(connection_for: Callable[[], duckdb.DuckDBPyConnection], scopes: list[Scope],
          alone: list[dict[str, Any]]) -> list[str]:
    """Each scope computed ROUNDS times in its own thread, all threads starting every round
    together; what went wrong, if anything."""
    barrier = threading.Barrier(len(scopes))
    problems: list[str] = []

    def work(k: int) -> None:
        con = connection_for()
        for round_ in range(ROUNDS):
            barrier.wait()
            try:
                got = _answers(con, scopes[k])
            except Exception as exc:
                problems.append(f"scope {k} round {round_}: {type(exc).__name__}: {exc}")
                continue
            if not _same(got, alone[k]):
                problems.append(f"scope {k} round {round_}: another scope's answer")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(scopes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return problems


@pytest.fixture(scope="module")
def scopes(con: duckdb.DuckDBPyConnection) -> list[Scope]:
    return [resolve_scope(con, force="essex", start="2017-01", end="2018-12"),
            resolve_scope(con, force="kent", start="2017-01", end="2018-12"),
            resolve_scope(con, area="E07000001", start="2017-06", end="2018-06")]


def test_scopes_differ_so_a_mix_up_would_show(con, scopes):
    alone = [_answers(con, s) for s in scopes]
    assert not _same(alone[0], alone[1]) and not _same(alone[0], alone[2])
    assert list(alone[1]["lad_rates"]["area"]) == ["E07000003"]  # Kent's district only


def test_threads_sharing_one_connection_get_their_own_answers(con, scopes):
    alone = [_answers(con, s) for s in scopes]
    assert _race(lambda: con, scopes, alone) == []


def test_threads_on_cursors_of_one_connection_get_their_own_answers(con, scopes):
    alone = [_answers(con, s) for s in scopes]
    assert _race(con.cursor, scopes, alone) == []


def test_nothing_is_left_on_the_connection(con, scopes):
    fresh = con.cursor()
    left = ("SELECT (SELECT count(*) FROM duckdb_tables() WHERE temporary) + "
            "(SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal)")
    assert fresh.execute(left).fetchone() == (0,)
    _answers(fresh, scopes[2])
    assert fresh.execute(left).fetchone() == (0,)
