"""``crimeplan fetch``: API answers written back in the archive layout, and archive downloads.

The fake server answers from the real sample archive, so a fetch through it must give back the
sample's own rows (less what the API cannot say: LSOA columns, crimes outside the area).
"""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pytest
from fake_police_api import ESSEX_BOX, ESSEX_NEIGHBOURHOODS, FakePoliceApi
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box
from typer.testing import CliRunner

from crimeplan.cli.fetch import app
from crimeplan.provenance.filelog import AuditLog
from crimeplan.sources._http import HttpSession
from crimeplan.sources.api import (
    PoliceApi,
    parse_poly,
    poly_param,
    split_polygon,
)
from crimeplan.sources.archive import (
    OUTCOME_COLUMNS,
    STOP_COLUMNS,
    STREET_COLUMNS,
    fetch_from_api,
    month_range,
)

runner = CliRunner()
NO_LSOA = [c for c in STREET_COLUMNS if not c.startswith("LSOA")]


@pytest.fixture(scope="module")
def fake():
    # A low refusal threshold makes every month's area split several times.
    with FakePoliceApi(max_crimes=1500) as server:
        yield server


def fetch(fake: FakePoliceApi, home: Path, *args: str):
    """Run ``crimeplan fetch api`` against the fake server; return the JSON summary."""
    result = runner.invoke(app, ["api", *args, "--base-url", fake.api_url,
                                 "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def within(row: dict[str, str], west: float, south: float, east: float, north: float) -> bool:
    return row["Longitude"] != "" and (west <= float(row["Longitude"]) <= east
                                       and south <= float(row["Latitude"]) <= north)


def as_counter(rows, columns) -> Counter:
    return Counter(tuple(r[c] for c in columns) for r in rows)


# --- small pieces -------------------------------------------------------------------------

def test_month_range_is_inclusive_across_years():
    assert month_range("2017-11", "2018-02") == ["2017-11", "2017-12", "2018-01", "2018-02"]
    assert month_range("2018-07", "2018-07") == ["2018-07"]
    with pytest.raises(ValueError, match="ends"):
        month_range("2018-03", "2018-01")
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_range("2018-13", "2019-01")


def test_poly_text_round_trip_and_errors():
    polygon = parse_poly("51.5,0.3:51.5,0.95:51.95,0.95:51.95,0.3")
    assert polygon.bounds == (0.3, 51.5, 0.95, 51.95)
    assert poly_param(polygon) == ("51.500000,0.300000:51.500000,0.950000:"
                                   "51.950000,0.950000:51.950000,0.300000")
    assert parse_poly(poly_param(polygon)).equals(polygon)
    with pytest.raises(ValueError, match="'latitude,longitude'"):
        parse_poly("51.5,0.3:51.5")
    with pytest.raises(ValueError, match="at least three"):
        parse_poly("51.5,0.3:51.6,0.4")
    with pytest.raises(ValueError, match="simple polygon"):
        parse_poly("0,0:1,1:0,1:1,0")  # a bow tie


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-1, 1), st.floats(50, 52)), min_size=3, max_size=12))
def test_split_halves_cover_the_polygon_exactly(points):
    polygon = Polygon(points).convex_hull
    if not isinstance(polygon, Polygon) or polygon.area < 1e-6:
        return
    pieces = split_polygon(polygon)
    assert sum(p.area for p in pieces) == pytest.approx(polygon.area, rel=1e-9)
    minx, miny, maxx, maxy = polygon.bounds
    longer = max(maxx - minx, maxy - miny)
    for piece in pieces:
        pminx, pminy, pmaxx, pmaxy = piece.bounds
        assert max(pmaxx - pminx, pmaxy - pminy) <= longer * (1 + 1e-9)
        assert piece.difference(polygon).area < 1e-12


# --- the API in the archive layout ---------------------------------------------------------

