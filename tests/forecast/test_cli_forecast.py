"""``crimeplan forecast`` end to end on cuts of the real sample data, loaded by the real ingest.

Chicago: aggravated assaults of police district 11, January to June 2018 (timestamped points).
Essex: Southend-on-Sea street crime of January, February, April and May 2018 (March left out
to test the missing-month warning), with the real Essex force area and Southend LSOAs.
"""

from __future__ import annotations

import json
import math
import zipfile
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from crimeplan.app import forecast as use
from crimeplan.app.forecast import StudySpec
from crimeplan.cases.actor import Actor
from crimeplan.cli.main import app
from crimeplan.errors import BadInput
from crimeplan.forecast.base import ForecastModel
from crimeplan.forecast.grid import Grid, project
from crimeplan.forecast.models import MODELS
from crimeplan.forecast.study import to_crs
from crimeplan.governance.transparency import build_record
from crimeplan.provenance.filelog import AuditLog
from crimeplan.report.html import external_references
from crimeplan.store.events import load_events
from crimeplan.store.warehouse import Warehouse

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
ESSEX_MONTHS = ("2018-01", "2018-02", "2018-04", "2018-05")

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def chicago_cut(tmp_path_factory) -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE / "chicago" / "chicago_aggravated_assaults_2018_2019.csv.gz")
    frame = frame.loc[(frame["district"] == 11) & (frame["date"] < "2018-07")]
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def home(tmp_path_factory, chicago_cut) -> Path:
    """A workspace with the two cuts ingested and Essex reference boundaries loaded."""
    root = tmp_path_factory.mktemp("forecast-cli")
    workspace = root / "home"
    chicago_csv = root / "chicago.csv"
    chicago_cut.to_csv(chicago_csv, index=False)
    result = invoke("ingest-points", chicago_csv, "--time", "date", "--x", "longitude",
                    "--y", "latitude", "--crs", "EPSG:4326", "--name", "chicago",
                    "--category", "loc_cat", "--home", workspace)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(SAMPLE / "police-uk-2018-sample.zip") as archive:
        for month in ESSEX_MONTHS:
            member = f"{month}/{month}-essex-street.csv"
            rows = pd.read_csv(archive.open(member), dtype=str)
            rows = rows.loc[rows["LSOA name"].fillna("").str.startswith("Southend-on-Sea")]
            (root / month).mkdir()
            rows.to_csv(root / member, index=False)
    result = invoke("ingest", *[root / m / f"{m}-essex-street.csv" for m in ESSEX_MONTHS],
                    "--home", workspace)
    assert result.exit_code == 0, result.output
    pfa = gpd.read_file(SAMPLE / "reference" / "pfa20.gpkg")
    lsoa = gpd.read_file(SAMPLE / "reference" / "lsoa11.gpkg")
    lsoa = lsoa.loc[lsoa["lsoa11_name"].str.startswith("Southend-on-Sea")]
    con = Warehouse(workspace).connect()
    con.execute("CREATE TABLE IF NOT EXISTS ref_pfa (pfa_code VARCHAR, pfa_name VARCHAR, "
                "area_km2 DOUBLE, wkb BLOB)")
    con.execute("CREATE TABLE IF NOT EXISTS ref_lsoa_geom (lsoa11_code VARCHAR, wkb BLOB)")
    con.execute("CREATE TABLE IF NOT EXISTS ref_lsoa (lsoa11_code VARCHAR, lsoa11_name VARCHAR, "
                "lad19_code VARCHAR, lad19_name VARCHAR)")
    con.executemany("INSERT INTO ref_lsoa VALUES (?, ?, 'E06000033', 'Southend-on-Sea')",
                    [(r.lsoa11_code, r.lsoa11_name) for r in lsoa.itertuples()])
    con.executemany("INSERT INTO ref_pfa VALUES (?, ?, NULL, ?)",
                    [(r.pfa20_code, r.pfa20_name, shapely.to_wkb(r.geometry))
                     for r in pfa.itertuples()])
    con.executemany("INSERT INTO ref_lsoa_geom VALUES (?, ?)",
                    [(r.lsoa11_code, shapely.to_wkb(r.geometry)) for r in lsoa.itertuples()])
    con.close()
    return workspace


