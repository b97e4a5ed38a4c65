"""Concentration statistics on random place counts against independent formulas."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from builder import Builder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crimeplan.analysis.concentration import concentration
from crimeplan.analysis.scope import resolve_scope


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=30))
def test_gini_and_top_shares(tmp_path_factory, counts):
    b = Builder(tmp_path_factory.mktemp("gini"))
    for i, n in enumerate(counts):
        b.street("essex", dt.date(2018, 1, 1), "burglary", n, point=(0.001 * i, 0.5))
    b.partitions("street", "essex", "2018-01", "2018-01")
    con = b.done()
    c = concentration(con, resolve_scope(con, force="essex"), "location")
    x = np.asarray(counts, dtype=float)
    n = len(x)
    # mean absolute difference form: G = Σ_i Σ_j |x_i − x_j| / (2 n² mean)
    gini = np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean())
    assert c.gini == pytest.approx(gini, abs=1e-12)
    top = np.sort(x)[::-1]
    for k in (1, 5, 10):
        m = max(1, math.ceil(k / 100 * n))
        assert c.top_share_pct[k] == pytest.approx(100 * top[:m].sum() / x.sum())
    assert c.repeat_locations == int((x >= 2).sum())
    con.close()
