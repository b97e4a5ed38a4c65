"""Settings of one running service, all derived from the workspace unless given.

Time-outs follow NCSC and OWASP ASVS level 2 guidance for a service holding police personal
data: 15 minutes idle, 8 hours absolute (one shift), 10-minute API tokens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from crimeplan.cases.db import default_url


@dataclass(frozen=True)
class Settings:
    """What ``create_app`` needs. ``tls`` marks cookies Secure and sends HSTS."""

    home: Path
    database_url: str = ""
    tls: bool = False
    idle_timeout: dt.timedelta = dt.timedelta(minutes=15)
    absolute_timeout: dt.timedelta = dt.timedelta(hours=8)
    token_lifetime: dt.timedelta = dt.timedelta(minutes=10)
    #: Failed sign-ins allowed before the account locks; each further one doubles the lock.
    lockout_threshold: int = 5
    lockout_base: dt.timedelta = dt.timedelta(minutes=1)
    lockout_max: dt.timedelta = dt.timedelta(hours=1)
    service_name: str = "crimeplan"
    issuer: str = field(default="crimeplan")

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", default_url(self.home))

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"