def last_record(home: Path) -> dict:
    return AuditLog(home).records()[-1]


def test_backtest_chicago_weekly(home, chicago_cut, tmp_path):
    out = tmp_path / "bt"
    result = invoke("forecast", "backtest", "--dataset", "chicago", "--cell-size", 500,
                    "--freq", "W", "--test-start", "2018-05-07", "--test-periods", 3,
                    "--models", "naive,historical-mean", "--scheduler", "synchronous",
                    "--boot", 100, "--forecast-top", 10, "--out", out, "--home", home,
                    "--purpose", "unit test")
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == 2 * 3 * 5
    # N of each week is every event of the cut in that week (the study area is the extent)
    times = pd.to_datetime(chicago_cut["date"])
    weeks = pd.date_range("2018-05-07", periods=4, freq="7D")
    expected_n = [int(((times >= a) & (times < b)).sum()) for a, b in pairwise(weeks)]
    naive = scores.loc[(scores["model"] == "naive") & (scores["coverage"] == 0.01)]
    assert naive["N"].tolist() == expected_n
    assert naive["period"].tolist() == ["2018-05-07", "2018-05-14", "2018-05-21"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["grid"]["crs"] == "EPSG:32616"  # UTM 16N for Chicago
    assert summary["grid"]["study_area"] == "extent of the data"
    x, y = project(chicago_cut["longitude"], chicago_cut["latitude"], "EPSG:32616")
    cells = Grid.from_extent(x, y, 500, "EPSG:32616").n_cells
    assert summary["grid"]["cells"] == cells
    top = math.ceil(0.1 * cells)  # --forecast-top 10: the top tenth of cells and their ties
    for path in (out / "forecasts").glob("*/*.csv"):
        ranks = pd.read_csv(path)["rank"]
        assert len(ranks) >= top and ranks.max() <= top
    # headroom: two baselines only, 3 weeks (too few for the ±4-week oracle)
    room = summary["headroom"]
    assert [o["name"].split(" + ")[0] for o in room["oracles"]] == [
        "other test periods only", "other periods"]
    pooled = pd.DataFrame(summary["pooled"])
    best = pooled.groupby("coverage")["pai"].max()
    assert room["baseline_pai"] == pytest.approx(best.loc[room["coverage"]].tolist())
    page = (out / "report.html").read_text()
    assert external_references(page) == []
    assert "What police.uk data means" not in page
    assert "Headroom: what even an oracle gets" in page
    record = last_record(home)
    assert record["kind"] == "forecast.backtest" and record["status"] == "ok"
    assert record["purpose"] == "unit test"
    params = record["parameters"]
    assert (params["freq"], params["test_periods"], params["models"]) == (
        "W", 3, ["naive", "historical-mean"])
    assert params["forecast_top_pct"] == 10
    con = Warehouse(home).connect(read_only=True)
    data = load_events(con, "chicago")
    con.close()
    assert record["inputs"][0] == {"name": "events:chicago", "sha256": data.content_hash,
                                   "rows": len(chicago_cut), "category": None}
    assert record["outputs"][0]["path"] == str(out)
    assert set(record["results"]["best_by_pai"]) == {"0.005", "0.01", "0.02", "0.05", "0.1"}


def test_backtest_essex_monthly_in_the_force_area_on_a_local_cluster(home, tmp_path):
    out = tmp_path / "essex"
    result = invoke("forecast", "backtest", "--dataset", "essex", "--category", "burglary",
                    "--cell-size", 1000, "--freq", "M", "--test-start", "2018-04-01",
                    "--test-periods", 2, "--models", "naive,all-past-mean,learned",
                    "--boot", 100, "--out", out, "--home", home)
    assert result.exit_code == 0, result.output
    assert "2018-03" in result.output  # the missing month is warned about
    summary = json.loads((out / "summary.json").read_text())
    assert summary["grid"]["study_area"] == "force area (ref_pfa)"
    pfa = gpd.read_file(SAMPLE / "reference" / "pfa20.gpkg")
    essex = pfa.loc[pfa["pfa20_code"] == "E23000028"].to_crs("EPSG:27700").geometry.iloc[0]
    assert summary["grid"]["cells"] == Grid.from_boundary(essex, 1000, "EPSG:27700").n_cells
    assert summary["data_coverage"]["months_missing"] == ["2018-03"]
    assert [p["period"] for p in summary["periods"]] == ["2018-04", "2018-05"]
    page = (out / "report.html").read_text()
    assert "What police.uk data means for forecasting" in page
    assert "Months missing from the data: 2018-03" in page
    record = last_record(home)
    assert record["coverage"]["months_missing"] == ["2018-03"]
    assert record["parameters"]["category"] == "burglary"
    # the learned model sees every category as context, and the record says so
    con = Warehouse(home).connect(read_only=True)
    every, burglary = load_events(con, "essex"), load_events(con, "essex", "burglary")
    con.close()
    events, context = (record["inputs"][k] for k in (0, 1))
    assert events["sha256"] == burglary.content_hash and events["rows"] == len(burglary.frame)
    assert context["name"] == "context:essex" and context["sha256"] == every.content_hash
    assert context["rows"] <= len(every.frame) and context["categories"] > 5
    assert "learned" in context["used_by"]
    scores = pd.read_csv(out / "scores.csv")
    # every model is scored on burglary only
    assert scores.groupby("period")["N"].nunique().eq(1).all()


def test_backtest_with_a_boundary_file(home, chicago_cut, tmp_path):
    lon, lat = chicago_cut["longitude"].median(), chicago_cut["latitude"].median()
    area = shapely.box(lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02)
    boundary = tmp_path / "area.geojson"
    gpd.GeoDataFrame({"name": ["centre"]}, geometry=[area], crs="EPSG:4326").to_file(boundary)
    out = tmp_path / "bt"
    result = invoke("forecast", "backtest", "--dataset", "chicago", "--cell-size", 400,
                    "--grid-crs", "EPSG:26971", "--freq", "M", "--test-start", "2018-05-01",
                    "--test-periods", 2, "--models", "naive", "--scheduler", "synchronous",
                    "--boot", 50, "--out", out, "--home", home)
    assert result.exit_code == 0, result.output
    result = invoke("forecast", "backtest", "--dataset", "chicago", "--cell-size", 400,
                    "--grid-crs", "EPSG:26971", "--freq", "M", "--test-start", "2018-05-01",
                    "--test-periods", 2, "--models", "naive", "--scheduler", "synchronous",
                    "--boot", 50, "--boundary", boundary, "--out", out, "--home", home)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    expected = Grid.from_boundary(to_crs(area, "EPSG:26971"), 400, "EPSG:26971")
    assert summary["grid"]["cells"] == expected.n_cells
    assert summary["grid"]["study_area"] == f"boundary file {boundary}"
    x, y = project(chicago_cut["longitude"], chicago_cut["latitude"], "EPSG:26971")
    times = pd.to_datetime(chicago_cut["date"])
    may = ((times >= "2018-05-01") & (times < "2018-06-01")).to_numpy()
    assert summary["periods"][0]["events"] == int((expected.locate(x[may], y[may]) >= 0).sum())
    assert last_record(home)["inputs"][1]["path"] == str(boundary)


@pytest.fixture(scope="module")
def uncategorised_home(tmp_path_factory) -> Path:
    """A workspace with district 11's assaults of 2018-2019 loaded with no category column
    (every category None)."""
    root = tmp_path_factory.mktemp("forecast-points")
    frame = pd.read_csv(SAMPLE / "chicago" / "chicago_aggravated_assaults_2018_2019.csv.gz")
    chicago_csv = root / "chicago.csv"
    frame.loc[frame["district"] == 11].drop(columns="loc_cat").to_csv(chicago_csv, index=False)
    result = invoke("ingest-points", chicago_csv, "--time", "date", "--x", "longitude",
                    "--y", "latitude", "--crs", "EPSG:4326", "--name", "chicago",
                    "--home", root / "home")
    assert result.exit_code == 0, result.output
    return root / "home"


def backtest_chicago(home: Path, out: Path, models: str):
    return invoke("forecast", "backtest", "--dataset", "chicago", "--cell-size", 500,
                  "--freq", "W", "--test-start", "2019-06-03", "--test-periods", 2,
                  "--models", models, "--scheduler", "synchronous", "--boot", 50,
                  "--out", out, "--home", home)


def test_backtest_learned_on_points_without_categories(uncategorised_home, tmp_path):
    result = backtest_chicago(uncategorised_home, tmp_path / "bt", "learned,kde")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "bt" / "summary.json").read_text())
    assert summary["models"] == ["learned", "kde"] and summary["failed_models"] == []
    pai = {r["model"]: r["pai"] for r in summary["pooled"] if r["coverage"] == 0.1}
    assert pai["learned"] > 2  # a real forecast: well above chance (1)


