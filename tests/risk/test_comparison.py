"""AUC gains and their intervals: hand-computed cases and simulated properties."""

from __future__ import annotations

import numpy as np
import pytest

from crimeplan.risk.comparison import corrected_fold_interval, paired_auc_gain


def test_corrected_fold_interval_by_hand():
    # J = 3, s² = 0.0004, test/train = 0.2/0.8: se = sqrt((1/3 + 0.25) · 0.0004) = 0.0152753
    # t(0.975, 2) = 4.3026527 -> half-width 0.0657239 around the mean 0.03
    gain = corrected_fold_interval(np.array([0.01, 0.03, 0.05]), test_fraction=0.2)
    assert gain.estimate == pytest.approx(0.03)
    assert gain.low == pytest.approx(0.03 - 0.0657239, abs=1e-6)
    assert gain.high == pytest.approx(0.03 + 0.0657239, abs=1e-6)
    # the correction only widens the naive interval (se = s/sqrt(J))
    naive_half = 4.3026527 * 0.02 / np.sqrt(3)
    assert gain.high - gain.estimate > naive_half
    with pytest.raises(ValueError, match="two folds"):
        corrected_fold_interval(np.array([0.1]), 0.2)


def test_paired_gain_by_hand_and_identical_scores():
    y = np.array([0, 0, 1, 1])
    perfect = np.array([0.1, 0.2, 0.8, 0.9])  # AUC 1
    coin = np.array([0.1, 0.9, 0.2, 0.8])  # pairs won: 0.2>0.1, 0.8>0.1 -> 2 of 4
    assert paired_auc_gain(y, perfect, coin, draws=50).estimate == pytest.approx(0.5)
    same = paired_auc_gain(y, perfect, perfect, draws=50)
    assert (same.estimate, same.low, same.high) == (0.0, 0.0, 0.0)


def test_paired_gain_interval_covers_a_real_gain():
    rng = np.random.default_rng(1)
    risk = rng.normal(size=3000)
    y = (risk + rng.normal(size=3000) > 0).astype(int)
    sharp = risk + rng.normal(scale=0.3, size=3000)
    blunt = risk + rng.normal(scale=1.0, size=3000)
    gain = paired_auc_gain(y, sharp, blunt, draws=300, seed=2)
    assert 0 < gain.low < gain.estimate < gain.high
    again = paired_auc_gain(y, sharp, blunt, draws=300, seed=2)
    assert again == gain  # seeded
