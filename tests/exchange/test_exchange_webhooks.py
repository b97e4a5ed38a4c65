"""Webhooks: Standard Webhooks signatures (the specification's test vector), secret rotation,
delivery of visible events only, retries with exponential back-off, the dead-letter list and
redelivery, and the subscriptions API."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from fastapi import FastAPI
from service_world import World, client_for
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.db import utcnow
from crimeplan.exchange.delivery import Backoff, Worker, signature
from crimeplan.exchange.envelope import MEDIA_TYPE, ChangeEvent
from crimeplan.exchange.subscriptions import Delivery, Subscription
from crimeplan.standard.conformance import LoopbackInbox

CARE = {"X-Purpose": "offender-management"}
#: The Standard Webhooks specification's published test vector.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIME = dt.datetime.fromtimestamp(1614265330, dt.UTC)
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signatures_match_the_specification_test_vector() -> None:
    assert signature([VECTOR_SECRET], VECTOR_ID, VECTOR_TIME, VECTOR_BODY) == VECTOR_SIGNATURE


def test_a_signature_verifies_with_the_library_and_a_changed_body_does_not() -> None:
    now = utcnow()
    headers = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": signature([VECTOR_SECRET], VECTOR_ID, now, VECTOR_BODY)}
    assert Webhook(VECTOR_SECRET).verify(VECTOR_BODY, headers) == {"test": 2432232314}
    with pytest.raises(WebhookVerificationError):
        Webhook(VECTOR_SECRET).verify(VECTOR_BODY.replace("4}", "5}"), headers)
    stale = {**headers, "webhook-timestamp": str(int(now.timestamp()) - 301)}
    with pytest.raises(WebhookVerificationError):
        Webhook(VECTOR_SECRET).verify(VECTOR_BODY, stale)


def _subscribe(app: FastAPI, world: World, url: str, types: list[str] | None = None
               ) -> dict[str, str]:
    probation = client_for(app, world, "probation-system")
    response = probation.post("/api/v1/exchange/subscriptions", headers=CARE,
                              json={"url": url, "types": types or []})
    assert response.status_code == 201, response.text
    return response.json()


def _change_shared_person(app: FastAPI, world: World, family_name: str) -> None:
    worker = world.personas["police-caseworker"].actor
    actor = Actor(**{**worker.__dict__, "purpose": "case-management"})
    with app.state.db.session() as s:
        from crimeplan.cases.people import Person

        records.update(s, actor, s.get(Person, world.people["shared"]),
                       {"family_name": family_name})
        records.create(s, actor, {"given_name": "Not", "family_name": "Shared"},
                       world.agencies["police"])


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def test_rotation_signs_with_both_secrets_for_a_day(app: FastAPI, world: World) -> None:
    sub = _subscribe(app, world, "https://probation.test/hook")
    probation = client_for(app, world, "probation-system")
    rotated = probation.post(f"/api/v1/exchange/subscriptions/{sub['id']}/rotate-secret",
                             headers=CARE).json()
    assert rotated["secret"] != sub["secret"] and rotated["secret"].startswith("whsec_")
    assert len(base64.b64decode(rotated["secret"][6:])) == 32
    with app.state.db.session() as s:
        row = s.get(Subscription, sub["id"])
        now = utcnow()
        both = row.signing_secrets(now)
        later = row.signing_secrets(now + dt.timedelta(hours=24, seconds=1))
    assert both == [rotated["secret"], sub["secret"]] and later == [rotated["secret"]]
    header = signature(both, "msg_1", now, "{}")
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": header}
    assert len(header.split(" ")) == 2
    for secret in (sub["secret"], rotated["secret"]):
        assert Webhook(secret).verify("{}", headers) == {}


def test_the_worker_delivers_signed_events_the_subscriber_may_see(app: FastAPI,
                                                                  world: World) -> None:
    with LoopbackInbox() as receiver:
        sub = _subscribe(app, world, receiver.url)
        _change_shared_person(app, world, "Renamed")
        sent = Worker(app.state.db, "http://force-a.test").run_once()
    assert sent == 1 and len(receiver.received) == 1
    got = receiver.received[0]
    assert got.headers["content-type"] == MEDIA_TYPE
    body = Webhook(sub["secret"]).verify(got.body, got.headers)
    event = ChangeEvent.model_validate(body)
    assert got.headers["webhook-id"] == event.id
    assert (event.type, event.subject, event.source) == (
        "person.updated", f"person/{world.people['shared']}", "http://force-a.test")
    assert "Renamed" not in got.body.decode()
    with app.state.db.session() as s:
        (delivery,) = s.query(Delivery).all()
        assert delivery.status == "delivered" and delivery.attempts == 1


def test_failures_are_retried_with_exponential_back_off(app: FastAPI, world: World) -> None:
    clock = Clock()
    backoff = Backoff(base=dt.timedelta(seconds=10), attempts=5)
    with LoopbackInbox([500, 503]) as receiver:
        _subscribe(app, world, receiver.url, ["person.updated"])
        _change_shared_person(app, world, "Retry")
        worker = Worker(app.state.db, "http://force-a.test", backoff=backoff, clock=clock)
        schedule = []
        for seconds in (0, 5, 10, 25, 30):
            clock.now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC) + dt.timedelta(
                seconds=seconds)
            schedule.append((seconds, worker.run_once(), len(receiver.received)))
    # tried at 0 (500), due at 10 (503), due at 10 + 20 = 30 (204)
    assert schedule == [(0, 0, 1), (5, 0, 1), (10, 0, 2), (25, 0, 2), (30, 1, 3)]
    with app.state.db.session() as s:
        (delivery,) = s.query(Delivery).all()
        assert (delivery.status, delivery.attempts, delivery.last_status) == (
            "delivered", 3, 204)


def test_dead_letters_are_listed_and_redelivered(app: FastAPI, world: World) -> None:
    clock = Clock()
    backoff = Backoff(base=dt.timedelta(seconds=1), attempts=2)
    probation = client_for(app, world, "probation-system")
    with LoopbackInbox([500, 500]) as receiver:
        _subscribe(app, world, receiver.url, ["person.updated"])
        _change_shared_person(app, world, "Dead")
        worker = Worker(app.state.db, "http://force-a.test", backoff=backoff, clock=clock)
        worker.run_once()
        clock.now += dt.timedelta(seconds=1)
        worker.run_once()
        dead = probation.get("/api/v1/exchange/dead-letters", headers=CARE).json()
        assert [(d["attempts"], d["last_status"], d["last_error"]) for d in dead] == [
            (2, 500, "HTTP 500")]
        police = client_for(app, world, "police-system")
        other = police.post(f"/api/v1/exchange/dead-letters/{dead[0]['delivery_id']}"
                            "/redeliver", headers=CARE)
        assert other.status_code == 404  # not police's subscription
        again = probation.post(f"/api/v1/exchange/dead-letters/{dead[0]['delivery_id']}"
                               "/redeliver", headers=CARE)
        assert again.status_code == 204
        clock.now = utcnow()  # redelivery is due at once (the API's time)
        assert worker.run_once() == 1
    assert len(receiver.received) == 3
    assert probation.get("/api/v1/exchange/dead-letters", headers=CARE).json() == []


def test_subscriptions_are_managed_by_the_agency_that_made_them(app: FastAPI,
                                                                world: World) -> None:
    sub = _subscribe(app, world, "https://probation.test/hook", ["case", "person.share"])
    probation = client_for(app, world, "probation-system")
    listed = probation.get("/api/v1/exchange/subscriptions", headers=CARE).json()
    assert [(s["id"], s["types"]) for s in listed] == [(sub["id"], ["case", "person.share"])]
    assert "secret" not in json.dumps(listed)
    police = client_for(app, world, "police-system")
    assert police.get("/api/v1/exchange/subscriptions", headers=CARE).json() == []
    assert police.delete(f"/api/v1/exchange/subscriptions/{sub['id']}",
                         headers=CARE).status_code == 404
    assert probation.delete(f"/api/v1/exchange/subscriptions/{sub['id']}",
                            headers=CARE).status_code == 204
    assert probation.get("/api/v1/exchange/subscriptions", headers=CARE).json() == []


def test_a_plain_http_url_off_loopback_is_refused(app: FastAPI, world: World) -> None:
    probation = client_for(app, world, "probation-system")
    response = probation.post("/api/v1/exchange/subscriptions", headers=CARE,
                              json={"url": "http://probation.test/hook"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "url"
    bad_type = probation.post("/api/v1/exchange/subscriptions", headers=CARE,
                              json={"url": "https://p.test/h", "types": ["Person!"]})
    assert bad_type.status_code == 422
