"""The stop and search community review pack (issue #16 item 5) on a hand-made quarter."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimeplan.analysis.scope import ScopeError, resolve_scope
from crimeplan.analysis.stop_search_pack import SAMPLE_FIELDS, quarter_months, review_pack
from crimeplan.cli.main import app
from crimeplan.report.html import external_references
from crimeplan.store import Warehouse
from crimeplan.store.ingest import ingest_paths

HEADER = ("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
          "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
          "Object of search,Outcome,Outcome linked to object of search,"
          "Removal of more than just outer clothing")
S60 = "Criminal Justice and Public Order Act 1994 (section 60)"
PACE = "Police and Criminal Evidence Act 1984 (section 1)"
DRUGS = "Misuse of Drugs Act 1971 (section 23)"
WHITE = "White - English/Welsh/Scottish/Northern Irish/British"
BLACK = "Black/African/Caribbean/Black British - African"
NOT_STATED = "Other ethnic group - Not stated"


def search(month: str, day: int, sex: str, age: str, self_defined: str, officer: str,
           law: str, obj: str, outcome: str, linked: str = "", strip: str = "False") -> str:
    return (f"Person search,2018-{month}-{day:02d}T10:00:00+00:00,False,,51.5,-0.1,{sex},"
            f"{age},{self_defined},{officer},{law},{obj},{outcome},{linked},{strip}")


APRIL = [search("04", 1, "Male", "18-24", WHITE, "White", PACE, "Stolen goods", "Arrest", "True"),
         search("04", 2, "Male", "10-17", BLACK, "Black", S60, "Offensive weapons",
                "A no further action disposal", "False"),
         search("04", 3, "Female", "25-34", BLACK, "Black", DRUGS, "Controlled drugs",
                "Community resolution", "True", "True")]
MAY = [search("05", 4, "Male", "18-24", BLACK, "Black", S60, "Offensive weapons", "Arrest"),
       search("05", 5, "Male", "over 34", NOT_STATED, "White", DRUGS, "Controlled drugs",
              "A no further action disposal")]
JULY = [search("07", 6, "Male", "18-24", WHITE, "White", PACE, "Stolen goods", "Arrest")]


def _file(folder: Path, month: str, rows: list[str]) -> Path:
    path = folder / f"2018-{month}" / f"2018-{month}-metropolitan-stop-and-search.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes((HEADER + "\n" + "".join(r + "\r\n" for r in rows)).encode())
    return path


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pack")
    files = [_file(tmp / "files", m, r) for m, r in (("04", APRIL), ("05", MAY),
                                                     ("07", JULY))]
    home = tmp / "home"
    assert ingest_paths(home, files).ok
    return home


def _pack(home: Path, quarter: str = "2018-Q2", **kwargs):  # type: ignore[no-untyped-def]
    con = Warehouse(home).connect(read_only=True)
    try:
        start, end = quarter_months(quarter)
        scope = resolve_scope(con, force="metropolitan", start=start, end=end,
                              dataset="stop-and-search")
        return review_pack(con, scope, quarter, **kwargs)
    finally:
        con.close()


def test_quarters():
    assert quarter_months("2018-Q2") == ("2018-04", "2018-06")
    assert quarter_months("2019-Q4") == ("2019-10", "2019-12")
    with pytest.raises(ScopeError, match="YYYY-Qn"):
        quarter_months("2018-Q5")


def test_pack_counts_match_the_records(home):
    pack = _pack(home, population={"White": 1000.0, "Black/African/Caribbean/Black British":
                                   250.0}, sample_size=3)
    overall = pack.overall.table.iloc[0]
    # Q2: five searches (July's is outside); arrests: April 1, May 4 -> 2 of 5.
    assert (overall["searches"], overall["arrests"]) == (5, 2)
    assert overall["arrest_rate_pct"] == pytest.approx(40.0)
    # Link recorded for the three April searches, two linked: find rate 2/3.
    assert (overall["finds"], overall["link_unrecorded"]) == (2, 2)
    assert overall["find_rate_pct"] == pytest.approx(200 / 3)
    sex = pack.breakdowns["sex"].table.set_index("group")["searches"].to_dict()
    assert sex == {"Male": 4, "Female": 1}
    groups = pack.breakdowns["self_defined_group"].table.set_index("group")["searches"]
    assert groups.to_dict() == {"Black/African/Caribbean/Black British": 3, "White": 1,
                                "Not stated": 1}
    assert pack.section_60.searches == 2 and pack.section_60.share_of_all == pytest.approx(0.4)
    assert pack.section_60.by_ethnicity.set_index("group")["searches"].to_dict() == {"Black": 2}
    assert pack.strip_searches == 1
    ratios = pack.disproportionality.table.set_index("group")
    # Black: 3 per 250 = 12 per 1,000; White: 1 per 1,000 -> ratio 12.
    assert ratios.loc["Black/African/Caribbean/Black British", "rate_per_1000"] == 12.0
    assert ratios.loc["Black/African/Caribbean/Black British", "ratio"] == pytest.approx(12.0)
    assert list(pack.sample.columns) == list(SAMPLE_FIELDS) and len(pack.sample) == 3
    again = _pack(home, sample_size=3)
    assert again.sample.equals(pack.sample)  # reproducible for the panel


def test_a_quarter_without_searches_is_refused(home):
    with pytest.raises(ScopeError):
        _pack(home, "2017-Q1")


def test_cli_writes_an_offline_pack_whose_figures_reconcile(home, tmp_path):
    out = tmp_path / "pack"
    result = CliRunner().invoke(app, ["analysis", "stop-search-pack", "--force", "metropolitan",
                                      "--quarter", "2018-Q2", "--out", str(out), "--home",
                                      str(home)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    assert external_references(page) == [] and "Section 60" in page
    with open(out / "figures.csv", newline="") as fh:
        figures = {(r["indicator"], r["category"]): r["value"] for r in csv.DictReader(fh)}
    assert float(figures[("stop_search_searches", "all: all")]) == 5
    assert float(figures[("section_60_share", "all")]) == pytest.approx(40.0)
    by_age = {k[1]: float(v) for k, v in figures.items()
              if k[0] == "stop_search_searches" and k[1].startswith("age: ")}
    assert sum(by_age.values()) == 5
    with open(out / "sample.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 5  # fewer records than the sample size