class Diverges(ForecastModel):
    """A model that always raises, registered for the CLI tests of failure reporting."""

    name = "diverges"

    def __init__(self) -> None:
        pass

    def _fit(self, events: pd.DataFrame, until: pd.Timestamp) -> None:
        pass

    def _predict(self, grid: Grid, horizon: pd.DateOffset) -> np.ndarray:
        raise FloatingPointError("the fit diverged")


def test_backtest_reports_a_failed_model_and_keeps_the_others(uncategorised_home, tmp_path,
                                                             monkeypatch):
    monkeypatch.setitem(MODELS, "diverges", Diverges)
    out = tmp_path / "bt"
    result = backtest_chicago(uncategorised_home, out, "diverges,naive")
    assert result.exit_code == 1, result.output
    message = ("model diverges failed in test period 2019-06-03 (and 1 more): "
               "FloatingPointError: the fit diverged (at test_cli_forecast.py:")
    assert message in " ".join(result.output.split())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["models"] == ["naive"]
    (failure,) = summary["failed_models"]
    assert (failure["model"], failure["period"], failure["periods_failed"]) == (
        "diverges", "2019-06-03", 2)
    assert failure["where"].endswith(" in _predict")
    assert len(pd.read_csv(out / "scores.csv")) == 2 * 5  # naive: 2 periods x 5 levels
    assert "Left out of this report: model diverges failed" in (out / "report.html").read_text()
    record = last_record(uncategorised_home)
    assert record["status"] == "ok" and record["results"]["failed_models"] == [failure]
    assert list(record["results"]["pooled"]) == ["naive"]


