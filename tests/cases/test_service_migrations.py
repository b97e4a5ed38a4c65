"""The packaged migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from crimeplan.cases.db import Database
from crimeplan.cases.migrate import current, newest, upgrade
from crimeplan.cases.models import Base


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_reaches_the_newest_revision(db: Database) -> None:
    assert current(db) == newest() == "0001"
    assert upgrade(db) == "0001"
