"""A local stand-in for data.police.uk: a real HTTP server on 127.0.0.1 in a thread.

It answers like the real API from the repo's real sample (Essex street crime Jan-Jul 2018,
Metropolitan stop and search Apr-Jul 2018), and can misbehave on demand: 429 with Retry-After,
5xx, dropped connections, 503 for polygons holding more than ``max_crimes`` crimes, and an
archive download cut off half way. Every request is logged with its arrival time.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import shapely
from shapely.geometry import Polygon

from crimeplan.standard.codes import crime_category, outcome_category

SAMPLE_ZIP = Path(__file__).resolve().parents[2] / "data" / "sample" / "police-uk-2018-sample.zip"

#: Essex's fake neighbourhoods: four rectangles (west, south, east, north in degrees) tiling
#: lon 0.30-0.95, lat 51.50-51.95, which holds Southend, Basildon, Chelmsford and Colchester.
ESSEX_NEIGHBOURHOODS = {
    "SW": ("Basildon and Billericay", (0.30, 51.50, 0.625, 51.725)),
    "SE": ("Southend and Rochford", (0.625, 51.50, 0.95, 51.725)),
    "NW": ("Chelmsford and Braintree", (0.30, 51.725, 0.625, 51.95)),
    "NE": ("Colchester and Tendring", (0.625, 51.725, 0.95, 51.95)),
}
ESSEX_BOX = (0.30, 51.50, 0.95, 51.95)
FORCES = [{"id": "essex", "name": "Essex Police"},
          {"id": "metropolitan", "name": "Metropolitan Police Service"}]


def rectangle_ring(west: float, south: float, east: float, north: float
                   ) -> list[tuple[float, float]]:
    """A rectangle's ring with extra points along each side, as real boundaries have many."""
    steps = np.linspace(0, 1, 5)[:-1]
    ring = [(west + t * (east - west), south) for t in steps]
    ring += [(east, south + t * (north - south)) for t in steps]
    ring += [(east - t * (east - west), north) for t in steps]
    ring += [(west, north - t * (north - south)) for t in steps]
    return ring


@dataclass(frozen=True)
class Logged:
    """One request as the server saw it."""

    time: float
    method: str
    path: str
    query: dict[str, str]
    range: str | None


@dataclass
class SampleData:
    """The sample turned into API answers."""

    street_csv: dict[str, list[dict[str, str]]]
    stops_csv: dict[str, list[dict[str, str]]]
    crimes: dict[str, list[dict[str, Any]]]
    stops: dict[str, list[dict[str, Any]]]
    outcomes: dict[str, list[dict[str, Any]]]
    zip_bytes: bytes


@cache
def _crime_slug(label: str) -> str:
    return crime_category(label).slug


@cache
def _outcome_slug(label: str) -> str:
    return outcome_category(label).slug


def _flag(text: str) -> bool | None:
    return None if text == "" else text == "True"


