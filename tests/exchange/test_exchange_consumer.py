"""crimeplan as a receiver: follows a peer's feed over HTTP with its own client credentials,
applies each event at most once and never an older one after a newer, resumes from its cursor
after a restart, and takes signed webhooks at /api/v1/exchange/inbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from instances import free_port
from servers import served
from service_world import CLIENT_SECRET, World, client_for
from sqlalchemy import select

from crimeplan.cases import records, s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.db import utcnow
from crimeplan.cases.people import Person
from crimeplan.cases.testing import fresh_url
from crimeplan.exchange import consumer
from crimeplan.exchange.consumer import Copy, Follower, InboxEntry
from crimeplan.exchange.delivery import signature
from crimeplan.exchange.subscriptions import new_secret
from crimeplan.web.app import create_app
from crimeplan.web.settings import Settings

PURPOSE = "offender-management"


@pytest.fixture
def sender(app: FastAPI, world: World) -> Iterator[str]:
    with served(app) as url:
        yield url


@pytest.fixture
def probation(tmp_path: Path, database_url: str, worker_id: str) -> Iterator[FastAPI]:
    """The receiving agency's own service, on its own database."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    (tmp_path / "rx").mkdir()
    rx = create_app(Settings(home=tmp_path / "rx", database_url=fresh_url(
        backend, tmp_path / "rx", f"{worker_id}_rx")))
    yield rx
    rx.state.db.dispose()


def _peer(rx: FastAPI, world: World, url: str, webhook_secret: str | None = None) -> None:
    with rx.state.db.session() as s:
        consumer.add_peer(s, url, world.personas["probation-system"].actor.client_id,
                          CLIENT_SECRET, PURPOSE, webhook_secret)


def _rename(app: FastAPI, world: World, family_name: str) -> None:
    worker = world.personas["police-caseworker"].actor
    with app.state.db.session() as s:
        records.update(s, Actor(**{**worker.__dict__, "purpose": "case-management"}),
                       s.get(Person, world.people["shared"]), {"family_name": family_name})


def _copies(rx: FastAPI) -> dict[str, tuple[int, dict | None]]:
    with rx.state.db.session() as s:
        return {c.subject: (c.sequence, c.body) for c in s.scalars(select(Copy))}


def _outcomes(rx: FastAPI) -> list[tuple[str, int, str]]:
    with rx.state.db.session() as s:
        return sorted((e.type, e.sequence, e.outcome) for e in s.scalars(select(InboxEntry)))


def test_following_applies_what_the_receiver_may_see(app: FastAPI, world: World, sender: str,
                                                     probation: FastAPI) -> None:
    _peer(probation, world, sender)
    Follower(probation.state.db, sender, wait=0).step()
    shared = f"person/{world.people['shared']}"
    copies = _copies(probation)
    assert list(copies) == [shared]
    sequence, body = copies[shared]
    assert sequence == 2 and body["family_name"] == "Example" and body["pnc_id"] is None
    assert _outcomes(probation) == [("person.created", 1, "superseded"),
                                    ("person.share.created", 2, "applied")]
    with probation.state.db.session() as s:
        (entry,) = s62.history(s, s62.Subject("copy:person", world.people["shared"]))
    assert entry.record["category"] == "collection"
    assert entry.record["purpose"] == PURPOSE


def test_a_restarted_follower_resumes_from_its_cursor(app: FastAPI, world: World,
                                                      sender: str, probation: FastAPI) -> None:
    _peer(probation, world, sender)
    Follower(probation.state.db, sender, wait=0).step()
    _rename(app, world, "Changed")
    again = Follower(probation.state.db, sender, wait=0)  # a new process, as after a restart
    assert again.step() == 1
    assert again.step() == 0
    shared = f"person/{world.people['shared']}"
    assert _copies(probation)[shared][0] == 3
    assert _copies(probation)[shared][1]["family_name"] == "Changed"
    assert [o for o in _outcomes(probation) if o[0] == "person.updated"] == [
        ("person.updated", 3, "applied")]


