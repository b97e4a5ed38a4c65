"""Link proposals through the API and the pages: the evidence side by side, redacted to what
the reviewer may see; confirm links (logged on both), reject needs a reason."""

from __future__ import annotations

from fastapi import FastAPI
from service_world import World, client_for
from sqlalchemy import select

from crimeplan.cases.linkage.models import LinkProposal
from crimeplan.cases.people import Link, Person
from crimeplan.provenance.dblog import AuditEntry

CARE = {"X-Purpose": "case-management"}
EVIDENCE = [{"comparison": "dob", "description": "Date of birth", "level": "exact",
             "weight": 8.1}]


def _proposal(app: FastAPI, world: World) -> tuple[str, str, str]:
    """The police record shared with probation, and a housing record of 'the same' person."""
    with app.state.db.session() as s:
        other = Person(agency_id=world.agencies["housing"], given_name="Jo",
                       family_name="Exampel", nhs_number="9434765919")
        s.add(other)
        s.flush()
        a, b = sorted((world.people["shared"], other.id))
        proposal = LinkProposal(person_id=a, other_id=b, match_probability=0.998,
                                match_weight=9.2, evidence=EVIDENCE, model_version="test")
        s.add(proposal)
        s.flush()
        return proposal.id, world.people["shared"], other.id


def test_each_reviewer_sees_their_side_and_only_the_evidence_of_the_other(
        app: FastAPI, world: World) -> None:
    proposal, police_id, housing_id = _proposal(app, world)
    seen = client_for(app, world, "police-caseworker").get(
        f"/api/v1/link-proposals/{proposal}", headers=CARE).json()
    sides = {s["id"]: s for s in seen["records"]}
    assert sides[police_id]["visible"] and sides[police_id]["record"]["pnc_id"] == \
        "90/123456X"
    assert not sides[housing_id]["visible"] and sides[housing_id]["record"] is None
    assert sides[housing_id]["agency_name"] == "Essex Homes (test)"
    assert seen["evidence"] == EVIDENCE
    # probation sees the shared police record with its PNC ID withheld
    probation = client_for(app, world, "probation-caseworker").get(
        f"/api/v1/link-proposals/{proposal}", headers=CARE).json()
    police_side = next(s for s in probation["records"] if s["id"] == police_id)
    assert police_side["record"]["pnc_id"] is None and police_side["record"]["redacted"] == [
        "pnc_id"]
    # only the records shown were logged as consulted
    with app.state.db.session() as s:
        consulted = {e.subject_id for e in s.scalars(select(AuditEntry).where(
            AuditEntry.category == "consultation"))}
    assert consulted == {police_id}
    # the queue lists it for all three agencies' case workers, never for an analyst
    for name in ("police-caseworker", "probation-caseworker", "housing-caseworker"):
        queue = client_for(app, world, name).get("/api/v1/link-proposals", headers=CARE)
        assert [p["id"] for p in queue.json()] == [proposal]
    assert client_for(app, world, "analyst").get("/api/v1/link-proposals",
                                                 headers=CARE).status_code == 403


def test_confirm_on_the_page_links_both_records(app: FastAPI, world: World) -> None:
    proposal, police_id, housing_id = _proposal(app, world)
    client = client_for(app, world, "housing-caseworker")
    queue = client.get("/linkage/proposals")
    assert f"/linkage/proposals/{proposal}" in queue.text
    page = client.get(f"/linkage/proposals/{proposal}")
    assert "Not shared with your agency" in page.text and "Exampel" in page.text
    csrf = client.headers["X-CSRF-Token"]
    missing = client.post(f"/linkage/proposals/{proposal}", data={"csrf_token": csrf})
    assert missing.status_code == 400 and "Choose whether" in missing.text
    done = client.post(f"/linkage/proposals/{proposal}", follow_redirects=False,
                       data={"decision": "confirm", "reason": "", "csrf_token": csrf})
    assert done.status_code == 303
    with app.state.db.session() as s:
        [link] = s.scalars(select(Link)).all()
        assert {link.person_id, link.other_id} == {police_id, housing_id}
        combined = {e.subject_id for e in s.scalars(select(AuditEntry).where(
            AuditEntry.category == "combination"))}
        assert combined == {police_id, housing_id}
        assert s.get(LinkProposal, proposal).status == "confirmed"
    again = client.post(f"/api/v1/link-proposals/{proposal}/decision", headers=CARE,
                        json={"decision": "reject", "reason": "changed my mind"})
    assert again.status_code == 409


def test_reject_needs_a_reason(app: FastAPI, world: World) -> None:
    proposal, _, _ = _proposal(app, world)
    client = client_for(app, world, "police-caseworker")
    path = f"/api/v1/link-proposals/{proposal}/decision"
    bare = client.post(path, headers=CARE, json={"decision": "reject"})
    assert bare.status_code == 400
    assert bare.json()["errors"] == [{"field": "reason", "code": "required",
                                      "detail": "Say why these are different people"}]
    rejected = client.post(path, headers=CARE, json={"decision": "reject",
                                                      "reason": "Different NHS numbers"})
    assert rejected.json()["status"] == "rejected"
    assert client.get("/api/v1/link-proposals", headers=CARE).json() == []
