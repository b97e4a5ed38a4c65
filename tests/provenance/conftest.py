"""Fixtures of the provenance tests: anchors kept in a temporary state folder, and a fresh
service database (SQLite, and PostgreSQL when configured) for the database back end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crimeplan.cases.db import Database
from crimeplan.cases.migrate import upgrade
from crimeplan.cases.testing import backends, fresh_url


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Anchors kept by ``audit verify`` go to a temporary state folder, never the real home."""
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.delenv("CRIMEPLAN_ANCHOR_FILE", raising=False)
    return state


@pytest.fixture(params=backends())
def db(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> Iterator[Database]:
    database = Database(fresh_url(request.param, tmp_path, worker_id))
    upgrade(database)
    yield database
    database.dispose()
