"""A person's IOM journey: states derived from timestamps, review dates, custody from events,
transfers, needs and the action plan, each use case logged under s.62."""

from __future__ import annotations

import datetime as dt

import pytest
from iomdip_world import at, build, custody, person
from sqlalchemy import select

from crimeplan.cases.casework import CaseShare
from crimeplan.cases.db import Database
from crimeplan.cases.iom import history, journey
from crimeplan.errors import BadInput, Conflict
from crimeplan.provenance.dblog import AuditEntry


def _s62(s) -> list[dict]:
    return [e.record for e in s.scalars(select(AuditEntry).where(AuditEntry.kind == "s62")
                                        .order_by(AuditEntry.seq))]


def test_journey_states_follow_the_timestamps(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        jo = person(s, w)
        police = w.actor("police")
        case = journey.refer(s, police, jo, "Prolific burglar, released last month",
                             [w.agencies["probation"]], at("2026-01-05"))
        iom = journey.get(s, case.id)
        assert journey.state(iom.record) == "referred"
        assert journey.review_due_on(iom.record, iom.reviews) is None
        journey.assess(s, police, iom, "Drug use drives acquisitive offending", at("2026-01-07"))
        assert journey.state(iom.record) == "assessed"
        journey.select_into(s, police, iom, "fixed", "Neighbourhood crime, high harm",
                            at("2026-01-10"))
        assert journey.state(iom.record) == "active"
        # 91 days after 10 January 2026 is 11 April 2026.
        assert journey.review_due_on(iom.record, iom.reviews) == dt.date(2026, 4, 11)
        assert not journey.review_overdue(iom.record, iom.reviews, dt.date(2026, 4, 11))
        assert journey.review_overdue(iom.record, iom.reviews, dt.date(2026, 4, 12))
        journey.review(s, police, iom, "Engaging; move to Flex for domestic abuse work",
                       at("2026-04-01"), cohort="flex")
        assert journey.review_due_on(iom.record, iom.reviews) == dt.date(2026, 7, 1)
        assert journey.current_cohort(iom.record, iom.reviews) == "flex"
        journey.review(s, police, iom, "Stable", at("2026-05-01"),
                       next_review_on=dt.date(2026, 5, 29))
        assert journey.review_due_on(iom.record, iom.reviews) == dt.date(2026, 5, 29)
        assert journey.current_cohort(iom.record, iom.reviews) == "flex"
        journey.deselect(s, police, iom, "reduced-risk", "", at("2026-06-01"))
        assert journey.state(iom.record) == "deselected"
        assert iom.case.status == "closed" and iom.case.close_reason.startswith("Progress")
        assert journey.review_due_on(iom.record, iom.reviews) is None
        assert iom.allocation is None
        logged = [(e["category"], e["fields"]) for e in _s62(s)]
    assert logged == [
        ("collection", ["iom_referral"]),
        ("disclosure", ["iom_journey", "iom_referral"]),
        ("collection", ["iom_assessment"]),
        ("collection", ["iom_cohort", "iom_selection"]),
        ("collection", ["iom_cohort", "iom_review"]),
        ("collection", ["iom_review"]),
        ("alteration", ["iom_deselection"]),
    ]


def test_the_order_of_the_journey_is_kept(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        jo = person(s, w)
        police = w.actor("police")
        case = journey.refer(s, police, jo, "Referred", [], at("2026-01-05"))
        iom = journey.get(s, case.id)
        with pytest.raises(Conflict, match="only an assessed person"):
            journey.select_into(s, police, iom, "fixed", "why", at("2026-01-06"))
        with pytest.raises(Conflict, match="already has an open IOM case"):
            journey.refer(s, police, jo, "Again", [], at("2026-01-06"))
        with pytest.raises(BadInput) as caught:
            journey.assess(s, police, iom, "Too early", at("2026-01-04"))
        assert caught.value.fields[0].field == "assessed_at"
        journey.assess(s, police, iom, "Assessed", at("2026-01-06"))
        with pytest.raises(BadInput) as caught:
            journey.select_into(s, police, iom, "premium", "why", at("2026-01-07"))
        assert caught.value.fields[0].field == "cohort"
        with pytest.raises(BadInput) as caught:
            journey.select_into(s, police, iom, "free", "  ", at("2026-01-07"))
        assert caught.value.fields[0].code == "required"
        with pytest.raises(Conflict, match="only an active case is reviewed"):
            journey.review(s, police, iom, "note", at("2026-01-08"))
        journey.select_into(s, police, iom, "free", "Local discretion", at("2026-01-07"))
        with pytest.raises(BadInput) as caught:
            journey.review(s, police, iom, "note", at("2026-02-01"),
                           next_review_on=dt.date(2026, 2, 1))
        assert caught.value.fields[0].field == "next_review_on"
        with pytest.raises(BadInput) as caught:
            journey.deselect(s, police, iom, "bored", "", at("2026-02-01"))
        assert caught.value.fields[0].field == "reason"
        with pytest.raises(BadInput) as caught:
            journey.deselect(s, police, iom, "other", " ", at("2026-02-01"))
        assert caught.value.fields[0].field == "note"
        journey.deselect(s, police, iom, "other", "Moved into supported housing out of county",
                         at("2026-02-01"))
        # A de-selected person may be referred again: a new case.
        again = journey.refer(s, police, jo, "Reoffending", [], at("2026-03-01"))
        assert again.id != case.id


def test_custody_and_release_move_an_active_person(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        jo = person(s, w)
        police = w.actor("police")
        iom = journey.get(s, journey.refer(s, police, jo, "r", [], at("2026-01-01")).id)
        journey.assess(s, police, iom, "a", at("2026-01-01"))
        journey.select_into(s, police, iom, "fixed", "s", at("2026-01-02"))
        custody(s, w, jo, at("2026-02-01"), at("2026-03-01"))
        custody(s, w, jo, at("2026-05-01"))
        spells = history.custody_spells(s, [jo.id])[jo.id]
        assert spells == [history.Custody(at("2026-02-01"), at("2026-03-01")),
                          history.Custody(at("2026-05-01"), None)]
        assert journey.location(iom.record, spells, at("2026-01-15")) == "community"
        assert journey.location(iom.record, spells, at("2026-02-15")) == "custody"
        assert journey.location(iom.record, spells, at("2026-03-01")) == "community"
        assert journey.location(iom.record, spells, at("2026-06-01")) == "custody"


def test_custody_spells_pair_starts_with_the_next_release() -> None:
    t = [at(f"2026-01-0{d}") for d in range(1, 8)]
    spells = history.spells([("release", t[0]), ("custody-start", t[1]), ("custody-start", t[2]),
                             ("release", t[3]), ("release", t[4]), ("custody-start", t[5])])
    assert spells == [history.Custody(t[1], t[3]), history.Custody(t[5], None)]
    assert spells[0].days_within(t[0], t[2], now=t[6]) == 1.0
    assert spells[1].days_within(t[0], t[6] + dt.timedelta(days=5), now=t[6]) == 1.0


def test_transfer_hands_the_lead_over_and_shares_the_case(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        jo = person(s, w)
        police = w.actor("police")
        iom = journey.get(s, journey.refer(s, police, jo, "r", [], at("2026-01-01")).id)
        assert (iom.allocation.agency_id, iom.allocation.user_id) == (
            w.agencies["police"], police.user_id)
        with pytest.raises(BadInput) as caught:
            journey.transfer(s, police, iom, w.agencies["probation"], police.user_id,
                             "wrong worker", at("2026-01-02"))
        assert caught.value.fields[0].field == "user_id"
        journey.transfer(s, police, iom, w.agencies["probation"],
                         w.actors["probation"].user_id, "On licence: probation leads",
                         at("2026-01-03"))
        assert iom.allocation.agency_id == w.agencies["probation"]
        assert [a.to_at for a in iom.allocations] == [at("2026-01-03"), None]
        shares = s.scalars(select(CaseShare.agency_id)
                           .where(CaseShare.case_id == iom.case.id)).all()
        assert shares == [w.agencies["probation"]]
        with pytest.raises(Conflict):
            journey.transfer(s, police, iom, w.agencies["probation"],
                             w.actors["probation"].user_id, "again", at("2026-01-04"))
        logged = [(e["category"], e["recipients"]) for e in _s62(s)][-2:]
    assert logged == [("alteration", []),
                      ("disclosure", [{"agency_id": w.agencies["probation"],
                                       "client_id": None}])]


def test_needs_and_the_action_plan(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        jo = person(s, w)
        police = w.actor("police")
        iom = journey.get(s, journey.refer(s, police, jo, "r", [w.agencies["probation"]],
                                           at("2026-01-01")).id)
        journey.record_need(s, police, iom, "accommodation", "significant-need", "Sofa surfing",
                            at("2026-01-02"))
        journey.record_need(s, police, iom, "accommodation", "some-need", "Hostel place",
                            at("2026-01-20"))
        with pytest.raises(BadInput) as caught:
            journey.record_need(s, police, iom, "hobbies", "some-need", "", at("2026-01-20"))
        assert caught.value.fields[0].field == "pathway"
        assert {p: n.level for p, n in iom.current_needs().items()} == {
            "accommodation": "some-need"}
        housing_task = journey.add_action(s, police, iom, "Find a tenancy", "accommodation",
                                          w.agencies["housing"], None, dt.date(2026, 2, 1),
                                          at("2026-01-03"))
        probation_task = journey.add_action(s, police, iom, "Licence appointment",
                                            "attitudes-thinking-behaviour",
                                            w.agencies["probation"],
                                            w.actors["probation"].user_id, dt.date(2026, 1, 10),
                                            at("2026-01-03"))
        with pytest.raises(BadInput) as caught:
            journey.add_action(s, police, iom, "x", "health", w.agencies["housing"],
                               police.user_id, dt.date(2026, 2, 1), at("2026-01-03"))
        assert caught.value.fields[0].field == "owner_user_id"
        today = dt.date(2026, 1, 15)
        assert housing_task.status(today) == "open" and probation_task.status(today) == "overdue"
        journey.complete_action(s, w.actor("probation"), probation_task, jo.id,
                                at("2026-01-16"))
        assert probation_task.status(today) == "done"
        with pytest.raises(Conflict):
            journey.complete_action(s, w.actor("probation"), probation_task, jo.id,
                                    at("2026-01-17"))
        entries = _s62(s)
    disclosures = [e for e in entries if e["category"] == "disclosure"]
    # The referral's share with probation, then housing learning of its accommodation action
    # only (the probation action is within the case's agencies: no new disclosure).
    assert [(d["fields"], d["recipients"][0]["agency_id"]) for d in disclosures] == [
        (["iom_journey", "iom_referral"], w.agencies["probation"]),
        (["action:accommodation", "family_name", "given_name"], w.agencies["housing"]),
    ]
