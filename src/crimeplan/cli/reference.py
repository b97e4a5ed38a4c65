"""``crimeplan reference``: load and inspect LSOA, force area, deprivation and population data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from crimeplan.app import reference as use
from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    actor,
    console,
    home_dir,
    print_json,
    reported,
)
from crimeplan.store.reference import ReferenceSummary

app = typer.Typer(help="Reference data: LSOA (2011) and police force area boundaries, IMD 2019 "
                       "deprivation and mid-2015 populations.", no_args_is_help=True)


def _show(summary: ReferenceSummary) -> None:
    """Print the loaded sources and how complete the LSOA table is."""
    table = Table("source", "rows", "sha256", "file", title="Reference data")
    for s in summary.sources:
        table.add_row(s.name, f"{s.rows:,}", s.sha256[:12], s.source_path)
    console.print(table)
    console.print(f"LSOAs: {summary.lsoa_rows:,} ({summary.lsoa_without_boundary:,} without a "
                  f"boundary, {summary.lsoa_without_imd:,} without IMD, "
                  f"{summary.lsoa_without_population:,} without population); "
                  f"force areas: {summary.pfa_rows:,}; boundary version {summary.version}")
    if summary.missing:
        console.print(f"[yellow]not loaded:[/] {escape(', '.join(summary.missing))}",
                      markup=True)


@app.command("load")
def load(
    folder: Annotated[Path, typer.Argument(help="Folder searched (recursively) for the boundary "
                                                "files and IMD 2019 File_1, File_2, File_6.")],
    home: HomeOption = None,
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
) -> None:
    """Load reference files, replacing any loaded before (all in one transaction), recorded in
    the audit log with each file's SHA-256 before the warehouse commits."""
    with reported(), console.status("Loading reference data…", spinner="dots"):
        loaded = use.load(actor(purpose), home_dir(home), folder)
    if as_json:
        print_json(loaded.to_dict())
    else:
        _show(loaded.summary)
        console.print(f"{loaded.locations_refreshed:,} known locations re-enriched "
                      "(LSOA and force area).")


@app.command("status")
def status(home: HomeOption = None, as_json: JsonOption = False,
           purpose: PurposeOption = None) -> None:
    """Show which reference files are loaded and how complete the LSOA table is."""
    summary = use.status(actor(purpose), home_dir(home))
    if as_json:
        print_json({"loaded": summary is not None, **(summary.to_dict() if summary else {})})
    elif summary is None:
        console.print("No reference data loaded: run `crimeplan reference load DIR`.")
    else:
        _show(summary)
