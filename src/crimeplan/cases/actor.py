"""Who is acting: a person or another agency's system, for which agency, why, in which request.

Every use case takes one explicitly, so what it does can be authorised and logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """The caller of a use case. ``user_id`` or ``client_id`` is set (neither: anonymous)."""

    agency_id: str | None = None
    agency_kind: str | None = None
    role: str | None = None
    user_id: str | None = None
    client_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    purpose: str | None = None
    justification: str | None = None
    request_id: str | None = None
    #: The request that acts ("GET /analysis/dashboard?force=essex"), for run records; None
    #: at the command line.
    via: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.user_id is None and self.client_id is None

    def who(self) -> dict[str, str | None]:
        """The caller as logged: user or client, agency, role, request."""
        return {"user_id": self.user_id, "client_id": self.client_id,
                "agency_id": self.agency_id, "role": self.role, "request_id": self.request_id}
