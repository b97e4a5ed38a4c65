"""Lock-out after failed sign-ins, with exponential back-off.

After ``threshold`` failures in a row the account locks for ``base``; each further failure
doubles the lock up to ``cap``. A success clears the count. Failed second-factor codes count
the same as failed passwords.
"""

from __future__ import annotations

import datetime as dt

from crimeplan.cases.accounts import User


def lock_duration(failures: int, threshold: int, base: dt.timedelta,
                  cap: dt.timedelta) -> dt.timedelta:
    """How long the account locks after ``failures`` consecutive failures (zero below the
    threshold)."""
    if failures < threshold:
        return dt.timedelta(0)
    return min(base * 2 ** (failures - threshold), cap)


def is_locked(user: User, now: dt.datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def register_failure(user: User, now: dt.datetime, threshold: int, base: dt.timedelta,
                     cap: dt.timedelta) -> None:
    user.failed_sign_ins += 1
    duration = lock_duration(user.failed_sign_ins, threshold, base, cap)
    if duration:
        user.locked_until = now + duration


def register_success(user: User) -> None:
    user.failed_sign_ins = 0
    user.locked_until = None
