"""SEPP: parameter recovery from events simulated from a known ETAS process, and pair finding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

from crimeplan.forecast.grid import Grid
from crimeplan.forecast.models.sepp import SEPP, _PixelDensity, _Raster, candidate_pairs

MU, THETA, OMEGA, SIGMA = 4.0, 0.4, 0.25, 60.0  # per day, offspring/event, 1/days, metres
DAYS, SIDE = 800.0, 5000.0


def simulate(seed: int = 7) -> pd.DataFrame:
    """Branching simulation: uniform Poisson background, Poisson(theta) children per event."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(MU * DAYS)
    t, x, y = rng.uniform(0, DAYS, n), rng.uniform(0, SIDE, n), rng.uniform(0, SIDE, n)
    gen = (t, x, y)
    all_t, all_x, all_y = [t], [x], [y]
    while len(gen[0]):
        kids = rng.poisson(THETA, len(gen[0]))
        pt, px, py = (np.repeat(a, kids) for a in gen)
        ct = pt + rng.exponential(1 / OMEGA, len(pt))
        cx = px + rng.normal(0, SIGMA, len(pt))
        cy = py + rng.normal(0, SIGMA, len(pt))
        keep = ct < DAYS
        gen = (ct[keep], cx[keep], cy[keep])
        all_t.append(gen[0])
        all_x.append(gen[1])
        all_y.append(gen[2])
    t = np.concatenate(all_t)
    time = pd.Timestamp("2020-01-01") + pd.to_timedelta(t * 86400, unit="s")
    return pd.DataFrame({"time": time, "x": np.concatenate(all_x), "y": np.concatenate(all_y)})


@pytest.fixture(scope="module")
def fitted() -> SEPP:
    events = simulate()
    return SEPP(background_bandwidth=400.0).fit(events, pd.Timestamp("2020-01-01") +
                                                pd.Timedelta(days=DAYS))


def test_recovers_the_simulated_parameters(fitted):
    assert fitted.theta_ == pytest.approx(THETA, abs=0.06)
    assert fitted.omega_ == pytest.approx(OMEGA, rel=0.2)
    assert fitted.sigma_ == pytest.approx(SIGMA, rel=0.15)
    assert fitted.mu_ == pytest.approx(MU, rel=0.1)


def test_forecast_concentrates_near_recent_events(fitted):
    grid = Grid.from_extent(np.array([0.0, SIDE]), np.array([0.0, SIDE]), 250.0, "EPSG:32616")
    scores = fitted.predict(grid, "7D")
    # a week's expected count: background plus what recent events still trigger
    assert scores.sum() == pytest.approx(7 * MU, rel=0.35)
    assert np.all(scores >= 0)
    # refitted with five fresh events at a cell centre: its cell's score rises
    events = simulate()
    until = pd.Timestamp("2020-01-01") + pd.Timedelta(days=DAYS)
    spike = pd.DataFrame({"time": [until - pd.Timedelta(hours=1)] * 5,
                          "x": [2625.0] * 5, "y": [2625.0] * 5})
    after = SEPP(background_bandwidth=400.0).fit(pd.concat([events, spike]), until)
    centre = grid.locate(np.array([2625.0]), np.array([2625.0]))[0]
    # five events at the cell centre each trigger theta * (1 - exp(-7 omega)) * ~0.95 in it
    assert after.predict(grid, "7D")[centre] > scores[centre] + 5 * THETA * 0.8 * 0.9


def test_candidate_pairs_match_brute_force():
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 20, 200))
    t[5] = t[4]  # simultaneous events are never parent and child
    x, y = rng.uniform(0, 1000, 200), rng.uniform(0, 1000, 200)
    child, parent = candidate_pairs(t, x, y, 3.0, 150.0)
    got = set(zip(child.tolist(), parent.tolist(), strict=True))
    want = {(i, j) for i in range(200) for j in range(200)
            if t[j] < t[i] and t[i] - t[j] <= 3.0 and np.hypot(x[i] - x[j], y[i] - y[j]) <= 150}
    assert got == want


def test_background_decay_moves_the_background_to_recent_places_and_keeps_its_total():
    rng = np.random.default_rng(3)
    # 60 events spread over 2018 at place A, 60 over the last 60 days at place B, 5 km apart
    old = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.uniform(0, 365, 60), "D")
    new = pd.Timestamp("2019-11-01") + pd.to_timedelta(rng.uniform(0, 60, 60), "D")
    events = pd.DataFrame({"time": np.concatenate([old, new]),
                           "x": np.r_[rng.normal(1000, 50, 60), rng.normal(6000, 50, 60)],
                           "y": np.r_[rng.normal(1000, 50, 60), rng.normal(1000, 50, 60)]})
    grid = Grid.from_extent(np.array([0.0, 7000.0]), np.array([0.0, 2000.0]), 500.0,
                            "EPSG:27700")
    until, week = pd.Timestamp("2020-01-01"), pd.DateOffset(days=7)
    cell_a, cell_b = grid.locate(np.array([1000.0, 6000.0]), np.array([1000.0, 1000.0]))
    plain = SEPP(background_bandwidth=100).fit(events, until)
    decayed = SEPP(background_bandwidth=100, background_decay_days=90).fit(events, until)
    assert decayed.theta_ == plain.theta_ and decayed.mu_ == plain.mu_  # same EM fit
    p, d = plain.predict(grid, week), decayed.predict(grid, week)
    assert d.sum() == pytest.approx(p.sum(), rel=1e-6)  # background total kept
    assert d[cell_b] / d[cell_a] > 5 * p[cell_b] / p[cell_a]
    with pytest.raises(ValueError, match="background_decay_days"):
        SEPP(background_decay_days=0)


@pytest.mark.parametrize("bandwidth", [25.0, 60.0, 150.0])
def test_background_density_over_occupied_pixels_equals_filtering_the_raster(bandwidth):
    rng = np.random.default_rng(11)
    # clustered points with repeats at the same spot, as rounded addresses give
    centres = rng.uniform(0, 3000, (40, 2))
    xy = centres[rng.integers(0, 40, 3000)] + rng.normal(0, 40, (3000, 2)).round(-1)
    x, y = xy[:, 0], xy[:, 1]
    weights = rng.uniform(0.1, 1.0, len(x))
    raster = _Raster.around(x, y, bandwidth / 2, 4 * bandwidth)
    pix = raster.pixels(x, y)
    h, w = raster.shape
    grid = np.bincount(pix, weights=weights, minlength=h * w).reshape(h, w)
    smooth = ndimage.gaussian_filter(grid, bandwidth / raster.res, mode="constant")
    expected = smooth.ravel()[pix] / raster.res**2
    got = _PixelDensity.build(raster, pix, bandwidth).density(weights)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-15)
