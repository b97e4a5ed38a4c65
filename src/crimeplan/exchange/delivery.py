"""Webhook delivery: queue each subscription's visible events, send them signed by the
Standard Webhooks scheme, retry with exponential back-off, dead-letter what keeps failing.

Delivery is at least once (a crash between sending and recording sends again); receivers
deduplicate by ``webhook-id``, which is the event's id. Nothing is sent while a database
transaction is open: due deliveries are read in one short transaction, sent, and their results
recorded in another, so a slow receiver never holds the sender's writers up.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import requests
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from crimeplan.cases.accounts import ApiClient
from crimeplan.cases.db import Database, utcnow
from crimeplan.exchange import outbox
from crimeplan.exchange.envelope import MEDIA_TYPE
from crimeplan.exchange.subscriptions import Delivery, Subscription
from crimeplan.exchange.visibility import Audience, log_disclosure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt ``n + 1`` after ``n`` failures: ``base * 2**(n-1)``, capped; after
    ``attempts`` failures the delivery is dead-lettered."""

    base: dt.timedelta = dt.timedelta(seconds=5)
    cap: dt.timedelta = dt.timedelta(hours=6)
    attempts: int = 10

    def delay(self, failures: int) -> dt.timedelta:
        return min(self.base * 2 ** (failures - 1), self.cap)


def signature(secrets: list[str], msg_id: str, at: dt.datetime, body: str) -> str:
    """The ``webhook-signature`` header: one ``v1,`` signature per secret, space separated."""
    return " ".join(Webhook(s).sign(msg_id, at, body) for s in secrets)


@dataclass(frozen=True)
class Outgoing:
    """One delivery ready to send (everything copied out of the database)."""

    delivery_id: str
    url: str
    msg_id: str
    body: str
    secrets: list[str]


class Worker:
    """Queues and sends webhook deliveries of one service database."""

    def __init__(self, db: Database, source: str, *, backoff: Backoff | None = None,
                 timeout: float = 10.0, batch: int = 200,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db = db
        self.source = source
        self.backoff = backoff or Backoff()
        self.timeout = timeout
        self.batch = batch
        self.clock = clock
        self.http = requests.Session()

    def enqueue(self) -> int:
        """Queue, for every subscription, the new events it wants and may see."""
        queued = 0
        with self.db.session() as s:
            for sub in s.scalars(select(Subscription).order_by(Subscription.id)):
                client = s.get(ApiClient, sub.client_id)
                rows = outbox.after(s, sub.cursor, self.batch, tuple(sub.types))
                if client is None or client.disabled or not rows:
                    continue
                audience = Audience(s, sub.actor(client))
                for row in rows:
                    if audience.sees(row):
                        s.add(Delivery(subscription_id=sub.id, event_seq=row.seq,
                                       next_attempt_at=self.clock()))
                        queued += 1
                sub.cursor = rows[-1].seq
        return queued

    def due(self) -> list[Outgoing]:
        """Pending deliveries whose time has come, oldest event first."""
        now = self.clock()
        out = []
        with self.db.session() as s:
            rows = s.execute(
                select(Delivery, Subscription, outbox.OutboxEvent)
                .join(Subscription, Delivery.subscription_id == Subscription.id)
                .join(outbox.OutboxEvent, outbox.OutboxEvent.seq == Delivery.event_seq)
                .where(Delivery.delivered_at.is_(None), Delivery.dead_at.is_(None),
                       Delivery.next_attempt_at <= now)
                .order_by(Delivery.event_seq).limit(self.batch)).all()
            for delivery, sub, row in rows:
                event = outbox.envelope(row, self.source, self.source)
                out.append(Outgoing(delivery.id, sub.url, event.id,
                                    event.model_dump_json(), sub.signing_secrets(now)))
        return out

    def send(self, item: Outgoing) -> tuple[int | None, str | None]:
        """POST one delivery; the status (None: no answer) and what went wrong."""
        at = self.clock()
        headers = {"content-type": MEDIA_TYPE, "webhook-id": item.msg_id,
                   "webhook-timestamp": str(int(at.timestamp())),
                   "webhook-signature": signature(item.secrets, item.msg_id, at, item.body)}
        try:
            response = self.http.post(item.url, data=item.body.encode("utf-8"),
                                      headers=headers, timeout=self.timeout,
                                      allow_redirects=False)
        except requests.RequestException as exc:
            return None, type(exc).__name__
        ok = 200 <= response.status_code < 300
        return response.status_code, None if ok else f"HTTP {response.status_code}"

    def record(self, item: Outgoing, status: int | None, error: str | None) -> None:
        """Store the outcome: delivered (logged as a disclosure), or retried later, or dead."""
        now = self.clock()
        with self.db.session() as s:
            delivery = s.get(Delivery, item.delivery_id)
            if delivery is None or delivery.delivered_at is not None:
                return
            delivery.attempts += 1
            delivery.last_status, delivery.last_error = status, error
            if error is None:
                delivery.delivered_at = now
                sub = s.get(Subscription, delivery.subscription_id)
                row = s.get(outbox.OutboxEvent, delivery.event_seq)
                client = s.get(ApiClient, sub.client_id) if sub else None
                if sub is not None and row is not None and client is not None:
                    log_disclosure(s, sub.actor(client), [row])
            elif delivery.attempts >= self.backoff.attempts:
                delivery.dead_at = now
            else:
                delivery.next_attempt_at = now + self.backoff.delay(delivery.attempts)

    def run_once(self) -> int:
        """Queue new events and send what is due; the number sent successfully."""
        self.enqueue()
        sent = 0
        for item in self.due():
            status, error = self.send(item)
            self.record(item, status, error)
            sent += error is None
        return sent

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Deliver until ``stop`` is set; errors are logged and the loop goes on."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a database or network fault must not end the worker
                log.exception("webhook delivery failed; retrying")
                busy = 0
            if not busy:
                stop.wait(interval)

