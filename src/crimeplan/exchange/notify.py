"""Wake long-polling feed readers when a transaction of this process publishes events.

Writers in other processes are not seen here, so readers also look again every second.
"""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

_published = threading.Condition()
PUBLISHED = "exchange.published"


def mark(session: Session) -> None:
    """Note that this session's transaction wrote events (the outbox hook calls it)."""
    session.info[PUBLISHED] = True


@event.listens_for(Session, "after_commit")
def _wake(session: Session) -> None:
    if session.info.pop(PUBLISHED, False):
        with _published:
            _published.notify_all()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PUBLISHED, None)


def wait(timeout: float) -> None:
    """Sleep until events are published in this process, or ``timeout`` seconds pass."""
    with _published:
        _published.wait(timeout)
