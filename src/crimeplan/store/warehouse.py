"""Opening a workspace's warehouse: one writer at a time, and a clear word when it is busy.

DuckDB lets one process open the file for writing, and then no other process at all (not even
read-only). Commands that write take the workspace lock (``crimeplan.workspace``) for the whole
of their work, so a second writer waits its turn, saying for whom, instead of failing
half-way; any connection DuckDB refuses because another process holds the file raises
:class:`~crimeplan.workspace.WarehouseBusy` with a one-line message naming that process.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from crimeplan.settings import WAREHOUSE_FILE, WAREHOUSE_MEMORY_LIMIT, lock_wait_seconds
from crimeplan.store.schema import create_all
from crimeplan.workspace import (
    POLL_SECONDS,
    WaitNotice,
    WarehouseBusy,
    WorkspaceLock,
    to_stderr,
)


class Warehouse:
    """The DuckDB warehouse of one workspace (``home/warehouse.duckdb``)."""

    def __init__(self, home: Path | str) -> None:
        self.home = Path(home)
        self.path = self.home / WAREHOUSE_FILE

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open a connection; tables are created on first write access. Raises WarehouseBusy
        when another process holds the warehouse file."""
        if read_only and not self.path.exists():
            read_only = False
        self.home.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(self.path), read_only=read_only,
                                 config={"memory_limit": WAREHOUSE_MEMORY_LIMIT,
                                         "autoinstall_known_extensions": False,
                                         "autoload_known_extensions": False})
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):
                raise
            holder = self._holder(str(exc))
            raise WarehouseBusy(
                f"{self.path}: cannot {'read' if read_only else 'write'} the warehouse: "
                f"{holder} has it open; try again when it has finished", holder) from None
        if not read_only:
            create_all(con)
        return con

    @contextlib.contextmanager
    def writing(self, command: str, wait: float | None = None,
                notice: WaitNotice | None = to_stderr) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection of this workspace's one writer, held for the ``with`` block: waits
        up to ``wait`` seconds (default: ``settings.lock_wait_seconds()``) for another writer,
        and for a process reading the warehouse, telling ``notice`` once."""
        wait = lock_wait_seconds() if wait is None else wait
        lock = WorkspaceLock(self.home)
        deadline = lock.acquire(command, wait, notice)
        try:
            con = self._connect_by(deadline, notice)
            try:
                yield con
            finally:
                con.close()
        finally:
            lock.release()

    def _connect_by(self, deadline: float, notice: WaitNotice | None
                    ) -> duckdb.DuckDBPyConnection:
        """A write connection, retried until ``deadline`` while another process (a reader,
        or a writer that does not take the workspace lock) holds the file."""
        told = False
        while True:
            try:
                return self.connect()
            except WarehouseBusy as exc:
                if time.monotonic() >= deadline:
                    raise
                if notice and not told:
                    notice(f"waiting for {exc.holder} to close the warehouse…")
                    told = True
                time.sleep(POLL_SECONDS)

    def _holder(self, error: str) -> str:
        """The process DuckDB says holds the file, named from the lock file if it is the
        workspace's writer."""
        found = re.search(r"\(PID (\d+)\)", error)
        pid = found.group(1) if found else "unknown"
        holder = WorkspaceLock(self.home).holder()
        if holder.startswith(f"pid {pid},"):
            return f"another crimeplan process ({holder})"
        return f"another process (pid {pid})"


def register_frame(con: duckdb.DuckDBPyConnection, name: str, frame: object) -> None:
    """Register a DataFrame as a view. DuckDB 2 refuses while a result is half-fetched (as
    ``fetchone()`` leaves it), so finish any pending result first."""
    complete = getattr(con, "complete", None)
    if complete is not None:
        complete()
    con.register(name, frame)
