"""Numbers as the reports print them: the cohort report run like the demo's (heeks-2018-cost)
on a hand-built history whose figures are worked out below."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from crimeplan.cli.main import app

COLUMNS = ["--person", "who", "--date", "when", "--offence", "what"]


def cohort_page(tmp_path: Path, harm_table: str, history: str) -> str:
    path = tmp_path / "history.csv"
    path.write_text(history)
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["cohort", "report", str(path), *COLUMNS, "--harm-table",
                                      harm_table, "--out", str(out), "--home",
                                      str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    return (out / "report.html").read_text(encoding="utf-8")


def rows(page: str, section: str) -> list[list[str]]:
    """The table cells of one section, row by row."""
    part = page[page.index(f'id="{section}"'):]
    part = part[:part.index("</table>")]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in part.split("<tr>")[2:]]


def test_cohort_report_prints_counts_money_and_shares(tmp_path: Path) -> None:
    # P01: one homicide (£3,217,740); P02-P20: one common assault each (£5,930).
    # Total £3,217,740 + 19 x £5,930 = £3,330,410 (£3.3m). Of 20 people the top 1% and 5% are
    # one person (ceil), holding 3,217,740 / 3,330,410 = 96.6% of harm and 1/20 = 5.0% of
    # offences; the top 10% are two people: (3,217,740 + 5,930) / 3,330,410 = 96.8%, 10.0%.
    history = "who,when,what\nP01,2023-01-05,homicide\n" + "".join(
        f"P{n:02d},2023-02-01,common assault\n" for n in range(2, 21))
    page = cohort_page(tmp_path, "heeks-2018-cost", history)
    assert "20 people committed 20 offences with a total harm of £3.3m" in page
    assert rows(page, "concentration") == [["1.0%", "1", "96.6%", "5.0%"],
                                           ["5.0%", "1", "96.6%", "5.0%"],
                                           ["10.0%", "2", "96.8%", "10.0%"]]
    people = rows(page, "people")
    assert people[0][:5] == ["1", "P01", "1", "£3,217,740.00", "96.6%"]
    assert people[1][3:5] == ["£5,930.00", "0.2%"]  # 5,930 / 3,330,410 = 0.18%
    assert ".000<" not in page


def test_cohort_report_in_days_prints_no_pounds(tmp_path: Path) -> None:
    # the illustrative CCHI-style table: robbery 365 days, shoplifting 2 days
    page = cohort_page(tmp_path, "cchi-style-illustrative",
                       "who,when,what\nA,2023-01-05,robbery\nB,2023-02-01,shoplifting\n")
    assert "total harm of 367 in" in page
    assert [r[3] for r in rows(page, "people")] == ["365", "2"]
    assert "£" not in page
