"""``crimeplan standard``: the common data standard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from crimeplan.app import standard as use
from crimeplan.cli.common import HomeOption, PurposeOption, actor, console, home_dir

app = typer.Typer(help="The common data standard: record types, code lists, JSON Schema.",
                  no_args_is_help=True)


@app.command("schema")
def schema(out: Annotated[Path, typer.Option("--out", help="Folder for the .schema.json files.")],
           home: HomeOption = None, purpose: PurposeOption = None) -> None:
    """Export JSON Schema for each record type (the run is recorded in the audit log)."""
    for path in use.schema(actor(purpose), home_dir(home), out):
        console.print(str(path))


@app.command("export")
def export(out: Annotated[Path, typer.Option("--out", help="Folder; the files go in its v1/.")],
           home: HomeOption = None, purpose: PurposeOption = None) -> None:
    """Export the exchange standard (JSON Schema, code lists, OpenAPI) into OUT/v1.

    One JSON Schema 2020-12 per exchanged entity, the code lists and the OpenAPI 3.1 of the
    exchange endpoints; the run is recorded in the audit log.
    """
    for path in use.export(actor(purpose), home_dir(home), out):
        console.print(str(path))


@app.command("check")
def check(
    url: Annotated[str, typer.Argument(help="The endpoint's base URL (its API is under "
                                       "/api/v1).")],
    client_id: Annotated[str | None, typer.Option("--client-id", help="Our client id there "
                                                  "(without it only the error format is "
                                                  "checked).")] = None,
    client_secret: Annotated[str | None, typer.Option(
        "--client-secret", envvar="CRIMEPLAN_PEER_CLIENT_SECRET", help="Its secret.")] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="Purpose code sent as X-Purpose.")
                       ] = "information-sharing",
    webhook_wait: Annotated[float, typer.Option("--webhook-wait", min=0, help="Seconds to "
                                                "wait for a webhook delivery to verify.")
                            ] = 0.0,
) -> None:
    """Run the exchange standard's conformance checks against an endpoint.

    Exits 1 if any check fails.
    """
    results = use.check(actor(purpose), url, client_id, client_secret, purpose, webhook_wait)
    for r in results:
        colour = {"passed": "green", "failed": "red", "skipped": "yellow"}[r.status]
        console.print(Text.assemble((f"{r.status:8}", colour), f" {r.name}: {r.detail}"),
                      highlight=False)
    failed = sum(r.status == "failed" for r in results)
    console.print(f"{len(results) - failed} of {len(results)} checks did not fail")
    if failed:
        raise typer.Exit(1)


@app.command("codes")
def codes() -> None:
    """List the crime and outcome code lists."""
    crime_categories, outcome_categories = use.codes(actor())
    console.print("[bold]Crime categories[/] (label ↔ slug)", markup=True)
    for c in crime_categories:
        note = "" if c.current else "  (historic)"
        console.print(f"  {c.label} ↔ {c.slug}{note}")
    console.print("[bold]Outcome categories[/] (label ↔ slug: group)", markup=True)
    for o in outcome_categories:
        console.print(f"  {o.label} ↔ {o.slug}: {o.group}")
