"""police.uk data in the archive layout: the monthly zip, or the same CSV files built from the API.

data.police.uk publishes each month an archive zip (``/data/archive/YYYY-MM.zip``: every force,
the last three years) whose members are ``YYYY-MM/YYYY-MM-<force>-<dataset>.csv``.
:func:`download_archive` fetches one into the workspace cache; :func:`fetch_from_api` writes
files of exactly that layout and those Title Case headers from API answers, so that both feed
``crimeplan ingest`` unchanged.

What the API cannot give, and the archive can: LSOA code and name (left empty; ingest enriches
locations), crimes a force located outside its own neighbourhoods, and outcomes of crimes with no
location. Crimes the API marks as British Transport Police's are left out of a force's file, as
in the archive.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from crimeplan.csvsafe import write_rows
from crimeplan.sources._http import Download, FetchError, HttpSession, ProgressHook, request_key
from crimeplan.sources.api import PoliceApi, check_month
from crimeplan.standard.codes import crime_category
from crimeplan.standard.forces import find_force

ARCHIVE_ENV = "CRIMEPLAN_POLICE_ARCHIVE"
DEFAULT_ARCHIVE = "https://data.police.uk/data/archive"
DATASETS = ("street", "outcomes", "stop-and-search")

STREET_COLUMNS = ("Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                  "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
                  "Context")
OUTCOME_COLUMNS = ("Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                   "Location", "LSOA code", "LSOA name", "Outcome type")
STOP_COLUMNS = ("Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
                "Longitude", "Gender", "Age range", "Self-defined ethnicity",
                "Officer-defined ethnicity", "Legislation", "Object of search", "Outcome",
                "Outcome linked to object of search", "Removal of more than just outer clothing")

#: The archive's Location text for crimes with no location.
NO_LOCATION = "No Location"
#: Progress callback: ("boundaries" | "area" | "month", month).
StepHook = Callable[[str, str], None]

#: Degrees (~100 m) by which a force's outline is widened, then simplified, for API queries:
#: the widened outline contains the exact one, and answers are filtered back to the exact one.
QUERY_MARGIN = 0.001


def archive_base(url: str | None = None) -> str:
    """The archive root: the argument, else ``$CRIMEPLAN_POLICE_ARCHIVE``, else police.uk's."""
    return (url or os.environ.get(ARCHIVE_ENV) or DEFAULT_ARCHIVE).rstrip("/")


