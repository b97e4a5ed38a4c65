"""``crimeplan report``: the offline force/area analysis report and its indicators table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crimeplan.analysis import CostTable, ScopeError
from crimeplan.analysis.stop_search import read_reference_population
from crimeplan.app import reports as use
from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    actor,
    console,
    fail,
    home_dir,
    print_json,
    reported,
)
from crimeplan.report.analysis_report import ReportInputs
from crimeplan.sources.home_office import RecordedCrimeError, read_recorded_crime


def report(
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html and "
                                                     "indicators.csv.")],
    force: Annotated[str | None, typer.Option("--force", help="Force slug or published name, "
                                                              "e.g. essex or 'Essex Police'.")]
    = None,
    area: Annotated[str | None, typer.Option("--area", help="Area code: a local authority "
                                                            "district (E07000070) or a force "
                                                            "area (E23000028).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM "
                                                             "(default: first loaded).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM "
                                                         "(default: last loaded).")] = None,
    ethnicity_population: Annotated[Path | None, typer.Option(
        "--ethnicity-population", help="CSV (group, population) of residents by "
                                       "officer-defined ethnic group, for stop and search "
                                       "disproportionality.")] = None,
    reference_group: Annotated[str, typer.Option(
        "--reference-group", help="Group the disproportionality ratio compares with.")]
    = "White",
    costs: Annotated[Path | None, typer.Option(
        "--costs", help="Folder replacing the shipped cost-of-crime table (metadata.json, "
                        "unit_costs.csv, police_uk_mapping.csv).")] = None,
    official: Annotated[Path | None, typer.Option(
        "--official", help="Home Office recorded crime open data table (CSV) to benchmark "
                           "forces on the official series.")] = None,
    min_count: Annotated[int, typer.Option("--min-count", help="Smallest earlier-period count "
                                                               "for a percentage rise.")] = 20,
    home: HomeOption = None,
    purpose: PurposeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write DIR/report.html (self-contained, opens offline) and DIR/indicators.csv for a
    force, an area, or every force loaded; the run is recorded in the audit log."""
    try:
        inputs = ReportInputs(
            ethnicity_population=(read_reference_population(ethnicity_population)
                                  if ethnicity_population else None),
            ethnicity_population_label=(str(ethnicity_population) if ethnicity_population
                                        else "user-supplied"),
            reference_group=reference_group,
            costs=CostTable.load(costs) if costs else None,
            official=read_recorded_crime(official) if official else None,
            min_count=min_count)
    except (ScopeError, RecordedCrimeError, OSError) as exc:
        fail(str(exc))
    with reported(), console.status("Building the report…", spinner="dots"):
        run = use.report(actor(purpose), home_dir(home), out, force=force, area=area,
                         start=start, end=end, inputs=inputs)
    if as_json:
        print_json({"report": str(run.html), "indicators": str(run.indicators),
                    "rows": len(run.report.rows), "selection_sha256": run.selection_sha256,
                    "run_id": run.run_id, "scope": run.report.scope.label,
                    "period": run.report.scope.period})
    else:
        console.print(f"[bold]{escape(run.report.title)}[/]", markup=True)
        console.print(f"report:     {run.html}")
        console.print(f"indicators: {run.indicators} ({len(run.report.rows):,} rows)")
        console.print(f"run {run.run_id} recorded in the audit log")
