"""Use cases of the exchange between agencies' systems, over the service database: deliver
webhooks, record the peers this system follows, and follow them."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.cases.db import Database
from crimeplan.exchange import consumer
from crimeplan.exchange.delivery import Worker

SERVICE_DB = "it works on the service database, whose changes its own log and outbox record"


@dataclass(frozen=True)
class PeerView:
    """A peer as listed: never its secrets."""

    url: str
    client_id: str
    purpose: str
    cursor: int
    webhooks: bool


@use_case("exchange.deliver", run_kind=None, no_run_because=SERVICE_DB)
def deliver(actor: Actor, db: Database, public_url: str, *, once: bool = False,
            stop: threading.Event | None = None) -> int:
    """Send this system's webhooks (once, or until ``stop``); the number delivered."""
    worker = Worker(db, public_url.rstrip("/"))
    if once:
        return worker.run_once()
    worker.run(stop or threading.Event())
    return 0


@use_case("exchange.add-peer", run_kind=None, no_run_because=SERVICE_DB)
def add_peer(actor: Actor, db: Database, url: str, client_id: str, client_secret: str,
             purpose: str, webhook_secret: str | None = None) -> PeerView:
    """Record a peer to follow with the client credentials it issued us."""
    with db.session() as s:
        return _view(consumer.add_peer(s, url, client_id, client_secret, purpose,
                                       webhook_secret))


@use_case("exchange.peers", run_kind=None, no_run_because=SERVICE_DB)
def peers(actor: Actor, db: Database) -> list[PeerView]:
    """The peers this system follows."""
    from sqlalchemy import select

    with db.session() as s:
        return [_view(p) for p in s.scalars(select(consumer.Peer).order_by(consumer.Peer.url))]


@use_case("exchange.follow", run_kind=None, no_run_because=SERVICE_DB)
def follow(actor: Actor, db: Database, url: str, *, once: bool = False, wait: float = 10.0,
           stop: threading.Event | None = None) -> int:
    """Apply a peer's feed from our cursor: one page (``once``), or until ``stop``; the
    number of events seen."""
    follower = consumer.Follower(db, url, wait=0 if once else wait)
    if once:
        return follower.step()
    follower.run(stop or threading.Event())
    return 0


def _view(peer: consumer.Peer) -> PeerView:
    return PeerView(peer.url, peer.client_id, peer.purpose, peer.cursor,
                    peer.webhook_secret is not None)
