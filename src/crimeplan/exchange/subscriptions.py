"""Webhook subscriptions: who is told of which events, where, signed with which secret.

A subscription belongs to an API client (the receiving system): it receives only events about
records that client may fetch, for the purpose it gave. Secrets are Standard Webhooks
symmetric keys (``whsec_`` + base64 of 32 random bytes), stored in clear because the sender
must compute signatures (the database is 0600, as for TOTP secrets). Rotating a secret keeps
the previous one signing alongside the new for a day, so receivers can switch without losing a
delivery.

A delivery's state follows from its timestamps: delivered (``delivered_at``), dead-lettered
(``dead_at``) or pending (neither; due at ``next_attempt_at``).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crimeplan.cases.accounts import ApiClient
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import new_id
from crimeplan.cases.db import Base, UtcDateTime, utcnow
from crimeplan.errors import BadInput, FieldProblem, NotFound
from crimeplan.exchange import outbox

#: How long a rotated-out secret still signs deliveries.
ROTATION_OVERLAP = dt.timedelta(hours=24)
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


class Subscription(Base):
    """One receiving system's webhook endpoint and the event types it wants."""

    __tablename__ = "exchange_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"),
                                           index=True)
    url: Mapped[str] = mapped_column(String(400))
    #: Event type prefixes (``person``, ``case.task``); empty: every type.
    types: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(String(40))
    secret: Mapped[str] = mapped_column(String(80))
    previous_secret: Mapped[str | None] = mapped_column(String(80), default=None)
    previous_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    #: The newest event number already considered for this subscription.
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    def signing_secrets(self, now: dt.datetime) -> list[str]:
        """The secrets that sign a delivery sent at ``now`` (new first)."""
        keep = self.previous_secret is not None and self.previous_until is not None and (
            now < self.previous_until)
        return [self.secret, *([self.previous_secret] if keep else [])]  # type: ignore[list-item]

    def actor(self, client: ApiClient) -> Actor:
        """The receiving system, as the policy sees it when choosing its events."""
        return Actor(agency_id=self.agency_id, agency_kind=client.agency.kind,
                     client_id=self.client_id, scopes=client.scope_set, purpose=self.purpose)


class Delivery(Base):
    """One event to be sent to one subscription."""

    __tablename__ = "exchange_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("exchange_subscriptions.id", ondelete="CASCADE"), index=True)
    event_seq: Mapped[int] = mapped_column(BigInteger, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow,
                                                         index=True)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(300), default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    dead_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)

    @property
    def status(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        return "dead" if self.dead_at is not None else "pending"


def _valid_url(url: str) -> str:
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise BadInput("a webhook URL must use https (plain http only on loopback)",
                       fields=(FieldProblem("url", "invalid", "Use an https:// URL"),))
    return url


def create(db: Session, actor: Actor, url: str, types: list[str]) -> Subscription:
    """Subscribe the calling system; events from now on (the cursor starts at the newest)."""
    if actor.client_id is None or actor.purpose is None:
        raise BadInput("only an API client subscribes, for a purpose",
                       fields=(FieldProblem("purpose", "required"),))
    row = Subscription(agency_id=str(actor.agency_id), client_id=actor.client_id,
                       url=_valid_url(url), types=sorted(set(types)), purpose=actor.purpose,
                       secret=new_secret(), cursor=outbox.last_seq(db))
    db.add(row)
    db.flush()
    return row


def get(db: Session, subscription_id: str) -> Subscription:
    row = db.get(Subscription, subscription_id)
    if row is None:
        raise NotFound(f"no subscription {subscription_id}")
    return row


def of_agency(db: Session, agency_id: str | None) -> list[Subscription]:
    return list(db.scalars(select(Subscription).where(Subscription.agency_id == agency_id)
                           .order_by(Subscription.created_at, Subscription.id)))


def rotate(db: Session, row: Subscription, now: dt.datetime) -> Subscription:
    """A new secret; the old one keeps signing alongside it for ``ROTATION_OVERLAP``."""
    row.previous_secret, row.previous_until = row.secret, now + ROTATION_OVERLAP
    row.secret = new_secret()
    db.flush()
    return row


def dead_letters(db: Session, agency_id: str | None) -> list[tuple[Delivery, Subscription]]:
    """Deliveries given up on, for the agency's subscriptions, oldest first."""
    rows = db.execute(select(Delivery, Subscription)
                      .join(Subscription, Delivery.subscription_id == Subscription.id)
                      .where(Subscription.agency_id == agency_id,
                             Delivery.dead_at.is_not(None), Delivery.delivered_at.is_(None))
                      .order_by(Delivery.event_seq))
    return [(d, s) for d, s in rows]


def redeliver(db: Session, delivery: Delivery, now: dt.datetime) -> Delivery:
    """Put a dead letter back in the queue, due now, with its attempts counted afresh."""
    delivery.dead_at, delivery.attempts, delivery.next_attempt_at = None, 0, now
    db.flush()
    return delivery


def describe(row: Subscription) -> dict[str, Any]:
    return {"id": row.id, "url": row.url, "types": row.types, "purpose": row.purpose,
            "created_at": row.created_at, "rotating_until": row.previous_until}