def test_backtest_fails_when_every_model_fails(uncategorised_home, tmp_path, monkeypatch):
    monkeypatch.setitem(MODELS, "diverges", Diverges)
    result = backtest_chicago(uncategorised_home, tmp_path / "bt", "diverges")
    assert result.exit_code == 1
    assert "every model failed: model diverges failed" in " ".join(result.output.split())
    assert not (tmp_path / "bt").exists()
    record = last_record(uncategorised_home)
    assert record["status"] == "failed"
    assert record["results"]["failed_models"][0]["error"] == "FloatingPointError: the fit diverged"


def test_backtest_auto_two_weeks_and_an_area_in_square_miles(home, chicago_cut, tmp_path):
    out = tmp_path / "auto"
    result = invoke("forecast", "backtest", "--dataset", "chicago", "--cell-size", 500,
                    "--horizon", "2W", "--test-start", "2018-05-07", "--test-periods", 2,
                    "--models", "auto,historical-mean", "--top-area", "0.25mi2",
                    "--scheduler", "synchronous", "--boot", 50, "--out", out, "--home", home)
    assert result.exit_code == 0, result.output
    assert "auto chose" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["horizon"], summary["freq"]) == ("2W", "W")
    times = pd.to_datetime(chicago_cut["date"])
    edges = pd.to_datetime(["2018-05-07", "2018-05-21", "2018-06-04"])
    assert [p["events"] for p in summary["periods"]] == [
        int(((times >= a) & (times < b)).sum()) for a, b in pairwise(edges)]
    # 0.25 mi2 = 647,497 m2 of 500 m cells (250,000 m2): 2.59, so 3 cells
    (area,) = [lv for lv in summary["levels"] if lv["label"] == "0.25mi2"]
    assert area["cells"] == 3 and area["area_km2"] == pytest.approx(0.75)
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores["level"]) == {"0.5%", "1%", "2%", "5%", "10%", "0.25mi2"}
    auto = summary["auto"]["auto"]
    assert [c["period"] for c in auto["choices"]] == ["2018-05-07", "2018-05-21"]
    assert auto["parameters"]["candidates"] == ["historical-mean", "all-past-mean", "kde",
                                                "learned"]
    for choice, start in zip(auto["choices"], edges, strict=False):
        assert choice["chosen"] in auto["parameters"]["candidates"]
        # validated on two-week periods that end by the test period's start
        assert choice["periods"] and all(pd.Timestamp(p) + pd.Timedelta(weeks=2) <= start
                                         for p in choice["periods"])
    table = pd.DataFrame(auto["validation"])
    assert set(table["candidate"]) == set(auto["parameters"]["candidates"])
    assert len(table) == 4 * table["period"].nunique() * 2  # candidates x periods x levels
    record = last_record(home)
    assert record["results"]["auto"] == summary["auto"]
    assert record["parameters"]["horizon"] == "2W"
    assert record["parameters"]["top_areas"] == ["0.25mi2"]
    assert "What auto chose" in (out / "report.html").read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["--dataset", "essex", "--freq", "W", "--test-start", "2018-04-02"], "by month"),
    (["--dataset", "essex", "--horizon", "2W", "--test-start", "2018-04-02"], "by month"),
    (["--dataset", "chicago", "--freq", "M", "--horizon", "1W", "--test-start", "2018-04-02"],
     "disagree"),
    (["--dataset", "chicago", "--horizon", "2M", "--test-start", "2018-04-02"], "first day"),
    (["--dataset", "chicago", "--freq", "W", "--test-start", "2018-04-02", "--top-area",
      "1 acre"], "0.25mi2"),
    (["--dataset", "nowhere", "--freq", "M", "--test-start", "2018-04-01"], "no data set"),
    (["--dataset", "chicago", "--freq", "M", "--test-start", "2018-04-15"], "first day"),
    (["--dataset", "chicago", "--freq", "M", "--test-start", "2018-04-01", "--models",
      "naive,oracle"], "oracle"),
    (["--dataset", "chicago", "--freq", "M", "--test-start", "2018-04-01", "--boundary",
      "missing.geojson"], "missing.geojson"),
    (["--dataset", "chicago", "--freq", "M", "--test-start", "2018-04-01", "--grid-crs",
      "EPSG:4326"], "not projected"),
    (["--dataset", "chicago", "--freq", "M", "--test-start", "2017-01-01"], "no events before"),
    (["--dataset", "chicago", "--freq", "M", "--test-start", "2018-04-01", "--coverage",
      "1,200"], "coverage"),
])
def test_backtest_refuses_bad_input_clearly(home, tmp_path, args, message):
    result = invoke("forecast", "backtest", "--cell-size", 500, "--test-periods", 1,
                    "--scheduler", "synchronous", "--out", tmp_path / "x", "--home", home, *args)
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())


