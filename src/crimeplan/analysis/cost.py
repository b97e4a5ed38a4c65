"""Cost of crime: recorded crimes × Home Office unit costs (Heeks et al. 2018, 2015/16 prices).

The unit costs and the police.uk mapping are a versioned, cited table shipped as package data
(``crimeplan/data/cost_of_crime``); users can replace it with a folder holding the same three
files. Each police.uk category is costed at one offence's rate, or not at all; the mapping's
``limit`` column says what that misses.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from crimeplan.analysis import sql
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import Scope, ScopeError

FILES = ("metadata.json", "unit_costs.csv", "police_uk_mapping.csv")


@dataclass(frozen=True)
class CostTable:
    """Unit costs per offence, the police.uk category mapping and their provenance."""

    version: str
    citation: str
    price_base: str
    unit_costs: dict[str, float]
    mapping: pd.DataFrame  # category, offence (None = not costed), limit
    source: str

    @classmethod
    def load(cls, folder: Path | None = None) -> CostTable:
        """The shipped table, or a user's folder with the same three files."""
        if folder is None:
            base = resources.files("crimeplan") / "data" / "cost_of_crime"
            texts = {name: (base / name).read_text(encoding="utf-8") for name in FILES}
            source = "crimeplan/data/cost_of_crime"
        else:
            missing = [n for n in FILES if not (folder / n).is_file()]
            if missing:
                raise ScopeError(f"{folder}: missing {', '.join(missing)}")
            texts = {n: (folder / n).read_text(encoding="utf-8-sig") for n in FILES}
            source = str(folder)
        meta = json.loads(texts["metadata.json"])
        for key in ("version", "citation", "price_base"):
            if key not in meta:
                raise ScopeError(f"{source}/metadata.json: missing field {key!r}")
        costs: dict[str, float] = {}
        for line, row in enumerate(csv.DictReader(texts["unit_costs.csv"].splitlines()), 2):
            try:
                costs[row["offence"].strip()] = float(row["unit_cost_gbp"])
            except (KeyError, ValueError, AttributeError):
                raise ScopeError(f"{source}/unit_costs.csv: row {line}, field unit_cost_gbp: "
                                 f"not a number: {row.get('unit_cost_gbp')!r}") from None
        rows = []
        for line, row in enumerate(
                csv.DictReader(texts["police_uk_mapping.csv"].splitlines()), 2):
            offence = (row.get("offence") or "").strip() or None
            if offence is not None and offence not in costs:
                raise ScopeError(f"{source}/police_uk_mapping.csv: row {line}, field offence: "
                                 f"{offence!r} is not in unit_costs.csv")
            rows.append({"category": row["category"].strip(), "offence": offence,
                         "limit": row.get("limit", "")})
        return cls(meta["version"], meta["citation"], meta["price_base"], costs,
                   pd.DataFrame(rows, columns=["category", "offence", "limit"]), source)


@dataclass(frozen=True)
class CrimeCost:
    """Estimated cost per category and in total, with the crimes left uncosted."""

    scope: Scope
    coverage: Coverage
    costs: CostTable
    table: pd.DataFrame  # category, crimes, offence, unit_cost_gbp, cost_gbp, limit

    @property
    def total(self) -> float:
        return float(self.table["cost_gbp"].sum())

    @property
    def uncosted_crimes(self) -> int:
        return int(self.table.loc[self.table["offence"].isna(), "crimes"].sum())

    @property
    def unit(self) -> str:
        return f"£, {self.costs.price_base} (unit costs {self.costs.version})"

    def note(self) -> str:
        parts = [self.coverage.note(),
                 f"{self.uncosted_crimes:,} crimes in categories with no unit cost not costed",
                 "each category costed at one offence's rate: see the mapping's limits"]
        return "; ".join(p for p in parts if p)

    def rows(self) -> list[IndicatorRow]:
        note, period, area = self.note(), self.scope.period, self.scope.label
        rows = []
        for r in self.table.itertuples():
            rows.append(IndicatorRow("crimes_in_period", "scope", area, period, r.category,
                                     float(r.crimes), "crimes", self.coverage.note()))
            if pd.notna(r.offence):
                rows.append(IndicatorRow("unit_cost", "scope", area, period, r.category,
                                         float(r.unit_cost_gbp), f"£ per crime, "
                                         f"{self.costs.price_base} ({r.offence})", r.limit))
                rows.append(IndicatorRow("cost_of_crime", "scope", area, period, r.category,
                                         float(r.cost_gbp), self.unit, r.limit))
        rows.append(IndicatorRow("cost_of_crime", "scope", area, period, "all", self.total,
                                 self.unit, note))
        return rows


def cost_of_crime(con: duckdb.DuckDBPyConnection, scope: Scope,
                  costs: CostTable | None = None) -> CrimeCost:
    """Crimes per category times the mapped unit cost."""
    costs = costs or CostTable.load()
    counts = sql.frame(con, f"""SELECT s.category, count(*) AS crimes FROM street s
                                WHERE {scope.where('s')} GROUP BY 1""", scope.params())
    table = counts.merge(costs.mapping, on="category", how="left")
    table["unit_cost_gbp"] = table["offence"].map(costs.unit_costs).astype("float64")
    table["cost_gbp"] = (table["crimes"] * table["unit_cost_gbp"]).fillna(0.0)
    table["offence"] = table["offence"].astype(object).where(table["offence"].notna(), None)
    table["limit"] = table["limit"].fillna("category not in the mapping; not costed")
    table = table.sort_values(["cost_gbp", "category"], ascending=[False, True])
    return CrimeCost(scope, coverage(con, scope, "street"), costs,
                     table.reset_index(drop=True).astype({"crimes": "int64"}))
