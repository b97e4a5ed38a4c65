"""A fresh service database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crimeplan.cases.agencies import Agency
from crimeplan.cases.db import Database
from crimeplan.cases.migrate import upgrade
from crimeplan.cases.testing import backends, fresh_url


@pytest.fixture(params=backends())
def db(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> Iterator[Database]:
    database = Database(fresh_url(request.param, tmp_path, worker_id))
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def agency_id(db: Database) -> str:
    with db.session() as s:
        agency = Agency(name="Essex Police (test)", kind="police-force")
        s.add(agency)
        s.flush()
        return agency.id
