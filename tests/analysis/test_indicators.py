"""Rises, outcomes, stop and search, concentration, deprivation, cost and peers against hand
computations on the built warehouse (see conftest)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from crimeplan.analysis.concentration import concentration
from crimeplan.analysis.cost import CostTable, cost_of_crime
from crimeplan.analysis.deprivation import deprivation
from crimeplan.analysis.indicators import COLUMNS, frame
from crimeplan.analysis.outcomes import outcome_shares
from crimeplan.analysis.peers import peer_group
from crimeplan.analysis.rises import Period, default_periods, largest_rises
from crimeplan.analysis.scope import ScopeError, resolve_scope
from crimeplan.analysis.stop_search import disproportionality, stop_search_summary


@pytest.fixture(scope="module")
def year(con):
    return resolve_scope(con, force="essex", start="2018-01", end="2018-12")


def test_rises_leave_out_forces_with_gaps(con):
    rises = largest_rises(con, resolve_scope(con), "force", min_count=5)
    assert (rises.before.label, rises.after.label) == ("2017-01 to 2017-12", "2018-01 to 2018-12")
    assert rises.excluded_forces == ("kent",)
    row = rises.table.set_index("area").loc["essex"]
    assert (row.before, row.after, row.change) == (270, 414, 144)
    assert row["pct_change"] == pytest.approx(100 * 144 / 270)
    assert "left out for missing months: kent" in rises.note()


def test_rises_by_district(con):
    rises = largest_rises(con, resolve_scope(con, force="essex"), "lad", min_count=5)
    table = rises.table.set_index("area")
    assert table.loc["E07000001", ["name", "before", "after"]].tolist() == ["Alpha", 246, 390]
    assert table.loc["E07000002", "change"] == 0
    assert list(rises.top_absolute()["area"]) == ["E07000001"]


def test_rises_minimum_count_guard_and_categories(con, year):
    rises = largest_rises(con, year, "category", before=Period(dt.date(2018, 1, 1),
                          dt.date(2018, 1, 1)), after=Period(dt.date(2018, 12, 1),
                          dt.date(2018, 12, 1)), min_count=10)
    table = rises.table.set_index("area")
    assert table.loc["burglary", "pct_change"] == pytest.approx(50.0)   # 22 -> 33
    assert not table.loc["violent-crime", "eligible"]                   # 5 < 10
    assert list(rises.top_percentage()["area"]) == ["burglary"]
    assert list(rises.top_absolute()["area"]) == ["burglary"]
    with pytest.raises(ScopeError):
        largest_rises(con, year, "district")


def test_default_periods_split_short_spans(con):
    scope = resolve_scope(con, force="essex", start="2018-01", end="2018-07")
    before, after = default_periods(scope)
    assert (before.label, after.label) == ("2018-02 to 2018-04", "2018-05 to 2018-07")


def test_outcome_shares(con, year):
    out = outcome_shares(con, year)
    violence = out.table[out.table.category == "violent-crime"].set_index("outcome_group")
    assert violence["share_pct"].to_dict() == pytest.approx({
        "Charged or summonsed": 20.0, "No suspect identified": 40.0,
        "Under investigation": 20.0, "No outcome recorded": 20.0})
    everything = out.table[out.table.category == "all"]
    assert everything["crimes"].sum() == 414
    assert out.pivot().loc["violent-crime"].sum() == pytest.approx(100.0)


def test_stop_search_rates(con):
    met = resolve_scope(con, force="Metropolitan Police Service", dataset="stop-and-search")
    total = stop_search_summary(con, met).table.iloc[0]
    assert (total.searches, total.arrests, total.finds, total.link_unrecorded) == (10, 4, 4, 3)
    assert total.arrest_rate_pct == pytest.approx(40.0)
    assert total.find_rate_pct == pytest.approx(100 * 4 / 7)   # 3 links unrecorded
    by_law = stop_search_summary(con, met, "legislation").table.set_index("group")
    assert by_law.loc["Police and Criminal Evidence Act 1984 (section 1)", "searches"] == 4
    assert by_law.loc["Misuse of Drugs Act 1971 (section 23)", "find_rate_pct"] == \
        pytest.approx(100 * 4 / 6)
    assert by_law.loc["Police and Criminal Evidence Act 1984 (section 1)",
                      "find_rate_pct"] == 0.0                  # 0 of the 1 recorded


def test_disproportionality_ratio(con):
    met = resolve_scope(con, force="metropolitan", dataset="stop-and-search")
    table = disproportionality(con, met, {"White": 600, "Black": 100}).table.set_index("group")
    assert table.loc["White", "rate_per_1000"] == pytest.approx(10.0)
    assert table.loc["Black", "rate_per_1000"] == pytest.approx(40.0)
    assert table.loc["Black", "ratio"] == pytest.approx(4.0)
    with pytest.raises(ScopeError, match="no group 'White'"):
        disproportionality(con, met, {"Black": 100})


def test_concentration_on_lsoas_and_points(con, year):
    c = concentration(con, year, "lsoa")
    assert (c.n_places, c.crimes) == (3, 414)
    assert c.top_share_pct[1] == pytest.approx(100 * 330 / 414)
    # ascending 24, 60, 330: 2·(1·24 + 2·60 + 3·330)/(3·414) − 4/3
    assert c.gini == pytest.approx(2 * 1134 / (3 * 414) - 4 / 3)
    # map points: A (330 at one point), 5 violence points (12 each), C (24)
    assert c.repeat_locations == 7 and c.repeat_share_pct == pytest.approx(100.0)
    points = concentration(con, year, "location")
    assert points.n_places == 7
    assert points.top_share_pct[10] == pytest.approx(100 * 330 / 414)


def test_gini_is_zero_for_equal_places(con):
    scope = resolve_scope(con, force="essex", start="2018-01", end="2018-12")
    c = concentration(con, scope, "location", category="violent-crime")
    assert c.gini == pytest.approx(0.0, abs=1e-12)
    assert c.top_share_pct[1] == pytest.approx(20.0)


def test_deprivation_by_decile(con, year):
    d = deprivation(con, year)
    assert d.by_decile.set_index("imd_decile")["rate_per_1000"].to_dict() == pytest.approx(
        {1: 330.0, 5: 30.0, 10: 16.0})
    assert d.spearman_rho == pytest.approx(-1.0)
    assert "crime domain" in d.note()
    assert any("crime domain" in r.note for r in d.rows())


def test_cost_of_crime(con, year):
    cost = cost_of_crime(con, year)
    assert cost.total == pytest.approx(330 * 5930 + 60 * 5930)
    assert cost.uncosted_crimes == 24
    assert cost.costs.price_base == "2015/16 prices"
    assert "Heeks" in cost.costs.citation


def test_user_cost_table_checked(tmp_path):
    assert CostTable.load().version == "heeks-2018-v1"
    (tmp_path / "metadata.json").write_text(
        '{"version": "mine", "citation": "me", "price_base": "2020/21 prices"}')
    (tmp_path / "unit_costs.csv").write_text("offence,unit_cost_gbp,victim\nBurglary,100,x\n")
    (tmp_path / "police_uk_mapping.csv").write_text(
        "category,offence,limit\nburglary,Burglary,\nrobbery,Robbery,\n")
    with pytest.raises(ScopeError, match=r"police_uk_mapping.csv: row 3, field offence"):
        CostTable.load(tmp_path)
    (tmp_path / "police_uk_mapping.csv").write_text("category,offence,limit\nburglary,Burglary,\n")
    assert CostTable.load(tmp_path).unit_costs == {"Burglary": 100.0}


def test_peer_group_distances(con):
    peers = peer_group(con, "E07000001", "lad", n=2)
    # features: Alpha (3000, 1000/km², 33.3%), Beta (1500, 500, 0%), Gamma (500, 125, 100%)
    pop = np.log10([3000, 1500, 500])
    dens = np.log10([1000, 500, 125])
    dep = np.array([100 / 3, 0.0, 100.0])
    z = np.column_stack([(f - f.mean()) / f.std() for f in (pop, dens, dep)])
    expect = [math.dist(z[0], z[1]), math.dist(z[0], z[2])]
    assert list(peers.peers["area"]) == ["E07000002", "E07000003"]
    assert list(peers.peers["distance"]) == pytest.approx(expect)
    forces = peer_group(con, "Essex Police", "force", n=1)
    assert list(forces.peers["area"]) == ["kent"]


def test_indicator_rows_are_tidy(con, year):
    rows = frame([*concentration(con, year).rows(), *cost_of_crime(con, year).rows()])
    assert tuple(rows.columns) == COLUMNS
    assert rows["value"].notna().all()
