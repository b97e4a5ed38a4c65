"""The DIP API end to end: a test on arrest by the force, the treatment service's steps, who
sees the pathway, and the measures with small numbers withheld."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from iomdip_records import dip_pathway, person
from service_world import World, client_for

from crimeplan.cases.db import utcnow

CARE = {"X-Purpose": "case-management"}


def _iso(t: dt.datetime) -> str:
    return t.isoformat()


def test_a_test_on_arrest_and_its_pathway(app: FastAPI, world: World) -> None:
    police = client_for(app, world, "police-caseworker")
    treatment = client_for(app, world, "treatment-caseworker")
    person_id = person(app, world)
    tested = utcnow() - dt.timedelta(days=2)
    test = {"person_id": person_id, "offence": "shoplifting-not-listed",
            "arrested_at": _iso(tested - dt.timedelta(hours=2)), "tested_at": _iso(tested),
            "result": "positive", "substances": ["opiates", "cocaine"],
            "assessment_agency_id": world.agencies["treatment"]}
    r = police.post("/api/v1/dip/tests", headers=CARE, json=test)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "offence"
    r = police.post("/api/v1/dip/tests", headers=CARE, json={**test, "offence": "theft"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["state"], body["trigger_offence"], body["substances"]) == (
        "awaiting-assessment", True, ["opiates", "cocaine"])
    pathway_id = body["id"]
    steps = treatment.get(f"/api/v1/dip/pathways/{pathway_id}", headers=CARE)
    assert steps.status_code == 200
    for step in ({"step": "initial-assessment", "attended": True,
                  "occurred_at": _iso(tested + dt.timedelta(hours=20))},
                 {"step": "referral", "occurred_at": _iso(tested + dt.timedelta(days=1))},
                 {"step": "treatment-start", "occurred_at": _iso(tested + dt.timedelta(days=1,
                                                                                       hours=2))}):
        r = treatment.post(f"/api/v1/dip/pathways/{pathway_id}/steps", headers=CARE, json=step)
        assert r.status_code == 201, r.text
    body = r.json()
    assert body["state"] == "in-treatment" and len(body["steps"]) == 3
    r = treatment.post(f"/api/v1/dip/pathways/{pathway_id}/steps", headers=CARE,
                       json={"step": "referral", "occurred_at": _iso(utcnow())})
    assert r.status_code == 409
    r = treatment.post(f"/api/v1/dip/pathways/{pathway_id}/steps", headers=CARE,
                       json={"step": "treatment-end", "reason": "completed",
                             "occurred_at": _iso(utcnow() + dt.timedelta(days=1))})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "occurred_at"
    listed = treatment.get("/api/v1/dip/pathways?state=in-treatment", headers=CARE).json()
    assert [i["id"] for i in listed["items"]] == [pathway_id]


def test_who_sees_a_pathway(app: FastAPI, world: World) -> None:
    positive = dip_pathway(app, world)
    negative = dip_pathway(app, world, "negative")
    seen = {name: {i["id"] for i in client_for(app, world, name).get(
        "/api/v1/dip/pathways", headers=CARE).json()["items"]}
        for name in ("police-caseworker", "treatment-caseworker", "probation-caseworker",
                     "housing-caseworker")}
    assert seen == {"police-caseworker": {positive, negative},
                    "treatment-caseworker": {positive}, "probation-caseworker": set(),
                    "housing-caseworker": set()}
    probation = client_for(app, world, "probation-caseworker")
    assert probation.get(f"/api/v1/dip/pathways/{positive}", headers=CARE).status_code == 404
    r = probation.post("/api/v1/dip/tests", headers=CARE, json={
        "person_id": person(app, world), "offence": "theft", "result": "refused",
        "arrested_at": _iso(utcnow() - dt.timedelta(hours=3)),
        "tested_at": _iso(utcnow() - dt.timedelta(hours=1))})
    assert r.status_code == 404   # only a police force tests on arrest


def test_measures_withhold_small_numbers(app: FastAPI, world: World) -> None:
    for _ in range(5):
        dip_pathway(app, world)
    dip_pathway(app, world, "negative")
    pcc = client_for(app, world, "pcc")
    r = pcc.get("/api/v1/dip/measures")
    assert r.status_code == 200
    [row] = r.json()["rows"]
    # One negative: withheld, and with it the total of tests (6 − 5 − 0 would give it away)
    # and the shares built on them.
    assert (row["tests"], row["positive"], row["negative"], row["refused"]) == (
        None, 5, None, 0)
    assert row["positivity"] == {"count": None, "of": None, "rate": None,
                                 "denominator": "samples given"}
    assert row["refusal_rate"]["rate"] is None
    assert row["assessed"] == {"count": 0, "of": 5, "rate": 0.0,
                               "denominator": "positive tests"}
    assert row["test_to_assessment_days"] == {"n": 0, "q1": None, "median": None, "q3": None}
    assert row["agency_name"] == "Essex Police (test)"
    assert any("withheld" in n for n in r.json()["notes"])
    assert client_for(app, world, "anonymous").get("/api/v1/dip/measures").status_code == 401