def test_street_crime_round_trips_to_the_archive_files(tmp_path, fake):
    before = len(fake.requests_to("/api/crimes-street"))
    summary = fetch(fake, tmp_path, "--force", "Essex Police", "--from", "2018-01",
                    "--to", "2018-02", "--rate", "15")
    assert [f["month"] for f in summary["files"]] == ["2018-01", "2018-02"]
    assert summary["transport_police"] == 2  # one a month in the fake, left out
    # Split until each piece holds at most 1,500 crimes: more than one query a month.
    assert len(fake.requests_to("/api/crimes-street")) - before > 2 * 4
    for month in ("2018-01", "2018-02"):
        path = tmp_path / "downloads" / "police-uk" / month / f"{month}-essex-street.csv"
        header, rows = read_rows(path)
        assert header == list(STREET_COLUMNS)
        sample = fake.data.street_csv[month]
        expected = [r for r in sample if within(r, *ESSEX_BOX) or r["Longitude"] == ""]
        assert len(expected) < len(sample)  # some sample rows lie outside the fake force
        assert as_counter(rows, NO_LSOA) == as_counter(expected, NO_LSOA)
        assert {r["LSOA code"] for r in rows} == {""}
        assert sum(1 for r in rows if r["Longitude"] == "") == sum(
            1 for r in sample if r["Longitude"] == "")
        assert summary["files"][0 if month == "2018-01" else 1]["rows"] == len(expected)
    (record,) = [r for r in AuditLog(tmp_path).records() if r["kind"] == "fetch.api"]
    assert [o["path"] for o in record["outputs"]] == [f["path"] for f in summary["files"]]
    assert record["results"]["rows"] == summary["rows"]


def test_category_and_poly_narrow_the_fetch(tmp_path, fake):
    west, south, east, north = ESSEX_NEIGHBOURHOODS["SE"][1]
    poly = f"{south},{west}:{south},{east}:{north},{east}:{north},{west}"
    fetch(fake, tmp_path, "--force", "essex", "--from", "2018-03", "--category", "Burglary",
          "--poly", poly, "--out", str(tmp_path / "out"))
    _, rows = read_rows(tmp_path / "out" / "2018-03" / "2018-03-essex-street.csv")
    expected = [r for r in fake.data.street_csv["2018-03"]
                if r["Crime type"] == "Burglary" and within(r, west, south, east, north)]
    assert len(expected) > 50
    assert as_counter(rows, NO_LSOA) == as_counter(expected, NO_LSOA)  # no unlocated rows


def test_boundary_file_in_british_national_grid(tmp_path, fake):
    west, south, east, north = ESSEX_NEIGHBOURHOODS["NE"][1]
    # A square well inside NE, saved in EPSG:27700: reprojected on reading.
    square = box(west + 0.05, south + 0.05, east - 0.05, north - 0.05)
    frame = gpd.GeoDataFrame({"name": ["patch"]}, geometry=[square], crs=4326).to_crs(27700)
    frame.to_file(tmp_path / "patch.gpkg")
    fetch(fake, tmp_path, "--force", "essex", "--from", "2018-04",
          "--boundary", str(tmp_path / "patch.gpkg"), "--out", str(tmp_path / "out"))
    _, rows = read_rows(tmp_path / "out" / "2018-04" / "2018-04-essex-street.csv")
    inner = [r for r in fake.data.street_csv["2018-04"]
             if within(r, west + 0.051, south + 0.051, east - 0.051, north - 0.051)]
    outer = [r for r in fake.data.street_csv["2018-04"]
             if within(r, west + 0.049, south + 0.049, east - 0.049, north - 0.049)]
    # Reprojection bends the square's edges by well under 0.001 degrees.
    assert len(inner) <= len(rows) <= len(outer)
    assert as_counter(inner, NO_LSOA) <= as_counter(rows, NO_LSOA)


def test_outcomes_round_trip(tmp_path, fake):
    with fast_session(tmp_path) as http:
        result = fetch_from_api(PoliceApi(http, fake.api_url), "essex", ["2018-05"],
                                "outcomes", tmp_path / "out")
    header, rows = read_rows(result.files[0].path)
    assert result.files[0].path == tmp_path / "out" / "2018-05" / "2018-05-essex-outcomes.csv"
    assert header == list(OUTCOME_COLUMNS)
    expected = [r for r in fake.data.street_csv["2018-05"]
                if r["Crime ID"] and r["Last outcome category"] and within(r, *ESSEX_BOX)]
    columns = ["Crime ID", "Month", "Longitude", "Latitude", "Location"]
    assert as_counter(rows, [*columns, "Outcome type"]) == Counter(
        tuple(r[c] for c in [*columns, "Last outcome category"]) for r in expected)


