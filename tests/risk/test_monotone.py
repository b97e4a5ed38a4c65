"""Monotone constraints: parsing, the bounded regression, the ramps, and every model holding
to them on data whose truth bends the other way."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.models import (
    BlendedRiskModel,
    CalibratedRiskModel,
    CostSensitiveForest,
    GradientBoosting,
    PenalisedLogistic,
    make_model,
)
from crimeplan.risk.monotone import (
    BoundedLogistic,
    Ramps,
    check_monotone,
    largest_reversal,
    parse_monotone,
    shown,
    tree_constraints,
)
from crimeplan.risk.synthetic import CUSTODY_FEATURES


def test_parse_monotone():
    assert parse_monotone("priors_count:+, age:-") == {"priors_count": 1, "age": -1}
    assert parse_monotone("a:increasing,b:down") == {"a": 1, "b": -1}
    assert parse_monotone("") == {} and parse_monotone(None) == {}
    assert shown({"priors_count": 1, "age": -1}) == {"priors_count": "+", "age": "-"}
    for bad in ("age", "age:up:", ":+", "age:rising"):
        with pytest.raises(RiskInputError, match="COLUMN:\\+"):
            parse_monotone(bad)
    with pytest.raises(RiskInputError, match="twice"):
        parse_monotone("age:+,age:-")


def test_constraints_must_name_numeric_features():
    X = pd.DataFrame({"age": [20, 30], "group": ["a", "b"]})
    assert check_monotone({"age": -1}, X) == {"age": -1}
    with pytest.raises(RiskInputError, match="'priors', which is not a model feature"):
        check_monotone({"priors": 1}, X)
    with pytest.raises(RiskInputError, match="'group', a text column"):
        check_monotone({"group": 1}, X)
    with pytest.raises(RiskInputError, match=r"\+1 or -1"):
        check_monotone({"age": 2}, X)
    with pytest.raises(RiskInputError, match=r"baseline .* no monotone"):
        make_model("baseline", monotone={"age": -1})


def test_tree_constraints_follow_the_encoder_layout():
    X = pd.DataFrame({"group": ["a", "b", "c"], "age": [20, 30, 40], "priors": [0, 1, 2]})
    # encoder: numbers first (age, priors), then three one-hot columns for group
    assert tree_constraints({"priors": 1, "age": -1}, X, 5) == [-1, 1, 0, 0, 0]


def test_ramps_by_hand():
    ramps = Ramps({"x": 1, "w": -1}, n_knots=3).fit(
        pd.DataFrame({"x": [0.0, 1, 2, 3, 4], "w": [0.0, 1, 2, 3, 4]}))
    # x: knots at the 0, 50, 100% quantiles = 0, 2, 4; w: knots of -w = -4, -2, 0
    out = ramps.transform(pd.DataFrame({"x": [1.0, 3.0, 5.0, -1.0], "w": [1.0, 3.0, 5.0, -1.0]}))
    np.testing.assert_allclose(out, [[0.5, 0.0, 1.0, 0.5],
                                     [1.0, 0.5, 0.5, 0.0],
                                     [1.0, 1.0, 0.0, 0.0],
                                     [0.0, 0.0, 1.0, 1.0]])
    assert list(ramps.get_feature_names_out()) == ["x↑0", "x↑1", "w↓0", "w↓1"]


@pytest.fixture(scope="module")
def logistic_data():
    rng = np.random.default_rng(11)
    Z = rng.normal(size=(500, 3))
    logit = 0.8 * Z[:, 0] - 1.2 * Z[:, 1] + 0.3 * Z[:, 2] - 0.2
    y = (rng.random(500) < 1 / (1 + np.exp(-logit))).astype(int)
    return Z, y


@pytest.mark.parametrize("C", [0.05, 1.0, 20.0])
def test_bounded_logistic_without_bounds_matches_scikit_learn(logistic_data, C):
    Z, y = logistic_data
    ours = BoundedLogistic(C=C).fit(Z, y)
    theirs = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-10).fit(Z, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(Z), theirs.predict_proba(Z), atol=1e-6)


def test_a_binding_bound_equals_leaving_the_column_out(logistic_data):
    Z, y = logistic_data
    # column 1's effect is negative: bounded at zero it drops out, and the rest is the fit
    # without it (the optimum with w1 = 0 on the boundary)
    bounded = BoundedLogistic(C=1.0, nonnegative=(1,)).fit(Z, y)
    assert bounded.coef_[0, 1] == 0.0
    without = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-10).fit(Z[:, [0, 2]], y)
    np.testing.assert_allclose(bounded.coef_[0, [0, 2]], without.coef_[0], atol=1e-5)
    # a bound that does not bind changes nothing
    free = BoundedLogistic(C=1.0).fit(Z, y)
    loose = BoundedLogistic(C=1.0, nonnegative=(0,)).fit(Z, y)
    np.testing.assert_allclose(loose.coef_, free.coef_, atol=1e-6)


def _u_shaped(n: int = 1200, seed: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    """Risk falls then rises with ``dose`` (the truth is not monotone), plus two other inputs."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"dose": rng.uniform(0, 10, n), "other": rng.normal(size=n),
                      "group": rng.choice(["a", "b"], n)})
    logit = 0.25 * (X["dose"] - 4) ** 2 - 1.5 + 0.5 * X["other"] + 0.3 * (X["group"] == "a")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).to_numpy().astype(int)
    return X, y