def month_range(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` inclusive, as YYYY-MM."""
    y0, m0 = map(int, check_month(start).split("-"))
    y1, m1 = map(int, check_month(end).split("-"))
    if (y1, m1) < (y0, m0):
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(y0 * 12 + m0 - 1, y1 * 12 + m1)]


def force_slug_or_error(force: str) -> str:
    """The data.police.uk slug of a force, or ValueError naming the unknown force."""
    found = find_force(force)
    if found is None:
        raise ValueError(f"unknown force {force!r}: use a data.police.uk slug such as 'essex' "
                         "(`crimeplan fetch forces` lists them)")
    return found.slug


# --- the monthly archive zip ---------------------------------------------------------------

@dataclass(frozen=True)
class ArchiveFiles:
    """An archive month in the cache, and any copy or extracted files made from it."""

    month: str
    download: Download
    outputs: tuple[Path, ...]


def download_archive(session: HttpSession, month: str, base_url: str | None = None,
                     on_progress: ProgressHook | None = None) -> Download:
    """Fetch the archive zip of a month into the session's cache and check it is a zip."""
    if session.cache is None:
        raise ValueError("archive downloads need a session with a cache folder")
    url = f"{archive_base(base_url)}/{check_month(month)}.zip"
    dest = session.cache.path(request_key("GET", url), ".zip")
    download = session.download(url, dest, on_progress=on_progress)
    if not zipfile.is_zipfile(download.path):
        download.path.unlink()
        download.path.with_name(download.path.name + ".sha256").unlink(missing_ok=True)
        raise FetchError(url, "the downloaded file is not a zip archive (removed)")
    return download


def export_archive(download: Download, month: str, out: Path,
                   forces: Sequence[str] = ()) -> ArchiveFiles:
    """Copy the archive zip to ``out``, or with ``forces`` extract just their CSV files."""
    out.mkdir(parents=True, exist_ok=True)
    if not forces:
        target = out / f"{month}.zip"
        shutil.copyfile(download.path, target)
        return ArchiveFiles(month, download, (target,))
    slugs = [force_slug_or_error(f) for f in forces]
    forces_re, datasets_re = "|".join(map(re.escape, slugs)), "|".join(DATASETS)
    pattern = re.compile(rf"^\d{{4}}-\d{{2}}/\d{{4}}-\d{{2}}-({forces_re})-({datasets_re})\.csv$")
    written = []
    with zipfile.ZipFile(download.path) as archive:
        for name in archive.namelist():
            if pattern.match(name):
                written.append(Path(archive.extract(name, out)))
    if not written:
        raise FetchError(str(download.path), f"the {month} archive holds no files for "
                                             f"{', '.join(slugs)}")
    return ArchiveFiles(month, download, tuple(written))


# --- archive-layout files from the API ---------------------------------------------------

@dataclass(frozen=True)
class WrittenFile:
    """One CSV file written in the archive layout."""

    path: Path
    month: str
    rows: int


@dataclass(frozen=True)
class ApiFetch:
    """What a fetch from the API wrote, and what it left out and why."""

    force: str
    dataset: str
    files: tuple[WrittenFile, ...]
    months_without_data: tuple[str, ...]
    outside_area: int
    transport_police: int

    @property
    def rows(self) -> int:
        """Rows written over all files."""
        return sum(f.rows for f in self.files)


def force_area(api: PoliceApi, force: str) -> BaseGeometry:
    """A force's area: the union of its neighbourhood boundaries."""
    boundaries = [api.neighbourhood_boundary(force, n.id) for n in api.neighbourhoods(force)]
    if not boundaries:
        raise FetchError(api.base_url, f"the API lists no neighbourhoods for {force!r}")
    return shapely.union_all(boundaries)


def query_outline(area: BaseGeometry) -> BaseGeometry:
    """A simpler outline that contains ``area``: widened, then simplified by the same margin."""
    return area.buffer(QUERY_MARGIN).simplify(QUERY_MARGIN)


def fetch_from_api(api: PoliceApi, force: str, months: Sequence[str], dataset: str, out: Path,
                   area: BaseGeometry | None = None, category: str = "all-crime",
                   on_step: StepHook | None = None) -> ApiFetch:
    """Write ``dataset`` for ``force`` and ``months`` from the API in the archive layout.

    Street crime and outcomes cover ``area`` (WGS84; default: the force's neighbourhoods);
    street crime for the whole force also includes the force's crimes with no location, and
    can be limited to one ``category`` (a slug or label). Stop and search is always force-wide.
    ``on_step`` hears of each area answered and month written.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset {dataset!r} is not one of {', '.join(DATASETS)}")
    slug = force_slug_or_error(force)
    force_name = find_force(slug).name  # type: ignore[union-attr]
    if category != "all-crime":
        found_category = crime_category(category)
        if found_category is None:
            raise ValueError(f"unknown crime category {category!r} (`crimeplan standard codes` "
                             "lists them)")
        if dataset != "street":
            raise ValueError("a crime category applies to street crime only")
        category = found_category.slug
    if dataset == "stop-and-search" and area is not None:
        raise ValueError("stop and search is fetched force-wide; drop --poly/--boundary")
    held = {m.month: m for m in api.available_months()}
    missing = [m for m in months if m not in held]
    if missing:
        span = f"{min(held)} to {max(held)}" if held else "nothing"
        raise ValueError(f"the API does not hold {', '.join(missing)} (it holds {span}); use "
                         "`crimeplan fetch archive` for older months")
    step = on_step or (lambda _what, _month: None)
    whole_force = area is None
    if area is None and dataset != "stop-and-search":
        area = force_area(api, slug)
        step("boundaries", "")
    outline = query_outline(area) if area is not None else None
    files, empty, outside, btp = [], [], 0, 0
    for month in months:
        if dataset == "stop-and-search":
            if slug not in held[month].stop_and_search_forces:
                empty.append(month)
                continue
            rows = [stop_row(s) for s in api.stops_force(slug, month)]
            columns = STOP_COLUMNS
        else:
            assert area is not None and outline is not None
            kept, left_outside, left_btp = _area_month(api, dataset, outline, area, month,
                                                       category, step)
            outside += left_outside
            btp += left_btp
            if dataset == "street":
                if whole_force:
                    kept += api.crimes_no_location(slug, month, category)
                rows = [street_row(c, force_name) for c in kept]
                columns = STREET_COLUMNS
            else:
                rows = [outcome_row(o, force_name) for o in kept]
                columns = OUTCOME_COLUMNS
        path = out / month / f"{month}-{slug}-{dataset}.csv"
        write_rows(path, columns, rows)
        files.append(WrittenFile(path, month, len(rows)))
        step("month", month)
    return ApiFetch(slug, dataset, tuple(files), tuple(empty), outside, btp)


def _area_month(api: PoliceApi, dataset: str, outline: BaseGeometry, area: BaseGeometry,
                month: str, category: str, step: StepHook) -> tuple[list[dict[str, Any]], int, int]:
    """A month's street crimes or outcomes in the exact area, less British Transport Police's.

    Also returns how many answers lay outside the area and how many inside were BTP's.
    """
    if dataset == "street":
        found = api.street_crimes(outline, month, category,
                                  on_piece=lambda: step("area", month))
    else:
        found = api.outcomes_at_location(outline, month, on_piece=lambda: step("area", month))
    crimes = [r if dataset == "street" else r["crime"] for r in found]
    inside = _inside(area, crimes)
    is_btp = [c.get("location_type") == "BTP" for c in crimes]
    kept = [r for r, i, b in zip(found, inside, is_btp, strict=True) if i and not b]
    btp = sum(1 for i, b in zip(inside, is_btp, strict=True) if i and b)
    return kept, len(found) - len(kept) - btp, btp


def _inside(area: BaseGeometry, crimes: Sequence[dict[str, Any]]) -> list[bool]:
    """Whether each crime's point lies in ``area`` (edges included)."""
    if not crimes:
        return []
    lng = [float(c["location"]["longitude"]) for c in crimes]
    lat = [float(c["location"]["latitude"]) for c in crimes]
    shapely.prepare(area)
    return [bool(v) for v in shapely.intersects_xy(area, lng, lat)]


def street_row(crime: dict[str, Any], force_name: str) -> dict[str, str]:
    """A street-crime CSV row, with the category label the archive uses for the API's slug."""
    category = crime_category(crime["category"])
    if category is None:
        raise FetchError("crimes-street", f"crime {crime.get('id')} has an unknown category "
                                          f"{crime['category']!r}")
    location = crime.get("location") or {}
    outcome = crime.get("outcome_status") or {}
    return {"Crime ID": crime.get("persistent_id") or "", "Month": crime["month"],
            "Reported by": force_name, "Falls within": force_name,
            **_place(location), "Crime type": category.label,
            "Last outcome category": outcome.get("category") or "",
            "Context": crime.get("context") or ""}


def outcome_row(outcome: dict[str, Any], force_name: str) -> dict[str, str]:
    """An outcomes CSV row: the outcome's month and label, and where its crime happened."""
    crime = outcome["crime"]
    return {"Crime ID": crime.get("persistent_id") or "", "Month": outcome["date"],
            "Reported by": force_name, "Falls within": force_name,
            **_place(crime.get("location") or {}),
            "Outcome type": outcome["category"]["name"]}


def stop_row(stop: dict[str, Any]) -> dict[str, str]:
    """A stop-and-search CSV row, with the archive's True/False spellings."""
    location = stop.get("location") or {}
    outcome = stop.get("outcome")
    if not isinstance(outcome, str):
        outcome = (stop.get("outcome_object") or {}).get("name") or ""
    return {"Type": stop.get("type") or "", "Date": stop.get("datetime") or "",
            "Part of a policing operation": _flag(stop.get("operation")),
            "Policing operation": stop.get("operation_name") or "",
            "Latitude": location.get("latitude") or "",
            "Longitude": location.get("longitude") or "",
            "Gender": stop.get("gender") or "", "Age range": stop.get("age_range") or "",
            "Self-defined ethnicity": stop.get("self_defined_ethnicity") or "",
            "Officer-defined ethnicity": stop.get("officer_defined_ethnicity") or "",
            "Legislation": stop.get("legislation") or "",
            "Object of search": stop.get("object_of_search") or "",
            "Outcome": outcome,
            "Outcome linked to object of search":
                _flag(stop.get("outcome_linked_to_object_of_search")),
            "Removal of more than just outer clothing":
                _flag(stop.get("removal_of_more_than_outer_clothing"))}


def _place(location: dict[str, Any]) -> dict[str, str]:
    """Longitude, latitude and street text of an API location; LSOA left for ingest.

    Like the archive, a crime with no location says "No Location".
    """
    if not location:
        return {"Longitude": "", "Latitude": "", "Location": NO_LOCATION,
                "LSOA code": "", "LSOA name": ""}
    return {"Longitude": location.get("longitude") or "",
            "Latitude": location.get("latitude") or "",
            "Location": (location.get("street") or {}).get("name") or "",
            "LSOA code": "", "LSOA name": ""}


def _flag(value: Any) -> str:
    """True/False as the archive writes them; empty when unknown."""
    return "" if value is None else str(bool(value))


