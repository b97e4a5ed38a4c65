"""Fresh service databases for tests: a SQLite file, or a PostgreSQL database per test worker.

Tests of the service run on SQLite always and on PostgreSQL too when
``CRIMEPLAN_TEST_DATABASE_URL`` names one (``.ci/run`` starts a cluster on loopback).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crimeplan.cases.db import SERVICE_DB_FILE

TEST_DATABASE_ENV = "CRIMEPLAN_TEST_DATABASE_URL"


def backends() -> list[str]:
    """The databases to run service tests on: SQLite, and PostgreSQL when configured."""
    return ["sqlite", *(["postgresql"] if os.environ.get(TEST_DATABASE_ENV) else [])]


def fresh_url(backend: str, folder: Path, worker: str = "main") -> str:
    """The URL of an empty database of ``backend`` (one PostgreSQL database per worker)."""
    if backend == "sqlite":
        return f"sqlite:///{folder / SERVICE_DB_FILE}"
    base = make_url(os.environ[TEST_DATABASE_ENV])
    name = f"{base.database}_{worker}".replace("-", "_")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        exists = con.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                             {"n": name}).scalar()
        if not exists:
            con.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as con:
        con.execute(text("DROP SCHEMA public CASCADE"))
        con.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url.render_as_string(hide_password=False)
