"""``crimeplan reference``: load and inspect LSOA, force area, deprivation and population data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    console,
    fail,
    home_dir,
    print_json,
)
from crimeplan.governance.runs import RunRecorder
from crimeplan.sources.reference import ReferenceDataError
from crimeplan.store import Warehouse
from crimeplan.store.reference import (
    LoadedSource,
    ReferenceSummary,
    load_reference,
    reference_summary,
)

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
    workspace = home_dir(home)
    try:
        with Warehouse(workspace).writing("reference load") as con, \
                RunRecorder(workspace, "reference.load", purpose=purpose,
                            parameters={"folder": str(folder)}) as run, \
                console.status("Loading reference data…", spinner="dots"):

            def record(sources: list[LoadedSource]) -> None:
                for source in sources:
                    run.add_hashed_input(source.source_path, source.sha256, role=source.name,
                                         rows=source.rows)
                run.append_now()

            loaded = load_reference(con, folder, before_commit=record)
    except ReferenceDataError as exc:
        fail(str(exc))
    if as_json:
        print_json(loaded.to_dict())
    else:
        _show(loaded.summary)
        console.print(f"{loaded.locations_refreshed:,} known locations re-enriched "
                      "(LSOA and force area).")


@app.command("status")
def status(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Show which reference files are loaded and how complete the LSOA table is."""
    con = Warehouse(home_dir(home)).connect(read_only=True)
    try:
        summary = reference_summary(con)
    finally:
        con.close()
    if as_json:
        print_json({"loaded": summary is not None, **(summary.to_dict() if summary else {})})
    elif summary is None:
        console.print("No reference data loaded: run `crimeplan reference load DIR`.")
    else:
        _show(summary)
