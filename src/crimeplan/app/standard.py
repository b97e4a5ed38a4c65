"""Use cases of the common data standard: its JSON Schema files and code lists."""

from __future__ import annotations

from pathlib import Path

from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.provenance.runs import RunRecorder
from crimeplan.standard.codes import (
    CRIME_CATEGORIES,
    OUTCOME_CATEGORIES,
    CrimeCategory,
    OutcomeCategory,
)
from crimeplan.standard.schema import export_schemas


@use_case("standard.schema", run_kind="standard.schema")
def schema(actor: Actor, home: Path, out: Path) -> list[Path]:
    """Export the JSON Schema of each record type into ``out``."""
    with RunRecorder(home, "standard.schema", actor, parameters={"out": str(out)}) as rec:
        paths = export_schemas(out)
        for path in paths:
            rec.add_output(path)
    return paths


@use_case("standard.codes", run_kind=None,
          no_run_because="it lists code lists shipped with crimeplan, not data")
def codes(actor: Actor) -> tuple[tuple[CrimeCategory, ...], tuple[OutcomeCategory, ...]]:
    """The crime and outcome code lists."""
    return CRIME_CATEGORIES, OUTCOME_CATEGORIES
