"""Per-person reasons and global importance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crimeplan.risk.explain import contributions, global_importance, reasons, reference_values
from crimeplan.risk.models import LogisticBaseline


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(5)
    n = 2000
    X = pd.DataFrame({"priors": rng.poisson(2, n).astype(float),
                      "noise": rng.normal(size=n),
                      "charge": rng.choice(["F", "M"], n)})
    logit = -1.0 + 0.6 * X["priors"] + 0.8 * (X["charge"] == "F")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return LogisticBaseline().fit(X, y), X


def test_reference_values():
    X = pd.DataFrame({"a": [1.0, 2.0, 10.0], "b": ["x", "y", "y"]})
    assert reference_values(X) == {"a": 2.0, "b": "y"}


def test_contribution_is_the_change_when_a_factor_is_made_typical(fitted):
    model, X = fitted
    ref = reference_values(X)
    person = pd.DataFrame({"priors": [6.0], "noise": [0.0], "charge": ["F"]})
    contrib = contributions(model, person, ref)
    p = model.predict_proba(person)[0, 1]
    typical_priors = person.assign(priors=ref["priors"])
    assert contrib.loc[0, "priors"] == pytest.approx(p - model.predict_proba(typical_priors)[0, 1])
    assert contrib.loc[0, "priors"] > 0.1
    text = reasons(person, contrib, ref)[0]
    assert text.startswith("priors is 6 (typical 2): raises the estimate by ")
    assert "charge is F" in text
    assert "noise" not in text


def test_no_reason_for_a_typical_person(fitted):
    model, X = fitted
    ref = reference_values(X)
    typical = pd.DataFrame({k: [v] for k, v in ref.items()})
    assert reasons(typical, contributions(model, typical, ref), ref) == [
        "no factor moves the estimate from that of a typical person"]


def test_factors_lowering_the_estimate_are_named_too(fitted):
    model, X = fitted
    ref = reference_values(X)
    person = pd.DataFrame({"priors": [0.0], "noise": [0.0], "charge": ["M"]})
    text = reasons(person, contributions(model, person, ref), ref, top=1)[0]
    assert text.startswith("priors is 0 (typical 2): lowers the estimate by ")


def test_global_importance_ranks_signal_above_noise(fitted):
    model, X = fitted
    ranking = global_importance(contributions(model, X.head(500), reference_values(X)))
    assert [i.feature for i in ranking][-1] == "noise"
    assert ranking[0].feature == "priors"
    assert ranking[-1].mean_abs_contribution < 0.02


def test_reasons_order_by_size_ties_in_column_order_and_skip_small_factors():
    X = pd.DataFrame({"a": [1.0, 5.0], "b": ["x", "y"], "c": [2.5, 0.0]}, index=[10, 11])
    contrib = pd.DataFrame({"a": [0.10, 0.004], "b": [-0.20, 0.0], "c": [0.10, -0.03]},
                           index=[10, 11])
    ref = {"a": 2.0, "b": "y", "c": 1.0}
    assert reasons(X, contrib, ref) == [
        "b is x (typical y): lowers the estimate by 20 points; "
        "a is 1 (typical 2): raises the estimate by 10 points; "
        "c is 2.5 (typical 1): raises the estimate by 10 points",
        "c is 0 (typical 1): lowers the estimate by 3 points"]
    assert reasons(X, contrib, ref, top=1)[0] == "b is x (typical y): lowers the estimate by " \
                                                 "20 points"
    # people are matched by index, not position
    assert reasons(X.iloc[::-1], contrib, ref) == reasons(X, contrib, ref)
