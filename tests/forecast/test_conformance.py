"""The shared contract, run on every registered model (in the spirit of scikit-learn's checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crimeplan.forecast.models import MODELS, make_model

UNTIL = pd.Timestamp("2021-06-07")  # a Monday inside the generated history


@pytest.fixture(params=sorted(MODELS))
def name(request) -> str:
    return request.param


def test_scores_are_one_finite_non_negative_number_per_cell(name, events, grid):
    scores = make_model(name).fit(events, UNTIL).predict(grid, "1W")
    assert scores.shape == (grid.n_cells,)
    assert np.all(np.isfinite(scores)) and np.all(scores >= 0)
    assert scores.sum() > 0


def test_same_parameters_same_forecast(name, events, grid):
    a = make_model(name).fit(events, UNTIL).predict(grid, "1W")
    b = make_model(name).fit(events, UNTIL).predict(grid, "1W")
    assert np.array_equal(a, b)


def test_clone_is_unfitted_with_equal_parameters(name, events, grid):
    model = make_model(name).fit(events, UNTIL)
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
    honest = make_model(name).fit(past, UNTIL).predict(grid, "1W")
    assert np.array_equal(make_model(name).fit(leaky, UNTIL).predict(grid, "1W"), honest)


def test_monthly_horizon_and_empty_history(name, events, grid):
    monthly = events.assign(time=events["time"].dt.to_period("M").dt.to_timestamp())
    scores = make_model(name).fit(monthly, "2021-06-01").predict(grid, "1M")
    assert scores.shape == (grid.n_cells,) and np.all(np.isfinite(scores) & (scores >= 0))
    empty = make_model(name).fit(events, events["time"].min()).predict(grid, "1W")
    assert np.array_equal(empty, np.zeros(grid.n_cells))


def test_registry_names_and_parameters_round_trip(name):
    model = make_model(name)
    assert model.name == name
    assert make_model(name, **model.get_params()).get_params() == model.get_params()
    with pytest.raises(KeyError, match="unknown model"):
        make_model("crystal-ball")
