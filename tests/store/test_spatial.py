"""Projection to British National Grid and the LSOA / force area lookup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crimeplan.store import Warehouse, spatial
from crimeplan.store.reference import load_reference
from crimeplan.store.spatial import (
    BNG,
    WGS84,
    AreaIndex,
    boundary_version,
    project_geometries,
    reproject,
    to_bng,
)

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "reference"
CITY, MET, ESSEX = "E23000034", "E23000001", "E23000028"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """A connection to a workspace with the sample reference data loaded."""
    con = Warehouse(tmp_path_factory.mktemp("home")).connect()
    load_reference(con, SAMPLE)
    yield con
    con.close()


@pytest.fixture(scope="module")
def index(warehouse):
    return AreaIndex.from_warehouse(warehouse)


def _dms(degrees: int, minutes: int, seconds: float) -> float:
    return degrees + minutes / 60 + seconds / 3600


# --- projection --------------------------------------------------------------------------------

def test_os_worked_example_of_the_national_grid_projection():
    """Ordnance Survey's worked example (Caister water tower, OSGB36 latitude/longitude to
    National Grid): E 651409.903, N 313177.270."""
    x, y = reproject(np.array([_dms(1, 43, 4.5177)]), np.array([_dms(52, 39, 27.2531)]),
                     "EPSG:4277", BNG)
    assert x[0] == pytest.approx(651409.903, abs=0.001)
    assert y[0] == pytest.approx(313177.270, abs=0.001)


def test_to_bng_applies_the_datum_shift():
    """WGS84 and OSGB36 latitude/longitude differ by about 100 m in East Anglia; a transform
    that ignored the datum (PROJ's 'ballpark' fallback) would put every point that far off."""
    lon, lat = np.array([_dms(1, 43, 4.5177)]), np.array([_dms(52, 39, 27.2531)])
    wgs_x, wgs_y = to_bng(lon, lat)
    osgb_x, osgb_y = reproject(lon, lat, "EPSG:4277", BNG)
    shift = np.hypot(wgs_x - osgb_x, wgs_y - osgb_y)[0]
    assert 80 < shift < 150


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-6.4, 1.8), st.floats(49.9, 55.8)), min_size=1,
                max_size=50))
def test_bng_round_trip(points):
    lon, lat = np.array(points).T
    x, y = to_bng(lon, lat)
    back_lon, back_lat = reproject(x, y, BNG, WGS84)
    np.testing.assert_allclose(back_lon, lon, atol=1e-7)   # about 1 cm
    np.testing.assert_allclose(back_lat, lat, atol=1e-7)


@given(arrays(np.float64, 20, elements=st.one_of(st.just(np.nan), st.floats(-2, 1))))
def test_nan_in_nan_out(lon):
    lat = np.full_like(lon, 52.0)
    x, y = to_bng(lon, lat)
    assert x.shape == lon.shape
    np.testing.assert_array_equal(np.isnan(x), np.isnan(lon))
    np.testing.assert_array_equal(np.isnan(y), np.isnan(lon))


def test_generic_reprojection_round_trip_chicago():
    """Any CRS pair, e.g. Chicago points to Illinois State Plane East (US feet) and back."""
    lon, lat = np.array([-87.6298, -87.75]), np.array([41.8781, 41.95])
    x, y = reproject(lon, lat, WGS84, "EPSG:3435")
    assert 1_100_000 < x[0] < 1_200_000 and 1_850_000 < y[0] < 1_950_000
    back = reproject(x, y, "EPSG:3435", WGS84)
    np.testing.assert_allclose(back, (lon, lat), atol=1e-9)


# --- the area lookup ---------------------------------------------------------------------------

def test_no_reference_data_gives_no_index(tmp_path):
    assert AreaIndex.from_warehouse(Warehouse(tmp_path).connect()) is None


def test_every_lsoa_contains_its_representative_point_seen_from_wgs84(warehouse, index):
    """Each LSOA's stored point, taken back to WGS84 and projected again as ingest would,
    falls in that LSOA; City of London LSOAs fall in the City's force area, and so on."""
    codes, lads, x, y = (np.array(c) for c in zip(*warehouse.execute(
        "SELECT lsoa11_code, lad19_name, x, y FROM ref_lsoa").fetchall(), strict=True))
    lon, lat = reproject(x.astype(float), y.astype(float), BNG, WGS84)
    lsoa, pfa = index.lookup(*to_bng(lon, lat))
    assert (lsoa == codes).all()
    assert set(pfa[lads == "City of London"]) == {CITY}
    assert set(pfa[lads == "Southend-on-Sea"]) == {ESSEX}
    assert set(pfa[lads == "Camden"]) == {MET}


def test_known_places(index):
    """Chelmsford, Southend Pier head, Trafalgar Square, and the North Sea."""
    lon = np.array([0.4691, 0.7263, -0.1281, 2.0, np.nan])
    lat = np.array([51.7356, 51.5137, 51.5080, 52.0, 51.5])
    lsoa, pfa = index.lookup(*to_bng(lon, lat))
    assert list(pfa) == [ESSEX, None, MET, None, None]
    assert lsoa[0].startswith("E01") and lsoa[2].startswith("E01")
    assert lsoa[3] is None and lsoa[4] is None


