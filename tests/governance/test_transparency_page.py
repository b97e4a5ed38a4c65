"""The transparency page shows the model card and fairness audits as rounded tables."""

from __future__ import annotations

import math
import re
from pathlib import Path

from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.governance.transparency_page import json_tables

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "owner-example.yaml"


def rows(fragment: str) -> list[list[str]]:
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", fragment)]


def section(page: str, anchor: str) -> str:
    part = page[page.index(f'id="{anchor}"'):]
    return part[:part.index("</section>")]


def test_model_card_and_place_audit_are_tables(toy_home, tmp_path: Path) -> None:
    home, run_id = toy_home
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "places", run_id, "--coverage", "0.5", "--home",
                               str(home)]).exit_code == 0
    out = tmp_path / "record"
    result = runner.invoke(app, ["transparency", run_id, "--owner-file", str(EXAMPLE), "--out",
                                 str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    page = (out / "record.html").read_text(encoding="utf-8")
    assert "<pre>" not in page
    card = rows(section(page, "model-card"))
    assert ["cell_size", "100"] in card                 # 100.0 in the run's parameters
    assert ["coverages", "0.500"] in card
    # scores.csv: 3 of 8 crimes captured over two periods, hit rate 3/8, mean PAI 0.75
    assert ["naive", "0.500", "2", "3", "8", "0.375", "0.750", "0.375"] in card
    assert ["0.5", "0.750"] in card                     # recorded pai_pooled
    audits = rows(section(page, "fairness"))
    # the hand-built world's disparity vs crime: 7/16 (0.4375), interval 0.375-0.5, chance
    # 3/16 (0.1875); vs residents 9/16 (0.5625), no chance level
    assert audits == [["item", "chance_level", "estimate", "high", "low"],
                      ["disparity_vs_crime", "0.188", "0.438", "0.500", "0.375"],
                      ["disparity_vs_residents", "", "0.562", "0.750", "0.375"]]


def test_nested_results_become_one_row_per_record() -> None:
    recorded = {
        "model": "logistic", "calibrated": True, "features": ["age", "prior_arrests"],
        "rows": 1500.0, "ece": 0.0004213,
        "pooled": {"kde": {"1": {"pai": 12.345678901234567, "hit_rate": 2 / 3},
                           "5": {"pai": 4.0, "hit_rate": 0.9}},
                   "naive": {"1": {"pai": math.nan, "hit_rate": None}}},
        "reading": {"sex": ["Women are flagged less often.", "Errors are balanced."]},
    }
    html = json_tables(recorded)
    tables = [rows(t) for t in html.split("</table>")[:-1]]
    assert tables[0] == [["item", "value"], ["model", "logistic"], ["calibrated", "yes"],
                         ["features", "age, prior_arrests"], ["rows", "1,500"],
                         ["ece", "0.00042"]]
    assert tables[1] == [["item", "pai", "hit_rate"], ["kde · 1", "12.346", "0.667"],
                         ["kde · 5", "4.000", "0.900"], ["naive · 1", "", ""]]
    assert tables[2] == [["item", "value"],
                         ["sex", "Women are flagged less often. Errors are balanced."]]
    assert "<h4>pooled</h4>" in html and "<h4>reading</h4>" in html