def test_stop_and_search_round_trips_exactly(tmp_path, fake):
    summary = fetch(fake, tmp_path, "--force", "met", "--from", "2018-04", "--to", "2018-05",
                    "--dataset", "stop-and-search")
    for f in summary["files"]:
        header, rows = read_rows(Path(f["path"]))
        assert header == list(STOP_COLUMNS)
        assert rows == fake.data.stops_csv[f["month"]]  # same rows, same order, same text


def test_months_without_stop_and_search_are_reported(tmp_path, fake):
    summary = fetch(fake, tmp_path, "--force", "essex", "--from", "2018-03", "--to", "2018-04",
                    "--dataset", "stop-and-search")
    assert summary["months_without_data"] == ["2018-03", "2018-04"]
    assert summary["files"] == []


def fast_session(home: Path, sleeps: list[float] | None = None, **kwargs) -> HttpSession:
    """A real session under ``home``, unthrottled for speed, that records instead of sleeping."""
    sink = sleeps if sleeps is not None else []
    return HttpSession(home / "cache" / "http", rate=1000, sleep=sink.append, **kwargs)


def test_second_run_is_answered_from_the_cache(tmp_path, fake):
    def run(**kwargs):
        with fast_session(tmp_path, **kwargs) as http:
            result = fetch_from_api(PoliceApi(http, fake.api_url), "essex", ["2018-06"],
                                    "street", tmp_path / "out")
        return result, http.stats

    first, stats = run()
    assert stats.requests > 5  # boundaries, refused areas, their halves, unlocated crimes
    before = len(fake.log)
    again, stats = run()
    # Refused (too large) areas are answers too: even they come from the cache.
    assert len(fake.log) == before and stats.requests == 0 and stats.cache_hits > 5
    fresh, stats = run(read_cache=False)
    assert stats.requests > 5 and fresh.rows == again.rows == first.rows


def test_throttled_and_failing_queries_still_complete(tmp_path, fake):
    fake.fail_next("/api/crimes-street", 429, "drop")
    fake.fail_next("/api/crimes-no-location", 500)
    sleeps: list[float] = []
    with fast_session(tmp_path, sleeps) as http:
        result = fetch_from_api(PoliceApi(http, fake.api_url), "essex", ["2018-07"], "street",
                                tmp_path / "out")
    # the rate limiter's own waits (at most 1/rate = 1 ms here) are not retry waits
    retry_waits = [s for s in sleeps if s > 0.01]
    assert http.stats.retries == 3 and len(retry_waits) == 3
    assert retry_waits[0] >= 1.0  # Retry-After: 1
    expected = [r for r in fake.data.street_csv["2018-07"]
                if within(r, *ESSEX_BOX) or r["Longitude"] == ""]
    assert result.rows == len(expected)


def test_outcomes_for_one_crime(tmp_path, fake):
    crime = next(r for r in fake.data.street_csv["2018-02"]
                 if r["Crime ID"] and r["Last outcome category"] and within(r, *ESSEX_BOX))
    with fast_session(tmp_path) as http:
        answer = PoliceApi(http, fake.api_url).outcomes_for_crime(crime["Crime ID"])
    assert answer["crime"]["persistent_id"] == crime["Crime ID"]
    assert [o["category"]["name"] for o in answer["outcomes"]] == [
        crime["Last outcome category"]]


