"""Indicators on a small real slice (Essex street crime June-July 2018, Met stop and search
July 2018) against independent counts made with pandas from the published CSV files."""

from __future__ import annotations

import pandas as pd
import pytest
from builder import real_slice_home

from crimeplan.analysis import (
    concentration,
    cost_of_crime,
    crime_rates,
    deprivation,
    largest_rises,
    monthly_counts,
    outcome_shares,
    resolve_scope,
    stop_search_summary,
)
from crimeplan.standard.codes import crime_category, outcome_category
from crimeplan.store import Warehouse


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    home = tmp_path_factory.mktemp("real")
    files = real_slice_home(home)
    june = pd.read_csv(files / "2018-06/2018-06-essex-street.csv", dtype=str)
    july = pd.read_csv(files / "2018-07/2018-07-essex-street.csv", dtype=str)
    search = pd.read_csv(files / "2018-07/2018-07-metropolitan-stop-and-search.csv", dtype=str)
    con = Warehouse(home).connect()
    yield con, june, july, search
    con.close()


def slugs(frame: pd.DataFrame) -> pd.Series:
    return frame["Crime type"].map(lambda t: crime_category(t).slug)


def test_trends_match_csv_counts(real):
    con, _, july, _ = real
    t = monthly_counts(con, resolve_scope(con, force="essex", start="2018-06", end="2018-07"))
    got = t.monthly[t.monthly["month"].astype(str) == "2018-07-01"].set_index("category")
    expect = slugs(july).value_counts()
    for category, n in expect.items():
        assert got.loc[category, "crimes"] == n
    assert got.loc["all", "crimes"] == len(july)


def test_rises_between_the_two_months(real):
    con, june, july, _ = real
    rises = largest_rises(con, resolve_scope(con, force="essex"), "category", min_count=50)
    table = rises.table.set_index("area")
    before, after = slugs(june).value_counts(), slugs(july).value_counts()
    assert table["before"].to_dict() == before.to_dict()
    assert table["after"].to_dict() == after.to_dict()
    top = rises.top_percentage().iloc[0]
    eligible = before[before >= 50]
    pct = (100 * (after[eligible.index] - eligible) / eligible).sort_values(ascending=False)
    assert top["area"] == pct.index[0] and top["pct_change"] == pytest.approx(pct.iloc[0])


def test_outcome_shares_match_csv(real):
    con, _, july, _ = real
    out = outcome_shares(con, resolve_scope(con, force="essex", start="2018-07", end="2018-07"))
    crimes = july[slugs(july) != "anti-social-behaviour"]
    groups = crimes["Last outcome category"].map(
        lambda o: outcome_category(o).group if isinstance(o, str) else "No outcome recorded")
    expect = (100 * groups.value_counts() / len(crimes)).to_dict()
    got = out.table[out.table.category == "all"].set_index("outcome_group")["share_pct"]
    assert got.to_dict() == pytest.approx(expect)


def test_stop_search_matches_csv(real):
    con, _, _, search = real
    scope = resolve_scope(con, force="met", dataset="stop-and-search")
    total = stop_search_summary(con, scope).table.iloc[0]
    arrests = search["Outcome"].fillna("").str.lower().str.contains("arrest").sum()
    assert total.searches == len(search)
    assert total.arrests == arrests
    assert total.arrest_rate_pct == pytest.approx(100 * arrests / len(search))
    by_law = stop_search_summary(con, scope, "legislation").table.set_index("group")
    expect = search["Legislation"].fillna("Not recorded").value_counts()
    assert by_law["searches"].to_dict() == expect.to_dict()


def test_repeat_locations_and_cost_match_csv(real):
    con, _, july, _ = real
    scope = resolve_scope(con, force="essex", start="2018-07", end="2018-07")
    c = concentration(con, scope, "location")
    located = july.dropna(subset=["Longitude", "Latitude"])
    per_point = located.groupby(["Longitude", "Latitude"]).size()
    assert c.repeat_locations == (per_point >= 2).sum()
    assert c.n_places == len(per_point)
    top = per_point.sort_values(ascending=False)
    k = -(-len(top) // 100)                        # ceil(1% of places)
    assert c.top_share_pct[1] == pytest.approx(100 * top.iloc[:k].sum() / len(located))
    cost = cost_of_crime(con, scope)
    burglary = (slugs(july) == "burglary").sum()
    row = cost.table.set_index("category").loc["burglary"]
    assert row.cost_gbp == pytest.approx(burglary * 5930)


def test_district_rate_matches_reference_files(real):
    con, _, july, _ = real
    pop = pd.read_csv("data/sample/reference/File_6_-_IoD2019_Population_Denominators.csv.gz",
                      dtype=str)
    southend = pop[pop["Local Authority District code (2019)"] == "E06000033"]
    people = southend["Total population: mid 2015 (excluding prisoners)"].str.replace(
        ",", "").astype(int).sum()
    scope = resolve_scope(con, force="essex", start="2018-07", end="2018-07")
    rates = crime_rates(con, scope, "lad").table.set_index("area").loc["E06000033"]
    assert rates.population == people
    located = con.execute(
        "SELECT count(*) FROM street WHERE month = DATE '2018-07-01' AND "
        "coalesce(lsoa11_code, lsoa_code) IN (SELECT lsoa11_code FROM ref_lsoa "
        "WHERE lad19_code = 'E06000033')").fetchall()[0][0]
    published = july["LSOA code"].isin(set(southend["LSOA code (2011)"])).sum()
    assert abs(located - published) <= 0.01 * published   # computed vs published LSOA codes
    assert rates.rate_per_1000 == pytest.approx(1000 * located / people)


def test_deprivation_deciles_match_reference_files(real):
    con, _, _, _ = real
    ref = "data/sample/reference/"
    imd = pd.read_csv(ref + "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz", dtype=str)
    pop = pd.read_csv(ref + "File_6_-_IoD2019_Population_Denominators.csv.gz", dtype=str)
    lsoas = imd.merge(pop, on="LSOA code (2011)")
    lsoas["decile"] = lsoas.iloc[:, 5].astype(int)
    lsoas["people"] = lsoas["Total population: mid 2015 (excluding prisoners)"].str.replace(
        ",", "").astype(int)
    districts = {"Southend-on-Sea", "Basildon", "Colchester", "Chelmsford"}
    lsoas = lsoas[lsoas["Local Authority District name (2019)_x"].isin(districts)]
    rows = con.execute("SELECT coalesce(lsoa11_code, lsoa_code) AS code FROM street "
                       "WHERE month = DATE '2018-07-01'").df()
    crimes = rows["code"].value_counts()
    lsoas["crimes"] = lsoas["LSOA code (2011)"].map(crimes).fillna(0)
    by_decile = lsoas.groupby("decile")[["crimes", "people"]].sum()
    expect = (1000 * by_decile["crimes"] / by_decile["people"]).to_dict()
    d = deprivation(con, resolve_scope(con, force="essex", start="2018-07", end="2018-07"))
    assert set(d.areas.districts) == districts
    got = d.by_decile.set_index("imd_decile")["rate_per_1000"].to_dict()
    assert got == pytest.approx(expect)
