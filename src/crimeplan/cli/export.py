"""``crimeplan export``: the warehouse in formats other engines read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crimeplan.app import data as use
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

app = typer.Typer(help="Export the warehouse for other engines: hive-partitioned Parquet.",
                  no_args_is_help=True)


@app.command("parquet")
def parquet(
    out: Annotated[Path, typer.Argument(help="New (or empty) folder to write.")],
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Write street, outcomes, stop and search, point and call data sets as hive-partitioned
    Parquet (data set/force/month) with the standard's column names and types, plus
    coverage.parquet and manifest.json; Spark, Trino or DuckDB read the folder as it is."""
    with reported():
        done = use.export_parquet(actor(purpose), home_dir(home), out)
    if as_json:
        print_json(done.to_dict())
        return
    for name, rows in done.rows.items():
        console.print(f"{name}: {rows:,} rows", highlight=False)
    console.print(f"wrote {out}", highlight=False)
