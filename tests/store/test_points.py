"""Ingest of point data (any CSV with time, x, y and a CRS) and coverage."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from pyproj import Transformer
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.store import Warehouse
from crimeplan.store.coverage import coverage
from crimeplan.store.points import PointsSpec, ingest_points

ROOT = Path(__file__).resolve().parents[2]
CHICAGO = ROOT / "data" / "sample" / "chicago" / "chicago_aggravated_assaults_2018_2019.csv.gz"


@pytest.fixture(scope="module")
def chicago_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("chi") / "chicago.csv"
    with gzip.open(CHICAGO, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


def test_chicago_sample_loads_every_row(chicago_csv: Path, tmp_path: Path) -> None:
    rows = chicago_csv.read_text().count("\n") - 1
    result = CliRunner().invoke(app, [
        "ingest-points", str(chicago_csv), "--time", "date", "--x", "longitude", "--y",
        "latitude", "--crs", "EPSG:4326", "--category", "loc_cat", "--name", "chicago",
        "--home", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    con = Warehouse(tmp_path).connect()
    n, first, last, months = con.execute(
        "SELECT count(*), min(time), max(time), count(DISTINCT month) FROM points").fetchone()
    assert (n, months) == (rows, 24)
    assert str(first).startswith("2018-01-01") and str(last).startswith("2019-12-31")
    cov = coverage(con).find("points", "chicago")
    assert cov.months_present == 24 and cov.months_missing == []


def test_projected_coordinates_round_trip(tmp_path: Path) -> None:
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = to_bng.transform(0.7381, 52.0422)
    path = tmp_path / "export.csv"
    path.write_text("when,east,north,kind\n"
                    f"2020-03-01 10:00,{x:.2f},{y:.2f},burglary\n"
                    "yesterday,1,2,burglary\n"
                    f"2020-03-02 11:30,{x:.2f},,burglary\n"
                    f"2020-04-02 11:30,{x:.2f},{y:.2f},robbery\n")
    report = ingest_points(tmp_path / "h", path,
                           PointsSpec("force-export", "when", "east", "north", "EPSG:27700",
                                      "kind"))
    (f,) = report.files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (4, 2, 2)
    con = Warehouse(tmp_path / "h").connect()
    lon, lat = con.execute("SELECT longitude, latitude FROM points LIMIT 1").fetchone()
    assert lon == pytest.approx(0.7381, abs=1e-6) and lat == pytest.approx(52.0422, abs=1e-6)
    assert con.execute("SELECT line, reason, field, value FROM quarantine ORDER BY line"
                       ).fetchall() == [(3, "unparsable time", "when", "yesterday"),
                                        (4, "missing coordinates", "north", None)]


def test_missing_column_and_bad_crs_are_clear_errors(chicago_csv: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["ingest-points", str(chicago_csv), "--time", "when", "--x",
                                 "longitude", "--y", "latitude", "--crs", "EPSG:4326",
                                 "--name", "c", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "when" in result.stderr and str(chicago_csv) in result.stderr
    result = runner.invoke(app, ["ingest-points", str(chicago_csv), "--time", "date", "--x",
                                 "longitude", "--y", "latitude", "--crs", "EPSG:99999999",
                                 "--name", "c", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown CRS" in result.stderr


def test_coverage_flags_missing_months(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("t,x,y\n2020-01-05,-87.6,41.8\n2020-01-09,-87.6,41.8\n"
                    "2020-04-01,-87.6,41.8\n")
    ingest_points(tmp_path / "h", path, PointsSpec("gappy", "t", "x", "y", "EPSG:4326"))
    result = CliRunner().invoke(app, ["coverage", "--home", str(tmp_path / "h"), "--json"])
    assert result.exit_code == 0
    cov = json.loads(result.stdout)
    (series,) = cov["series"]
    assert series["rows_by_month"] == {"2020-01": 2, "2020-04": 1}
    assert cov["gaps"] == [{"dataset": "points", "force": "gappy",
                            "missing": ["2020-02", "2020-03"]}]
