"""Shipped harm tables: each parses, and the cost-based one agrees with the cost-of-crime table."""

from __future__ import annotations

import csv
from importlib import resources

import pandas as pd
import pytest

from crimeplan.risk.harm import available_tables, load_harm_table

#: Offence types of the cost-based harm table and the unit-cost row each is costed at.
COSTED_AS = {
    "homicide": "Homicide", "rape": "Rape", "wounding with intent": "Violence with injury",
    "assault with injury": "Violence with injury", "common assault": "Violence without injury",
    "robbery": "Robbery", "domestic burglary": "Domestic burglary",
    "vehicle theft": "Theft of vehicle", "criminal damage": "Criminal damage - other",
}


@pytest.mark.parametrize("name", available_tables())
def test_every_shipped_table_parses_with_a_citation(name: str) -> None:
    table = load_harm_table(name)
    assert table.citation and table.unit and table.version


def test_cost_table_weights_are_the_shipped_unit_costs() -> None:
    text = resources.files("crimeplan.data").joinpath("cost_of_crime/unit_costs.csv").read_text()
    costs = {r["offence"]: float(r["unit_cost_gbp"]) for r in csv.DictReader(text.splitlines())}
    table = load_harm_table("heeks-2018-cost")
    assert table.status == "published"
    assert {k: float(v) for k, v in table.weights.items()} == {
        offence: costs[row] for offence, row in COSTED_AS.items()}
    weighed = table.weigh(pd.Series(["Homicide", "shoplifting", "Common Assault"]))
    assert weighed.tolist() == [3_217_740.0, 0.0, 5_930.0]  # uncosted types weigh 0
