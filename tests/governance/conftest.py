"""Shared fixtures: workspaces with real sample data loaded straight into warehouse tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crimeplan.store.warehouse import Warehouse

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


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
