"""Actors the shells build: the person at this machine's command line."""

from __future__ import annotations

import getpass

from crimeplan.cases.actor import Actor


def os_user() -> str:
    """The signed-in user of this machine, or "unknown"."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def cli_actor(purpose: str | None = None) -> Actor:
    """The person at the command line: their OS account (``cli:<user>``, at most 36 characters
    like every user id) and the purpose they gave with ``--purpose``."""
    return Actor(user_id=f"cli:{os_user()}"[:36], purpose=purpose)
