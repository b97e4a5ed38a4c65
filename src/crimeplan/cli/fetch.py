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

from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    console,
    err_console,
    fail,
    home_dir,
    print_json,
)
from crimeplan.governance.runs import RunRecorder
from crimeplan.sources._http import CACHE_SUBDIR, DEFAULT_RATE, FetchError, HttpSession
from crimeplan.sources.api import API_ENV, PoliceApi, parse_poly, read_boundary
from crimeplan.sources.archive import (
    ARCHIVE_ENV,
    DATASETS,
    download_archive,
    export_archive,
    fetch_from_api,
    month_range,
)

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


def _session(home: Path | None, no_cache: bool, rate: float = DEFAULT_RATE) -> HttpSession:
    return HttpSession(home_dir(home) / CACHE_SUBDIR, read_cache=not no_cache, rate=rate)


@contextmanager
def _failures_reported() -> Iterator[None]:
    """Turn the library's errors into a clear message and a non-zero exit."""
    try:
        yield
    except (ValueError, FetchError) as exc:
        fail(str(exc))


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
    if force and not out:
        fail("--force extracts files: give --out DIR too")
    parameters = {"month": month, "out": str(out) if out else None, "force": force or [],
                  "base_url": base_url, "no_cache": no_cache}
    with _failures_reported(), RunRecorder(home_dir(home), "fetch.archive", purpose=purpose,
                                           parameters=parameters) as rec, \
            _session(home, no_cache) as session:
        with Progress(TextColumn(f"archive {month}"), BarColumn(), DownloadColumn(),
                      TransferSpeedColumn(), console=err_console, transient=True) as bar:
            task = bar.add_task("download", total=None)
            download = download_archive(session, month, base_url,
                                        on_progress=lambda done, total: bar.update(
                                            task, completed=done, total=total))
        rec.add_hashed_output(download.path, download.sha256, from_cache=download.from_cache)
        files = export_archive(download, month, out, force or ()).outputs if out else ()
        for path in files:
            rec.add_output(path)
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
    parameters = {"force": force, "from": start, "to": end, "dataset": dataset,
                  "category": category, "poly": poly, "out": str(out) if out else None,
                  "base_url": base_url, "rate": rate, "no_cache": no_cache}
    with _failures_reported():
        if poly and boundary:
            raise ValueError("give --poly or --boundary, not both")
        months = month_range(start, end or start)
        area = parse_poly(poly) if poly else read_boundary(boundary) if boundary else None
        target = out or home_dir(home) / "downloads" / "police-uk"
        with RunRecorder(home_dir(home), "fetch.api", purpose=purpose,
                         parameters=parameters) as rec:
            if boundary:
                rec.add_input(boundary)
            with _session(home, no_cache, rate) as session, _progress(len(months)) as step:
                result = fetch_from_api(PoliceApi(session, base_url), force, months, dataset,
                                        target, area=area, category=category, on_step=step)
            for f in result.files:
                rec.add_output(f.path)
            rec.set_result("rows", result.rows)
        stats = session.stats
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
def _progress(months: int) -> Iterator[Callable[[str, str], None]]:
    """A Rich progress bar over months, noting the area pieces answered within each."""
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
    with _failures_reported(), _session(home, no_cache) as session:
        found = PoliceApi(session, base_url).forces()
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
    with _failures_reported(), _session(home, no_cache) as session:
        client = PoliceApi(session, base_url)
        updated, held = client.last_updated(), client.available_months()
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
