"""Generated events shared by the forecasting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crimeplan.forecast.grid import Grid

START = pd.Timestamp("2021-01-04")  # a Monday
HOTSPOTS = np.array([[650.0, 650.0], [2250.0, 1450.0], [1250.0, 2650.0]])


def generate_events(n: int = 1500, days: int = 210, seed: int = 0) -> pd.DataFrame:
    """Events over ``days`` days in a 3 km square: 60% around three hotspots, 40% uniform."""
    rng = np.random.default_rng(seed)
    near = rng.random(n) < 0.6
    centre = HOTSPOTS[rng.integers(0, 3, n)]
    x = np.where(near, centre[:, 0] + rng.normal(0, 60, n), rng.uniform(0, 3000, n))
    y = np.where(near, centre[:, 1] + rng.normal(0, 60, n), rng.uniform(0, 3000, n))
    t = START + pd.to_timedelta(rng.uniform(0, days, n) * 86400, unit="s")
    cat = np.where(rng.random(n) < 0.3, "residence", "street")
    return pd.DataFrame({"time": t, "x": x, "y": y, "category": cat}).sort_values(
        "time", ignore_index=True)


@pytest.fixture(scope="session")
def events() -> pd.DataFrame:
    return generate_events()


@pytest.fixture(scope="session")
def grid() -> Grid:
    return Grid.from_extent(np.array([0.0, 2999.0]), np.array([0.0, 2999.0]), 100.0, "EPSG:32616")


@pytest.fixture(scope="session")
def hotspots() -> np.ndarray:
    return HOTSPOTS
