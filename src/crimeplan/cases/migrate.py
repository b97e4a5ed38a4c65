"""Run the packaged Alembic migrations programmatically (``crimeplan service migrate`` and at
``serve`` start-up): no alembic.ini to find, the scripts ship inside the wheel."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from crimeplan.cases.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database) -> str:
    """Bring the database to the newest revision; return it."""
    command.upgrade(_config(db), "head")
    return current(db) or ""


def current(db: Database) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def newest() -> str:
    """The newest revision the package ships."""
    return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())
