"""The published standard: Draft 2020-12 schemas generated from the API's models, code lists
as stable ids, the exchange's OpenAPI 3.1; instances generated from each schema are accepted
by the model it was generated from, and the live API's answers validate against the schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schema_strategy import from_schema
from service_world import World, client_for
from typer.testing import CliRunner

from crimeplan.app.registry import traced
from crimeplan.cli.main import app as cli
from crimeplan.standard import pole
from crimeplan.standard.exchange import entities, entity_schema, export

CARE = {"X-Purpose": "offender-management"}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("standard")
    export(out)
    return out / "v1"


def test_export_writes_one_schema_per_entity_the_code_lists_and_openapi(published: Path
                                                                       ) -> None:
    assert sorted(p.name for p in published.iterdir()) == [
        "case.schema.json", "change-event.schema.json", "codes.schema.json",
        "event.schema.json", "feed-page.schema.json", "location.schema.json", "openapi.json",
        "person.schema.json"]
    for path in published.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"urn:crimeplan:standard:v1:{path.name.split('.')[0]}"


def test_code_lists_are_the_stable_ids_of_the_service(published: Path) -> None:
    codes = json.loads((published / "codes.schema.json").read_text())["$defs"]
    assert [c["const"] for c in codes["event-kind"]["oneOf"]] == list(pole.EVENT_KINDS)
    assert [c["const"] for c in codes["identifier-type"]["oneOf"]][:3] == [
        "pnc-id", "cro-number", "probation-crn"]
    assert all(len({c["const"] for c in d["oneOf"]}) == len(d["oneOf"]) for d in codes.values())
    person = Draft202012Validator(json.loads((published / "person.schema.json").read_text()))
    record = {"id": "p1", "agency_id": "a1", "given_name": "A", "family_name": "B",
              "date_of_birth": None, "sex": None, "pnc_id": None, "cro_number": None,
              "probation_crn": None, "nhs_number": None, "prison_number": None,
              "local_reference": None, "category": "victim", "sensitivity": "standard",
              "redacted": []}
    assert person.is_valid(record)
    assert not person.is_valid({**record, "category": "Victim"})  # labels are not codes


def test_openapi_covers_the_exchange_endpoints(published: Path) -> None:
    document = json.loads((published / "openapi.json").read_text())
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/events", "/api/v1/exchange/subscriptions",
        "/api/v1/exchange/subscriptions/{subscription_id}",
        "/api/v1/exchange/subscriptions/{subscription_id}/rotate-secret",
        "/api/v1/exchange/dead-letters", "/api/v1/exchange/dead-letters/{delivery_id}/redeliver",
        "/api/v1/exchange/inbox", "/api/v1/oauth/token", "/api/v1/people/{person_id}",
        "/api/v1/locations/{location_id}", "/api/v1/events/{event_id}",
        "/api/v1/cases/{case_id}"}
    for record in ("people/{person_id}", "locations/{location_id}", "events/{event_id}",
                   "cases/{case_id}"):
        assert set(document["paths"][f"/api/v1/{record}"]) == {"get"}
    assert set(document["paths"]["/api/v1/events"]) == {"get"}  # the feed, not event creation


@pytest.mark.parametrize("name", sorted(entities()))
def test_instances_of_each_schema_are_accepted_by_its_model(name: str) -> None:
    model, codes = entities()[name]
    schema = entity_schema(name, model, codes)

    validator = Draft202012Validator(schema)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        instance = data.draw(from_schema(schema))
        validator.validate(instance)  # the generator stays inside the schema
        model.model_validate(instance)

    check()


def test_the_live_api_answers_in_the_published_shapes(app: FastAPI, world: World,
                                                      published: Path) -> None:
    probation = client_for(app, world, "probation-system")
    page = probation.get("/api/v1/events", headers=CARE).json()
    feed = json.loads((published / "feed-page.schema.json").read_text())
    Draft202012Validator(feed).validate(page)
    person = json.loads((published / "person.schema.json").read_text())
    Draft202012Validator(person).validate(
        probation.get(page["events"][0]["detailurl"], headers=CARE).json())


def test_the_cli_exports_through_its_use_case(tmp_path: Path) -> None:
    with traced() as calls:
        result = CliRunner().invoke(cli, ["standard", "export", "--out", str(tmp_path / "s"),
                                          "--home", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    assert calls == ["standard.export"]
    assert (tmp_path / "s" / "v1" / "openapi.json").is_file()
