"""Use cases of the common data standard: its JSON Schema files and code lists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from crimeplan.standard.conformance import Result


@use_case("standard.schema", run_kind="standard.schema")
def schema(actor: Actor, home: Path, out: Path) -> list[Path]:
    """Export the JSON Schema of each record type into ``out``."""
    with RunRecorder(home, "standard.schema", actor, parameters={"out": str(out)}) as rec:
        paths = export_schemas(out)
        for path in paths:
            rec.add_output(path)
    return paths


@use_case("standard.export", run_kind="standard.export")
def export(actor: Actor, home: Path, out: Path) -> list[Path]:
    """Export the exchange standard (entities' JSON Schema, code lists, OpenAPI) into
    ``out/v1``."""
    from crimeplan.standard.exchange import export as export_standard  # loads the service

    with RunRecorder(home, "standard.export", actor, parameters={"out": str(out)}) as rec:
        paths = export_standard(out)
        for path in paths:
            rec.add_output(path)
    return paths


@use_case("standard.check", run_kind=None,
          no_run_because="it checks another system's endpoint; no workspace data is used")
def check(actor: Actor, url: str, client_id: str | None = None,
          client_secret: str | None = None, purpose: str = "information-sharing",
          webhook_wait: float = 0.0) -> list[Result]:
    """Run the exchange standard's conformance checks against the endpoint at ``url``."""
    from crimeplan.standard.conformance import Kit

    return Kit(url, client_id, client_secret, purpose, webhook_wait).run()


@use_case("standard.codes", run_kind=None,
          no_run_because="it lists code lists shipped with crimeplan, not data")
def codes(actor: Actor) -> tuple[tuple[CrimeCategory, ...], tuple[OutcomeCategory, ...]]:
    """The crime and outcome code lists."""
    return CRIME_CATEGORIES, OUTCOME_CATEGORIES