@cache
def sample_data() -> SampleData:
    """Read the sample zip once and build the API's view of it."""
    zip_bytes = SAMPLE_ZIP.read_bytes()
    street_csv: dict[str, list[dict[str, str]]] = defaultdict(list)
    stops_csv: dict[str, list[dict[str, str]]] = defaultdict(list)
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        for name in archive.namelist():
            month = name[:7]
            rows = list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            (street_csv if name.endswith("-street.csv") else stops_csv)[month].extend(rows)
    crimes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    outcomes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    next_id = 50_000_000
    for month, rows in sorted(street_csv.items()):
        for row in rows:
            next_id += 1
            located = row["Longitude"] != ""
            crime = {
                "category": _crime_slug(row["Crime type"]),
                "location_type": "Force" if located else None,
                "location": {"latitude": row["Latitude"], "longitude": row["Longitude"],
                             "street": {"id": next_id % 997_331, "name": row["Location"]}}
                if located else None,
                "context": row["Context"],
                "outcome_status": {"category": row["Last outcome category"], "date": month}
                if row["Last outcome category"] else None,
                "persistent_id": row["Crime ID"], "id": next_id, "location_subtype": "",
                "month": row["Month"]}
            crimes[month].append(crime)
            if located and row["Crime ID"] and row["Last outcome category"]:
                code = _outcome_slug(row["Last outcome category"])
                plain = {k: v for k, v in crime.items() if k != "outcome_status"}
                outcomes[month].append({"category": {"code": code,
                                                     "name": row["Last outcome category"]},
                                        "date": month, "person_id": None, "crime": plain})
        # One British Transport Police crime a month, in Chelmsford: not Essex Police's.
        crimes[month].append({"category": "other-theft", "location_type": "BTP",
                              "location": {"latitude": "51.736200", "longitude": "0.468900",
                                           "street": {"id": 1, "name": "On or near Station"}},
                              "context": "", "outcome_status": None, "persistent_id": "b" * 64,
                              "id": next_id + 1, "location_subtype": "STATION",
                              "month": month})
        next_id += 1
    stops: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for month, rows in stops_csv.items():
        for row in rows:
            stops[month].append({
                "type": row["Type"], "datetime": row["Date"], "involved_person": True,
                "operation": _flag(row["Part of a policing operation"]),
                "operation_name": row["Policing operation"] or None,
                "location": {"latitude": row["Latitude"], "longitude": row["Longitude"],
                             "street": {"id": 7, "name": "On or near Somewhere"}}
                if row["Latitude"] else None,
                "gender": row["Gender"] or None, "age_range": row["Age range"] or None,
                "self_defined_ethnicity": row["Self-defined ethnicity"] or None,
                "officer_defined_ethnicity": row["Officer-defined ethnicity"] or None,
                "legislation": row["Legislation"] or None,
                "object_of_search": row["Object of search"] or None,
                "outcome": row["Outcome"] or None,
                "outcome_object": {"id": "bu-x", "name": row["Outcome"]} if row["Outcome"]
                else None,
                "outcome_linked_to_object_of_search":
                    _flag(row["Outcome linked to object of search"]),
                "removal_of_more_than_outer_clothing":
                    _flag(row["Removal of more than just outer clothing"])})
    return SampleData(dict(street_csv), dict(stops_csv), dict(crimes), dict(stops),
                      dict(outcomes), zip_bytes)


def _poly(text: str) -> Polygon:
    pairs = [tuple(float(v) for v in p.split(",")) for p in text.split(":")]
    return Polygon([(lng, lat) for lat, lng in pairs])


def _in_poly(records: list[dict[str, Any]], poly: Polygon, crime_of=lambda r: r
             ) -> list[dict[str, Any]]:
    located = [r for r in records if crime_of(r)["location"]]
    if not located:
        return []
    lng = [float(crime_of(r)["location"]["longitude"]) for r in located]
    lat = [float(crime_of(r)["location"]["latitude"]) for r in located]
    hits = shapely.intersects_xy(poly, lng, lat)
    return [r for r, hit in zip(located, hits, strict=True) if hit]


