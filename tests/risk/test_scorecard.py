"""The one-page scorecard: whole points per band, a card that gives what `risk predict` gives."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from crimeplan.risk.bands import BandThresholds, CostRatio
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.models import CalibratedRiskModel, make_model
from crimeplan.risk.scorecard import OTHER_LEVEL, Scorecard, _band, render_card, scorecard_card
from crimeplan.risk.synthetic import CUSTODY_FEATURES, custody_records
from crimeplan.risk.training import fit_risk_model
from crimeplan.risk.workflow import fit_csv, predict_csv

FEATURES = list(CUSTODY_FEATURES)
QUICK = {"Cs": (0.1, 1.0), "folds": 3}


@pytest.fixture(scope="module")
def xy(custody):
    return custody[FEATURES], custody["reoffended_2y"].to_numpy()


def _card_total(card: dict, person: pd.Series) -> int:
    """Apply the card by hand: find each item's band or level and add the points."""
    total = 0
    for item in dict.fromkeys(row["item"] for row in card["items"]):
        rows = [r for r in card["items"] if r["item"] == item]
        value = person[item]
        if rows[0]["from"] is None and rows[0]["below"] is None:  # a text item
            match = [r for r in rows if r["band"] == str(value)] or \
                [r for r in rows if r["band"] == OTHER_LEVEL]
        else:
            match = [r for r in rows if (r["from"] is None or value >= r["from"])
                     and (r["below"] is None or value < r["below"])]
        (row,) = match
        total += row["points"]
    return total


def test_the_card_applied_by_hand_gives_what_predict_gives(custody_csvs, tmp_path):
    train, test = custody_csvs
    folder = tmp_path / "card"
    fit_csv(train, folder, target="reoffended_2y", features=FEATURES, id_column="custody_id",
            model="scorecard", folds=3)
    card = json.loads((folder / "model.json").read_text())
    scorecard = card["scorecard"]
    assert card["model"] == "scorecard" and card["calibration"]["method"] == "sigmoid"
    predictions = predict_csv(folder, test, tmp_path / "preds.csv").out
    predicted = pd.read_csv(predictions).set_index("custody_id")
    people = pd.read_csv(test).set_index("custody_id")
    table = {row["points"]: row for row in scorecard["totals"]}
    for custody_id in people.index[:25]:
        row = table[_card_total(scorecard, people.loc[custody_id])]
        assert predicted.loc[custody_id, "probability"] == pytest.approx(row["probability"],
                                                                         abs=5e-5)
        assert predicted.loc[custody_id, "band"] == row["band"]


def test_points_are_small_whole_numbers_and_the_probability_follows_the_total(xy):
    X, y = xy
    card = Scorecard(**QUICK).fit(X, y)
    points = card.item_points(X)
    assert list(points.columns) == card.items_ and 1 <= len(card.items_) <= 7
    assert points.to_numpy().dtype.kind == "i"
    assert points.to_numpy().min() == 0 and points.to_numpy().max() <= card.max_points_
    assert card.max_points_ in card.point_range and card.C_ in QUICK["Cs"]
    totals = card.points(X)
    np.testing.assert_array_equal(totals, points.sum(axis=1).to_numpy())
    np.testing.assert_allclose(card.predict_proba(X)[:, 1],
                               expit(card.intercept_ + card.slope_ * totals))
    assert card.slope_ > 0  # more points, higher risk
    low, high = card.total_range
    assert low <= totals.min() and totals.max() <= high
    # every item's lowest band scores 0, neighbouring bands differ (they were merged)
    for column in card.items_:
        band_points = card.band_points_[column]
        assert min(band_points) == 0
        if column in card.cuts_:
            assert len(band_points) == len(card.cuts_[column]) + 1
            assert np.all(np.diff(band_points) != 0)


def test_a_step_in_risk_is_found_as_a_rise_in_points():
    # risk jumps from 0.2 to 0.6 at 10 priors and is flat on either side
    rng = np.random.default_rng(1)
    priors = rng.integers(0, 20, 4000)
    y = (rng.random(4000) < np.where(priors >= 10, 0.6, 0.2)).astype(int)
    X = pd.DataFrame({"priors": priors})
    card = Scorecard(Cs=(0.01, 1.0), folds=3).fit(X, y)
    points = card.item_points(pd.DataFrame({"priors": np.arange(20)}))["priors"].to_numpy()
    # the points rise from 0 to the most points around the jump; AUC, which chooses the
    # penalty and the points, cannot tell a sharp step from a short ramp between the same two
    # levels, so the rise may be spread over the bands next to 10
    assert np.all(points[:6] == 0) and np.all(points[13:] == card.max_points_)
    assert np.all(np.diff(points) >= 0)
    p = card.predict_proba(pd.DataFrame({"priors": [3, 15]}))[:, 1]
    assert p == pytest.approx([0.2, 0.6], abs=0.03)
    labels = [r["band"] for r in card.table()]
    assert labels[0] in ("0", "up to 5", "up to 6", "up to 7") and labels[-1].endswith("or more")


