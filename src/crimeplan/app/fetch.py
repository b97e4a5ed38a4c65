"""Use cases of downloading data.police.uk data: archive zips and API months (cached and
rate-limited, into CSV files ``ingest`` reads), and what the API offers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.errors import BadInput
from crimeplan.provenance.runs import RunRecorder
from crimeplan.sources._http import CACHE_SUBDIR, DEFAULT_RATE, FetchError, HttpSession

LISTS = "it lists what the police.uk API offers; nothing is fetched into the workspace"


def _session(home: Path, no_cache: bool, rate: float = DEFAULT_RATE) -> HttpSession:
    """A polite HTTP session caching in the workspace."""
    return HttpSession(home / CACHE_SUBDIR, read_cache=not no_cache, rate=rate)


def _failures() -> AbstractContextManager[None]:
    """The sources' errors (bad months, areas, answers) as bad input."""
    return bad_input(ValueError, FetchError)


@dataclass(frozen=True)
class ArchiveFetch:
    """A month's archive zip (downloaded or from the cache) and any files extracted."""

    download: Any
    files: tuple[Path, ...]


@use_case("fetch.archive", run_kind="fetch.archive")
def archive(actor: Actor, home: Path, month: str, *, out: Path | None = None,
            forces: tuple[str, ...] = (), base_url: str | None = None, no_cache: bool = False,
            on_progress: Callable[[int, int | None], None] | None = None) -> ArchiveFetch:
    """Download the police.uk archive zip of a month (kept in the workspace cache); with
    ``out``, copy it there or extract the ``forces``' CSV files into it."""
    from crimeplan.sources.archive import download_archive, export_archive

    if forces and not out:
        raise BadInput("--force extracts files: give --out DIR too")
    parameters = {"month": month, "out": str(out) if out else None, "force": list(forces),
                  "base_url": base_url, "no_cache": no_cache}
    with _failures(), RunRecorder(home, "fetch.archive", actor, parameters=parameters) as rec, \
            _session(home, no_cache) as session:
        download = download_archive(session, month, base_url, on_progress=on_progress)
        rec.add_hashed_output(download.path, download.sha256, from_cache=download.from_cache)
        files = tuple(export_archive(download, month, out, forces).outputs) if out else ()
        for path in files:
            rec.add_output(path)
    return ArchiveFetch(download, files)


@dataclass(frozen=True)
class ApiMonths:
    """Months fetched from the API: the files written and the session's request counts."""

    result: Any
    stats: Any


@use_case("fetch.api", run_kind="fetch.api")
def api(actor: Actor, home: Path, force: str, start: str, end: str | None = None, *,
        dataset: str = "street", category: str = "all-crime", poly: str | None = None,
        boundary: Path | None = None, out: Path | None = None, base_url: str | None = None,
        rate: float = DEFAULT_RATE, no_cache: bool = False,
        on_step: Callable[[str, str], None] | None = None) -> ApiMonths:
    """Fetch months of street crime, outcomes or stop and search from the police.uk API into
    ``out`` (default ``<home>/downloads/police-uk``)."""
    from crimeplan.sources.api import PoliceApi, parse_poly, read_boundary
    from crimeplan.sources.archive import fetch_from_api, month_range

    parameters = {"force": force, "from": start, "to": end, "dataset": dataset,
                  "category": category, "poly": poly, "out": str(out) if out else None,
                  "base_url": base_url, "rate": rate, "no_cache": no_cache}
    with _failures():
        if poly and boundary:
            raise ValueError("give --poly or --boundary, not both")
        months = month_range(start, end or start)
        area = parse_poly(poly) if poly else read_boundary(boundary) if boundary else None
    target = out or home / "downloads" / "police-uk"
    with _failures(), RunRecorder(home, "fetch.api", actor, parameters=parameters) as rec:
        if boundary:
            rec.add_input(boundary)
        with _session(home, no_cache, rate) as session:
            result = fetch_from_api(PoliceApi(session, base_url), force, months, dataset,
                                    target, area=area, category=category, on_step=on_step)
        for f in result.files:
            rec.add_output(f.path)
        rec.set_result("rows", result.rows)
    return ApiMonths(result, session.stats)


@use_case("fetch.forces", run_kind=None, no_run_because=LISTS)
def forces(actor: Actor, home: Path, *, base_url: str | None = None,
           no_cache: bool = False) -> list[Any]:
    """The forces the police.uk API knows (their ids are what ``api`` takes)."""
    from crimeplan.sources.api import PoliceApi

    with _failures(), _session(home, no_cache) as session:
        return list(PoliceApi(session, base_url).forces())


@use_case("fetch.months", run_kind=None, no_run_because=LISTS)
def months(actor: Actor, home: Path, *, base_url: str | None = None,
           no_cache: bool = False) -> tuple[str, list[Any]]:
    """When the police.uk API was last updated, and the months it holds."""
    from crimeplan.sources.api import PoliceApi

    with _failures(), _session(home, no_cache) as session:
        client = PoliceApi(session, base_url)
        return client.last_updated(), list(client.available_months())
