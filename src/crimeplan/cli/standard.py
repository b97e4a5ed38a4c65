"""``crimeplan standard``: the common data standard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crimeplan.cli.common import HomeOption, PurposeOption, console, home_dir
from crimeplan.governance.runs import RunRecorder
from crimeplan.standard.codes import CRIME_CATEGORIES, OUTCOME_CATEGORIES
from crimeplan.standard.schema import export_schemas

app = typer.Typer(help="The common data standard: record types, code lists, JSON Schema.",
                  no_args_is_help=True)


@app.command("schema")
def schema(out: Annotated[Path, typer.Option("--out", help="Folder for the .schema.json files.")],
           home: HomeOption = None, purpose: PurposeOption = None) -> None:
    """Export JSON Schema for each record type (the run is recorded in the audit log)."""
    with RunRecorder(home_dir(home), "standard.schema", purpose=purpose,
                     parameters={"out": str(out)}) as rec:
        paths = export_schemas(out)
        for path in paths:
            rec.add_output(path)
    for path in paths:
        console.print(str(path))


@app.command("codes")
def codes() -> None:
    """List the crime and outcome code lists."""
    console.print("[bold]Crime categories[/] (label ↔ slug)", markup=True)
    for c in CRIME_CATEGORIES:
        note = "" if c.current else "  (historic)"
        console.print(f"  {c.label} ↔ {c.slug}{note}")
    console.print("[bold]Outcome categories[/] (label ↔ slug: group)", markup=True)
    for o in OUTCOME_CATEGORIES:
        console.print(f"  {o.label} ↔ {o.slug}: {o.group}")
