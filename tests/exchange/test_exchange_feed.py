"""The pull feed: events after a cursor about records the caller may fetch, logged as
disclosures, with a bounded long poll; fetching the detail is a disclosure with the
recipient."""

from __future__ import annotations

import threading
import time

from fastapi import FastAPI
from service_world import World, client_for

from crimeplan.cases import records, s62
from crimeplan.cases.actor import Actor
from crimeplan.cases.people import Person

CARE = {"X-Purpose": "offender-management"}


def _create(app: FastAPI, world: World, agency: str, family_name: str) -> str:
    worker = world.personas["police-caseworker"].actor
    actor = Actor(**{**worker.__dict__, "purpose": "case-management"})
    with app.state.db.session() as s:
        return records.create(s, actor, {"given_name": "F", "family_name": family_name},
                              world.agencies[agency]).id


def test_a_system_sees_only_events_about_records_it_may_fetch(app: FastAPI,
                                                              world: World) -> None:
    probation = client_for(app, world, "probation-system")
    page = probation.get("/api/v1/events", headers=CARE).json()
    shared = world.people["shared"]
    assert [(e["type"], e["subject"]) for e in page["events"]] == [
        ("person.created", f"person/{shared}"), ("person.share.created", f"person/{shared}")]
    # the restricted and the housing records' events were read past, not shown
    with app.state.db.session() as s:
        from crimeplan.exchange import outbox

        assert page["next"] == outbox.last_seq(s)
    police = client_for(app, world, "police-system")
    subjects = {e["subject"] for e in police.get("/api/v1/events", headers=CARE)
                .json()["events"]}
    assert subjects == {f"person/{shared}"}  # the restricted record needs an allocation


def test_the_cursor_pages_through_and_type_filters(app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-system")
    ids = [_create(app, world, "police", f"Paged {i}") for i in range(5)]
    first = police.get("/api/v1/events", params={"limit": 4}, headers=CARE).json()
    rest = police.get("/api/v1/events", params={"after": first["next"]}, headers=CARE).json()
    created = [e["subject"] for e in first["events"] + rest["events"]
               if e["type"] == "person.created"]
    assert created[-5:] == [f"person/{i}" for i in ids]
    only = police.get("/api/v1/events", params={"type": "person.share"}, headers=CARE).json()
    assert {e["type"] for e in only["events"]} == {"person.share.created"}


def test_reading_the_feed_is_a_logged_disclosure_with_the_recipient(app: FastAPI,
                                                                   world: World) -> None:
    probation = client_for(app, world, "probation-system")
    probation.get("/api/v1/events", headers=CARE)
    actor = world.personas["probation-system"].actor
    with app.state.db.session() as s:
        entries = [e.record for e in s62.history(s, s62.Subject("person",
                                                                world.people["shared"]))]
    feed = [e for e in entries if e["fields"] == ["change-event"]]
    assert len(feed) == 1
    assert feed[0]["category"] == "disclosure"
    assert feed[0]["recipients"] == [{"agency_id": world.agencies["probation"],
                                      "client_id": actor.client_id}]


def test_fetching_the_detailurl_is_a_disclosure_to_the_client_agency(app: FastAPI,
                                                                     world: World) -> None:
    probation = client_for(app, world, "probation-system")
    event = probation.get("/api/v1/events", headers=CARE).json()["events"][0]
    assert event["detailurl"] == f"http://testserver/api/v1/people/{world.people['shared']}"
    body = probation.get(event["detailurl"], headers=CARE).json()
    assert body["family_name"] == "Example" and body["pnc_id"] is None  # redacted: shared
    with app.state.db.session() as s:
        last = s62.history(s, s62.Subject("person", world.people["shared"]))[-1].record
    assert last["category"] == "disclosure"
    assert "pnc_id" not in last["fields"] and "family_name" in last["fields"]
    assert last["recipients"] == [{"agency_id": world.agencies["probation"],
                                   "client_id": world.personas["probation-system"]
                                   .actor.client_id}]


def test_a_long_poll_returns_as_soon_as_an_event_is_published(app: FastAPI,
                                                              world: World) -> None:
    police = client_for(app, world, "police-system")
    cursor = police.get("/api/v1/events", headers=CARE).json()["next"]
    timer = threading.Timer(0.5, _create, (app, world, "police", "Late"))
    started = time.monotonic()
    timer.start()
    page = police.get("/api/v1/events", params={"after": cursor, "wait": 20},
                      headers=CARE).json()
    elapsed = time.monotonic() - started
    timer.join()
    assert [e["type"] for e in page["events"]] == ["person.created"]
    assert 0.4 < elapsed < 10


def test_a_long_poll_with_nothing_new_ends_at_its_wait(app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-system")
    cursor = police.get("/api/v1/events", headers=CARE).json()["next"]
    started = time.monotonic()
    page = police.get("/api/v1/events", params={"after": cursor, "wait": 1.5},
                      headers=CARE).json()
    assert page == {"events": [], "next": cursor}
    assert time.monotonic() - started >= 1.5


def test_the_feed_needs_a_purpose_and_bounds_its_parameters(app: FastAPI,
                                                            world: World) -> None:
    police = client_for(app, world, "police-system")
    missing = police.get("/api/v1/events")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "purpose"
    ahead = police.get("/api/v1/events", params={"after": 10**6}, headers=CARE)
    assert ahead.status_code == 400 and ahead.json()["errors"][0]["field"] == "after"
    too_long = police.get("/api/v1/events", params={"wait": 31}, headers=CARE)
    assert too_long.status_code == 422
    assert too_long.headers["content-type"] == "application/problem+json"


def test_an_erased_record_is_announced_to_the_agency_it_was_shared_with(
        app: FastAPI, world: World) -> None:
    probation = client_for(app, world, "probation-system")
    cursor = probation.get("/api/v1/events", headers=CARE).json()["next"]
    dpo = Actor(**{**world.personas["dpo"].actor.__dict__, "purpose": "data-protection"})
    with app.state.db.session() as s:
        records.erase(s, dpo, s.get(Person, world.people["shared"]))
    page = probation.get("/api/v1/events", params={"after": cursor}, headers=CARE).json()
    assert "person.deleted" in [e["type"] for e in page["events"]]
    housing = client_for(app, world, "housing-caseworker")
    seen = housing.get("/api/v1/events", params={"after": cursor}, headers=CARE).json()
    assert seen["events"] == []