def test_monotone_constraints_carry_over_to_the_points():
    # risk rises then falls with age (a hump at 30): unconstrained the card follows the hump;
    # told that risk only falls with age, its points never rise from band to band
    rng = np.random.default_rng(2)
    age = rng.integers(18, 70, 5000)
    y = (rng.random(5000) < expit(-0.5 - 0.004 * (age - 30) ** 2 + 1.0)).astype(int)
    X = pd.DataFrame({"age": age})
    free = Scorecard(**QUICK).fit(X, y).band_points_["age"]
    assert np.any(np.diff(free) > 0) and np.any(np.diff(free) < 0)
    falling = Scorecard(**QUICK, monotone={"age": -1}).fit(X, y)
    points = falling.band_points_["age"]
    assert np.all(np.diff(points) < 0) and points[-1] == 0
    assert falling.encoded_feature_names[0].startswith("age<")


def test_more_features_than_items_are_chosen_by_forward_selection(custody):
    X = custody[[*FEATURES, "sex", "ethnicity", "postcode_district"]]
    y = custody["reoffended_2y"].to_numpy()
    card = Scorecard(max_items=2, Cs=(0.1,), max_points=5, folds=3).fit(X, y)
    assert 1 <= len(card.items_) <= 2
    # the synthetic outcome does not depend on sex, ethnicity or district
    assert not {"sex", "ethnicity", "postcode_district"} & set(card.items_)


def test_card_labels_read_as_a_sergeant_would_say_them():
    assert _band(None, 21.0, whole=True, lowest=18.0) == "up to 20"
    assert _band(None, 1.0, whole=True, lowest=0.0) == "0"
    assert _band(21.0, 25.0, whole=True, lowest=18.0) == "21–24"
    assert _band(21.0, 22.0, whole=True, lowest=18.0) == "21"
    assert _band(53.0, None, whole=True, lowest=18.0) == "53 or more"
    assert _band(None, 2.5, whole=False, lowest=0.2) == "below 2.5"
    assert _band(2.5, 4.0, whole=False, lowest=0.2) == "2.5 to below 4"


def test_render_card_groups_totals_with_the_same_probability():
    card = {"items": [{"item": "priors", "band": "0", "points": 0},
                      {"item": "priors", "band": "1 or more", "points": 2}],
            "unused": ["sex"],
            "totals": [{"points": 0, "probability": 0.25, "band": "low"},
                       {"points": 1, "probability": 0.25, "band": "low"},
                       {"points": 2, "probability": 0.5, "band": "moderate"}]}
    text = render_card(card, title="T", note="N")
    assert text.splitlines()[3:] == [
        "Item    Band       Points",
        "priors  0               0",
        "        1 or more       2",
        "(no points: sex)",
        "",
        "Total points  Probability  Band",
        "0–1                 25.0%  low",
        "2                   50.0%  moderate",
        "",
        "N"]
    assert text.splitlines()[0] == "T"


def test_scorecard_card_tabulates_the_calibrated_probability_of_every_total(xy):
    X, y = xy
    model = CalibratedRiskModel(Scorecard(**QUICK), folds=3).fit(X, y)
    thresholds = BandThresholds.from_cost_ratio(CostRatio(2, 1))
    card = scorecard_card(model, thresholds)
    low, high = model.estimator_.total_range
    assert [r["points"] for r in card["totals"]] == list(range(low, high + 1))
    by_total = {r["points"]: r["probability"] for r in card["totals"]}
    totals = model.estimator_.points(X)
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], [by_total[t] for t in totals],
                               rtol=0, atol=1e-12)
    assert scorecard_card(CalibratedRiskModel(make_model("baseline"), folds=3).fit(X, y),
                          thresholds) == {}


def test_scorecard_calibrates_by_sigmoid_unless_told(xy):
    X, y = xy
    big = custody_records(1200, seed=5)
    Xb, yb = big[FEATURES], big["reoffended_2y"].to_numpy()
    assert CalibratedRiskModel(Scorecard(**QUICK), folds=3).fit(Xb, yb).method_ == "sigmoid"
    assert CalibratedRiskModel(make_model("baseline"), folds=3).fit(Xb, yb).method_ == \
        "isotonic"
    told = CalibratedRiskModel(Scorecard(**QUICK), method="isotonic", folds=3).fit(X, y)
    assert told.method_ == "isotonic"


def test_calibration_within_a_group_is_refused_for_a_scorecard(custody, xy):
    X, y = xy
    with pytest.raises(RiskInputError, match="--calibrate-within is not available"):
        fit_risk_model(X, y, model="scorecard", folds=3,
                       calibrate_within=custody["ethnicity"])


def test_bad_settings_are_refused(xy):
    X, y = xy
    with pytest.raises(RiskInputError, match="max_items"):
        Scorecard(max_items=0).fit(X, y)
    with pytest.raises(RiskInputError, match="text column"):
        Scorecard(monotone={"offence_group": 1}).fit(X, y)
