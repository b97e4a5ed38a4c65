"""Nominations from the harm-weighted cohort scores, hand-computed on the Home Office unit
costs (heeks-2018-cost), and the human decision that follows them."""

from __future__ import annotations

import datetime as dt

import pytest
from iomdip_world import at, build, offence, person
from sqlalchemy import select

from crimeplan.cases.db import Database
from crimeplan.cases.iom import journey, nominations
from crimeplan.cases.iom.models import NominationDecision
from crimeplan.errors import BadInput
from crimeplan.provenance.dblog import AuditEntry

PERIOD = (dt.date(2026, 1, 1), dt.date(2027, 1, 1))


def _history(s, w):
    """A: 2 domestic burglaries + 1 common assault = 2·5930 + 5930 = £17,790; B: a robbery
    (£11,320) and 3 shoplifting (uncosted, 0); C: criminal damage (£1,350). D is only a
    suspect; E offended before the period."""
    a, b, c, d, e = (person(s, w, n) for n in "ABCDE")
    offence(s, w, a, "domestic-burglary", at("2026-02-01"))
    offence(s, w, a, "domestic-burglary", at("2026-03-01"))
    offence(s, w, a, "common-assault", at("2026-04-01"))
    offence(s, w, b, "robbery", at("2026-02-10"))
    for day in ("2026-05-01", "2026-05-02", "2026-05-03"):
        offence(s, w, b, "shoplifting", at(day))
    offence(s, w, c, "criminal-damage", at("2026-06-01"))
    offence(s, w, d, "domestic-burglary", at("2026-06-01"), role="suspect")
    offence(s, w, e, "robbery", at("2025-12-31", "23:59"))
    return a, b, c, d, e