def test_an_event_twice_or_out_of_order_changes_nothing(app: FastAPI, world: World,
                                                        sender: str, probation: FastAPI
                                                        ) -> None:
    _peer(probation, world, sender)
    follower = Follower(probation.state.db, sender, wait=0)
    first = follower.client.feed(0, 100, 0)
    _rename(app, world, "Newer")
    second = follower.client.feed(first.next, 100, 0)
    db = probation.state.db
    assert consumer.apply(db, follower.peer_id, follower.client, second.events) == {
        second.events[0].id: "applied"}
    older = consumer.apply(db, follower.peer_id, follower.client, first.events)
    assert set(older.values()) == {"stale"}
    repeat = consumer.apply(db, follower.peer_id, follower.client, second.events)
    assert repeat == {second.events[0].id: "duplicate"}
    shared = f"person/{world.people['shared']}"
    assert _copies(probation)[shared][1]["family_name"] == "Newer"
    with db.session() as s:
        collections = s62.history(s, s62.Subject("copy:person", world.people["shared"]))
    assert len(collections) == 1


def _signed(event_json: str, event_id: str, secret: str) -> dict[str, str]:
    now = utcnow()
    return {"content-type": "application/cloudevents+json", "webhook-id": event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature([secret], event_id, now, event_json)}


def test_signed_webhooks_are_taken_at_the_inbox_once(app: FastAPI, world: World, sender: str,
                                                     probation: FastAPI) -> None:
    secret = new_secret()
    _peer(probation, world, sender, webhook_secret=secret)
    follower = Follower(probation.state.db, sender, wait=0)
    event = follower.client.feed(0, 100, 0).events[-1]
    body = event.model_dump_json()
    inbox = TestClient(probation)
    url = "/api/v1/exchange/inbox"
    unsigned = inbox.post(url, content=body, headers={"content-type": "application/json"})
    assert unsigned.status_code == 401
    forged = inbox.post(url, content=body, headers=_signed(body, event.id, new_secret()))
    assert forged.status_code == 401
    mismatched = inbox.post(url, content=body, headers=_signed(body, "other-id", secret))
    assert mismatched.status_code == 400
    first = inbox.post(url, content=body, headers=_signed(body, event.id, secret))
    assert first.status_code == 200 and first.json() == {"id": event.id, "outcome": "applied"}
    second = inbox.post(url, content=body, headers=_signed(body, event.id, secret))
    assert second.json() == {"id": event.id, "outcome": "duplicate"}
    assert _copies(probation)[event.subject][0] == event.sequence


def test_a_record_no_longer_shared_is_kept_as_gone(app: FastAPI, world: World, sender: str,
                                                   probation: FastAPI) -> None:
    _peer(probation, world, sender)
    follower = Follower(probation.state.db, sender, wait=0)
    follower.step()
    dpo = world.personas["dpo"].actor
    with app.state.db.session() as s:
        records.erase(s, Actor(**{**dpo.__dict__, "purpose": "data-protection"}),
                      s.get(Person, world.people["shared"]))
    follower.step()
    sequence, body = _copies(probation)[f"person/{world.people['shared']}"]
    assert body is None
    newest = [o for o in _outcomes(probation) if o[1] == sequence]
    assert [o[2] for o in newest] == ["gone"]
    assert {"person.deleted", "person.share.deleted"} <= {o[0] for o in _outcomes(probation)}


def test_a_peer_needs_a_known_purpose(probation: FastAPI) -> None:
    with probation.state.db.session() as s, pytest.raises(Exception, match="purpose"):
        consumer.add_peer(s, "http://127.0.0.1:9", "c", "s", "curiosity")


def test_the_inbox_takes_a_webhook_whose_sender_also_sent_a_token(app: FastAPI, world: World,
                                                                   sender: str) -> None:
    """A caller look-up (here: a bearer token) must not keep the database locked while the
    event is applied (on SQLite that would wait for itself)."""
    secret = new_secret()
    _peer(app, world, sender, webhook_secret=secret)  # the instance follows itself
    follower = Follower(app.state.db, sender, wait=0)
    event = follower.client.feed(0, 100, 0).events[-1]
    body = event.model_dump_json()
    police = client_for(app, world, "police-system")
    response = police.post("/api/v1/exchange/inbox", content=body,
                           headers=_signed(body, event.id, secret))
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "applied"


def test_a_follower_waits_out_a_peer_that_is_down(app: FastAPI, world: World,
                                                  probation: FastAPI) -> None:
    """Following a peer that is not up yet keeps trying, then applies once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    _peer(probation, world, url)
    follower = Follower(probation.state.db, url, wait=0)
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop,), kwargs={"pause": 0.2})
    thread.start()
    time.sleep(1.0)
    assert thread.is_alive() and _copies(probation) == {}
    with served(app, port) as sender:
        assert sender == url
        deadline = time.monotonic() + 30
        while not _copies(probation) and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        thread.join(timeout=30)
    assert list(_copies(probation)) == [f"person/{world.people['shared']}"]
