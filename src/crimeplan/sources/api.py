"""A client for the data.police.uk API (https://data.police.uk/docs/), polite and cached.

The API answers street-level crime and outcomes for a polygon and a month, but refuses (HTTP 503)
any polygon holding more than 10,000 crimes. :meth:`PoliceApi.street_crimes` and
:meth:`PoliceApi.outcomes_at_location` therefore split a refused polygon in two along its longer
side and ask again for each half, down to small areas, and drop the duplicates found on the
shared edges. Polygons too long for a URL are sent as a form POST, as the API documentation asks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from crimeplan.sources._http import FetchError, HttpSession

API_ENV = "CRIMEPLAN_POLICE_API"
DEFAULT_API = "https://data.police.uk/api"
#: The API's status for "more than 10,000 crimes in this polygon".
TOO_MANY_STATUS = 503
#: Splits of one polygon before giving up (2**12 pieces: far below a street's size).
MAX_SPLIT_DEPTH = 12
#: Beyond this many characters the ``poly`` parameter goes in a POST body (URLs stop at ~4 kB).
MAX_POLY_IN_URL = 3000
#: Answers about what the API holds change monthly; re-ask after a day.
DAY = 24 * 3600.0

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def api_base(url: str | None = None) -> str:
    """The API root: the argument, else ``$CRIMEPLAN_POLICE_API``, else data.police.uk's."""
    return (url or os.environ.get(API_ENV) or DEFAULT_API).rstrip("/")


def check_month(month: str) -> str:
    """Return ``month`` if it is a YYYY-MM month, else raise ValueError saying so."""
    if not _MONTH.match(month):
        raise ValueError(f"month {month!r} is not of the form YYYY-MM (e.g. 2018-07)")
    return month


@dataclass(frozen=True)
class ApiForce:
    """A force as the API lists it: its id (slug) and name."""

    id: str
    name: str


@dataclass(frozen=True)
class AvailableMonth:
    """A month the API holds street crime for, and the forces with stop and search that month."""

    month: str
    stop_and_search_forces: tuple[str, ...]


@dataclass(frozen=True)
class Neighbourhood:
    """A policing neighbourhood of a force."""

    id: str
    name: str


def poly_param(polygon: Polygon) -> str:
    """The API's ``poly`` text for a polygon's outer ring: ``lat,lng:lat,lng:...``."""
    coords = list(polygon.exterior.coords)[:-1]  # the API closes the ring itself
    return ":".join(f"{lat:.6f},{lng:.6f}" for lng, lat in coords)


def parse_poly(text: str) -> Polygon:
    """A polygon from the API's ``lat,lng:lat,lng:...`` text, with a clear error if malformed."""
    points = []
    for pair in text.strip().split(":"):
        try:
            lat, lng = (float(v) for v in pair.split(","))
        except ValueError:
            raise ValueError(f"poly point {pair!r} is not 'latitude,longitude'") from None
        points.append((lng, lat))
    if len(points) < 3:
        raise ValueError("a poly needs at least three 'latitude,longitude' points")
    polygon = Polygon(points)
    if not polygon.is_valid or polygon.area == 0:
        raise ValueError("the poly's points do not make a simple polygon (edges cross or "
                         "it has no area)")
    return polygon


def read_boundary(path: Path) -> BaseGeometry:
    """The union of every shape in a boundary file (GeoJSON, GeoPackage, ...), in WGS84."""
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise ValueError(f"{path}: cannot read a boundary from it ({exc})") from exc
    if frame.empty:
        raise ValueError(f"{path}: the file holds no shapes")
    if frame.crs is None:
        raise ValueError(f"{path}: the file has no coordinate reference system; save it with "
                         "one (e.g. EPSG:4326 or EPSG:27700)")
    area = shapely.union_all(frame.to_crs(4326).geometry.make_valid().to_numpy())
    if not polygon_parts(area):
        raise ValueError(f"{path}: the file holds no polygons")
    return area


def polygon_parts(geometry: BaseGeometry) -> list[Polygon]:
    """The non-empty polygons in a geometry (a polygon, multipolygon or collection)."""
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty and geometry.area > 0 else []
    if isinstance(geometry, MultiPolygon) or hasattr(geometry, "geoms"):
        return [p for g in geometry.geoms for p in polygon_parts(g)]
    return []


def split_polygon(polygon: Polygon) -> list[Polygon]:
    """Cut a polygon in two across the middle of its longer side (pieces may be several)."""
    minx, miny, maxx, maxy = polygon.bounds
    if maxx - minx >= maxy - miny:
        mid = (minx + maxx) / 2
        halves = box(minx, miny, mid, maxy), box(mid, miny, maxx, maxy)
    else:
        mid = (miny + maxy) / 2
        halves = box(minx, miny, maxx, mid), box(minx, mid, maxx, maxy)
    return [p for half in halves for p in polygon_parts(polygon.intersection(half))]