def test_scores_and_their_components(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        a, b, c, d, e = _history(s, w)
        scoring = nominations.score(s, nominations.harm_table("heeks-2018-cost"), *PERIOD)
    assert scoring.people == 3
    assert [(n.person_id, n.rank, n.offences, n.harm) for n in scoring.nominations] == [
        (a.id, 1, 3, 17790.0), (b.id, 2, 4, 11320.0), (c.id, 3, 1, 1350.0)]
    first = scoring.nominations[0]
    assert first.harm_share == pytest.approx(17790 / 30460)
    assert first.components == (
        nominations.Component("domestic-burglary", 2, 5930.0, 11860.0),
        nominations.Component("common-assault", 1, 5930.0, 5930.0))
    assert (first.first_offence, first.last_offence) == (dt.date(2026, 2, 1),
                                                         dt.date(2026, 4, 1))
    assert first.neighbourhood_crime_offences == 2 and first.suggested_cohort == "fixed"
    second = scoring.nominations[1]
    assert second.components == (nominations.Component("robbery", 1, 11320.0, 11320.0),
                                 nominations.Component("shoplifting", 3, 0.0, 0.0))
    assert second.most_harmful_offence == "robbery" and second.suggested_cohort == "fixed"
    assert scoring.nominations[2].suggested_cohort is None
    assert scoring.of(d.id) is None and scoring.of(e.id) is None


def test_counts_table_and_an_unknown_table(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        a, b, *_ = _history(s, w)
        counts = nominations.score(s, nominations.harm_table("count"), *PERIOD)
        assert [(n.person_id, n.harm) for n in counts.nominations[:2]] == [(b.id, 4.0),
                                                                           (a.id, 3.0)]
        with pytest.raises(BadInput) as caught:
            nominations.harm_table("/etc/passwd.json")
        assert caught.value.fields[0].field == "harm_table"
        with pytest.raises(BadInput) as caught:
            nominations.score(s, nominations.harm_table("count"), PERIOD[1], PERIOD[0])
        assert caught.value.fields[0].field == "period_to"
        assert nominations.score(s, nominations.harm_table("count"), dt.date(2020, 1, 1),
                                 dt.date(2021, 1, 1)).nominations == []


def test_protected_characteristics_do_not_move_a_score(db: Database) -> None:
    """Two people with the same offences, of different sex and age, score the same; changing
    a person's sex and date of birth changes nothing."""
    with db.session() as s:
        w = build(s)
        young = person(s, w, "Young", dt.date(2004, 5, 6), "female")
        old = person(s, w, "Old", dt.date(1961, 7, 8), "male")
        for p in (young, old):
            offence(s, w, p, "robbery", at("2026-03-03"))
            offence(s, w, p, "vehicle-theft", at("2026-04-04"))
        table = nominations.harm_table("heeks-2018-cost")
        before = nominations.score(s, table, *PERIOD).nominations
        assert before[0].harm == before[1].harm == 21610.0
        young.sex, young.date_of_birth = "male", dt.date(1950, 1, 1)
        s.flush()
        assert nominations.score(s, table, *PERIOD).nominations == before


def test_a_decision_to_select_records_the_score_shown_and_starts_the_journey(
        db: Database) -> None:
    with db.session() as s:
        w = build(s)
        a, b, *_ = _history(s, w)
        police = w.actor("police")
        scoring = nominations.score(s, nominations.harm_table("heeks-2018-cost"), *PERIOD)
        row = nominations.decide(s, police, a, scoring, "select",
                                 "Two burglaries in two months; agreed at the panel",
                                 at("2027-01-05"), cohort="fixed",
                                 partners=[w.agencies["probation"]])
        iom = journey.get(s, str(row.case_id))
        assert journey.state(iom.record) == "active" and iom.record.cohort == "fixed"
        assert iom.record.selection_reason == "Two burglaries in two months; agreed at the panel"
        assert [x.agency_id for x in iom.case.shares] == [w.agencies["probation"]]
        stored = s.scalars(select(NominationDecision)).one()
        assert (stored.decision, stored.harm, stored.offences, stored.rank) == (
            "select", 17790.0, 3, 1)
        assert stored.harm_table == "heeks-2018-cost v1 (published)"
        assert stored.components[0] == {"offence": "domestic-burglary", "count": 2,
                                        "weight": 5930.0, "harm": 11860.0}
        nominations.decide(s, police, b, scoring, "do-not-select",
                           "Offending is shoplifting for food; referred to support instead",
                           at("2027-01-05"))
        assert journey.open_case_of(s, b.id) is None
        assert nominations.latest_decisions(s, [a.id, b.id])[b.id].decision == "do-not-select"
        logged = [e.record["fields"] for e in s.scalars(select(AuditEntry)
                                                        .where(AuditEntry.kind == "s62"))]
    assert logged[-1] == ["harm_score", "iom_nomination_decision"]


@pytest.mark.parametrize(("decision", "cohort", "reason", "field"), [
    ("maybe", None, "why", "decision"),
    ("select", None, "why", "cohort"),
    ("do-not-select", "fixed", "why", "cohort"),
    ("select", "fixed", " ", "reason"),
])
def test_a_decision_needs_a_choice_and_a_reason(db: Database, decision: str,
                                                cohort: str | None, reason: str,
                                                field: str) -> None:
    with db.session() as s:
        w = build(s)
        a, *_ = _history(s, w)
        scoring = nominations.score(s, nominations.harm_table("count"), *PERIOD)
        with pytest.raises(BadInput) as caught:
            nominations.decide(s, w.actor("police"), a, scoring, decision, reason,
                               at("2027-01-05"), cohort=cohort)
        assert caught.value.fields[0].field == field


def test_no_decision_on_someone_the_scores_do_not_list(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        *_, d, _ = _history(s, w)
        scoring = nominations.score(s, nominations.harm_table("count"), *PERIOD)
        with pytest.raises(BadInput) as caught:
            nominations.decide(s, w.actor("police"), d, scoring, "select", "x",
                               at("2027-01-05"), cohort="free")
        assert caught.value.fields[0].field == "person_id"
