"""Settings of one running service, all derived from the workspace unless given.

Time-outs follow NCSC and OWASP ASVS level 2 guidance for a service holding police personal
data: 15 minutes idle, 8 hours absolute (one shift), 10-minute API tokens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crimeplan.cases.db import default_url
from crimeplan.errors import BadInput


def check_tile_url(url: str) -> None:
    """A tile server is an http(s) URL template with {z}, {x} and {y} in its path, on one host
    (no {s} subdomains: the CSP names exactly one origin)."""
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.netloc or "{" in parts.netloc
            or not all(k in parts.path + parts.query for k in ("{z}", "{x}", "{y}"))):
        raise BadInput(f"tile server {url!r}: give an http(s) URL template on one host with "
                       "{z}, {x} and {y}, e.g. https://tiles.example.org/{z}/{x}/{y}.png")


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
    #: The hotspot map's tile server, a URL template such as
    #: "https://tiles.example.org/{z}/{x}/{y}.png", and the attribution it requires. None by
    #: default: the area outlines are then the base map, and the browser loads nothing from
    #: elsewhere. When set, its origin (and only it) is allowed in the CSP's img-src.
    tile_url: str = ""
    tile_attribution: str = ""
    issuer: str = field(default="crimeplan")
    #: The URL other systems reach this one at: the ``source`` of its change events and the
    #: base of their ``detailurl`` (``serve`` sets it; empty: the URL of each request).
    public_url: str = ""

    def __post_init__(self) -> None:
        if self.tile_url:
            check_tile_url(self.tile_url)
        if not self.database_url:
            object.__setattr__(self, "database_url", default_url(self.home))

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"
