"""The early intervention tests' builder, on the fresh database of each test."""

from __future__ import annotations

import pytest
from ei_builder import Builder

from crimeplan.cases.db import Database


@pytest.fixture
def build(db: Database) -> Builder:
    return Builder(db)