def test_predict_by_auto_in_feet_records_its_choice(home, tmp_path):
    out = tmp_path / "auto.geojson"
    result = invoke("forecast", "predict", "--dataset", "chicago", "--until", "2018-06-04",
                    "--horizon", "2W", "--top-area", "0.25mi2", "--grid-crs", "EPSG:3435",
                    "--cell-size", 1000, "--history", 4, "--out", out, "--home", home,
                    "--purpose", "auto in feet")
    assert result.exit_code == 0, result.output
    record = last_record(home)
    params, results = record["parameters"], record["results"]
    assert (params["model"], params["horizon"], params["grid_unit"]) == (
        "auto", "2W", "US survey foot")
    # 0.25 mi2 / (1,000 US ft)^2 = 647,497 / 92,903.4 m2 = 6.97: 7 cells
    assert results["flagged_cells"] == 7
    assert results["flagged_area_km2"] == pytest.approx(7 * 0.0929034, rel=1e-5)
    choice = results["auto"]
    assert choice["chosen"] in ("historical-mean", "all-past-mean", "kde", "learned")
    assert f"auto chose {choice['chosen']}" in " ".join(result.output.split())
    table = pd.DataFrame(choice["validation"])
    assert len(table) == 4 * len(choice["periods"]) * 2
    assert table["period"].max() == "2018-05-21"  # the last two weeks end at --until
    collection = json.loads(out.read_text())
    grid = collection["grid"]
    assert (grid["unit"], grid["cell_size"], grid["top"]["cells"]) == ("US survey foot", 1000,
                                                                     7)
    assert grid["model_choice"] == choice
    flagged = [f for f in collection["features"]
               if f["properties"]["kind"] == "cell" and f["properties"]["flagged"]]
    assert len(flagged) == 7
    assert flagged[0]["properties"]["x_max"] - flagged[0]["properties"]["x_min"] == 1000  # ft
    card = build_record(home, record["run_id"], {})["model_card"]
    assert card["model_choice"]["chosen"] == choice["chosen"]