def test_a_point_on_a_shared_boundary_goes_to_the_smallest_code(warehouse, index):
    """A vertex shared by City of London 001A and 001B belongs to both polygons; the index
    picks E01000001 every time, whatever order the areas were loaded in."""
    rows = warehouse.execute("SELECT lsoa11_code, wkb FROM ref_lsoa_geom WHERE lsoa11_code IN "
                             "('E01000001', 'E01000002') ORDER BY 1").fetchall()
    polygons = project_geometries(shapely.from_wkb([r[1] for r in rows]), WGS84, BNG)
    shared = ({tuple(c) for c in shapely.get_coordinates(polygons[0])}
              & {tuple(c) for c in shapely.get_coordinates(polygons[1])})
    assert shared
    x, y = np.array(sorted(shared)).T
    assert shapely.intersects_xy(polygons[0], x, y).all()
    assert shapely.intersects_xy(polygons[1], x, y).all()
    lsoa, _ = index.lookup(x, y)
    assert set(lsoa) == {"E01000001"}
    reversed_index = AreaIndex(
        np.array([r[0] for r in rows[::-1]], dtype=object),
        shapely.from_wkb([r[1] for r in rows[::-1]]),
        np.array([], dtype=object), np.array([], dtype=object), version="test")
    lsoa, pfa = reversed_index.lookup(x, y)
    assert set(lsoa) == {"E01000001"} and set(pfa) == {None}


def _brute_force(warehouse, table: str, code: str, x: np.ndarray, y: np.ndarray) -> list:
    """Each point against every polygon one by one: the smallest code of those it touches."""
    rows = warehouse.execute(f"SELECT {code}, wkb FROM {table} ORDER BY 1").fetchall()
    polygons = project_geometries(shapely.from_wkb([r[1] for r in rows]), WGS84, BNG)
    shapely.prepare(polygons)
    hits = shapely.intersects_xy(polygons[:, None], x[None, :], y[None, :])
    first = np.where(hits.any(axis=0), hits.argmax(axis=0), -1)
    return [rows[i][0] if i >= 0 else None for i in first]


def test_lookup_agrees_with_brute_force_point_in_polygon(warehouse, index):
    """Random points over the sample's extent: the tiled index finds the same LSOA as testing
    every polygon; points in an LSOA take its force area, the others the force area polygon
    they fall in."""
    rng = np.random.default_rng(7)
    x = rng.uniform(505_000, 625_000, 400)
    y = rng.uniform(155_000, 245_000, 400)
    got_lsoa, got_pfa = index.lookup(x, y)
    assert list(got_lsoa) == _brute_force(warehouse, "ref_lsoa_geom", "lsoa11_code", x, y)
    force_of = dict(warehouse.execute("SELECT lsoa11_code, pfa_code FROM ref_lsoa").fetchall())
    outside = np.array([c is None for c in got_lsoa])
    assert [force_of[c] for c in got_lsoa[~outside]] == list(got_pfa[~outside])
    assert list(got_pfa[outside]) == _brute_force(warehouse, "ref_pfa", "pfa_code",
                                                  x[outside], y[outside])
    assert {ESSEX, MET, None} <= set(got_pfa[outside])


def test_empty_input_gives_empty_output(index):
    lsoa, pfa = index.lookup(np.array([]), np.array([]))
    assert lsoa.shape == pfa.shape == (0,)
    x, y = to_bng(np.array([]), np.array([]))
    assert x.shape == y.shape == (0,)


def test_lookup_in_small_chunks_gives_the_same_answer(index, monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.uniform(505_000, 625_000, 1000)
    y = rng.uniform(155_000, 245_000, 1000)
    whole = index.lookup(x, y)
    monkeypatch.setattr(spatial, "LOOKUP_CHUNK", 7)
    chunked = index.lookup(x, y)
    assert all((a == b).all() for a, b in zip(whole, chunked, strict=True))


def test_version_identifies_the_boundary_files(warehouse, index, tmp_path):
    sources = dict(warehouse.execute("SELECT name, sha256 FROM ref_versions").fetchall())
    assert index.version == boundary_version(sources)
    assert index.version == boundary_version({k: v for k, v in sources.items()
                                              if k.endswith("_boundaries")})
    other = Warehouse(tmp_path).connect()
    lsoa_only = tmp_path / "ref"
    lsoa_only.mkdir()
    (lsoa_only / "lsoa11.gpkg").write_bytes((SAMPLE / "lsoa11.gpkg").read_bytes())
    load_reference(other, lsoa_only)
    partial = AreaIndex.from_warehouse(other)
    assert partial is not None and partial.version != index.version
    lsoa, pfa = partial.lookup(np.array([532129.088]), np.array([181682.960]))
    assert lsoa[0] == "E01000001" and pfa[0] is None


def test_force_areas_alone_still_locate_points(tmp_path):
    folder = tmp_path / "ref"
    folder.mkdir()
    (folder / "pfa20.gpkg").write_bytes((SAMPLE / "pfa20.gpkg").read_bytes())
    con = Warehouse(tmp_path / "home").connect()
    load_reference(con, folder)
    index = AreaIndex.from_warehouse(con)
    assert index is not None
    lsoa, pfa = index.lookup(*to_bng(np.array([0.4691, -0.1281, 2.0]),
                                     np.array([51.7356, 51.5080, 52.0])))
    assert list(lsoa) == [None, None, None]
    assert list(pfa) == [ESSEX, MET, None]
