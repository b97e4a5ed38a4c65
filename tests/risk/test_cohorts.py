"""Harm tables, harm scores, concentration and stability on a hand-built history."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crimeplan.risk.cohorts import (
    concentration,
    gini,
    read_history,
    score_people,
    stability,
    top_count,
)
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.harm import available_tables, load_harm_table, normalise_offence
from crimeplan.risk.synthetic import offence_histories

# 10 people in 2023; in 2024 the ranking changes. Weights from the count table or a test table.
HISTORY = """who,when,what
A,2023-01-05,robbery
A,2023-03-01,shoplifting
B,2023-02-01,Domestic-Burglary
C,2023-02-02,shoplifting
D,2023-02-03,shoplifting
E,2023-02-04,shoplifting
F,2023-02-05,shoplifting
G,2023-02-06,shoplifting
H,2023-02-07,shoplifting
I,2023-02-08,shoplifting
J,2023-02-09,common assault
A,2024-01-10,shoplifting
B,2024-02-01,robbery
K,2024-03-01,domestic burglary
C,2024-03-02,shoplifting
"""

TABLE = {"name": "test-table", "version": "2", "unit": "days", "status": "exact",
         "citation": "hand-made for tests",
         "weights": {"robbery": 365, "domestic burglary": 120, "shoplifting": 2,
                     "common assault": 10}}


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(HISTORY)
    return read_history(path, person="who", date="when", offence="what")


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "table.json"
    path.write_text(json.dumps(TABLE))
    return load_harm_table(str(path))


def test_scores_by_hand(history, table):
    scores = score_people(history, table, dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    assert scores["person"].tolist()[:3] == ["A", "B", "J"]
    assert scores["harm"].tolist()[:3] == [367.0, 120.0, 10.0]
    assert scores.loc[0, "offences"] == 2
    assert scores.loc[0, "most_harmful_offence"] == "robbery"
    total = 367 + 120 + 10 + 7 * 2
    assert scores["harm"].sum() == total
    assert scores.loc[0, "harm_share"] == pytest.approx(367 / total)
    assert scores["cumulative_harm_share"].iloc[-1] == pytest.approx(1.0)
    assert scores["rank"].tolist() == list(range(1, 11))
    # ties (seven people with harm 2) are ordered by id
    assert scores["person"].tolist()[3:] == list("CDEFGHI")


def test_concentration_by_hand(history, table):
    scores = score_people(history, table, dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    result = concentration(scores, (0.01, 0.1, 0.25))
    total = 367 + 120 + 10 + 14
    rows = {r.share: r for r in result.rows}
    # 10 people: top 1% and top 10% are both 1 person (ceil), top 25% is 3 people
    assert rows[0.01].people == rows[0.1].people == 1
    assert rows[0.1].harm_share == pytest.approx(367 / total)
    assert rows[0.25].people == 3
    assert rows[0.25].harm_share == pytest.approx((367 + 120 + 10) / total)
    # by offences the top person (A, 2 offences) has 2 of 11
    assert rows[0.1].offence_share == pytest.approx(2 / 11)
    assert result.total_offences == 11


def test_count_table_gives_counts(history):
    count = load_harm_table("count")
    scores = score_people(history, count)
    assert scores.set_index("person")["harm"].to_dict()["A"] == 3.0
    assert scores["harm"].sum() == 15


def test_stability_by_hand(history, table):
    before = score_people(history, table, dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    after = score_people(history, table, dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    # 2024: B 365, K 120, A 2, C 2 -> top 50% = 2 people {B, K}; 2023 top 20% = {A, B}
    result = stability(before, after, share=0.5)
    assert result.later_top == 2 and result.earlier_top == 5
    assert result.both == 1  # B
    assert result.carried_over == pytest.approx(0.5)
    assert result.retained == pytest.approx(1 / 5)
    assert result.later_top_new_offenders == 1  # K
    tight = stability(before, after, share=0.2)
    assert (tight.earlier_top, tight.later_top, tight.both) == (2, 1, 1)
    assert tight.carried_over == 1.0 and tight.retained == 0.5
    empty = score_people(history, table, dt.date(2030, 1, 1), dt.date(2031, 1, 1))
    with pytest.raises(RiskInputError, match="no offences in the later period"):
        stability(before, empty)


def test_gini_and_top_count_by_hand():
    assert gini(np.array([1, 1, 1, 1])) == pytest.approx(0.0)
    assert gini(np.array([0, 0, 0, 4])) == pytest.approx(0.75)
    assert top_count(10, 0.1) == 1 and top_count(10, 0.01) == 1 and top_count(101, 0.1) == 11
    assert top_count(100, 0.07) == 7
    with pytest.raises(RiskInputError):
        top_count(10, 0)


def test_unknown_offence_is_named_with_its_line(tmp_path, table):
    path = tmp_path / "h.csv"
    path.write_text("who,when,what\nA,2023-01-01,robbery\nB,2023-01-02,arson\n")
    history = read_history(path, person="who", date="when", offence="what")
    with pytest.raises(RiskInputError, match=r"'arson' \(line 3\)"):
        score_people(history, table)


@pytest.mark.parametrize(("text", "message"), [
    ("", "is empty"),
    ("who,when\nA,2023-01-01\n", "'what' not found"),
    ("who,when,what\nA,01/13/2023x,robbery\n", r"'when' line 2: '01/13/2023x' is not a date"),
    ("who,when,what\n,2023-01-01,robbery\n", r"'who' line 2: value is missing"),
])
def test_bad_history_files(tmp_path, text, message):
    path = tmp_path / "h.csv"
    path.write_text(text)
    with pytest.raises(RiskInputError, match=message):
        read_history(path, person="who", date="when", offence="what")


def test_shipped_tables_are_cited_and_versioned():
    assert {"cchi-style-illustrative", "count"} <= set(available_tables())
    cchi = load_harm_table("cchi-style-illustrative")
    assert cchi.status == "illustrative" and "Sherman" in cchi.citation
    assert cchi.how_to_replace and cchi.version == "1"
    assert cchi.weights["homicide"] == 15 * 365 and cchi.weights["rape"] == 5 * 365
    assert normalise_offence("  Domestic_burglary ") == "domestic burglary"
    with pytest.raises(RiskInputError, match="neither a JSON file"):
        load_harm_table("no-such-table")


def test_bad_table_file(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({**TABLE, "weights": {"robbery": -1}}))
    with pytest.raises(RiskInputError, match="numbers ≥ 0"):
        load_harm_table(str(path))
    path.write_text(json.dumps({"name": "x"}))
    with pytest.raises(RiskInputError, match="lacks field"):
        load_harm_table(str(path))


def test_synthetic_histories_are_seeded_and_skewed(tmp_path):
    first = offence_histories(800, seed=7)
    assert first.equals(offence_histories(800, seed=7))
    assert not first.equals(offence_histories(800, seed=8))
    path = tmp_path / "h.csv"
    first.to_csv(path, index=False)
    history = read_history(path, person="person_id", date="offence_date", offence="offence_type")
    scores = score_people(history, load_harm_table("cchi-style-illustrative"))
    result = concentration(scores)
    top10 = next(r for r in result.rows if r.share == 0.10)
    # a small share of people commit a large share of offences and most of the harm
    assert top10.offence_share > 0.3
    assert top10.harm_share > 0.5
    assert result.gini > 0.6


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=1, max_size=50))
def test_concentration_properties(harms):
    scores = pd.DataFrame({"person": [f"p{i}" for i in range(len(harms))],
                           "harm": sorted(harms, reverse=True),
                           "offences": [1] * len(harms)})
    result = concentration(scores, (0.01, 0.05, 0.1, 0.5, 1.0))
    shares = [r.harm_share for r in result.rows]
    assert shares == sorted(shares)
    assert all(0 <= s <= 1 + 1e-12 for s in shares)
    if sum(harms):
        assert shares[-1] == pytest.approx(1.0)
        # the top share of people hold at least their share of harm
        assert all(r.harm_share >= r.people / len(harms) - 1e-9 for r in result.rows)
    assert 0 <= result.gini < 1
