"""National benchmarking on the official series: Home Office recorded offences per 1,000
residents by force for one financial year, ranked, with each force's police.uk crime count
(anti-social behaviour excluded) and the number of its months loaded in that year beside it.

Populations are the force areas' LSOA populations (mid-2015, IMD 2019 denominators), so forces
without them (Wales: the IMD covers England only; British Transport Police) get no rate and are
named. Rows for bodies that are not forces (Action Fraud) are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from crimeplan.analysis import sql
from crimeplan.analysis.areas import IMD_DENOMINATOR, lsoa_force
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import ScopeError, require_reference
from crimeplan.sources.home_office import RecordedCrime


@dataclass(frozen=True)
class OfficialBenchmark:
    """Offences, population, rate and rank per force for one financial year."""

    financial_year: str
    table: pd.DataFrame  # force, force_name, quarters, offences, police_uk_months,
    #                      police_uk_crimes (crimes, ASB excluded), population,
    #                      rate_per_1000, rank
    without_rate: tuple[str, ...]

    @property
    def unit(self) -> str:
        return (f"recorded offences per 1,000 residents, financial year {self.financial_year} "
                f"({IMD_DENOMINATOR})")

    def note(self) -> str:
        parts = ["Home Office police recorded crime open data tables"]
        short = self.table[self.table["quarters"] < 4]
        if len(short):
            parts.append("fewer than 4 quarters in the table: " + ", ".join(
                f"{r.force_name} ({r.quarters})" for r in short.itertuples()))
        if self.without_rate:
            parts.append("no population, so no rate: " + ", ".join(self.without_rate))
        return "; ".join(parts)

    def rows(self) -> list[IndicatorRow]:
        """Every column of the table, one indicator each."""
        note, out = self.note(), []
        columns = (("quarters", "official_quarters", "quarters in the table"),
                   ("offences", "official_offences", "recorded offences (Home Office)"),
                   ("police_uk_months", "police_uk_months", "street months loaded"),
                   ("police_uk_crimes", "police_uk_crimes",
                    "police.uk crimes (anti-social behaviour excluded)"),
                   ("population", "official_population", f"residents ({IMD_DENOMINATOR})"),
                   ("rate_per_1000", "official_rate", self.unit),
                   ("rank", "official_rank", "rank by rate (1 = highest)"))
        for r in self.table.itertuples():
            for column, name, unit in columns:
                value = getattr(r, column)
                if pd.notna(value):
                    out.append(IndicatorRow(name, "force", str(r.force), self.financial_year,
                                            "all", float(value), unit, note))
        return out


def official_benchmark(con: duckdb.DuckDBPyConnection, recorded: RecordedCrime,
                       financial_year: str | None = None) -> OfficialBenchmark:
    """Rates and ranks of every force in one financial year (default: the latest)."""
    table = recorded.table[recorded.table["force"].notna()]
    years = sorted(table["financial_year"].unique())
    if not years:
        raise ScopeError(f"{recorded.source}: no rows for police forces")
    year = financial_year or years[-1]
    if year not in years:
        raise ScopeError(f"{recorded.source}: no financial year {year!r} "
                         f"(has {', '.join(years)})")
    rows = table[table["financial_year"] == year]
    offences = rows.groupby(["force", "force_name"], as_index=False).agg(
        quarters=("quarter", "nunique"), offences=("offences", "sum"))
    require_reference(con, "ref_lsoa")
    forces_sql, forces_params = lsoa_force(con)
    population = sql.frame(
        con, "SELECT lf.force, sum(r.population) AS population FROM ref_lsoa r "
             f"JOIN ({forces_sql}) lf USING (lsoa11_code) GROUP BY 1", forces_params)
    start = dt.date(int(year[:4]), 4, 1)
    span = {"start": start, "end": dt.date(start.year + 1, 3, 1)}
    police_uk = sql.frame(
        con, "SELECT force, count(*) AS police_uk_crimes FROM street WHERE month BETWEEN "
             "$start AND $end AND category <> 'anti-social-behaviour' GROUP BY 1", span)
    months = sql.frame(
        con, "SELECT force, count(*) AS police_uk_months FROM partitions WHERE dataset = "
             "'street' AND month BETWEEN $start AND $end GROUP BY 1", span)
    out = (offences.merge(population, on="force", how="left")
           .merge(police_uk, on="force", how="left").merge(months, on="force", how="left"))
    out["police_uk_months"] = out["police_uk_months"].fillna(0).astype("int64")
    out["population"] = out["population"].astype("float64")
    out["rate_per_1000"] = 1000.0 * out["offences"] / out["population"].where(
        out["population"] > 0)
    out["rank"] = out["rate_per_1000"].rank(ascending=False, method="min").astype("Int64")
    out = out.sort_values(["rank", "force"], na_position="last").reset_index(drop=True)
    without = tuple(out.loc[out["rate_per_1000"].isna(), "force_name"])
    return OfficialBenchmark(year, out[["force", "force_name", "quarters", "offences",
                                        "police_uk_months", "police_uk_crimes", "population",
                                        "rate_per_1000", "rank"]], without)
