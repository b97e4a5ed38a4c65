"""crimeplan as a receiver: follow a peer's feed (or take its webhooks), apply each event at
most once and in order per subject, fetching the detail with this system's own credentials.

An event is applied by fetching its ``detailurl`` and keeping the answer as this system's copy
of the subject (``exchange_copies``; an answer of 404 — erased, or no longer shared — keeps
that the record is gone). In one transaction: the inbox row keyed by (source, event id), which
makes a second arrival a no-op; the copy, whose ``sequence`` makes an older event arriving
after a newer one a no-op (events are thin, so the newest fetch holds every earlier change);
the peer's cursor; and the s.62 entry of the collection. A restart resumes from the cursor.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from pydantic import ValidationError
from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from crimeplan.cases import s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import new_id
from crimeplan.cases.db import Base, Database, UtcDateTime, utcnow
from crimeplan.errors import BadInput, Conflict, FieldProblem, NotFound, Unauthenticated
from crimeplan.exchange.envelope import ChangeEvent, FeedPage


class Peer(Base):
    """Another agency's system this one follows, with the client credentials it gave us."""

    __tablename__ = "exchange_peers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(String(300), unique=True)
    client_id: Mapped[str] = mapped_column(String(36))
    #: Needed in clear to ask the peer for tokens (the database is 0600, as for TOTP).
    client_secret: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(40))
    #: The signing secret of our webhook subscription at the peer, if any.
    webhook_secret: Mapped[str | None] = mapped_column(String(80), default=None)
    #: The newest event number of the peer's feed that has been dealt with.
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class InboxEntry(Base):
    """An event received (by either way), once per source and id, with what became of it."""

    __tablename__ = "exchange_inbox"

    source: Mapped[str] = mapped_column(String(300), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    peer_id: Mapped[str] = mapped_column(ForeignKey("exchange_peers.id", ondelete="CASCADE"),
                                         index=True)
    type: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(80))
    sequence: Mapped[int] = mapped_column(Integer)
    #: applied, gone (fetched: no longer there for us), superseded (a newer event about the
    #: subject came in the same batch) or stale (a newer one was applied before).
    outcome: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Copy(Base):
    """This system's copy of a peer's record, as last fetched."""

    __tablename__ = "exchange_copies"

    source: Mapped[str] = mapped_column(String(300), primary_key=True)
    subject: Mapped[str] = mapped_column(String(80), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    #: The record as the peer showed it to us; None when it is gone.
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    fetched_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    event_type: Mapped[str] = mapped_column(String(120))


def add_peer(db: Session, url: str, client_id: str, client_secret: str, purpose: str,
             webhook_secret: str | None = None) -> Peer:
    """Record a peer to follow (or update its credentials)."""
    if purpose not in s62.PURPOSES:
        raise BadInput(f"unknown purpose {purpose!r}", fields=(FieldProblem("purpose",
                                                                              "invalid"),))
    url = url.rstrip("/")
    peer = db.scalar(select(Peer).where(Peer.url == url)) or Peer(url=url)
    peer.client_id, peer.client_secret, peer.purpose = client_id, client_secret, purpose
    peer.webhook_secret = webhook_secret or peer.webhook_secret
    db.add(peer)
    db.flush()
    return peer


def find_peer(db: Session, url: str) -> Peer:
    peer = db.scalar(select(Peer).where(Peer.url == url.rstrip("/")))
    if peer is None:
        raise NotFound(f"no peer {url}: add it with its client credentials first")
    return peer


@dataclass
class Fetched:
    """The detail of one subject, or None when the peer answers 404."""

    body: dict[str, Any] | None


class PeerClient:
    """HTTP access to one peer as its OAuth2 client (tokens renewed before they expire)."""

    def __init__(self, url: str, client_id: str, client_secret: str, purpose: str,
                 timeout: float = 30.0) -> None:
        self.url, self.purpose, self.timeout = url.rstrip("/"), purpose, timeout
        self._credentials = {"grant_type": "client_credentials", "client_id": client_id,
                             "client_secret": client_secret}
        self._token: str | None = None
        self._expires = 0.0
        self.http = requests.Session()

    def _headers(self) -> dict[str, str]:
        if self._token is None or time.monotonic() > self._expires:
            response = self.http.post(f"{self.url}/api/v1/oauth/token",
                                      data=self._credentials, timeout=self.timeout)
            if response.status_code != 200:
                raise Conflict(f"{self.url} refused our client credentials "
                               f"(HTTP {response.status_code})")
            issued = response.json()
            self._token = issued["access_token"]
            self._expires = time.monotonic() + max(0, int(issued["expires_in"]) - 30)
        return {"Authorization": f"Bearer {self._token}", "X-Purpose": self.purpose}

    def feed(self, after: int, limit: int, wait: float) -> FeedPage:
        response = self.http.get(f"{self.url}/api/v1/events", headers=self._headers(),
                                 params={"after": after, "limit": limit, "wait": wait},
                                 timeout=self.timeout + wait)
        response.raise_for_status()
        return FeedPage.model_validate_json(response.content)

    def fetch(self, url: str) -> Fetched:
        if not url.startswith(self.url + "/"):
            raise BadInput(f"detailurl {url} is not on the peer {self.url}",
                           fields=(FieldProblem("detailurl", "invalid"),))
        response = self.http.get(url, headers=self._headers(), timeout=self.timeout)
        if response.status_code == 404:
            return Fetched(None)
        response.raise_for_status()
        return Fetched(response.json())


def receiver(peer: Peer) -> Actor:
    """This system acting on a peer's events: its own processing, for the peer's purpose."""
    return Actor(client_id=f"peer:{peer.id}"[:36], purpose=peer.purpose)


def newest_per_subject(events: Iterable[ChangeEvent]) -> dict[str, ChangeEvent]:
    """The event with the highest sequence for each subject."""
    out: dict[str, ChangeEvent] = {}
    for e in events:
        if e.subject not in out or e.sequence > out[e.subject].sequence:
            out[e.subject] = e
    return out


def apply(db: Database, peer_id: str, client: PeerClient, events: list[ChangeEvent],
          cursor: int | None = None) -> dict[str, str]:
    """Apply a batch of a peer's events (fetching each subject once); the outcome per event
    id. ``cursor``, when given, is stored as the peer's in the same transaction."""
    with db.session() as s:
        fresh = [e for e in events if s.get(InboxEntry, (e.source, e.id)) is None]
        copies = {e.subject: s.get(Copy, (e.source, e.subject)) for e in fresh}
    newest = {k: e for k, e in newest_per_subject(fresh).items()
              if copies[k] is None or e.sequence > copies[k].sequence}  # type: ignore[union-attr]
    fetched = {k: client.fetch(e.detailurl) for k, e in newest.items()}
    outcomes: dict[str, str] = {}
    with db.session() as s:
        peer = s.get(Peer, peer_id)
        if peer is None:
            raise NotFound(f"no peer {peer_id}")
        for e in fresh:
            if s.get(InboxEntry, (e.source, e.id)) is not None:
                outcomes[e.id] = "duplicate"  # a concurrent delivery got there first
                continue
            outcome = _apply_one(s, peer, e, newest.get(e.subject), fetched.get(e.subject))
            s.add(InboxEntry(source=e.source, event_id=e.id, peer_id=peer.id, type=e.type,
                             subject=e.subject, sequence=e.sequence, outcome=outcome))
            s.flush()
            outcomes[e.id] = outcome
        for e in events:
            outcomes.setdefault(e.id, "duplicate")
        if cursor is not None and cursor > peer.cursor:
            peer.cursor = cursor
    return outcomes


def _apply_one(s: Session, peer: Peer, e: ChangeEvent, newest: ChangeEvent | None,
               fetched: Fetched | None) -> str:
    copy = s.get(Copy, (e.source, e.subject))
    if copy is not None and copy.sequence >= e.sequence:
        return "stale"
    if newest is None or newest.id != e.id or fetched is None:
        return "superseded"
    if copy is None:
        copy = Copy(source=e.source, subject=e.subject)
        s.add(copy)
    copy.sequence, copy.body, copy.fetched_at, copy.event_type = (
        e.sequence, fetched.body, utcnow(), e.type)
    if fetched.body is not None:
        kind, record_id = e.subject.split("/", 1)
        s62.log(s, receiver(peer), s62.Category.COLLECTION,
                s62.Subject(f"copy:{kind}"[:20], record_id), fetched.body.keys())
    return "applied" if fetched.body is not None else "gone"


class Follower:
    """Follows one peer's feed with long polls, applying each page and its cursor together."""

    def __init__(self, db: Database, peer_url: str, *, limit: int = 200,
                 wait: float = 10.0) -> None:
        self.db, self.limit, self.wait = db, limit, wait
        with db.session() as s:
            peer = find_peer(s, peer_url)
            self.peer_id = peer.id
            self.client = client_of(peer)

    def cursor(self) -> int:
        with self.db.session() as s:
            peer = s.get(Peer, self.peer_id)
            return 0 if peer is None else peer.cursor

    def step(self) -> int:
        """Fetch and apply one page; the number of events it held."""
        page = self.client.feed(self.cursor(), self.limit, self.wait)
        apply(self.db, self.peer_id, self.client, page.events, cursor=page.next)
        return len(page.events)

    def run(self, stop: threading.Event, pause: float = 1.0) -> None:
        """Follow until ``stop`` is set; a step that fails (the peer down, a concurrent
        delivery of the same event) is retried after ``pause``."""
        while not stop.is_set():
            try:
                self.step()
            except (requests.RequestException, Conflict, DBAPIError):
                stop.wait(pause)  # the peer or our database is away: try again


_clients: dict[tuple[str, str, str], PeerClient] = {}
_clients_lock = threading.Lock()


def client_of(peer: Peer) -> PeerClient:
    """One HTTP client per peer and credentials in this process (its token is reused)."""
    key = (peer.url, peer.client_id, peer.client_secret)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = PeerClient(peer.url, peer.client_id, peer.client_secret,
                                       peer.purpose)
        return _clients[key]


def receive(db: Database, raw: bytes, headers: dict[str, str]) -> tuple[str, str]:
    """Take one webhook delivery: verify its Standard Webhooks signature with the secret of
    the peer that sent it (timestamps more than 5 minutes off are refused), then apply it.
    The event's id and outcome."""
    with db.session() as s:
        peers = list(s.scalars(select(Peer).where(Peer.webhook_secret.is_not(None))))
    sender = next((p for p in peers if _verifies(p.webhook_secret, raw, headers)), None)
    if sender is None:
        raise Unauthenticated("the webhook signature does not verify with any peer's secret")
    try:
        event = ChangeEvent.model_validate_json(raw)
    except ValidationError as exc:
        raise BadInput("the body is not a change event", fields=tuple(
            FieldProblem(".".join(map(str, e["loc"])), e["type"]) for e in exc.errors()
        )) from exc
    if headers.get("webhook-id") != event.id:
        raise BadInput("webhook-id differs from the event's id",
                       fields=(FieldProblem("webhook-id", "invalid"),))
    return event.id, apply(db, sender.id, client_of(sender), [event])[event.id]


def _verifies(secret: str | None, raw: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret or "").verify(raw, headers)
    except WebhookVerificationError:
        return False
    return True
