"""Early intervention and ASB case review pages: what each persona sees, the forms that refer
a child, record steps and recommendations and make an application, and record pages that
answer 404 to anyone not allowed to see them."""

from __future__ import annotations

import datetime as dt

from asbei_world import complaints, new_child, new_resident, new_review, today
from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_world import World, client_for
from sqlalchemy import select

from crimeplan.cases.asb.models import Application
from crimeplan.cases.early_intervention.models import Referral, StatusPeriod
from crimeplan.provenance.dblog import AuditEntry


def _form(client: TestClient, **fields: str) -> dict[str, str]:
    """A form's fields with the session's CSRF token."""
    return {"csrf_token": client.headers["X-CSRF-Token"], **fields}


def test_a_youth_justice_officer_refers_a_child_from_the_queue(app: FastAPI,
                                                               world: World) -> None:
    child = new_child(app, world)
    yjs = client_for(app, world, "yjs-caseworker")
    queue = yjs.get("/early-intervention")
    assert queue.status_code == 200
    assert child.family_name in queue.text and "Eligible" in queue.text
    page = yjs.get(f"/early-intervention/children/{child.id}")
    assert "Refer for early intervention" in page.text
    done = yjs.post(f"/early-intervention/children/{child.id}/referral", data=_form(yjs),
                    follow_redirects=False)
    assert done.status_code == 303
    page = yjs.get(f"/early-intervention/children/{child.id}")
    assert "Awaiting consent" in page.text and "Refer for early intervention" not in page.text
    with app.state.db.session() as s:
        referral = s.query(Referral).filter_by(person_id=child.id).one()
    stepped = yjs.post(f"/early-intervention/referrals/{referral.id}/steps",
                       data=_form(yjs, step="consent-given"), follow_redirects=False)
    assert stepped.status_code == 303
    assert "Awaiting start" in yjs.get(f"/early-intervention/children/{child.id}").text
    wrong = yjs.post(f"/early-intervention/referrals/{referral.id}/steps",
                     data=_form(yjs, step="support-ended"))
    assert wrong.status_code == 400 and "There is a problem" in wrong.text
    assert "Awaiting start" in yjs.get("/early-intervention/referrals").text


def test_the_queue_page_logs_only_the_children_it_shows(app: FastAPI, world: World) -> None:
    eligible, excluded = new_child(app, world), new_child(app, world)
    with app.state.db.session() as s:
        s.add(StatusPeriod(person_id=excluded.id, kind="looked-after",
                           from_date=today() - dt.timedelta(days=60),
                           agency_id=world.agencies["council"]))

    def consulted() -> set[str]:
        with app.state.db.session() as s:
            return set(s.scalars(select(AuditEntry.subject_id).where(
                AuditEntry.kind == "s62", AuditEntry.category == "consultation")))

    yjs = client_for(app, world, "yjs-caseworker")
    page = yjs.get("/early-intervention").text              # eligible children only
    assert eligible.family_name in page and excluded.family_name not in page
    assert eligible.id in consulted() and excluded.id not in consulted()
    assert excluded.family_name in yjs.get("/early-intervention?show=not-eligible").text
    assert excluded.id in consulted()


def test_a_status_period_form_names_a_bad_date(app: FastAPI, world: World) -> None:
    child = new_child(app, world)
    yjs = client_for(app, world, "yjs-caseworker")
    bad = yjs.post(f"/early-intervention/children/{child.id}/status-periods",
                   data=_form(yjs, kind="looked-after", from_date="31/12/2025"))
    assert bad.status_code == 400 and 'href="#from-date"' in bad.text
    good = yjs.post(f"/early-intervention/children/{child.id}/status-periods",
                    data=_form(yjs, kind="looked-after", from_date="2025-12-31"),
                    follow_redirects=False)
    assert good.status_code == 303
    page = yjs.get(f"/early-intervention/children/{child.id}").text
    assert "Looked-after child since 31 December 2025" in page


