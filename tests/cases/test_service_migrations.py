"""The packaged migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from crimeplan.cases.db import Database
from crimeplan.cases.migrate import MIGRATIONS, current, newest, upgrade
from crimeplan.cases.models import Base


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_reaches_the_newest_revision(db: Database) -> None:
    head = newest()
    assert current(db) == head
    assert upgrade(db) == head


def test_migrations_form_one_line_numbered_as_their_files() -> None:
    """One head, each revision revising the one numbered before it, so migrations written
    in parallel branches cannot fork the history unnoticed."""
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert scripts.get_heads() == [newest()]
    chain = [s for s in scripts.walk_revisions()][::-1]
    files = sorted(p.name for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    assert [s.revision for s in chain] == [f.split("_")[0] for f in files]
    assert [s.down_revision for s in chain] == [None] + [s.revision for s in chain[:-1]]
