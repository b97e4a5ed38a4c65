"""Shared fixtures: workspaces with real sample data loaded straight into warehouse tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crimeplan.store.warehouse import Warehouse

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Anchors kept by ``audit verify`` go to a temporary state folder, never the real home."""
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.delenv("CRIMEPLAN_ANCHOR_FILE", raising=False)
    return state


def load_chicago(home: Path, months: int = 6) -> int:
    """Put the first ``months`` of the bundled Chicago assaults into table ``points``."""
    frame = pd.read_csv(SAMPLE / "chicago" / "chicago_aggravated_assaults_2018_2019.csv.gz",
                        parse_dates=["date"])
    frame = frame[frame["date"] < pd.Timestamp("2018-01-01") + pd.DateOffset(months=months)]
    frame = frame.dropna(subset=["longitude", "latitude"]).reset_index(drop=True)
    rows = pd.DataFrame({
        "dataset": "chicago", "month": frame["date"].dt.to_period("M").dt.start_time,
        "time": frame["date"], "category": frame["loc_cat"].astype(object),
        "source_x": frame["longitude"], "source_y": frame["latitude"],
        "source_crs": "EPSG:4326", "longitude": frame["longitude"],
        "latitude": frame["latitude"], "file_id": 1, "line": frame.index + 2})
    con = Warehouse(home).connect()
    con.register("rows", rows)
    con.execute("INSERT INTO points SELECT * FROM rows")
    con.close()
    return len(rows)


@pytest.fixture
def chicago_home(tmp_path: Path) -> Path:
    """A workspace whose warehouse holds six months of real Chicago assaults."""
    home = tmp_path / "home"
    load_chicago(home)
    return home


# A hand-built world for place audits: four 100 m cells in a row (BNG), two LSOAs.
# LSOA A (IMD decile 1, 1,000 residents) holds cells 0-1; LSOA B (decile 10, 3,000) cells 2-3.
CELL = 100.0
X0, Y0 = 500_000.0, 200_000.0
CELL_IDS = [f"{5000 + k}_2000" for k in range(4)]
SCORES = {"2018-01": [4, 3, 1, 0], "2018-02": [5, 1, 3, 0]}
CRIMES = {"2018-01": [2, 0, 2, 0], "2018-02": [0, 1, 0, 3]}


def _to_wgs84(x, y):
    from pyproj import Transformer
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(x, y)


def build_reference(con) -> None:
    """Tables ref_lsoa and ref_lsoa_geom for the two hand-built LSOAs."""
    import numpy as np
    import shapely

    con.execute("CREATE TABLE ref_lsoa (lsoa11_code VARCHAR, population DOUBLE, "
                "imd_rank INTEGER, imd_decile INTEGER, x DOUBLE, y DOUBLE, area_km2 DOUBLE)")
    con.execute("INSERT INTO ref_lsoa VALUES ('E01000001', 1000, 100, 1, 500100, 200050, 0.04),"
                "('E01000002', 3000, 32000, 10, 500300, 200050, 0.04)")
    con.execute("CREATE TABLE ref_lsoa_geom (lsoa11_code VARCHAR, wkb BLOB)")
    for code, x_lo, x_hi in (("E01000001", X0 - 50, X0 + 200), ("E01000002", X0 + 200,
                                                                  X0 + 450)):
        box = shapely.transform(shapely.box(x_lo, Y0 - 50, x_hi, Y0 + 150),
                                lambda xy: np.column_stack(_to_wgs84(xy[:, 0], xy[:, 1])))
        con.execute("INSERT INTO ref_lsoa_geom VALUES (?, ?)", [code, shapely.to_wkb(box)])


def build_forecast_run(home: Path, dataset: str = "toy", model: str = "naive") -> str:
    """A recorded forecast backtest with two monthly periods over the four cells; returns id."""
    import json

    from crimeplan.app.actors import cli_actor
    from crimeplan.provenance.runs import RunRecorder

    out = home / "backtest"
    for period, scores in SCORES.items():
        frame = pd.DataFrame({"cell_id": CELL_IDS,
                              "x_min": [X0 + k * CELL for k in range(4)], "y_min": Y0,
                              "x_max": [X0 + (k + 1) * CELL for k in range(4)],
                              "y_max": Y0 + CELL, "score": [float(s) for s in scores]})
        frame["rank"] = frame["score"].rank(ascending=False, method="min").astype(int)
        (out / "forecasts" / model).mkdir(parents=True, exist_ok=True)
        frame.to_csv(out / "forecasts" / model / f"{period}.csv", index=False)
    summary = {"dataset": dataset, "grid": {"crs": "EPSG:27700", "cell_size_m": CELL},
               "periods": [{"period": "2018-01", "start": "2018-01-01", "end": "2018-02-01"},
                           {"period": "2018-02", "start": "2018-02-01", "end": "2018-03-01"}]}
    (out / "summary.json").write_text(json.dumps(summary))
    (out / "scores.csv").write_text(
        "model,period,coverage,n,N,hit_rate,pai,pei\n"
        f"{model},2018-01,0.5,2,4,0.5,1.0,0.5\n{model},2018-02,0.5,1,4,0.25,0.5,0.25\n")
    with RunRecorder(home, "forecast.backtest", cli_actor("test hot spots"),
                     parameters={"dataset": dataset, "grid_crs": "EPSG:27700",
                                 "cell_size": CELL, "coverages": [0.5]}) as run:
        run.add_output(out / "scores.csv")
        run.add_output(out / "summary.json")
        run.add_output(out / "forecasts")
        run.set_result("pai_pooled", {"0.5": 0.75})
    return run.run_id


def build_toy_crime(con, dataset: str = "toy") -> None:
    """Points at the cell centres: the CRIMES counts per period."""
    rows = []
    for period, counts in CRIMES.items():
        for k, n in enumerate(counts):
            lon, lat = _to_wgs84(X0 + (k + 0.5) * CELL, Y0 + 0.5 * CELL)
            rows += [(dataset, f"{period}-01", f"{period}-10 12:00", "assault", lon, lat, lon,
                      lat)] * n
    for line, r in enumerate(rows, start=2):
        con.execute("INSERT INTO points VALUES (?, ?, ?, ?, ?, ?, 'EPSG:4326', ?, ?, 1, ?)",
                    [*r[:6], *r[6:], line])


@pytest.fixture
def toy_home(tmp_path: Path) -> tuple[Path, str]:
    """A workspace with the hand-built reference areas, crime and forecast run."""
    home = tmp_path / "toy"
    con = Warehouse(home).connect()
    build_reference(con)
    build_toy_crime(con)
    con.close()
    return home, build_forecast_run(home)