@pytest.mark.parametrize("suffix", [".geojson", ".csv", ".html"])
def test_predict_chicago(home, tmp_path, suffix):
    out = tmp_path / f"plan{suffix}"
    result = invoke("forecast", "predict", "--dataset", "chicago", "--model", "historical-mean",
                    "--until", "2018-06-04", "--horizon", "1W", "--top", 2,
                    "--cell-size", 300, "--history", 6, "--out", out, "--home", home)
    assert result.exit_code == 0, result.output
    record = last_record(home)
    assert record["kind"] == "forecast.predict"
    assert record["parameters"]["top_pct"] == 2.0
    assert record["outputs"][0]["path"] == str(out)
    flagged = record["results"]["flagged_cells"]
    if suffix == ".csv":
        frame = pd.read_csv(out)
        assert int(frame["flagged"].sum()) == flagged
        assert frame.loc[frame["flagged"], "patrol_area"].min() == 1
    elif suffix == ".geojson":
        collection = json.loads(out.read_text())
        kinds = [f["properties"]["kind"] for f in collection["features"]]
        assert kinds.count("patrol_area") == record["results"]["patrol_areas"]
    else:
        assert external_references(out.read_text()) == []


def test_predict_essex_map_names_districts_and_neighbourhoods(home, tmp_path):
    out = tmp_path / "essex.html"
    result = invoke("forecast", "predict", "--dataset", "essex", "--model", "all-past-mean",
                    "--until", "2018-06-01", "--horizon", "1M", "--top", 1, "--history", 3,
                    "--cell-size", 1000,
                    "--out", out, "--home", home)
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert external_references(page) == [] and "tile" not in last_record(home)["parameters"]
    assert '"name":"districts"' in page and '"name":"neighbourhoods"' in page
    assert '"text":["Southend-on-Sea"]' in page  # the district's name on the map
    # the patrol-area table: whole numbers as whole numbers, and where each area is
    section = page[page.index('id="areas"'):page.index('id="hotspots"')]
    head = section[section.index("<thead>"):section.index("</thead>")]
    assert [h.split("<")[0] for h in head.split("<th>")[1:]] == [
        "patrol_area", "cells", "expected", "area_km2", "districts", "neighbourhoods"]
    first = section[section.index("<tbody><tr>") + 11:].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("</td")[0] for c in first.split("<td")[1:]]
    assert cells[0] == "1" and cells[1].isdigit()  # not "1.00"
    assert cells[4] == "Southend-on-Sea" and cells[5].startswith("Southend-on-Sea 0")
    result = invoke("forecast", "predict", "--dataset", "essex", "--model", "naive",
                    "--until", "2018-06-01", "--horizon", "1W", "--top", 1, "--out", out,
                    "--home", home)
    assert result.exit_code != 0 and "by month" in " ".join(result.output.split())


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "plan.shp"], ".geojson"),
    (["--top", "0"], "percentage"),
    (["--horizon", "2X"], "whole number of days, weeks or calendar months"),
    (["--top-area", "0.25mi2"], "one of them"),
    (["--top", None, "--top-area", "0.25 acres"], "0.25mi2"),
    (["--tiles", "http://127.0.0.1:8080/tiles.png"], "{z}"),
    (["--areas", "notes.txt"], "notes.txt"),
    (["--model", "oracle"], "known models"),
    (["--until", "2017-01-02"], "no events before"),
    (["--adjacency", "bishop"], "rook or queen"),
    (["--boundary", "notes.txt"], "notes.txt"),
])
def test_predict_refuses_bad_input_clearly(home, tmp_path, args, message):
    (tmp_path / "notes.txt").write_text("not a map\n")
    options = {"--dataset": "chicago", "--model": "naive", "--until": "2018-06-04",
               "--horizon": "1W", "--top": "2", "--out": "plan.csv"}
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    options = {k: v for k, v in options.items() if v is not None}
    for key in ("--out", "--boundary", "--areas"):
        if key in options:
            options[key] = str(tmp_path / options[key])
    result = invoke("forecast", "predict", *[v for kv in options.items() for v in kv],
                    "--home", home)
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())


