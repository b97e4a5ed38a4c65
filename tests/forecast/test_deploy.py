"""Deployment plans: top cells, patrol areas on a hand-built pattern, and the three outputs."""

from __future__ import annotations

import base64
import http.server
import json
import shutil
import subprocess
import threading
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from crimeplan.forecast.deploy import (
    NamedArea,
    file_areas,
    map_figure,
    patrol_areas,
    plan_deployment,
    reference_areas,
    tile_images,
    to_geojson,
    top_cells,
    top_level,
    where_areas_are,
    write_plan,
)
from crimeplan.forecast.grid import Grid
from crimeplan.forecast.models import make_model
from crimeplan.report.html import external_references
from crimeplan.store.warehouse import Warehouse

#: A 1 x 1 transparent PNG, served as every tile.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
                       "60e6kgAAAABJRU5ErkJggg==")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--virtual-time-budget=10000"]


def chromium_dom(page, tmp_path, *extra: str) -> str:
    """The page's DOM after headless Chromium ran its scripts."""
    return subprocess.run(["chromium", *CHROMIUM_FLAGS, *extra,
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120, check=True).stdout


def grid_8x8() -> Grid:
    ii, jj = np.meshgrid(np.arange(8), np.arange(8))
    return Grid("EPSG:27700", 100.0, ii.ravel() + 5000, jj.ravel() + 2000)


def position(grid: Grid, i: int, j: int) -> int:
    return int(np.nonzero((grid.i == i + 5000) & (grid.j == j + 2000))[0][0])


def weekly_events(seed: int = 1) -> pd.DataFrame:
    """Ten weeks of events: a busy corner cell (0,0), a busy block (5..6, 5..6), noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for week in range(10):
        start = pd.Timestamp("2020-01-06") + pd.Timedelta(weeks=week)
        for (i, j), n in {(0, 0): 8, (5, 5): 5, (6, 5): 5, (5, 6): 5, (6, 6): 5}.items():
            rows += [(start + pd.Timedelta(hours=h + 1), (i + 5000.5) * 100,
                      (j + 2000.5) * 100) for h in range(n)]
        for _ in range(3):
            rows.append((start + pd.Timedelta(hours=30), rng.uniform(500000, 500800),
                         rng.uniform(200000, 200800)))
    return pd.DataFrame(rows, columns=["time", "x", "y"])


def test_top_cells_budget_and_ties():
    scores = np.array([5.0, 1.0, 3.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    row = Grid("EPSG:27700", 100.0, np.arange(10), np.zeros(10))
    assert list(top_cells(scores, top_level(row, 20).cells)) == [0, 2]  # ties: earlier first
    assert top_level(row, 1).cells == 1  # at least one cell
    assert top_level(row, 100).cells == 10
    # an area: 0.03 km2 of 100 m cells is 3 cells; 0.024 km2 (2.4 cells) rounds to 2
    assert (top_level(row, "0.03km2").cells, top_level(row, "0.024km2").cells) == (3, 2)
    assert top_level(row, "0.03km2").label == "0.03km2"
    with pytest.raises(ValueError, match="percentage"):
        top_level(row, 0)
    with pytest.raises(ValueError, match="area"):
        top_level(row, "3 cells")


def test_patrol_areas_rook_and_queen_on_a_hand_built_pattern():
    # flagged: (0,0)-(1,0) share an edge; (2,1) touches (1,0) at a corner; (4,4) stands alone
    grid = grid_8x8()
    picked = np.array([position(grid, 0, 0), position(grid, 1, 0), position(grid, 2, 1),
                       position(grid, 4, 4)])
    scores = np.zeros(grid.n_cells)
    scores[picked] = [1.0, 1.0, 1.5, 10.0]
    assert list(patrol_areas(grid, picked, scores, "rook")) == [2, 2, 3, 1]
    assert list(patrol_areas(grid, picked, scores, "queen")) == [2, 2, 2, 1]
    with pytest.raises(ValueError, match="rook"):
        patrol_areas(grid, picked, scores, "bishop")


def test_plan_flags_the_busy_cells_as_two_areas():
    grid = grid_8x8()
    plan = plan_deployment(weekly_events(), grid, "historical-mean",
                           make_model("historical-mean"), "2020-03-16", "W", top=7.8,
                           history=8)
    flagged = plan.cells.loc[plan.cells["flagged"]]
    block = {"5005_2005", "5006_2005", "5005_2006", "5006_2006"}
    assert len(flagged) == 5  # 7.8% of 64 cells
    assert set(flagged["cell_id"]) == {"5000_2000"} | block
    assert list(plan.areas["cells"]) == [4, 1]  # the block expects 20 a week, the corner 8
    assert plan.areas["expected"].iloc[0] == pytest.approx(
        flagged.loc[flagged["patrol_area"] == 1, "score"].sum())
    assert plan.horizon == "1W" and plan.until == pd.Timestamp("2020-03-16")
    assert len(plan.history.periods) == 8 and plan.history.periods[-1] == "2020-03-09"
    # the busy block was hot in every week
    assert set(plan.cells.loc[plan.cells["hotspot"] == "persistent", "cell_id"]) >= block


def test_plan_ignores_events_from_the_forecast_period_on():
    grid = grid_8x8()
    events = weekly_events()
    cut = pd.Timestamp("2020-02-17")
    model = make_model("historical-mean")
    full = plan_deployment(events, grid, "h", model, cut, "W", 20)
    past = plan_deployment(events.loc[events["time"] < cut], grid, "h", model, cut, "W", 20)
    pd.testing.assert_frame_equal(full.cells, past.cells)


def test_plan_refuses_a_month_not_starting_on_the_first():
    with pytest.raises(ValueError, match="first day of a month"):
        plan_deployment(weekly_events(), grid_8x8(), "naive", make_model("naive"),
                        "2020-03-16", "M", 10)


def test_geojson_in_wgs84_with_grid_properties(tmp_path):
    plan = plan_deployment(weekly_events(), grid_8x8(), "historical-mean",
                           make_model("historical-mean"), "2020-03-16", "W", 7.8, history=8)
    collection = json.loads(write_plan(plan, tmp_path / "plan.geojson").read_text())
    assert collection == to_geojson(plan)
    areas = [f for f in collection["features"] if f["properties"]["kind"] == "patrol_area"]
    cells = [f for f in collection["features"] if f["properties"]["kind"] == "cell"]
    assert [a["properties"]["patrol_area"] for a in areas] == [1, 2]
    assert len(cells) == len(plan.cells)
    assert collection["grid"]["crs"] == "EPSG:27700"
    lon, lat = np.array(cells[0]["geometry"]["coordinates"][0]).T
    assert np.all((lon > -8) & (lon < 2)) and np.all((lat > 49) & (lat < 61))
    props = cells[0]["properties"]
    assert props["grid_crs"] == "EPSG:27700" and props["x_max"] - props["x_min"] == 100
    # the merged pair of cells is one rectangle of two cells' area
    pair = shapely.geometry.shape(areas[0]["geometry"])
    assert pair.geom_type == "Polygon"


def test_csv_lists_cells_in_grid_crs(tmp_path):
    plan = plan_deployment(weekly_events(), grid_8x8(), "naive", make_model("naive"),
                           "2020-03-16", "W", 12, adjacency="queen", history=4)
    frame = pd.read_csv(write_plan(plan, tmp_path / "out" / "plan.csv"))
    assert list(frame.columns) == ["cell_id", "i", "j", "x_min", "y_min", "x_max", "y_max",
                                   "score", "rank", "flagged", "patrol_area", "hotspot", "gi_z",
                                   "grid_crs"]
    assert frame.loc[0, "x_min"] == frame.loc[0, "i"] * 100
    with pytest.raises(ValueError, match="geojson"):
        write_plan(plan, tmp_path / "plan.shp")


def test_html_map_is_offline_with_plotly_inline_and_outlines(tmp_path):
    grid = grid_8x8()
    x0, y0 = 500000.0, 200000.0
    lsoa = shapely.box(x0, y0, x0 + 250, y0 + 250)
    far = shapely.box(x0 + 9000, y0, x0 + 9100, y0 + 100)
    inverse = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    wgs = [shapely.transform(g, lambda xy: np.column_stack(inverse.transform(*xy.T)))
           for g in (lsoa, far)]
    con = Warehouse(tmp_path / "home").connect()
    con.execute("CREATE TABLE ref_lsoa_geom (lsoa11_code VARCHAR, wkb BLOB)")
    con.executemany("INSERT INTO ref_lsoa_geom VALUES (?, ?)",
                    [("E01000001", shapely.to_wkb(wgs[0])), ("E01000002", shapely.to_wkb(wgs[1]))])
    areas = reference_areas(con, grid, None)
    con.close()
    assert len(areas) == 1  # only the LSOA overlapping the grid; no names, no districts loaded
    assert (areas[0].layer, areas[0].name) == ("neighbourhood", "E01000001")
    assert areas[0].geometry.equals_exact(lsoa, tolerance=0.01)
    plan = plan_deployment(weekly_events(), grid, "historical-mean",
                           make_model("historical-mean"), "2020-03-16", "W", 7.8, history=8)
    page = write_plan(plan, tmp_path / "map.html", areas, None).read_text()
    assert external_references(page) == []
    assert "<script src" not in page
    assert "Plotly.newPlot" in page and len(page) > 1_000_000  # plotly.js itself is inline
    assert '"name":"neighbourhoods"' in page and "persistent hot spot" in page


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian chromium not installed (make test installs it)")
def test_html_map_draws_offline_in_headless_chromium(tmp_path):
    plan = plan_deployment(weekly_events(), grid_8x8(), "historical-mean",
                           make_model("historical-mean"), "2020-03-16", "W", 7.8, history=8)
    page = write_plan(plan, tmp_path / "map.html")
    # no network, not even name resolution: the page must not need it
    dom = chromium_dom(page, tmp_path, "--host-resolver-rules=MAP * ~NOTFOUND")
    assert 'class="main-svg"' in dom  # plotly.js ran and drew the map
    # hot-spot classes present, patrol cells and the expected-events markers: one trace each
    classes = plan.cells.loc[plan.cells["hotspot"] != "not hot", "hotspot"].nunique()
    assert dom.count('class="trace scatter') == classes + 3  # + patrol area numbers
    assert "data-title=\"Share chart" not in dom  # no button uploading the map to Plotly Cloud
    assert "data-title=\"Zoom in\"" in dom


@given(st.sets(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=30),
       st.sampled_from(["rook", "queen"]))
@settings(max_examples=60, deadline=None)
def test_patrol_areas_are_the_connected_pieces(cells, adjacency):
    # checked against geometry: under rook, the boxes of one area merge into one polygon;
    # no two touching flagged cells (edge, or corner for queen) lie in different areas
    grid = grid_8x8()
    picked = np.array([position(grid, i, j) for i, j in sorted(cells)])
    scores = np.zeros(grid.n_cells)
    scores[picked] = np.arange(1, len(picked) + 1)
    areas = patrol_areas(grid, picked, scores, adjacency)
    assert sorted(set(areas)) == list(range(1, areas.max() + 1))
    boxes = shapely.box(grid.i[picked] * 100.0, grid.j[picked] * 100.0,
                        grid.i[picked] * 100.0 + 100, grid.j[picked] * 100.0 + 100)
    for a in set(areas):
        merged = shapely.union_all(boxes[areas == a])
        touching = shapely.intersection(merged, boxes[areas != a])
        touching = touching[~shapely.is_empty(touching)]
        if adjacency == "rook":
            assert merged.geom_type == "Polygon"
            assert not (shapely.get_dimensions(touching) >= 1).any()  # corners at most
        else:
            assert len(touching) == 0
    expected = [scores[picked][areas == a].sum() for a in range(1, areas.max() + 1)]
    assert expected == sorted(expected, reverse=True)  # numbered from most expected events


def test_tiles_cover_the_map_at_a_zoom_of_eight_tiles_across():
    # 10 km square at the Web Mercator origin: zoom floor(log2(8 x 40,075,017 / 10,000)) = 14,
    # tiles of 2,446 m: columns 8192-8196 east of the origin, rows 8187-8192 north of it
    images = tile_images("http://127.0.0.1:1/{z}/{x}/{y}.png", (0.0, 0.0, 10000.0, 10000.0))
    size = 2 * np.pi * 6378137.0 / 2**14
    assert len(images) == 5 * 6
    assert images[0]["source"] == "http://127.0.0.1:1/14/8192/8187.png"
    assert images[-1]["source"] == "http://127.0.0.1:1/14/8196/8192.png"
    last = images[-1]
    assert (last["x"], last["y"], last["sizex"]) == pytest.approx((4 * size, 0.0, size))


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian chromium not installed (make test installs it)")
def test_map_loads_tiles_only_from_the_configured_server(tmp_path):
    requested: list[str] = []

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    plan = plan_deployment(weekly_events(), grid_8x8(), "historical-mean",
                           make_model("historical-mean"), "2020-03-16", "W", 7.8, history=8)
    page = write_plan(plan, tmp_path / "map.html", tiles=url)
    try:
        dom = chromium_dom(page, tmp_path)
    finally:
        server.shutdown()
    expected = {im["source"].split(str(server.server_address[1]))[1]
                for im in map_figure(plan, [], None, url).layout.images}
    assert expected and set(requested) == expected  # every tile of the map, nothing else
    assert 'class="main-svg"' in dom
    assert url.split("{z}")[0] in page.read_text()
    assert url.split("{z}")[0] not in write_plan(plan, tmp_path / "plain.html").read_text()
    assert map_figure(plan, [], None).layout.images == ()  # no tiles unless configured


def test_named_areas_from_a_file_locate_the_patrol_areas(tmp_path):
    # two police districts as WGS84 polygons: the west and east halves of the 8 x 8 grid
    grid = grid_8x8()
    inverse = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    west = shapely.box(500000, 200000, 500400, 200800)
    east = shapely.box(500400, 200000, 500800, 200800)
    wgs = [shapely.transform(g, lambda xy: np.column_stack(inverse.transform(*xy.T)))
           for g in (west, east)]
    path = tmp_path / "districts.geojson"
    gpd.GeoDataFrame({"DIST_NUM": [1, 2], "label": ["West", "East"]}, geometry=wgs,
                     crs="EPSG:4326").to_file(path)
    areas = file_areas(path, grid)  # no field called name: the first text field
    assert [(a.layer, a.name) for a in areas] == [("area", "West"), ("area", "East")]
    assert areas[0].geometry.equals_exact(west, tolerance=0.01)
    assert [a.name for a in file_areas(path, grid, "DIST_NUM")] == ["1", "2"]
    with pytest.raises(ValueError, match=r"districts\.geojson, field district: no such field"):
        file_areas(path, grid, "district")
    plan = plan_deployment(weekly_events(), grid, "historical-mean",
                           make_model("historical-mean"), "2020-03-16", "W", 7.8, history=8)
    table = where_areas_are(plan, areas)
    # the corner cell (0, 0) is in the west; the busy block (5..6, 5..6) in the east
    assert table.set_index("patrol_area")["areas"].to_dict() == {1: "East", 2: "West"}
    elsewhere = [NamedArea("area", "Far", shapely.box(0, 0, 10, 10))]  # holds no patrol area
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas 4 refuses "" as a fill for a float column
        assert where_areas_are(plan, elsewhere)["areas"].tolist() == ["", ""]
    page = write_plan(plan, tmp_path / "map.html", areas).read_text()
    assert '"text":["West","East"]' in page
