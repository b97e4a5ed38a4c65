"""The IOM and DIP pages: what each persona sees, the forms (post, redirect, errors shown
with nothing kept), and records the caller may not see answering 404."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from fastapi.testclient import TestClient
from iomdip_records import dip_pathway, iom_action, iom_case, person
from service_world import World, client_for
from sqlalchemy import func, select

from crimeplan.cases.casework import Task
from crimeplan.cases.db import utcnow
from crimeplan.cases.events import Event
from crimeplan.cases.iom import journey


def _form(client: TestClient, url: str, data: dict[str, str]) -> object:
    return client.post(url, data={**data, "csrf_token": client.headers["X-CSRF-Token"]},
                       follow_redirects=False)


def test_the_cohort_page_lists_cases_with_reviews_due(app: FastAPI, world: World) -> None:
    case_id = iom_case(app, world)
    iom_case(app, world, "referred")
    police = client_for(app, world, "police-caseworker")
    r = police.get("/iom")
    assert r.status_code == 200
    assert f'href="/iom/cases/{case_id}"' in r.text and "Overdue" in r.text
    assert "2 cases" in r.text
    r = police.get("/iom?state=referred")
    assert "1 case" in r.text and f"/iom/cases/{case_id}" not in r.text
    assert client_for(app, world, "housing-caseworker").get("/iom").text.count(
        "/iom/cases/") == 0
    assert client_for(app, world, "pcc").get("/iom").status_code == 404


def test_a_case_page_and_its_forms(app: FastAPI, world: World) -> None:
    case_id = iom_case(app, world)
    police = client_for(app, world, "police-caseworker")
    r = police.get(f"/iom/cases/{case_id}")
    assert r.status_code == 200
    assert "Offending before and after selection" in r.text
    assert "Regression to the mean" in r.text and "Record a review" in r.text
    due = utcnow().date() + dt.timedelta(days=10)
    r = _form(police, f"/iom/cases/{case_id}/actions", {
        "title": "Tenancy sustainment visit", "pathway": "accommodation",
        "owner_agency_id": world.agencies["housing"], "due_day": str(due.day),
        "due_month": str(due.month), "due_year": str(due.year)})
    assert r.status_code == 303 and r.headers["location"] == f"/iom/cases/{case_id}#plan"
    r = _form(police, f"/iom/cases/{case_id}/actions", {
        "title": "No date", "pathway": "accommodation",
        "owner_agency_id": world.agencies["housing"], "due_day": "31", "due_month": "2",
        "due_year": "2027"})
    assert r.status_code == 400 and "Enter a real date" in r.text
    assert 'href="#due-on"' in r.text
    with app.state.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Task)) == 1
    r = _form(police, f"/iom/cases/{case_id}/reviews", {"note": "Engaging with the hostel",
                                                        "cohort": "flex"})
    assert r.status_code == 303
    r = _form(police, f"/iom/cases/{case_id}/deselection", {"reason": "other"})
    assert r.status_code == 400 and 'href="#deselection-note"' in r.text
    r = _form(police, f"/iom/cases/{case_id}/deselection", {"reason": "reduced-risk"})
    assert r.status_code == 303
    page = police.get(f"/iom/cases/{case_id}").text
    assert "Progress sustained" in page and "Record a review" not in page
    assert "Flex" in page and "Tenancy sustainment visit" in page
    assert client_for(app, world, "housing-caseworker").get(
        f"/iom/cases/{case_id}").status_code == 404


def test_housing_marks_its_action_done(app: FastAPI, world: World) -> None:
    task_id, case_id = iom_action(app, world)
    housing = client_for(app, world, "housing-caseworker")
    r = housing.get("/iom/actions")
    assert r.status_code == 200 and "Secure a tenancy" in r.text and "Iom Person" in r.text
    assert "Prolific burglar" not in r.text and f"/iom/cases/{case_id}" not in r.text
    r = _form(housing, f"/iom/actions/{task_id}/completion", {})
    assert r.status_code == 303 and r.headers["location"] == "/iom/actions"
    with app.state.db.session() as s:
        assert s.get(Task, task_id).completed_at is not None
    r = _form(client_for(app, world, "treatment-caseworker"),
              f"/iom/actions/{task_id}/completion", {})
    assert r.status_code == 404


def test_nominations_and_a_decision_from_the_page(app: FastAPI, world: World) -> None:
    top = person(app, world, ("robbery", "robbery", "vehicle-theft"))
    police = client_for(app, world, "police-caseworker")
    r = police.get("/iom/nominations")
    assert r.status_code == 200 and "2 × robbery at 11,320 = 22,640" in r.text
    assert "not a decision" in r.text
    r = police.get(f"/iom/nominations/{top}")
    assert r.status_code == 200 and "Select into Fixed" in r.text
    r = _form(police, f"/iom/nominations/{top}", {"decision": "select:fixed", "reason": "",
                                                  "harm_table": "heeks-2018-cost",
                                                  "months": "12"})
    assert r.status_code == 400 and "Give the reason" in r.text
    with app.state.db.session() as s:   # the failed form kept nothing
        assert journey.open_case_of(s, top) is None
    r = _form(police, f"/iom/nominations/{top}", {
        "decision": "select:fixed", "reason": "Two robberies in two months",
        "harm_table": "heeks-2018-cost", "months": "12",
        "partners": world.agencies["probation"]})
    assert r.status_code == 303 and r.headers["location"].startswith("/iom/cases/")
    assert "Two robberies in two months" in police.get(r.headers["location"]).text
    assert client_for(app, world, "housing-caseworker").get(
        f"/iom/nominations/{top}").status_code == 404


def test_outcomes_and_the_dip_dashboard_for_the_pcc(app: FastAPI, world: World) -> None:
    for _ in range(5):
        iom_case(app, world)
        dip_pathway(app, world)
    pcc = client_for(app, world, "pcc")
    r = pcc.get("/iom/outcomes")
    assert r.status_code == 200 and "These figures do not show what IOM achieved" in r.text
    assert "All cohorts" in r.text and "Small numbers" in r.text and "Withheld" not in r.text
    r = pcc.get("/dip/dashboard")
    assert r.status_code == 200 and "Essex Police (test)" in r.text
    assert "0% <span class=\"govuk-body-s\">(0 of 5)</span>" in r.text


def test_dip_pages_and_the_step_form(app: FastAPI, world: World) -> None:
    pathway_id = dip_pathway(app, world)
    treatment = client_for(app, world, "treatment-caseworker")
    r = treatment.get("/dip")
    assert r.status_code == 200 and f"/dip/pathways/{pathway_id}" in r.text
    r = treatment.get(f"/dip/pathways/{pathway_id}")
    assert r.status_code == 200 and "Burglary (Theft Act 1968 s.9): a trigger offence" in r.text
    when = utcnow() - dt.timedelta(hours=2)
    data = {"step": "initial-assessment", "at_day": str(when.day),
            "at_month": str(when.month), "at_year": str(when.year), "time": "25:00",
            "attended": "yes"}
    r = _form(treatment, f"/dip/pathways/{pathway_id}/steps", data)
    assert r.status_code == 400 and "Enter a time" in r.text
    r = _form(treatment, f"/dip/pathways/{pathway_id}/steps", {**data, "time": "00:01"})
    assert r.status_code == 303
    with app.state.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.kind == "assessment")) == 1
    assert "Attended" in treatment.get(f"/dip/pathways/{pathway_id}").text
    assert client_for(app, world, "probation-caseworker").get(
        f"/dip/pathways/{pathway_id}").status_code == 404
