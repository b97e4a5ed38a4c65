"""``crimeplan fetch``: download data.police.uk data into the workspace, politely."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from crimeplan.app import fetch as use
from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    actor,
    console,
    err_console,
    home_dir,
    print_json,
    reported,
)
from crimeplan.sources._http import DEFAULT_RATE
from crimeplan.sources.api import API_ENV
from crimeplan.sources.archive import ARCHIVE_ENV, DATASETS

app = typer.Typer(help="Download data.police.uk data (archive zips or the API), cached and "
                       "rate-limited, as CSV files `crimeplan ingest` reads.",
                  no_args_is_help=True)

NoCacheOption = Annotated[bool, typer.Option(
    "--no-cache", help="Ignore cached answers and download again (the cache is refreshed).")]
ApiUrlOption = Annotated[str | None, typer.Option(
    "--base-url", envvar=API_ENV, help="Root of the police.uk API.",
    show_default="https://data.police.uk/api")]
RateOption = Annotated[float, typer.Option(
    "--rate", min=0.1, max=DEFAULT_RATE, help="Requests per second at most.")]


@app.command("archive")
def archive(
    month: Annotated[str, typer.Argument(help="Archive month, YYYY-MM (holds the 36 months "
                                              "up to it).")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder to copy the zip to (or extract --force files into).")] = None,
    force: Annotated[list[str] | None, typer.Option(
        "--force", help="Extract only this force's CSV files (repeatable).")] = None,
    base_url: Annotated[str | None, typer.Option(
        "--base-url", envvar=ARCHIVE_ENV, help="Root of the monthly archive zips.",
        show_default="https://data.police.uk/data/archive")] = None,
    no_cache: NoCacheOption = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
) -> None:
    """Download the police.uk archive zip of a month (kept in the workspace cache)."""
    with reported(), Progress(TextColumn(f"archive {month}"), BarColumn(), DownloadColumn(),
                              TransferSpeedColumn(), console=err_console,
                              transient=True) as bar:
        task = bar.add_task("download", total=None)
        fetched = use.archive(actor(purpose), home_dir(home), month, out=out,
                              forces=tuple(force or ()), base_url=base_url, no_cache=no_cache,
                              on_progress=lambda done, total: bar.update(
                                  task, completed=done, total=total))
    download, files = fetched.download, fetched.files
    summary = {"month": month, "zip": str(download.path), "bytes": download.size,
               "sha256": download.sha256, "from_cache": download.from_cache,
               "resumed": download.resumed, "files": [str(p) for p in files]}
    if as_json:
        print_json(summary)
        return
    origin = "from the cache" if download.from_cache else "downloaded"
    console.print(f"{month}.zip {origin}: {download.size:,} bytes, sha256 {download.sha256}")
    console.print(f"  cached at {download.path}")
    for path in files:
        console.print(f"  wrote {path}")


@app.command("api")
def api(
    force: Annotated[str, typer.Option("--force", help="Force slug or name, e.g. essex.")],
    start: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    end: Annotated[str | None, typer.Option("--to", help="Last month (default: --from).")
                   ] = None,
    dataset: Annotated[str, typer.Option(
        "--dataset", help=f"One of: {', '.join(DATASETS)}.")] = "street",
    category: Annotated[str, typer.Option(
        "--category", help="Street crime of one category only (slug or label).")
    ] = "all-crime",
    poly: Annotated[str | None, typer.Option(
        "--poly", help="Area instead of the force's: 'lat,lng:lat,lng:...'.")] = None,
    boundary: Annotated[Path | None, typer.Option(
        "--boundary", help="Area instead of the force's: a GeoJSON/GeoPackage file.",
        exists=True, dir_okay=False)] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder for YYYY-MM/YYYY-MM-<force>-<dataset>.csv files.",
        show_default="<home>/downloads/police-uk")] = None,
    base_url: ApiUrlOption = None,
    rate: RateOption = DEFAULT_RATE,
    no_cache: NoCacheOption = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
    purpose: PurposeOption = None,
) -> None:
    """Fetch months of street crime, outcomes or stop and search from the police.uk API."""
    with reported(), _progress(start, end or start) as step:
        fetched = use.api(actor(purpose), home_dir(home), force, start, end, dataset=dataset,
                          category=category, poly=poly, boundary=boundary, out=out,
                          base_url=base_url, rate=rate, no_cache=no_cache, on_step=step)
    result, stats = fetched.result, fetched.stats
    summary = {"force": result.force, "dataset": result.dataset, "rows": result.rows,
               "files": [{"path": str(f.path), "month": f.month, "rows": f.rows}
                         for f in result.files],
               "months_without_data": list(result.months_without_data),
               "outside_area": result.outside_area,
               "transport_police": result.transport_police,
               "requests": stats.requests, "retries": stats.retries,
               "cache_hits": stats.cache_hits}
    if as_json:
        print_json(summary)
        return
    for f in result.files:
        console.print(f"{f.path}  {f.rows:,} rows")
    if result.months_without_data:
        console.print(f"[yellow]{escape(f'no {dataset} data from {result.force} for ')}"
                      f"{escape(', '.join(result.months_without_data))}[/]", markup=True)
    if result.outside_area or result.transport_police:
        console.print(f"left out: {result.outside_area:,} crimes outside the area, "
                      f"{result.transport_police:,} British Transport Police crimes")
    console.print(f"{stats.requests} requests ({stats.retries} retries), "
                  f"{stats.cache_hits} answers from the cache")


@contextmanager
def _progress(start: str, end: str) -> Iterator[Callable[[str, str], None]]:
    """A Rich progress bar over months, noting the area pieces answered within each."""
    from crimeplan.sources.archive import month_range

    try:
        months = len(month_range(start, end))
    except ValueError:
        months = 0  # the use case names the bad month
    pieces: dict[str, int] = {}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} months"), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("boundaries", total=months)

        def step(what: str, month: str) -> None:
            if what == "area":
                pieces[month] = pieces.get(month, 0) + 1
                bar.update(task, description=f"{month}: {pieces[month]} areas answered")
            elif what == "month":
                bar.update(task, advance=1, description=f"{month} written")
        yield step


@app.command("forces")
def forces(base_url: ApiUrlOption = None, no_cache: NoCacheOption = False,
           home: HomeOption = None, as_json: JsonOption = False) -> None:
    """List the forces the police.uk API knows (their ids are the --force values)."""
    with reported():
        found = use.forces(actor(), home_dir(home), base_url=base_url, no_cache=no_cache)
    if as_json:
        print_json([{"id": f.id, "name": f.name} for f in found])
        return
    table = Table("id", "name")
    for f in found:
        table.add_row(f.id, f.name)
    console.print(table)


@app.command("months")
def months(base_url: ApiUrlOption = None, no_cache: NoCacheOption = False,
           home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Show which months the police.uk API holds, and when it was last updated."""
    with reported():
        updated, held = use.months(actor(), home_dir(home), base_url=base_url,
                                   no_cache=no_cache)
    if as_json:
        print_json({"last_updated": updated,
                    "months": [{"month": m.month,
                                "stop_and_search_forces": list(m.stop_and_search_forces)}
                               for m in held]})
        return
    console.print(f"last updated {updated}; {len(held)} months held")
    table = Table("month", "forces with stop and search")
    for m in held:
        table.add_row(m.month, str(len(m.stop_and_search_forces)))
    console.print(table)