class FakePoliceApi:
    """The fake server: start it, point crimeplan at ``api_url``/``archive_url``, stop it."""

    def __init__(self, max_crimes: int = 10_000, retry_after: str = "1") -> None:
        self.data = sample_data()
        self.max_crimes = max_crimes
        self.retry_after = retry_after
        self.log: list[Logged] = []
        self.failures: dict[str, list[int | str]] = defaultdict(list)
        self.cut_next_archive = False
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.root}/api"

    @property
    def archive_url(self) -> str:
        return f"{self.root}/data/archive"

    def fail_next(self, path_prefix: str, *failures: int | str) -> None:
        """Answer the next requests under ``path_prefix`` with these statuses ("drop": hang up)."""
        self.failures[path_prefix].extend(failures)

    def requests_to(self, path_prefix: str) -> list[Logged]:
        return [entry for entry in self.log if entry.path.startswith(path_prefix)]

    def __enter__(self) -> FakePoliceApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _failure_for(self, path: str) -> int | str | None:
        with self._lock:
            for prefix, queue in self.failures.items():
                if path.startswith(prefix) and queue:
                    return queue.pop(0)
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_HEAD(self) -> None:
                self._serve(head=True)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                self._serve(form={k: v[0] for k, v in form.items()})

            def _serve(self, head: bool = False, form: dict[str, str] | None = None) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()} | (form or {})
                with fake._lock:
                    fake.log.append(Logged(time.monotonic(), self.command, url.path, query,
                                           self.headers.get("Range")))
                failure = fake._failure_for(url.path)
                if failure == "drop":
                    self.close_connection = True
                    return
                if isinstance(failure, int):
                    extra = {"Retry-After": fake.retry_after} if failure == 429 else {}
                    self._send(failure, b"Too Many Requests" if failure == 429 else b"", extra)
                    return
                if url.path.startswith("/data/archive/"):
                    self._archive(url.path, head)
                    return
                status, payload = fake.answer(url.path.removeprefix("/api/"), query)
                self._send(status, json.dumps(payload).encode() if payload is not None else b"",
                           {"Content-Type": "application/json"})

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
                      length: int | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _archive(self, path: str, head: bool) -> None:
                if path != "/data/archive/2018-07.zip":
                    self._send(404, b"Not Found")
                    return
                data = fake.data.zip_bytes
                wanted = self.headers.get("Range")
                if head:
                    self._send(200, data)
                elif wanted:
                    start = int(wanted.removeprefix("bytes=").split("-")[0])
                    if start >= len(data):
                        self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                        return
                    self._send(206, data[start:],
                               {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}",
                                "Content-Type": "application/zip"})
                elif fake.cut_next_archive:
                    fake.cut_next_archive = False
                    self._send(200, data[: len(data) // 2], {"Content-Type": "application/zip"},
                               length=len(data))
                    self.close_connection = True
                else:
                    self._send(200, data, {"Content-Type": "application/zip"})

        return Handler

    def answer(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        """Status and JSON body for an API path (without the ``/api/`` prefix)."""
        d = self.data
        months = sorted(d.crimes, reverse=True)
        if path == "forces":
            return 200, FORCES
        if path == "crime-last-updated":
            return 200, {"date": f"{months[0]}-01"}
        if path == "crimes-street-dates":
            return 200, [{"date": m, "stop-and-search": ["metropolitan"] if m in d.stops else []}
                         for m in months]
        if path == "essex/neighbourhoods":
            return 200, [{"id": k, "name": v[0]} for k, v in ESSEX_NEIGHBOURHOODS.items()]
        if path.startswith("essex/") and path.endswith("/boundary"):
            hood = ESSEX_NEIGHBOURHOODS.get(path.split("/")[1])
            if hood is None:
                return 404, None
            return 200, [{"latitude": f"{lat:.6f}", "longitude": f"{lng:.6f}"}
                         for lng, lat in rectangle_ring(*hood[1])]
        if path.startswith("crimes-street/"):
            category = path.split("/", 1)[1]
            found = _in_poly(d.crimes.get(q["date"], []), _poly(q["poly"]))
            if category != "all-crime":
                found = [c for c in found if c["category"] == category]
            return (503, None) if len(found) > self.max_crimes else (200, found)
        if path == "crimes-no-location":
            if q.get("force") != "essex":
                return 200, []
            return 200, [c for c in d.crimes.get(q["date"], []) if c["location"] is None]
        if path == "outcomes-at-location":
            found = _in_poly(d.outcomes.get(q["date"], []), _poly(q["poly"]),
                             crime_of=lambda o: o["crime"])
            return (503, None) if len(found) > self.max_crimes else (200, found)
        if path.startswith("outcomes-for-crime/"):
            wanted = path.split("/", 1)[1]
            for items in d.outcomes.values():
                for o in items:
                    if o["crime"]["persistent_id"] == wanted:
                        return 200, {"crime": o["crime"], "outcomes": [
                            {k: v for k, v in o.items() if k != "crime"}]}
            return 404, None
        if path == "stops-force":
            if q.get("force") != "metropolitan":
                return 200, []
            return 200, d.stops.get(q["date"], [])
        return 404, None
