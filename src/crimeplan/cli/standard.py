"""``crimeplan standard``: the common data standard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
