"""The outbox: every change to an exchanged model writes its event in the same transaction,
numbered without gaps in commit order; the envelope carries ids, never personal values."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from fastapi import FastAPI
from service_world import World
from sqlalchemy import select

from crimeplan.cases import records
from crimeplan.cases.actor import Actor
from crimeplan.cases.casework import Case, Task
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Person
from crimeplan.exchange import outbox
from crimeplan.exchange.envelope import ChangeEvent
from crimeplan.exchange.outbox import OutboxEvent


def _events(app: FastAPI, after: int = 0) -> list[OutboxEvent]:
    with app.state.db.session() as s:
        return outbox.after(s, after, 10_000)


def _worker(world: World) -> Actor:
    return Actor(**{**world.personas["police-caseworker"].actor.__dict__,
                    "purpose": "case-management"})


def test_a_new_person_publishes_one_event_in_its_transaction(app: FastAPI,
                                                             world: World) -> None:
    before = _events(app)[-1].seq
    with app.state.db.session() as s:
        person = records.create(s, _worker(world), {"given_name": "Ann", "family_name":
                                                    "Other"}, world.agencies["police"])
    new = _events(app, before)
    assert [(e.type, e.subject, e.sequence, e.people) for e in new] == [
        ("person.created", f"person/{person.id}", 1, [person.id])]
    assert new[0].seq == before + 1
    assert new[0].audience == [world.agencies["police"]]
    assert new[0].data == {"recordtype": "people", "recordid": person.id,
                           "change": "created", "fields": []}


def test_a_rolled_back_change_publishes_nothing(app: FastAPI, world: World) -> None:
    before = _events(app)[-1].seq
    with pytest.raises(RuntimeError), app.state.db.session() as s:
        records.create(s, _worker(world), {"given_name": "Ann", "family_name": "Other"},
                       world.agencies["police"])
        raise RuntimeError("the request failed after the change")
    assert _events(app, before) == []
    with app.state.db.session() as s:
        assert outbox.last_seq(s) == before


def test_updates_name_their_fields_and_a_no_op_publishes_nothing(app: FastAPI,
                                                                 world: World) -> None:
    actor = _worker(world)
    with app.state.db.session() as s:
        person = s.get(Person, world.people["shared"])
        before = outbox.last_seq(s)
        records.update(s, actor, person, {"given_name": "Joanne", "family_name": "Example"})
    with app.state.db.session() as s:
        records.update(s, actor, s.get(Person, world.people["shared"]),
                       {"given_name": "Joanne"})
    new = _events(app, before)
    assert [(e.type, e.sequence, e.data["fields"]) for e in new] == [
        ("person.updated", 3, ["given_name"])]  # 1, 2: its creation and share in the world


def test_case_tasks_and_closing_are_events_about_the_case(app: FastAPI, world: World) -> None:
    police, person_id = world.agencies["police"], world.people["shared"]
    with app.state.db.session() as s:
        before = outbox.last_seq(s)
        case = Case(agency_id=police, programme="iom", person_id=person_id, title="IOM")
        s.add(case)
        s.flush()
        task = Task(case_id=case.id, title="Visit", owner_agency_id=police)
        s.add(task)
    with app.state.db.session() as s:
        s.get(Task, task.id).completed_at = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    with app.state.db.session() as s:
        s.get(Case, case.id).closed_at = dt.datetime(2026, 1, 6, tzinfo=dt.UTC)
    new = _events(app, before)
    assert [(e.type, e.subject, e.sequence, e.people) for e in new] == [
        ("case.created", f"case/{case.id}", 1, [person_id]),
        ("case.task.created", f"case/{case.id}", 2, [person_id]),
        ("case.task.completed", f"case/{case.id}", 3, [person_id]),
        ("case.closed", f"case/{case.id}", 4, [person_id]),
    ]


def test_an_arrest_names_its_kind_and_the_people_taking_part(app: FastAPI,
                                                             world: World) -> None:
    with app.state.db.session() as s:
        before = outbox.last_seq(s)
        event = Event(agency_id=world.agencies["police"], kind="arrest",
                      occurred_at=dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC))
        event.participants.append(Participant(person_id=world.people["shared"],
                                              role="suspect"))
        s.add(event)
    new = _events(app, before)
    assert sorted((e.type, e.sequence, tuple(e.people)) for e in new) == [
        ("event.arrest.created", 1, (world.people["shared"],)),
        ("event.participant.created", 2, (world.people["shared"],)),
    ]
    assert {e.subject for e in new} == {f"event/{event.id}"}


def test_erasure_is_announced_to_those_who_held_the_record(app: FastAPI,
                                                           world: World) -> None:
    dpo = Actor(**{**world.personas["dpo"].actor.__dict__, "purpose": "data-protection"})
    with app.state.db.session() as s:
        before = outbox.last_seq(s)
        records.erase(s, dpo, s.get(Person, world.people["shared"]))
    new = _events(app, before)
    deleted = [e for e in new if e.type == "person.deleted"]
    assert len(deleted) == 1
    assert deleted[0].audience == sorted([world.agencies["police"],
                                          world.agencies["probation"]])
    assert "person.share.deleted" in {e.type for e in new}


def test_the_envelope_carries_ids_and_never_the_values(app: FastAPI, world: World) -> None:
    row = next(e for e in _events(app) if e.subject == f"person/{world.people['shared']}")
    event = outbox.envelope(row, "http://force-a.test", "http://force-a.test")
    text = event.model_dump_json()
    assert ChangeEvent.model_validate_json(text) == event
    body = json.loads(text)
    assert body["specversion"] == "1.0"
    assert body["detailurl"] == f"http://force-a.test/api/v1/people/{world.people['shared']}"
    assert body["personreference"] == {"identifiers": [
        {"type": "crimeplan-person", "value": world.people["shared"]}]}
    for value in ("Jo", "Example", "90/123456X", "1990-01-01"):
        assert value not in text


def test_the_cursor_never_skips_an_event_committed_later(app: FastAPI, world: World) -> None:
    """Writers in several threads; a reader following the cursor sees every number once,
    in order, with no gap that a later commit fills."""
    actor, police = _worker(world), world.agencies["police"]
    with app.state.db.session() as s:
        start = outbox.last_seq(s)
    per_writer, writers = 15, 4
    seen: list[int] = []
    done = threading.Event()
    problems: list[str] = []

    def write() -> None:
        for i in range(per_writer):
            with app.state.db.session() as s:
                records.create(s, actor, {"given_name": "W", "family_name": f"N{i}"}, police)

    def read() -> None:
        cursor = start
        while not done.is_set() or cursor < start + per_writer * writers:
            with app.state.db.session() as s:
                for row in outbox.after(s, cursor, 1000):
                    if row.seq != cursor + 1:
                        problems.append(f"{row.seq} after {cursor}")
                    cursor = row.seq
                    seen.append(row.seq)

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join(timeout=60)
    assert problems == []
    assert seen == list(range(start + 1, start + per_writer * writers + 1))
    with app.state.db.session() as s:
        count = len(list(s.scalars(select(OutboxEvent.seq).where(OutboxEvent.seq > start))))
    assert count == per_writer * writers
