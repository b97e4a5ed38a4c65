"""The shared contract, run on every registered model (in the spirit of scikit-learn's checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crimeplan.forecast.grid import Grid
from crimeplan.forecast.models import MODELS, make_model

UNTIL = pd.Timestamp("2021-06-07")  # a Monday inside the generated history
#: Cheaper settings for auto, which fits every candidate once per validation period (its
#: default candidates pass this suite themselves); a non-baseline candidate keeps a choice.
FAST = {"auto": {"candidates": ("historical-mean", "kde", "prospective"), "windows": 3}}


def build(name: str):
    return make_model(name, **FAST.get(name, {}))


@pytest.fixture(params=sorted(MODELS))
def name(request) -> str:
    return request.param


def test_scores_are_one_finite_non_negative_number_per_cell(name, events, grid):
    scores = build(name).fit(events, UNTIL).predict(grid, "1W")
    assert scores.shape == (grid.n_cells,)
    assert np.all(np.isfinite(scores)) and np.all(scores >= 0)
    assert scores.sum() > 0


def test_same_parameters_same_forecast(name, events, grid):
    a = build(name).fit(events, UNTIL).predict(grid, "1W")
    b = build(name).fit(events, UNTIL).predict(grid, "1W")
    assert np.array_equal(a, b)


def test_clone_is_unfitted_with_equal_parameters(name, events, grid):
    model = build(name).fit(events, UNTIL)
    copy = model.clone()
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "until_")
    with pytest.raises(RuntimeError, match="fitted"):
        copy.predict(grid, "1W")
    assert np.array_equal(copy.fit(events, UNTIL).predict(grid, "1W"),
                          model.predict(grid, "1W"))


def test_no_look_ahead(name, events, grid):
    """Events at or after the cut-off must not change the forecast in any way."""
    past = events.loc[events["time"] < UNTIL]
    rng = np.random.default_rng(5)
    n = 400
    future = pd.DataFrame({
        "time": UNTIL + pd.to_timedelta(rng.integers(0, 20 * 86400, n), unit="s"),
        "x": rng.uniform(0, 3000, n), "y": rng.uniform(0, 3000, n),
        "category": np.where(rng.random(n) < 0.5, "residence", "street")})
    future.loc[:50, "time"] = UNTIL  # exactly at the cut-off is future too
    leaky = pd.concat([future, past, future.iloc[:100]], ignore_index=True)
    honest = build(name).fit(past, UNTIL).predict(grid, "1W")
    assert np.array_equal(build(name).fit(leaky, UNTIL).predict(grid, "1W"), honest)


def test_monthly_horizon_and_empty_history(name, events, grid):
    monthly = events.assign(time=events["time"].dt.to_period("M").dt.to_timestamp())
    scores = build(name).fit(monthly, "2021-06-01").predict(grid, "1M")
    assert scores.shape == (grid.n_cells,) and np.all(np.isfinite(scores) & (scores >= 0))
    empty = build(name).fit(events, events["time"].min()).predict(grid, "1W")
    assert np.array_equal(empty, np.zeros(grid.n_cells))


def test_registry_names_and_parameters_round_trip(name):
    model = make_model(name)
    assert model.name == name
    assert make_model(name, **model.get_params()).get_params() == model.get_params()
    with pytest.raises(KeyError, match="unknown model"):
        make_model("crystal-ball")


def test_coordinates_in_feet_give_the_metre_forecast(name, events, grid):
    """Distances in model parameters are metres whatever the CRS: the same events and cells in
    US survey feet (EPSG:3435), with the unit passed at fit, give the same forecast."""
    us_foot = 1200 / 3937
    feet = events.assign(x=events["x"] / us_foot, y=events["y"] / us_foot)
    grid_ft = Grid("EPSG:3435", grid.cell_size / us_foot, grid.i, grid.j)
    assert grid_ft.unit == "US survey foot" and grid_ft.cell_size_m == pytest.approx(100.0)
    metres = build(name).fit(events, UNTIL).predict(grid, "1W")
    in_feet = build(name).fit(feet, UNTIL, unit_m=grid_ft.unit_m).predict(grid_ft, "1W")
    np.testing.assert_allclose(in_feet, metres, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="m per unit"):
        build(name).fit(feet, UNTIL).predict(grid_ft, "1W")  # fitted as if in metres
