"""Metrics and bands on hand-made examples, plus property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crimeplan.risk.bands import BandThresholds, CostRatio
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.evaluation import (
    band_confusion,
    by_group,
    calibration_curve,
    calibration_in_the_large,
    debiased_ece,
    ece_bootstrap_intervals,
    ece_noise_floor,
    ece_verdict,
    evaluate,
    expected_calibration_error,
    group_metrics,
)

EVEN = BandThresholds(0.5, 0.5)


def test_cost_ratio_sets_the_band_thresholds():
    t = BandThresholds.from_cost_ratio(CostRatio.parse("2:1"))
    assert t.moderate_from == pytest.approx(1 / 3)
    assert t.high_from == pytest.approx(2 / 3)
    five = BandThresholds.from_cost_ratio(CostRatio.parse(" 5 : 1 "))
    assert (five.moderate_from, five.high_from) == pytest.approx((1 / 6, 5 / 6))
    # the reverse ratio gives the same two cut-offs
    reverse = BandThresholds.from_cost_ratio(CostRatio.parse("1:5"))
    assert (reverse.moderate_from, reverse.high_from) == pytest.approx((1 / 6, 5 / 6))
    even = BandThresholds.from_cost_ratio(CostRatio(1, 1))
    assert even.moderate_from == even.high_from == 0.5
    assert list(t.assign([0.1, 1 / 3, 0.5, 2 / 3, 0.9])) == [
        "low", "moderate", "moderate", "high", "high"]


@pytest.mark.parametrize("text", ["5", "a:b", "0:1", "-1:2", ""])
def test_bad_cost_ratio(text):
    with pytest.raises(RiskInputError, match="cost ratio"):
        CostRatio.parse(text)


def test_ece_by_hand():
    # bin [0.1,0.2): p=0.1,0.1 outcomes 0,1 -> |0.1-0.5|=0.4, weight 2/5
    # bin [0.8,0.9): p=0.8,0.8,0.8 outcomes 1,1,1 -> |0.8-1|=0.2, weight 3/5
    y = np.array([0, 1, 1, 1, 1])
    p = np.array([0.1, 0.1, 0.8, 0.8, 0.8])
    assert expected_calibration_error(y, p) == pytest.approx(0.4 * 2 / 5 + 0.2 * 3 / 5)
    curve = calibration_curve(y, p)
    assert [(b.lower, b.n, b.observed_rate) for b in curve] == [(0.1, 2, 0.5), (0.8, 3, 1.0)]
    # p = 1 falls in the last bin
    assert calibration_curve([1], [1.0])[0].lower == pytest.approx(0.9)


def test_group_metrics_by_hand():
    t = BandThresholds(0.3, 0.7)
    y = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    p = np.array([0.9, 0.5, 0.2, 0.8, 0.4, 0.1, 0.1, 0.75])
    m = group_metrics(y, p, t)
    # flagged (p >= 0.3): 0.9 0.5 0.8 0.4 0.75 -> 5 of 8
    assert m.selection_rate == pytest.approx(5 / 8)
    # non-reoffenders 0.8 0.4 0.1 0.1: flagged 2 -> FPR 1/2
    assert m.fpr == pytest.approx(0.5)
    # reoffenders 0.9 0.5 0.2 0.75: missed 1 -> FNR 1/4
    assert m.fnr == pytest.approx(0.25)
    # dangerous: reoffenders in low band (p < 0.3): 0.2 -> 1/4
    assert m.dangerous_error_rate == pytest.approx(0.25)
    # cautious: non-reoffenders in high band (p >= 0.7): 0.8 -> 1/4
    assert m.cautious_error_rate == pytest.approx(0.25)
    assert m.accuracy == pytest.approx(5 / 8)
    assert m.base_rate == 0.5
    # AUC: pairs (pos, neg) with pos > neg: 0.9>all 4, 0.5>3, 0.2>2, 0.75>3 -> 12/16
    assert m.auc == pytest.approx(12 / 16)
    assert m.brier == pytest.approx(np.mean((p - y) ** 2))
    confusion = band_confusion(y, p, t).set_index("band")
    assert confusion.loc["high", "n"] == 3 and confusion.loc["high", "reoffended"] == 2
    assert confusion.loc["low", "did_not_reoffend"] == 2


def test_by_group_matches_each_subset_and_handles_one_class_groups():
    y = np.array([1, 0, 1, 0, 1, 1])
    p = np.array([0.9, 0.2, 0.6, 0.7, 0.4, 0.8])
    groups = pd.DataFrame({"race": ["a", "a", "a", "a", "b", "b"]})
    table = by_group(y, p, groups, EVEN).set_index("group")
    a = group_metrics(y[:4], p[:4], EVEN)
    assert table.loc["a", "fpr"] == pytest.approx(a.fpr) == pytest.approx(0.5)
    assert table.loc["a", "n"] == 4
    assert np.isnan(table.loc["b", "auc"])  # group b has only reoffenders
    assert np.isnan(table.loc["b", "fpr"])
    assert table.loc["b", "fnr"] == pytest.approx(0.5)
    result = evaluate(y, p, groups, EVEN).to_dict()
    b = next(r for r in result["groups"] if r["group"] == "b")
    assert b["auc"] is None and b["fpr"] is None  # NaN becomes null in JSON
    assert set(result["group_calibration_curves"]["race"]) == {"a", "b"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=1, max_size=60))
def test_ece_is_between_zero_and_one_and_zero_when_perfect(pairs):
    y = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    ece = expected_calibration_error(y, p)
    assert 0.0 <= ece <= 1.0
    assert expected_calibration_error(y, y.astype(float)) == pytest.approx(0.0)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 20), st.lists(st.floats(0, 1), min_size=2, max_size=40))
def test_bands_are_monotone_in_probability(ratio, probabilities):
    t = BandThresholds.from_cost_ratio(CostRatio(ratio, 1.0))
    order = {"low": 0, "moderate": 1, "high": 2}
    p = np.sort(np.array(probabilities))
    ranks = [order[b] for b in t.assign(p)]
    assert ranks == sorted(ranks)
    assert t.moderate_from + t.high_from == pytest.approx(1.0)


def test_ece_noise_floor_matches_the_binomial_by_hand():
    # all predictions 0.5 in one bin: floor = E|Bin(n, 0.5)/n - 0.5| ≈ sqrt(2/π)·0.5/sqrt(n)
    n = 400
    expected = np.sqrt(2 / np.pi) * 0.5 / np.sqrt(n)
    assert ece_noise_floor(np.full(n, 0.5), draws=2000) == pytest.approx(expected, rel=0.08)
    # certain predictions leave no room for noise
    assert ece_noise_floor(np.array([0.0, 1.0, 1.0])) == 0.0
    # more people, less noise
    assert ece_noise_floor(np.full(4 * n, 0.5)) < ece_noise_floor(np.full(n, 0.5))


def test_debiased_ece_by_hand():
    # bin [0.5, 0.6): 4 people at p = 0.5, 3 reoffend: (0.5 - 0.75)² - 0.75·0.25/3 = 0
    # bin [0.1, 0.2): 2 people at p = 0.1, none reoffend: 0.1² - 0 = 0.01
    # D = 4/6 · 0 + 2/6 · 0.01 = 0.0033333 -> sqrt = 0.0577350
    y = np.array([1, 1, 1, 0, 0, 0])
    p = np.array([0.5, 0.5, 0.5, 0.5, 0.1, 0.1])
    assert debiased_ece(y, p) == pytest.approx(np.sqrt(0.01 / 3))
    # 2 of 4 reoffend at 0.5: D = 0 - 0.25/3 < 0 -> -sqrt(0.083333) = -0.288675
    assert debiased_ece(np.array([1, 1, 0, 0]), np.full(4, 0.5)) == pytest.approx(-0.288675,
                                                                                 abs=1e-6)
    # a constant gap with no noise is left as it is
    assert debiased_ece(np.ones(5), np.full(5, 0.8)) == pytest.approx(0.2)


def test_debiased_ece_removes_the_noise_of_a_perfectly_calibrated_model():
    # outcomes drawn from the predictions themselves: the true ECE is 0
    rng = np.random.default_rng(5)
    plug_in, debiased = [], []
    for _ in range(200):
        p = rng.random(300)
        y = (rng.random(300) < p).astype(int)
        plug_in.append(expected_calibration_error(y, p))
        debiased.append(debiased_ece(y, p))
    assert np.mean(plug_in) > 0.04  # the plug-in estimate is clearly biased upwards
    assert abs(np.mean(debiased)) < 0.01
    assert np.mean(debiased) < np.mean(plug_in) / 5
    # a real gap survives the correction: predictions 0.1 too high everywhere
    p = rng.uniform(0.2, 0.8, 5000)
    y = (rng.random(5000) < p - 0.1).astype(int)
    assert debiased_ece(y, p) == pytest.approx(0.1, abs=0.015)


def test_ece_bootstrap_intervals():
    # every resample of identical people has the same ECE, 0.2, and no noise to remove
    same = ece_bootstrap_intervals(np.ones(20), np.full(20, 0.8), draws=100)
    assert (same.low, same.high, same.debiased_low, same.debiased_high) == pytest.approx(
        (0.2, 0.2, 0.2, 0.2))
    rng = np.random.default_rng(3)
    # perfectly calibrated: the debiased interval straddles 0, the plug-in one sits above it
    p = rng.random(2000)
    y = (rng.random(2000) < p).astype(int)
    good = ece_bootstrap_intervals(y, p, draws=300)
    assert good.debiased_low < 0 < good.debiased_high
    assert good.low > 0.01
    # predictions 0.1 too high: both intervals contain their estimate, the debiased one 0.1
    q = rng.uniform(0.2, 0.8, 2000)
    z = (rng.random(2000) < q - 0.1).astype(int)
    bad = ece_bootstrap_intervals(z, q, draws=300)
    assert bad.low < expected_calibration_error(z, q) < bad.high
    assert bad.debiased_low < debiased_ece(z, q) < bad.debiased_high
    assert bad.debiased_low < 0.1 < bad.debiased_high
    small = ece_bootstrap_intervals(z[:200], q[:200], draws=300)
    assert small.debiased_high - small.debiased_low > bad.debiased_high - bad.debiased_low
    assert ece_bootstrap_intervals(z, q, draws=300) == bad  # seeded


def test_calibration_in_the_large_by_hand():
    # p - y = 0.2, -0.6, -0.4: mean -0.266667, sd 0.416333, se = sd / sqrt(3) = 0.240370
    difference, se = calibration_in_the_large(np.array([0, 1, 1]), np.array([0.2, 0.4, 0.6]))
    assert difference == pytest.approx(-0.266667, abs=1e-6)
    assert se == pytest.approx(0.240370, abs=1e-6)
    m = group_metrics(np.array([0, 1, 1]), np.array([0.2, 0.4, 0.6]), EVEN)
    assert m.calibration_in_the_large == pytest.approx(difference)
    assert m.ece_ci_low <= m.ece_ci_high and m.ece_debiased_ci_low <= m.ece_debiased_ci_high


def test_ece_verdict_judges_only_groups_of_at_least_1000_people():
    thresholds = BandThresholds.from_cost_ratio(CostRatio(1, 1))
    y = np.r_[np.ones(300), np.zeros(700)].astype(int)
    # one bin: |0.31 − 0.30| = 0.01 and |0.35 − 0.30| = 0.05
    assert ece_verdict(group_metrics(y, np.full(1000, 0.31), thresholds)) == "met: 0.010 < 0.03"
    assert ece_verdict(group_metrics(y, np.full(1000, 0.35), thresholds)) == \
        "not met: 0.050 ≥ 0.03"
    small = group_metrics(y[1:], np.full(999, 0.31), thresholds)
    assert ece_verdict(small) == (f"no verdict: 999 people (< 1,000); noise floor "
                                  f"{small.ece_noise_floor:.3f}")
    # one bin: E|observed − 0.31| ≈ √(0.31·0.69/999)·√(2/π) ≈ 0.0117
    assert small.ece_noise_floor == pytest.approx(0.0117, abs=0.002)
