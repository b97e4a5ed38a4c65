"""Accounts: staff users with roles, other agencies' systems as API clients, and web sessions.

Secrets are never stored: passwords and client secrets as argon2 hashes, session tokens as
SHA-256 digests (a stolen database gives no working cookie). TOTP secrets are stored because
the server must compute the codes; the database file is kept 0600 in the workspace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimeplan.cases.agencies import Agency, new_id
from crimeplan.cases.db import Base, UtcDateTime, utcnow


@dataclass(frozen=True)
class Role:
    """A role a user holds. ``sees_personal_data`` roles must sign in with a second factor."""

    id: str
    label: str
    sees_personal_data: bool


#: Roles by stable id.
ROLES: dict[str, Role] = {r.id: r for r in (
    Role("system-admin", "System administrator", True),
    Role("agency-admin", "Agency administrator", True),
    Role("analyst", "Analyst (aggregates and pseudonymised data)", False),
    Role("case-worker", "Case worker", True),
    Role("dpo", "Data protection officer", True),
    Role("pcc-viewer", "PCC office (aggregates only)", False),
)}

#: Scopes an API client may be granted.
SCOPES: dict[str, str] = {
    "people:read": "Read person records shared with the client's agency",
    "people:write": "Create person records for the client's agency",
    "stats:read": "Read aggregate figures",
}


class User(Base):
    """A member of staff of one agency."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")

    @property
    def role_info(self) -> Role:
        return ROLES[self.role]

    @property
    def needs_mfa(self) -> bool:
        return self.role_info.sees_personal_data


class ApiClient(Base):
    """Another agency's system, signing in with client credentials for short-lived tokens."""

    __tablename__ = "api_clients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(Text, default="")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class WebSession(Base):
    """A signed-in browser: found by the digest of its cookie token, never the token itself."""

    __tablename__ = "web_sessions"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    mfa_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
