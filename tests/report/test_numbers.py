"""How reports print numbers: counts, money, shares and measures; tables built on them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from crimeplan.report.html import table
from crimeplan.report.numbers import count, decimal, money, money_summary, percent, rounded


def test_counts_print_as_integers_with_separators() -> None:
    assert count(13.0) == "13"
    assert count(np.int64(1220)) == "1,220"
    assert count(3217740) == "3,217,740"
    assert count(float("nan")) == count(None) == count(pd.NA) == ""


def test_money_to_the_penny_and_as_a_summary() -> None:
    assert money(3217740) == "£3,217,740.00"
    assert money(5930.5) == "£5,930.50"
    assert money(-12.5) == "-£12.50"
    assert money(-0.001) == "£0.00"
    assert money(None) == ""
    assert money_summary(3217740) == "£3.2m"
    assert money_summary(18_834_720) == "£18.8m"
    assert money_summary(1.44e9) == "£1.4bn"
    assert money_summary(950_000) == "£950,000"
    assert money_summary(-2_500_000) == "-£2.5m"


def test_shares_and_measures_with_stated_decimals() -> None:
    assert percent(0.1713) == "17.1%"
    assert percent(0.05, 0) == "5%"
    assert decimal(1234.5678, 1) == "1,234.6"
    assert rounded(2 / 3) == "0.667"          # not 0.6666666666666666
    assert rounded(8.0) == "8"
    assert rounded(1234.5678) == "1,234.568"
    assert rounded(0.00042) == "0.00042"      # small values keep two significant figures
    assert rounded(float("nan")) == ""


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_money_reads_back_as_the_amount_to_the_penny(pounds: float) -> None:
    text = money(pounds)
    assert float(text.replace("£", "").replace(",", "")) == round(pounds, 2)
    assert text != "-£0.00"


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_counts_read_back_as_the_integer(n: int) -> None:
    assert int(count(n).replace(",", "")) == n
    assert count(float(n)) == count(n)


def cells(page: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", page)


def test_table_prints_whole_number_columns_as_counts() -> None:
    frame = pd.DataFrame({"share": [0.01, 0.1], "people": [13, 122], "harm_share": [0.275, 0.5]})
    # an all-numeric row is read as floats; the column of whole numbers still prints as counts
    page = table(frame, float_format="{:,.3f}")
    assert cells(page) == ["0.010", "13", "0.275", "0.100", "122", "0.500"]
    assert "13.000" not in page


def test_table_formats_by_column_and_leaves_missing_values_blank() -> None:
    frame = pd.DataFrame({"category": ["Burglary", "Drugs"], "crimes": [780.0, 262.0],
                          "cost_gbp": [4_625_400.0, None], "rate": [1.23456, np.nan]})
    page = table(frame, formats={"cost_gbp": money})
    assert cells(page) == ["Burglary", "780", "£4,625,400.00", "1.23",
                           "Drugs", "262", "", ""]


def test_table_of_mixed_values_prints_integers_as_counts() -> None:
    frame = pd.DataFrame({"measure": ["people", "AUC"],
                          "value": pd.Series([1500, 0.81234], dtype=object)})
    assert cells(table(frame, float_format="{:,.3f}")) == ["people", "1,500", "AUC", "0.812"]
