"""DIP pathways: the conditions of a test on arrest (PACE s.63B), the order of the steps
(Drugs Act 2005 Part 3), the state derived from the events, and the s.62 entries."""

from __future__ import annotations

import datetime as dt

import pytest
from iomdip_world import at, build, person
from sqlalchemy import select

from crimeplan.cases.db import Database
from crimeplan.cases.dip import pathway
from crimeplan.cases.dip.pathway import ArrestTest
from crimeplan.errors import BadInput, Conflict
from crimeplan.provenance.dblog import AuditEntry

ARREST = at("2026-03-02", "10:00")
TESTED = at("2026-03-02", "13:00")
NOW = at("2026-12-01")


def _t(**changes: object) -> ArrestTest:
    values: dict[str, object] = {"offence": "burglary", "arrested_at": ARREST,
                                 "tested_at": TESTED, "result": "positive",
                                 "substances": ("opiates",)}
    values.update(changes)
    return ArrestTest(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("test", "born", "field"), [
    # Cases from PACE s.63B and Criminal Justice and Court Services Act 2000 Sch 6.
    (_t(), dt.date(2008, 3, 2), None),                       # 18 on the day of arrest
    (_t(), dt.date(2008, 3, 3), "person_id"),                # 17: s.63B(3)(a)
    (_t(), None, None),                                      # age not recorded
    (_t(offence="common-assault"), dt.date(1990, 1, 1), "offence"),  # not in Sch 6
    (_t(offence="common-assault", inspector_authorised=True), dt.date(1990, 1, 1), None),
    (_t(offence="handling-stolen-goods"), dt.date(1990, 1, 1), None),  # SI 2004/1892
    (_t(offence="begging", result="refused", substances=()), dt.date(1990, 1, 1), None),
    (_t(offence=" "), dt.date(1990, 1, 1), "offence"),
    (_t(result="inconclusive"), dt.date(1990, 1, 1), "result"),
    (_t(substances=()), dt.date(1990, 1, 1), "substances"),
    (_t(result="negative"), dt.date(1990, 1, 1), "substances"),
    (_t(substances=("cannabis",)), dt.date(1990, 1, 1), "substances"),
    (_t(tested_at=ARREST - dt.timedelta(minutes=1)), dt.date(1990, 1, 1), "tested_at"),
    (_t(tested_at=NOW + dt.timedelta(minutes=1)), dt.date(1990, 1, 1), "tested_at"),
])
def test_conditions_of_a_test_on_arrest(db: Database, test: ArrestTest, born: dt.date | None,
                                        field: str | None) -> None:
    with db.session() as s:
        w = build(s)
        who = person(s, w, born=born)
        if field is None:
            p = pathway.record_test(s, w.actor("police", "case-management"), who, test, NOW)
            assert p.result == test.result and p.offence == test.offence
        else:
            with pytest.raises(BadInput) as caught:
                pathway.record_test(s, w.actor("police", "case-management"), who, test, NOW)
            assert caught.value.fields[0].field == field


