"""Code lists and record schemas of the common data standard."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from crimeplan.standard.codes import (
    CRIME_CATEGORIES,
    OUTCOME_CATEGORIES,
    OUTCOME_GROUPS,
    crime_category,
    outcome_category,
)
from crimeplan.standard.forces import FORCES, find_force
from crimeplan.standard.schema import export_schemas


def test_fifteen_crime_categories_with_unique_slugs_and_labels() -> None:
    assert len(CRIME_CATEGORIES) == 15
    assert len({c.slug for c in CRIME_CATEGORIES}) == 15
    assert len({c.label for c in CRIME_CATEGORIES}) == 15
    assert crime_category("Violence and sexual offences").slug == "violent-crime"
    assert crime_category("violent-crime").label == "Violence and sexual offences"
    assert crime_category("Violent crime").slug == "violent-crime"  # the pre-2013 label
    assert crime_category("Criminal damage and arson").slug == "criminal-damage-arson"
    assert crime_category("Witchcraft") is None


def test_outcome_categories_map_to_known_groups() -> None:
    assert len({o.slug for o in OUTCOME_CATEGORIES}) == len(OUTCOME_CATEGORIES)
    assert {o.group for o in OUTCOME_CATEGORIES} <= set(OUTCOME_GROUPS)
    assert outcome_category("Investigation complete; no suspect identified").slug == (
        "no-further-action")
    assert outcome_category("Offender sent to prison").group == "Court outcome"


@given(st.sampled_from(CRIME_CATEGORIES), st.sampled_from([str.upper, str.lower, str.title,
                                                            lambda s: f"  {s} "]))
def test_crime_lookup_ignores_case_and_spacing(category, variant) -> None:
    assert crime_category(variant(category.label)) == category
    assert crime_category(variant(category.slug)) == category


@given(st.sampled_from(OUTCOME_CATEGORIES))
def test_outcome_lookup_round_trip(outcome) -> None:
    assert outcome_category(outcome.label) == outcome
    assert outcome_category(outcome.slug) == outcome


@given(st.sampled_from(FORCES))
def test_force_lookup_by_slug_and_published_name(force) -> None:
    assert find_force(force.slug) == force
    assert find_force(force.name) == force
    assert find_force(force.name.upper()) == force


def test_schema_export_validates_a_record(tmp_path: Path) -> None:
    paths = export_schemas(tmp_path)
    assert sorted(p.name for p in paths) == ["calls.schema.json", "outcomes.schema.json",
                                             "points.schema.json",
                                             "stop-and-search.schema.json",
                                             "street.schema.json"]
    schema = json.loads((tmp_path / "street.schema.json").read_text())
    record = {"crime_id": None, "month": "2018-01-01", "force": "essex",
              "reported_by": "Essex Police", "falls_within": "Essex Police",
              "crime_type": "Burglary", "category": "burglary", "mapped": False}
    jsonschema.validate(record, schema)
    bad = dict(record, latitude=95.0)
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError as exc:
        assert "95" in str(exc)
    else:
        raise AssertionError("latitude 95 must fail the schema")
