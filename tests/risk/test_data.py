"""Reading people from CSV: any column names, and clear errors naming file, column and line."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crimeplan.risk.data import check_protected_features, parse_list, read_risk_table
from crimeplan.risk.errors import RiskInputError


def _write(tmp_path, text, name="people.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = "pid,age,priors,charge,race,recid\n1,25,3,F,A,1\n2,40,0,M,B,0\n3,33,1,M,A,1\n"


def test_reads_named_columns_only(tmp_path):
    path = _write(tmp_path, GOOD)
    data = read_risk_table(path, features=["age", "priors", "charge"], target="recid",
                           protected=["race"], id_column="pid")
    assert list(data.features.columns) == ["age", "priors", "charge"]
    assert data.features["age"].tolist() == [25.0, 40.0, 33.0]
    assert data.categorical_features == ["charge"]
    assert data.target.tolist() == [1, 0, 1]
    assert data.protected["race"].tolist() == ["A", "B", "A"]
    assert data.ids.tolist() == ["1", "2", "3"]
    assert len(data.sha256) == 64


def test_yes_no_targets(tmp_path):
    path = _write(tmp_path, "a,y\n1,yes\n2,No\n3,TRUE\n")
    assert read_risk_table(path, features=["a"], target="y").target.tolist() == [1, 0, 1]


def test_missing_target_column_names_file_and_columns(tmp_path):
    path = _write(tmp_path, GOOD)
    with pytest.raises(RiskInputError) as err:
        read_risk_table(path, features=["age"], target="two_year_recid")
    assert str(path) in str(err.value) and "'two_year_recid' not found" in str(err.value)
    assert "'recid'" in str(err.value)  # lists what the file has


def test_stray_text_in_a_numeric_column_names_the_line(tmp_path):
    rows = "".join(f"{i},{20 + i},{i % 3},M,A,{i % 2}\n" for i in range(1, 20))
    path = _write(tmp_path, "pid,age,priors,charge,race,recid\n" + rows
                  + "20,unknown,1,F,B,1\n")
    with pytest.raises(RiskInputError, match=r"column 'age' line 21: 'unknown' is not a number"):
        read_risk_table(path, features=["age", "priors"], target="recid")


def test_text_with_too_many_levels_cannot_be_encoded(tmp_path):
    rows = "".join(f"name{i},{i % 2}\n" for i in range(80))
    path = _write(tmp_path, "name,recid\n" + rows)
    with pytest.raises(RiskInputError, match=r"column 'name' is not numeric and has 80 distinct"):
        read_risk_table(path, features=["name"], target="recid")


def test_missing_feature_value_names_the_line(tmp_path):
    path = _write(tmp_path, "age,recid\n20,1\n,0\n30,1\n")
    with pytest.raises(RiskInputError, match=r"column 'age' line 3: value is missing"):
        read_risk_table(path, features=["age"], target="recid")


def test_one_class_only(tmp_path):
    path = _write(tmp_path, "age,recid\n20,1\n25,1\n30,1\n")
    with pytest.raises(RiskInputError, match=r"'recid' has only one class"):
        read_risk_table(path, features=["age"], target="recid")
    # allowed when only evaluating (a group may have one outcome)
    data = read_risk_table(path, features=["age"], target="recid", require_two_classes=False)
    assert data.target.tolist() == [1, 1, 1]


def test_bad_target_value_names_the_line(tmp_path):
    path = _write(tmp_path, "age,recid\n20,1\n25,maybe\n")
    with pytest.raises(RiskInputError, match=r"'recid' line 3: target value 'maybe'"):
        read_risk_table(path, features=["age"], target="recid")


@pytest.mark.parametrize(("text", "message"), [("", "is empty"),
                                                ("age,recid\n", "no data rows")])
def test_empty_files(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(RiskInputError, match=message):
        read_risk_table(path, features=["age"], target="recid")


def test_missing_file(tmp_path):
    with pytest.raises(RiskInputError, match="file not found"):
        read_risk_table(tmp_path / "nope.csv", features=["age"])


def test_protected_features_need_the_flag():
    with pytest.raises(RiskInputError, match="--allow-protected-as-feature"):
        check_protected_features(["age", "sex"], ["race", "sex"], allow_protected=False)
    assert check_protected_features(["age", "sex"], ["race", "sex"], True) == ["sex"]
    assert check_protected_features(["age"], ["race"], False) == []


def test_parse_list():
    assert parse_list(" a, b ,,c ") == ["a", "b", "c"]
    assert parse_list(None) == []


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(-1000, 1000), st.sampled_from(["F", "M", "X"]),
                          st.integers(0, 1)), min_size=2, max_size=30))
def test_csv_round_trip(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("rt") / "p.csv"
    frame = pd.DataFrame(rows, columns=["count", "charge", "outcome"])
    frame.to_csv(path, index=False)
    data = read_risk_table(path, features=["count", "charge"], target="outcome",
                           require_two_classes=False)
    assert data.features["count"].tolist() == [float(v) for v in frame["count"]]
    assert data.features["charge"].tolist() == frame["charge"].tolist()
    assert data.target.tolist() == frame["outcome"].tolist()
    assert data.ids.tolist() == list(range(2, len(rows) + 2))  # file lines when no id column
