"""Opening a workspace's warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb

from crimeplan.settings import WAREHOUSE_FILE, WAREHOUSE_MEMORY_LIMIT
from crimeplan.store.schema import create_all


class Warehouse:
    """The DuckDB warehouse of one workspace (``home/warehouse.duckdb``)."""

    def __init__(self, home: Path | str) -> None:
        self.home = Path(home)
        self.path = self.home / WAREHOUSE_FILE

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open a connection; tables are created on first write access."""
        if read_only and not self.path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            read_only = False
        self.home.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path), read_only=read_only,
                             config={"memory_limit": WAREHOUSE_MEMORY_LIMIT,
                                     "autoinstall_known_extensions": False,
                                     "autoload_known_extensions": False})
        if not read_only:
            create_all(con)
        return con


def register_frame(con: duckdb.DuckDBPyConnection, name: str, frame: object) -> None:
    """Register a DataFrame as a view. DuckDB 2 refuses while a result is half-fetched (as
    ``fetchone()`` leaves it), so finish any pending result first."""
    complete = getattr(con, "complete", None)
    if complete is not None:
        complete()
    con.register(name, frame)