def test_forecast_use_cases_record_their_caller_and_refuse_bad_input_before_running(home,
                                                                                   tmp_path):
    # the service calls the use cases with its own actor: the record names that caller
    analyst = Actor(user_id="analyst-7", agency_id="essex", role="analyst",
                    purpose="weekly tasking", via="POST /forecast/predict")
    spec = StudySpec("chicago", 500.0)
    done = use.predict(analyst, home, spec, until="2018-06-04", horizon="1W",
                       out=tmp_path / "plan.csv", top=2.0, model="naive", history=4)
    record = last_record(home)
    assert (record["run_id"], record["kind"], record["user"]) == (
        done.run_id, "forecast.predict", "analyst-7")
    assert record["actor"] == analyst.who() and record["purpose"] == "weekly tasking"
    assert record["command"] == ["POST", "/forecast/predict"]
    assert record["results"]["flagged_cells"] == int(done.plan.cells["flagged"].sum())
    before = len(AuditLog(home).records())
    with pytest.raises(BadInput, match="unknown oracle"):
        use.backtest(analyst, home, spec, test_start="2018-04-02", test_periods=1,
                     horizon="1W", out=tmp_path / "x", models=["naive", "oracle"],
                     coverages=[0.01])
    with pytest.raises(BadInput, match="one of them"):
        use.predict(analyst, home, spec, until="2018-06-04", horizon="1W",
                    out=tmp_path / "plan.csv", top=2.0, top_area="0.25mi2")
    assert len(AuditLog(home).records()) == before  # refused before any run began
