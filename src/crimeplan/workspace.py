"""The workspace's writer lock, and the error a command meets when another process holds it.

Light on purpose (no DuckDB): the top-level command group imports :class:`WarehouseBusy` to
turn it into a one-line error for every command, and ``crimeplan --help`` stays instant.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from crimeplan.errors import Conflict
from crimeplan.settings import LOCK_FILE

#: Told, once, that a writer is waiting and for whom.
WaitNotice = Callable[[str], None]

#: Seconds between attempts while waiting.
POLL_SECONDS = 0.2


class WarehouseBusy(Conflict):
    """Another process holds the warehouse (or the workspace lock) and did not let go in
    time. The message is one line: which workspace, which process, what to do; ``holder``
    names the process."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


def to_stderr(message: str) -> None:
    """The default wait notice: one line on stderr."""
    print(message, file=sys.stderr, flush=True)


class WorkspaceLock:
    """The workspace's writer lock: an exclusive ``flock`` on ``home/crimeplan.lock``, which
    the system releases when the process ends, however it ends. While held, the file says who
    holds it (pid, command, since when), for the messages of processes that wait or are
    refused."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / LOCK_FILE
        self._fd: int | None = None

    def holder(self) -> str:
        """Who holds (or last held) the lock, in words; '' when the file says nothing."""
        with contextlib.suppress(OSError, ValueError):
            info = json.loads(self.path.read_text())
            return f"pid {info['pid']}, {info['command']}, since {info['since']}"
        return ""

    def acquire(self, command: str, wait: float, notice: WaitNotice | None) -> float:
        """Take the lock, waiting up to ``wait`` seconds; return the deadline left for the
        caller's own waiting. Raises WarehouseBusy when the time is up."""
        deadline = time.monotonic() + wait
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self.holder() or "pid unknown"
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise WarehouseBusy(
                        f"{self.path.parent}: another crimeplan process ({holder}) is still "
                        f"writing this workspace after {wait:g} s of waiting; try again when it "
                        "has finished", f"another crimeplan process ({holder})") from None
                if notice and not told:
                    notice(f"waiting for another crimeplan process ({holder}) to finish…")
                    told = True
                time.sleep(POLL_SECONDS)
        since = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": command,
                                  "since": since}).encode(), 0)
        self._fd = fd
        return deadline

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None
