"""Shared fixtures: small seeded synthetic custody data written to CSV."""

from __future__ import annotations

import pytest

from crimeplan.risk.synthetic import custody_records


@pytest.fixture(scope="session")
def custody():
    """600 synthetic custody records (seed 3)."""
    return custody_records(600, seed=3)


@pytest.fixture(scope="session")
def custody_csvs(tmp_path_factory, custody):
    """Train and test CSVs from different seeds."""
    folder = tmp_path_factory.mktemp("custody")
    train, test = folder / "train.csv", folder / "test.csv"
    custody.to_csv(train, index=False)
    custody_records(400, seed=4).to_csv(test, index=False)
    return train, test