@pytest.mark.parametrize(("args", "message"), [
    (["--force", "essex", "--from", "2018-1"], "YYYY-MM"),
    (["--force", "gotham", "--from", "2018-01"], "unknown force 'gotham'"),
    (["--force", "essex", "--from", "2016-01"], "does not hold 2016-01"),
    (["--force", "essex", "--from", "2018-01", "--dataset", "arrests"], "not one of"),
    (["--force", "essex", "--from", "2018-01", "--category", "jaywalking"],
     "unknown crime category"),
    (["--force", "met", "--from", "2018-04", "--dataset", "stop-and-search",
      "--poly", "51.5,0.3:51.5,0.4:51.6,0.4"], "force-wide"),
    (["--force", "essex", "--from", "2018-01", "--poly", "51.5,0.3"], "at least three"),
])
def test_bad_requests_fail_clearly(tmp_path, fake, args, message):
    result = runner.invoke(app, ["api", *args, "--base-url", fake.api_url,
                                 "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_boundary_file_without_crs_is_refused(tmp_path, fake):
    path = tmp_path / "nocrs.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {
            "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}))
    gpd.read_file(path).set_crs(None, allow_override=True).to_file(tmp_path / "nocrs.gpkg")
    result = runner.invoke(app, ["api", "--force", "essex", "--from", "2018-01",
                                 "--boundary", str(tmp_path / "nocrs.gpkg"),
                                 "--base-url", fake.api_url, "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "no coordinate reference system" in " ".join(result.stderr.split())


def test_forces_and_months_listings(tmp_path, fake):
    result = runner.invoke(app, ["forces", "--base-url", fake.api_url,
                                 "--home", str(tmp_path), "--json"])
    assert json.loads(result.stdout)[0] == {"id": "essex", "name": "Essex Police"}
    result = runner.invoke(app, ["months", "--base-url", fake.api_url,
                                 "--home", str(tmp_path), "--json"])
    held = json.loads(result.stdout)
    assert held["last_updated"] == "2018-07-01"
    assert [m["month"] for m in held["months"]] == [f"2018-0{i}" for i in range(7, 0, -1)]
    assert held["months"][0]["stop_and_search_forces"] == ["metropolitan"]


# --- the monthly archive ------------------------------------------------------------------

def archive(fake: FakePoliceApi, home: Path, *args: str):
    return runner.invoke(app, ["archive", *args, "--base-url", fake.archive_url,
                               "--home", str(home)])


def test_archive_download_copy_and_extract(tmp_path, fake):
    result = archive(fake, tmp_path, "2018-07", "--out", str(tmp_path / "zips"), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    expected = hashlib.sha256(fake.data.zip_bytes).hexdigest()
    assert summary["sha256"] == expected and not summary["from_cache"]
    assert Path(summary["zip"]).is_relative_to(tmp_path / "cache" / "http")
    assert (tmp_path / "zips" / "2018-07.zip").read_bytes() == fake.data.zip_bytes

    before = len(fake.log)
    result = archive(fake, tmp_path, "2018-07", "--force", "essex", "--out",
                     str(tmp_path / "csv"), "--json")
    summary = json.loads(result.stdout)
    assert summary["from_cache"] and len(fake.log) == before
    assert len(summary["files"]) == 7
    with zipfile.ZipFile(tmp_path / "zips" / "2018-07.zip") as z:
        for name in (f"2018-0{i}/2018-0{i}-essex-street.csv" for i in range(1, 8)):
            assert (tmp_path / "csv" / name).read_bytes() == z.read(name)
    assert not list((tmp_path / "csv").glob("*/*metropolitan*"))
    first, second = (r for r in AuditLog(tmp_path).records() if r["kind"] == "fetch.archive")
    assert first["outputs"][0]["sha256"] == expected and not first["outputs"][0]["from_cache"]
    assert second["outputs"][0]["from_cache"] and len(second["outputs"]) == 8  # zip + 7 files
    assert {o["sha256"] for o in second["outputs"][1:]} == {
        hashlib.sha256((tmp_path / "csv" / f).read_bytes()).hexdigest() for f in summary["files"]}


def test_archive_resumes_after_a_cut(tmp_path, fake):
    fake.cut_next_archive = True
    result = archive(fake, tmp_path, "2018-07", "--json")
    summary = json.loads(result.stdout)
    assert summary["resumed"] and summary["sha256"] == hashlib.sha256(
        fake.data.zip_bytes).hexdigest()


@pytest.mark.parametrize(("args", "message"), [
    (["2018-06"], "2018-06.zip: HTTP 404"),
    (["18-07"], "YYYY-MM"),
    (["2018-07", "--force", "essex"], "give --out"),
    (["2018-07", "--force", "city-of-london", "--out", "x"], "holds no files for city-of-london"),
])
def test_archive_errors(tmp_path, fake, args, message):
    args = [str(tmp_path / a) if a == "x" else a for a in args]
    result = archive(fake, tmp_path, *args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