def test_a_pathway_from_test_to_treatment_end(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        who = person(s, w)
        police, treatment = w.actor("police", "case-management"), w.actor(
            "treatment", "case-management")
        p = pathway.record_test(s, police, who, _t(substances=("opiates", "cocaine"),
                                                   assessment_agency_id=w.agencies["treatment"]),
                                NOW)
        assert p.state == "awaiting-assessment"
        assert p.agencies == {w.agencies["police"], w.agencies["treatment"]}
        with pytest.raises(Conflict, match="needs an attended initial assessment"):
            pathway.record_step(s, treatment, p, "referral", at("2026-03-03"), NOW)
        pathway.record_step(s, treatment, p, "initial-assessment", at("2026-03-03"), NOW,
                            attended=False)
        assert p.state == "did-not-attend" and p.missed_assessment
        pathway.record_step(s, treatment, p, "initial-assessment", at("2026-03-05"), NOW,
                            attended=True)
        assert p.state == "assessed" and p.assessed_at == at("2026-03-05")
        with pytest.raises(Conflict, match="already attended"):
            pathway.record_step(s, treatment, p, "initial-assessment", at("2026-03-06"), NOW,
                                attended=True)
        pathway.record_step(s, treatment, p, "follow-up-assessment", at("2026-03-10"), NOW,
                            attended=True)
        with pytest.raises(BadInput) as caught:
            pathway.record_step(s, treatment, p, "referral", at("2026-03-04"), NOW)
        assert caught.value.fields[0].field == "occurred_at"
        pathway.record_step(s, treatment, p, "referral", at("2026-03-11"), NOW)
        assert p.state == "referred"
        with pytest.raises(Conflict, match="already recorded"):
            pathway.record_step(s, treatment, p, "referral", at("2026-03-12"), NOW)
        with pytest.raises(Conflict, match="needs treatment starting"):
            pathway.record_step(s, treatment, p, "treatment-end", at("2026-03-12"), NOW,
                                reason="completed")
        pathway.record_step(s, treatment, p, "treatment-start", at("2026-03-18"), NOW)
        assert p.state == "in-treatment"
        with pytest.raises(BadInput) as caught:
            pathway.record_step(s, treatment, p, "treatment-end", at("2026-06-01"), NOW,
                                reason="bored")
        assert caught.value.fields[0].field == "reason"
        pathway.record_step(s, treatment, p, "treatment-end", at("2026-06-01"), NOW,
                            reason="completed")
        again = pathway.get(s, p.id)
        assert again.state == "treatment-ended" and again.ended.code == "completed"
        assert (again.assessed_at, again.referred_at, again.engaged_at) == (
            at("2026-03-05"), at("2026-03-11"), at("2026-03-18"))
        logged = [(e.record["category"], e.record["fields"])
                  for e in s.scalars(select(AuditEntry).where(AuditEntry.kind == "s62")
                                     .order_by(AuditEntry.seq))]
    assert logged[:2] == [
        ("collection", ["arrest", "drug_test"]),
        ("disclosure", ["date_of_birth", "drug_test", "family_name", "given_name"])]
    assert [f for _, f in logged[2:]] == [
        ["dip:initial-assessment"], ["dip:initial-assessment"], ["dip:follow-up-assessment"],
        ["dip:referral"], ["dip:treatment-start"], ["dip:treatment-end"]]


def test_negative_and_refused_tests_end_there(db: Database) -> None:
    with db.session() as s:
        w = build(s)
        police = w.actor("police", "case-management")
        negative = pathway.record_test(s, police, person(s, w),
                                       _t(result="negative", substances=()), NOW)
        refused = pathway.record_test(s, police, person(s, w, "Ray"),
                                      _t(result="refused", substances=()), NOW)
        assert (negative.state, refused.state) == ("negative", "refused")
        with pytest.raises(Conflict, match="only a positive test"):
            pathway.record_step(s, police, negative, "initial-assessment", at("2026-03-03"), NOW,
                                attended=True)
        with pytest.raises(BadInput) as caught:
            pathway.record_test(s, police, person(s, w, "Neg"),
                                _t(result="negative", substances=(),
                                   assessment_agency_id=w.agencies["treatment"]), NOW)
        assert caught.value.fields[0].field == "assessment_agency_id"


@pytest.mark.parametrize(("step", "attended", "reason", "field"), [
    ("detox", None, None, "step"),
    ("initial-assessment", None, None, "attended"),
    ("referral", True, None, "attended"),
    ("referral", None, "completed", "reason"),
    ("initial-assessment", True, None, "occurred_at"),
])
def test_step_fields(db: Database, step: str, attended: bool | None, reason: str | None,
                     field: str) -> None:
    with db.session() as s:
        w = build(s)
        p = pathway.record_test(s, w.actor("police", "case-management"), person(s, w), _t(),
                                NOW)
        with pytest.raises(BadInput) as caught:
            when = NOW + dt.timedelta(days=1) if field == "occurred_at" else at("2026-03-04")
            pathway.record_step(s, w.actor("treatment", "case-management"), p, step, when, NOW,
                                attended=attended, reason=reason)
        assert caught.value.fields[0].field == field
