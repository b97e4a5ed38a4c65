"""Server-side sessions behind an HttpOnly, SameSite=Strict cookie (Secure under TLS).

The cookie carries a random token; the database keeps only its SHA-256, the CSRF token and
the times. A session ends after ``idle_timeout`` without a request or ``absolute_timeout``
after sign-in, whichever comes first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from crimeplan.cases.accounts import User, WebSession
from crimeplan.web.settings import Settings

COOKIE = "crimeplan_session"
#: Under TLS the ``__Host-`` prefix pins the cookie to this host, path / and Secure.
SECURE_COOKIE = "__Host-crimeplan_session"


def cookie_name(settings: Settings) -> str:
    return SECURE_COOKIE if settings.tls else COOKIE


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start(db: Session, user: User, mfa_passed: bool, now: dt.datetime) -> tuple[str, WebSession]:
    """A new session for ``user``: the cookie token (shown once) and the stored row."""
    token = secrets.token_urlsafe(32)
    row = WebSession(token_digest=digest(token), user_id=user.id,
                     csrf_token=secrets.token_urlsafe(32), mfa_passed=mfa_passed,
                     created_at=now, last_seen_at=now)
    db.add(row)
    db.flush()
    return token, row


def find(db: Session, token: str | None, settings: Settings,
         now: dt.datetime) -> WebSession | None:
    """The live session for a cookie token, touched; None (and the row removed) if expired."""
    if not token:
        return None
    row = db.get(WebSession, digest(token))
    if row is None:
        return None
    if (now - row.last_seen_at > settings.idle_timeout
            or now - row.created_at > settings.absolute_timeout or row.user.disabled):
        db.delete(row)
        return None
    row.last_seen_at = now
    return row


def end(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(WebSession).where(WebSession.token_digest == digest(token)))