CONSTRAINED = [
    pytest.param(lambda m: PenalisedLogistic(folds=3, monotone=m), id="logistic"),
    pytest.param(lambda m: GradientBoosting(n_estimators=60, monotone=m), id="boosting"),
    pytest.param(lambda m: CostSensitiveForest(n_estimators=30, monotone=m), id="forest"),
    pytest.param(lambda m: BlendedRiskModel(monotone=m), id="blend"),
    pytest.param(lambda m: CalibratedRiskModel(GradientBoosting(n_estimators=60, monotone=m),
                                               folds=3, method="isotonic"),
                 id="calibrated-boosting"),
]


@pytest.mark.parametrize("build", CONSTRAINED)
def test_every_model_holds_to_its_constraint(build):
    X, y = _u_shaped()
    for sign in (1, -1):
        model = build({"dose": sign}).fit(X, y)
        assert largest_reversal(model, X, {"dose": sign}, sample=100, steps=30)["dose"] < 1e-9
    # the same model unconstrained follows the U, so the check can fail
    free = build(None).fit(X, y)
    assert largest_reversal(free, X, {"dose": 1}, sample=100, steps=30)["dose"] > 0.02


def test_monotone_logistic_uses_ramps_and_keeps_other_features_free():
    X, y = _u_shaped()
    model = PenalisedLogistic(knot_counts=(6,), Cs=(1.0,), folds=3,
                              monotone={"dose": 1}).fit(X, y)
    names = model.encoded_feature_names
    assert [n for n in names if n.startswith("dose")] == [f"dose↑{j}" for j in range(5)]
    assert any(n.startswith("other_sp_") for n in names)  # "other" keeps its spline
    regression = model.pipeline_[-1]
    ramps = [i for i, n in enumerate(names) if n.startswith("dose")]
    assert np.all(regression.coef_[0, ramps] >= 0)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([1, -1]))
def test_monotone_logistic_holds_on_random_data(seed, sign):
    rng = np.random.default_rng(seed)
    n = 200
    X = pd.DataFrame({"a": rng.integers(0, 30, n), "b": rng.normal(size=n)})
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    model = PenalisedLogistic(knot_counts=(4,), Cs=(10.0,), folds=2,
                              monotone={"a": sign}).fit(X, y)
    grid = pd.DataFrame({"a": np.arange(-5, 40), "b": 0.3})
    p = model.predict_proba(grid)[:, 1]
    assert np.all(sign * np.diff(p) >= -1e-12)


def test_cli_fit_records_and_checks_constraints(tmp_path, custody_csvs):
    runner = CliRunner()
    base = ["risk", "fit", str(custody_csvs[0]), "--target", "reoffended_2y", "--features",
            ",".join(CUSTODY_FEATURES), "--model", "boosting", "--folds", "3",
            "--home", str(tmp_path / "h")]
    out = tmp_path / "m"
    result = runner.invoke(app, [*base, "--out", str(out),
                                 "--monotone", "prior_arrests:+,age:-"])
    assert result.exit_code == 0, result.output
    assert "monotone: prior_arrests +, age -" in result.output
    card = json.loads((out / "model.json").read_text())
    assert card["monotone"] == {"prior_arrests": "+", "age": "-"}
    assert set(card["monotone_check"]) == {"prior_arrests", "age"}
    assert max(card["monotone_check"].values()) < 1e-9
    for bad, message in (("offence_group:+", "a text column"),
                         ("postcode:+", "not a model feature"),
                         ("age", "COLUMN:+")):
        result = runner.invoke(app, [*base, "--out", str(tmp_path / "x"), "--monotone", bad])
        assert result.exit_code == 2
        assert message in " ".join(result.output.split())
