"""The analysis report on a real slice of the sample: files, numbers, audit record, CLI, and
the page opened in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "analysis"))

from builder import Builder, months, real_slice_home

from crimeplan.analysis.indicators import COLUMNS
from crimeplan.app.actors import cli_actor
from crimeplan.app.reports import report
from crimeplan.cli.main import app
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.hashing import sha256_file
from crimeplan.report.analysis_report import SECTIONS, ReportInputs
from crimeplan.report.html import external_references
from crimeplan.sources.home_office import read_recorded_crime

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("report-home")
    real_slice_home(path)
    return path


@pytest.fixture(scope="module")
def essex(home, tmp_path_factory):
    out = tmp_path_factory.mktemp("essex-report")
    official = read_recorded_crime(FIXTURES / "home_office_prc_pfa.csv")
    return report(cli_actor("test the report"), home, out, force="Essex Police",
                  inputs=ReportInputs(official=official))


def test_writes_self_contained_page_and_tidy_csv(essex):
    html = essex.html.read_text(encoding="utf-8")
    assert external_references(html) == []
    for _, anchor, _, _ in SECTIONS:
        assert f'id="{anchor}"' in html
    csv = pd.read_csv(essex.indicators, keep_default_na=False)
    assert tuple(csv.columns) == COLUMNS
    assert (csv["indicator"] != "").all() and (csv["unit"] != "").all()
    rates = csv[csv.indicator == "crime_rate"]
    assert rates["unit"].str.contains("mid-2015 population, IMD 2019 denominators").all()
    deprivation = csv[csv.indicator == "crime_rate_by_imd_decile"]
    assert deprivation["note"].str.contains("crime domain").all()
    official = csv[(csv.indicator == "official_offences") & (csv.area == "essex")]
    assert official["value"].item() == 8276


def test_every_number_in_the_tables_is_in_the_csv(essex):
    """Each number printed in a table cell is one of the CSV's values, as printed."""
    html = essex.html.read_text(encoding="utf-8")
    shown = set(re.findall(r'<td class="num">([^<]+)</td>', html))
    values = pd.read_csv(essex.indicators)["value"].dropna()
    printed = set()
    for v in values:
        printed |= {f"{v:,.2f}", f"{v:,.0f}", f"{v:.1f}", f"£{v:,.2f}"}
        if float(v).is_integer():
            printed.add(f"{int(v):,}")
    assert shown, "the report has numeric table cells"
    assert shown - printed == set()


def test_run_is_recorded_with_hashes(essex, home):
    record = next(e["record"] for e in reversed(list(AuditLog(home).entries()))
                  if e["record"]["run_id"] == essex.run_id)
    assert record["kind"] == "report" and record["status"] == "ok"
    assert record["purpose"] == "test the report"
    assert record["inputs"][0]["sha256"] == essex.selection_sha256
    outputs = {Path(o["path"]).name: o["sha256"] for o in record["outputs"]}
    assert outputs == {"report.html": sha256_file(essex.html),
                       "indicators.csv": sha256_file(essex.indicators)}
    assert record["coverage"]["street"]["missing"] == []


def test_stop_search_only_force_with_disproportionality(home, tmp_path):
    population = {"White": 4_000_000, "Black": 1_000_000, "Asian": 1_500_000}
    run = report(cli_actor(), home, tmp_path, force="metropolitan",
                 inputs=ReportInputs(ethnicity_population=population))
    html = run.html.read_text(encoding="utf-8")
    assert "No street-level crime loaded for Metropolitan Police Service" in html
    csv = pd.read_csv(run.indicators)
    searches = csv[(csv.indicator == "stop_search_searches") & (csv.category == "all: all")]
    assert searches["value"].item() == 9588
    by_group = csv[csv.indicator == "stop_search_searches"].set_index("category")["value"]
    ratio = csv[csv.indicator == "disproportionality_ratio"].set_index("category")["value"]
    expect = (by_group["ethnicity: Black"] / 1_000_000) / (by_group["ethnicity: White"] / 4e6)
    assert ratio["ethnicity: Black"] == pytest.approx(expect)
    assert ratio["ethnicity: White"] == pytest.approx(1.0)


def test_report_without_reference_data_says_so(tmp_path):
    b = Builder(tmp_path / "home")
    for m in months("2018-01", "2018-04"):
        b.street("essex", m, "burglary", 30, lsoa="E01000001", point=(0.5, 0.5))
    b.partitions("street", "essex", "2018-01", "2018-04")
    b.done().close()
    run = report(cli_actor(), tmp_path / "home", tmp_path / "out", force="essex")
    html = run.html.read_text(encoding="utf-8")
    for section in ("Rates need", "Deprivation needs", "The map needs", "Rises by lad need"):
        assert f"{section} the reference data" in html
    csv = pd.read_csv(run.indicators)
    assert csv.loc[csv.indicator == "crimes_in_period", "value"].iloc[0] == 120


def test_district_report(home, tmp_path):
    run = report(cli_actor(), home, tmp_path, area="E06000033")
    assert run.report.scope.label == "Southend-on-Sea (E06000033)"
    csv = pd.read_csv(run.indicators)
    assert set(csv.loc[csv.indicator == "crime_rate", "area_type"]) >= {"lad", "lsoa"}


@pytest.mark.parametrize("command", [
    ["rates", "--force", "essex", "--by", "lad"],
    ["rises", "--force", "essex", "--by", "category", "--top", "3"],
    ["outcomes", "--force", "essex"],
    ["stop-search", "--force", "met", "--by", "legislation"],
    ["concentration", "--force", "essex", "--places", "grid"],
    ["deprivation", "--force", "essex"],
    ["cost", "--force", "essex"],
    ["peers", "essex"],
    ["official", "tests/fixtures/home_office_prc_pfa.csv", "--force", "essex"],
    ["official", "tests/fixtures/home_office_prc_pfa.csv", "--benchmark", "latest"],
])
def test_analysis_commands(home, command):
    result = CliRunner().invoke(app, ["analysis", *command, "--json", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]


def test_cli_report_and_errors(home, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["report", "--force", "essex", "--from", "2018-07", "--to",
                             "2018-07", "--out", str(tmp_path), "--home", str(home), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["period"] == "2018-07 to 2018-07"
    bad = runner.invoke(app, ["report", "--force", "atlantis", "--out", str(tmp_path),
                              "--home", str(home)])
    assert bad.exit_code != 0 and "unknown force" in bad.output
    trends = runner.invoke(app, ["analysis", "trends", "--force", "essex", "--json",
                                 "--home", str(home)])
    assert trends.exit_code == 0, trends.output
    rows = json.loads(trends.stdout)["rows"]
    assert {r["month"] for r in rows} == {"2018-06", "2018-07"}


@pytest.mark.skipif(not Path(CHROMIUM).exists(),
                    reason="Debian chromium not installed (make test installs it)")
def test_opens_in_headless_chromium(essex, tmp_path):
    url = essex.html.resolve().as_uri()
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", url], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    for title, anchor, _, _ in SECTIONS:
        assert re.search(rf'<section id="{re.escape(anchor)}"><h2>{re.escape(title)}</h2>',
                         dom.replace("&amp;", "&")), anchor
    assert dom.count("<svg") >= 6
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1280,2400", url],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 20_000