def test_child_pages_are_not_found_for_other_agencies(app: FastAPI, world: World) -> None:
    child = new_child(app, world)
    for persona in ("police-caseworker", "council-caseworker", "pcc", "housing-caseworker"):
        got = client_for(app, world, persona).get(f"/early-intervention/children/{child.id}")
        assert got.status_code == 404, persona
    adult = new_resident(app, world, owner="police", shared=None)
    yjs = client_for(app, world, "yjs-caseworker")
    assert yjs.get(f"/early-intervention/children/{adult.id}").status_code == 404


def test_a_council_coordinator_applies_and_records_the_review(app: FastAPI,
                                                              world: World) -> None:
    person = new_resident(app, world)
    complaints(app, world, person)
    council = client_for(app, world, "council-caseworker")
    queue = council.get("/asb")
    assert queue.status_code == 200 and person.family_name in queue.text
    form = council.get(f"/asb/reviews/new?person_id={person.id}")
    assert form.status_code == 200 and "Essex Homes (test)" in form.text
    made = council.post("/asb/reviews/new", data=_form(
        council, person_id=person.id, applicant_role="victim", victim_type="individual",
        local_area="Basildon", parties=world.agencies["housing"]), follow_redirects=False)
    assert made.status_code == 303
    review_url = made.headers["location"]
    page = council.get(review_url)
    assert 'id="clock"' in page.text and "10 working days after received" in page.text
    refused = council.post(f"{review_url}/steps", data=_form(
        council, step="threshold-decided", outcome="yes"))
    assert refused.status_code == 400 and "record acknowledged first" in refused.text
    for step in ("acknowledged", "threshold-decided", "meeting-held"):
        done = council.post(f"{review_url}/steps", data=_form(council, step=step,
                                                              outcome="yes"),
                            follow_redirects=False)
        assert done.status_code == 303, step
    added = council.post(f"{review_url}/recommendations", data=_form(
        council, title="Noise monitoring", owner_agency_id=world.agencies["housing"],
        due_on="2030-01-31"), follow_redirects=False)
    assert added.status_code == 303
    page = council.get(review_url).text
    assert "Review held" in page and "Noise monitoring" in page
    housing = client_for(app, world, "housing-caseworker")
    seen = housing.get(review_url)
    assert seen.status_code == 200 and "Record a step" not in seen.text
    assert client_for(app, world, "police-caseworker").get(review_url).status_code == 404
    listed = housing.get("/asb/reviews", params={"status": "review-held"})
    assert review_url.rsplit("/", 1)[1] in listed.text


def test_an_application_form_names_its_missing_fields(app: FastAPI, world: World) -> None:
    council = client_for(app, world, "council-caseworker")
    missing = council.post("/asb/reviews/new", data=_form(council, person_id="nobody"))
    assert missing.status_code == 400 and 'href="#person-id"' in missing.text
    person = new_resident(app, world)
    no_area = council.post("/asb/reviews/new", data=_form(council, person_id=person.id))
    assert no_area.status_code == 400 and 'href="#local-area"' in no_area.text
    with app.state.db.session() as s:
        assert s.query(Application).count() == 0


def test_the_pcc_sees_the_figures_pages_only(app: FastAPI, world: World) -> None:
    new_review(app, world, meeting=True)
    pcc = client_for(app, world, "pcc")
    asb = pcc.get("/asb/figures")
    assert asb.status_code == 200 and "Basildon" in asb.text
    assert "/api/v1/asb/figures.csv?by=area" in asb.text
    assert "Basildon Council (test)" in pcc.get("/asb/figures?by=body").text
    assert pcc.get("/early-intervention/figures").status_code == 200
    home = pcc.get("/").text
    assert "ASB case review figures" in home and "Family links" not in home
    for path in ("/asb", "/asb/reviews", "/early-intervention", "/early-intervention/family"):
        assert pcc.get(path).status_code == 404, path


def test_the_family_links_page(app: FastAPI, world: World) -> None:
    council = client_for(app, world, "council-caseworker")
    page = council.get("/early-intervention/family")
    assert page.status_code == 200 and "Family links" in page.text
