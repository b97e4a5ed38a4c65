"""Place fairness audit numbers against hand computations on a four-cell world (conftest)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.forecast.metrics import flagged_cells
from crimeplan.governance.forecast_run import ForecastRun, PeriodWindow
from crimeplan.governance.places import audit_places
from crimeplan.governance.places_io import run_place_audit
from crimeplan.provenance.filelog import AuditLog
from crimeplan.report.html import assert_self_contained
from crimeplan.store.warehouse import Warehouse

runner = CliRunner()


def _audit(home, run_id, **kw):
    con = Warehouse(home).connect(read_only=True)
    try:
        return run_place_audit(con, AuditLog(home).find(run_id), **kw)
    finally:
        con.close()


def test_shares_and_disparity_by_hand(toy_home):
    home, run_id = toy_home
    audit = _audit(home, run_id, coverage=0.5, n_boot=500)
    assert audit.cells == 4 and audit.cells_outside_areas == 0 and audit.crimes == 8
    (result,) = audit.results
    t = result.table.set_index("group")
    assert list(t.index) == ["1", "10"]
    # Jan: cells 0,1 flagged (A), weights 4/7, 3/7; Feb: cells 0 (A) and 2 (B), 5/8 and 3/8
    assert t.loc["1", "attention_share"] == pytest.approx((1 + 5 / 8) / 2)
    assert t.loc["10", "attention_share"] == pytest.approx(3 / 16)
    assert t.loc["1", "flagged_share"] == pytest.approx(3 / 4)
    assert t.loc["1", "crimes"] == 3 and t.loc["10", "crimes"] == 5
    assert t.loc["1", "crime_share"] == pytest.approx(3 / 8)
    assert t.loc["1", "resident_share"] == pytest.approx(0.25)
    assert t.loc["1", "attention_per_crime_share"] == pytest.approx((13 / 16) / (3 / 8))
    d = result.disparity_crime
    assert d.estimate == pytest.approx(7 / 16)
    # resampling the periods: Jan twice gives 0.5, Feb twice 0.375, one of each 7/16
    assert 0.375 - 1e-9 <= d.low <= d.estimate <= d.high <= 0.5 + 1e-9
    # chance level: k of 8 crimes drawn into A (attention 13/16) gives |13 - 2k| / 16
    assert d.chance in {abs(13 - 2 * k) / 16 for k in range(9)}
    r = result.disparity_residents
    assert r.estimate == pytest.approx(9 / 16)
    # resampling the two periods gives 0.375 (Feb twice), 0.5625 or 0.75 (Jan twice)
    assert 0.375 - 1e-9 <= r.low <= r.high <= 0.75 + 1e-9
    c = result.concentration.set_index("period")
    assert c.loc["2018-01", "top_group"] == "1"
    assert c.loc["2018-01", "top_group_share"] == pytest.approx(1.0)
    assert c.loc["2018-01", "gini_across_groups"] == pytest.approx(0.5)
    assert c.loc["2018-02", "persistence"] == pytest.approx(0.5)


def test_rank_weighting_by_hand(toy_home):
    home, run_id = toy_home
    (result,) = _audit(home, run_id, coverage=0.5, weighting="rank", n_boot=50).results
    # Jan: weights 2, 1 both in A; Feb: 2 in A, 1 in B
    assert result.table.set_index("group").loc["1", "attention_share"] == pytest.approx(5 / 6)


def test_bootstrap_is_repeatable(toy_home):
    home, run_id = toy_home
    a = _audit(home, run_id, coverage=0.5, n_boot=200).results[0].disparity_crime
    b = _audit(home, run_id, coverage=0.5, n_boot=200).results[0].disparity_crime
    assert a == b


def test_imd_file_with_extra_attribute(toy_home, tmp_path):
    home, run_id = toy_home
    attrs = tmp_path / "areas.csv"
    attrs.write_text("lsoa11_code,imd_decile,ward\nE01000001,2,North\nE01000002,9,South\n")
    audit = _audit(home, run_id, imd_file=attrs, coverage=0.5, n_boot=50)
    assert [(r.attribute, list(r.table["group"])) for r in audit.results] == [
        ("imd_decile", ["2", "9"]), ("ward", ["North", "South"])]
    # residents still come from the warehouse when the file has no population column
    assert audit.results[1].disparity_residents.estimate == pytest.approx(9 / 16)


@pytest.mark.parametrize(("content", "message"), [
    ("code,imd_decile\nE01000001,2\nE01000001,3\n", "row 3, field code"),
    ("lsoa11_code,imd_decile,population\nE01000001,2,lots\n", "row 2, field population"),
    ("name,imd_decile\nE01000001,2\n", "no area-code column"),
])
def test_bad_attribute_files_name_row_and_field(toy_home, tmp_path, content, message):
    home, run_id = toy_home
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = runner.invoke(app, ["audit", "places", run_id, "--imd", str(bad), "--home",
                                 str(home)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "bad.csv" in "".join(result.output.splitlines())


def test_cli_places_records_an_audit_run(toy_home, tmp_path):
    home, run_id = toy_home
    out = tmp_path / "audit"
    result = runner.invoke(app, ["audit", "places", run_id[:12], "--coverage", "0.5", "--out",
                                 str(out), "--json", "--purpose", "PCC review", "--home",
                                 str(home)])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["results"][0]["disparity_vs_crime"]["estimate"] == pytest.approx(7 / 16)
    assert json.loads((out / "places.json").read_text())["crimes"] == 8
    assert "attention_share" in (out / "places.csv").read_text().splitlines()[0]
    assert_self_contained((out / "report.html").read_text())
    record = AuditLog(home).records()[-1]
    assert record["kind"] == "audit.places" and record["parameters"]["run"] == run_id
    assert record["purpose"] == "PCC review"
    assert AuditLog(home).verify().ok


def test_places_refuses_a_run_that_is_not_a_forecast(toy_home):
    home, run_id = toy_home
    assert runner.invoke(app, ["audit", "places", run_id, "--home", str(home)]).exit_code == 0
    audit_run = AuditLog(home).records()[-1]["run_id"]
    result = runner.invoke(app, ["audit", "places", audit_run, "--home", str(home)])
    assert result.exit_code == 2 and "not a forecast run" in " ".join(result.output.split())


def forecast_run(scores: list[list[float]]) -> ForecastRun:
    """A run of model "m" scoring cells ``k_0`` in months 2018-01, 2018-02…, ranked as the
    forecast files rank them (1 = highest, ties share the best rank)."""
    cells = [f"{k}_0" for k in range(len(scores[0]))]
    labels = [f"2018-0{t + 1}" for t in range(len(scores))]
    forecasts = {}
    for label, row in zip(labels, scores, strict=True):
        frame = pd.DataFrame({"cell_id": cells, "x_min": 0.0, "y_min": 0.0, "x_max": 1.0,
                              "y_max": 1.0, "score": [float(c) for c in row]})
        frame["rank"] = frame["score"].rank(ascending=False, method="min").astype(int)
        forecasts[label] = frame
    windows = {label: PeriodWindow(label, pd.Timestamp(f"{label}-01"),
                                   pd.Timestamp(f"{label}-01") + pd.DateOffset(months=1))
               for label in labels}
    return ForecastRun("r", "toy", None, "EPSG:27700", {"m": forecasts}, windows)


#: Ten cells: 0-4 in an area of IMD decile 1, 5-9 in one of decile 10.
TEN_CELLS = pd.Series(["E01"] * 5 + ["E02"] * 5, index=[f"{k}_0" for k in range(10)])
DECILES = pd.DataFrame({"imd_decile": [1, 10]}, index=["E01", "E02"])


@pytest.mark.parametrize("weighting", ["score", "rank"])
def test_ties_at_the_cut_off_count_by_expectation(weighting):
    """A naive forecast: crime last period in two cells of decile 1, zero in the other eight.

    At 40% coverage four cells are flagged: the two with crime, and two places left for the
    eight tied zeros, each flagged with chance 2/8 (three in decile 1, five in decile 10).
    """
    naive = [3.0, 2.0] + [0.0] * 8
    audit = audit_places(forecast_run([naive, naive]), TEN_CELLS, DECILES, None, None,
                         coverage=0.4, weighting=weighting, n_boot=20)
    (result,) = audit.results
    t = result.table.set_index("group")
    assert t.loc["1", "flagged_share"] == pytest.approx((2 + 3 * 2 / 8) / 4)
    assert t.loc["10", "flagged_share"] == pytest.approx(5 * 2 / 8 / 4)
    c = result.concentration
    assert c["flagged_cells"].tolist() == [4, 4]  # not all ten
    # the same two cells, and each tied cell again with chance 2/8: 2 + 8/16 of 4 cells
    assert c["persistence"].iloc[1] == pytest.approx((2 + 8 * (2 / 8) ** 2) / 4)
    if weighting == "score":  # zero scores get no attention
        assert t.loc["1", "attention_share"] == pytest.approx(1.0)
    else:  # weights k + 1 - rank: 4 and 3, and 2 for each tied cell (rank 3) picked
        assert t.loc["1", "attention_share"] == pytest.approx((4 + 3 + 2 * 3 * 2 / 8) / 11)


def test_flagged_cells_follow_the_metrics_rounding():
    # 33% of ten cells is 3.3: the metrics flag 3 cells (nearest whole number), so does the audit
    scores = [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    (result,) = audit_places(forecast_run([scores]), TEN_CELLS, DECILES, None, None,
                             coverage=0.33, n_boot=20).results
    assert result.concentration["flagged_cells"].tolist() == [3]
    assert result.table.set_index("group").loc["1", "flagged_share"] == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=10, max_size=10), min_size=1, max_size=3),
       st.sampled_from([0.05, 0.1, 0.25, 0.5, 1.0]))
def test_every_period_flags_the_metrics_number_of_cells(scores, coverage):
    (result,) = audit_places(forecast_run(scores), TEN_CELLS, DECILES, None, None,
                             coverage=coverage, n_boot=20).results
    k = int(flagged_cells((coverage,), 10)[0])
    assert result.concentration["flagged_cells"].tolist() == [k] * len(scores)
    assert result.table["flagged_share"].sum() == pytest.approx(1.0)
    assert result.table["attention_share"].sum() == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.integers(0, 9), min_size=n, max_size=n), min_size=1, max_size=4),
    st.lists(st.sampled_from(["1", "5", "10", None]), min_size=n, max_size=n))))
def test_place_audit_properties(world):
    """Shares sum to 1, the index lies in [0, 1], and attention proportional to crime gives 0."""
    counts, areas = world
    run = forecast_run(counts)
    cells = [f"{k}_0" for k in range(len(areas))]
    labels = sorted(run.periods)
    codes = [None if a is None else f"E0{k}" for k, a in enumerate(areas)]
    attributes = pd.DataFrame({"decile": [a for a in areas if a is not None]},
                              index=[c for c in codes if c is not None])
    crime = pd.DataFrame(counts, index=labels, columns=cells)
    audit = audit_places(run, pd.Series(codes, index=cells), attributes, None, crime,
                         coverage=1.0, weighting="score", n_boot=20)
    (result,) = audit.results
    t = result.table
    assert t["attention_share"].sum() == pytest.approx(1.0)
    assert t["flagged_share"].sum() == pytest.approx(1.0)
    assert t["cells"].sum() == len(cells)
    total = sum(map(sum, counts))
    if total == 0:
        assert result.disparity_crime is None
        return
    assert t["crime_share"].sum() == pytest.approx(1.0)
    d = result.disparity_crime
    assert 0 <= d.low <= d.high <= 1 and 0 <= d.chance <= 1
    # every period scores cells by that period's crime and all cells are flagged: when every
    # period has the same share of crime, attention is exactly proportional to crime
    per_period = [sum(row) for row in counts]
    if len(set(per_period)) == 1:
        assert d.estimate == pytest.approx(0.0, abs=1e-12)