class PoliceApi:
    """The data.police.uk endpoints crimeplan uses, over a cached, rate-limited session."""

    def __init__(self, session: HttpSession, base_url: str | None = None) -> None:
        self.session = session
        self.base_url = api_base(base_url)

    def _get(self, path: str, params: dict[str, str] | None = None,
             max_age: float | None = None) -> Any:
        return self.session.fetch_json(f"{self.base_url}/{path}", params, max_age=max_age)

    def forces(self) -> list[ApiForce]:
        """Every force the API knows."""
        return [ApiForce(f["id"], f["name"]) for f in self._get("forces", max_age=DAY)]

    def last_updated(self) -> str:
        """The date (YYYY-MM-DD) of the API's latest street-crime update."""
        return str(self._get("crime-last-updated", max_age=DAY)["date"])

    def available_months(self) -> list[AvailableMonth]:
        """The months the API holds, newest first, with the forces publishing stop and search."""
        return [AvailableMonth(d["date"], tuple(d.get("stop-and-search") or ()))
                for d in self._get("crimes-street-dates", max_age=DAY)]

    def neighbourhoods(self, force: str) -> list[Neighbourhood]:
        """A force's policing neighbourhoods."""
        return [Neighbourhood(str(n["id"]), n["name"])
                for n in self._get(f"{force}/neighbourhoods", max_age=DAY)]

    def neighbourhood_boundary(self, force: str, neighbourhood: str) -> Polygon:
        """A neighbourhood's boundary as a WGS84 polygon (x = longitude)."""
        points = self._get(f"{force}/{neighbourhood}/boundary", max_age=DAY)
        polygon = Polygon([(float(p["longitude"]), float(p["latitude"])) for p in points])
        return polygon if polygon.is_valid else shapely.make_valid(polygon)

    def crimes_no_location(self, force: str, month: str,
                           category: str = "all-crime") -> list[dict[str, Any]]:
        """A force's crimes for a month that could not be mapped to a location."""
        return self._get("crimes-no-location",
                         {"category": category, "force": force, "date": check_month(month)})

    def stops_force(self, force: str, month: str) -> list[dict[str, Any]]:
        """Every stop and search reported by a force in a month."""
        return self._get("stops-force", {"force": force, "date": check_month(month)})

    def outcomes_for_crime(self, crime_id: str) -> dict[str, Any]:
        """One crime and all its outcomes, by its 64-character persistent ID."""
        return self._get(f"outcomes-for-crime/{crime_id}")

    def street_crimes(self, area: BaseGeometry, month: str, category: str = "all-crime",
                      on_piece: Callable[[], None] | None = None) -> list[dict[str, Any]]:
        """Street-level crimes in an area for a month, splitting areas the API refuses.

        Crimes found twice (on the edge between two pieces) are kept once, by their API id.
        """
        records = self._poly_records(f"crimes-street/{category}", area, month, on_piece)
        return list(_unique(records, lambda c: c["id"]))

    def outcomes_at_location(self, area: BaseGeometry, month: str,
                             on_piece: Callable[[], None] | None = None
                             ) -> list[dict[str, Any]]:
        """Outcomes recorded in a month for crimes located in an area, splitting as needed."""
        records = self._poly_records("outcomes-at-location", area, month, on_piece)
        return list(_unique(records, lambda o: (o["crime"]["id"], o["category"]["code"],
                                                o.get("date"), o.get("person_id"))))

    def _poly_records(self, path: str, area: BaseGeometry, month: str,
                      on_piece: Callable[[], None] | None) -> Iterator[dict[str, Any]]:
        """Records of every piece of ``area``, halving any piece the API finds too large."""
        check_month(month)
        pending = [(piece, 0) for piece in polygon_parts(area)]
        while pending:
            piece, depth = pending.pop()
            try:
                found = self._poly_query(path, piece, month)
            except FetchError as exc:
                if exc.status != TOO_MANY_STATUS:
                    raise
                if depth >= MAX_SPLIT_DEPTH:
                    raise FetchError(exc.url, f"still refused (HTTP 503) after splitting the "
                                              f"area {MAX_SPLIT_DEPTH} times", 503) from exc
                pending.extend((half, depth + 1) for half in split_polygon(piece))
                continue
            if on_piece:
                on_piece()
            yield from found

    def _poly_query(self, path: str, polygon: Polygon, month: str) -> list[dict[str, Any]]:
        """One polygon query; a long polygon goes in a POST body."""
        args = {"poly": poly_param(polygon), "date": month}
        url = f"{self.base_url}/{path}"
        too_many = frozenset({TOO_MANY_STATUS})
        if len(args["poly"]) > MAX_POLY_IN_URL:
            return self.session.fetch_json(url, data=args, final_statuses=too_many)
        return self.session.fetch_json(url, args, final_statuses=too_many)


def _unique(records: Iterator[dict[str, Any]],
            key: Callable[[dict[str, Any]], Any]) -> Iterator[dict[str, Any]]:
    """Records in order, each key once."""
    seen: set[Any] = set()
    for record in records:
        k = key(record)
        if k not in seen:
            seen.add(k)
            yield record
