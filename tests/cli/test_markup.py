"""Text from data or the user is printed literally: Rich markup such as ``[/red]`` or
``[bold]x`` and emoji codes such as ``:smile:`` never break or restyle the console."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.risk.synthetic import custody_records, offence_histories

runner = CliRunner()
STREET_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                 "LSOA code,LSOA name,Crime type,Last outcome category,Context")
SEARCH_HEADER = ("Type,Date,Part of a policing operation,Policing operation,Latitude,"
                 "Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,"
                 "Legislation,Object of search,Outcome,Outcome linked to object of search,"
                 "Removal of more than just outer clothing")


def _police_file(path: Path, header: str, rows: list[str]) -> Path:
    """A police.uk file as published: LF after the header, CRLF after each data row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((header + "\n" + "".join(r + "\r\n" for r in rows)).encode())
    return path


def _street(month: str, crime_type: str) -> str:
    return (f"abc,{month},Essex Police,Essex Police,0.738080,52.042187,On or near Banham "
            f"Drive,E01029913,Babergh 007B,{crime_type},Under investigation,")


def _search(legislation: str, found: str) -> str:
    return (f"Person search,2018-06-30T23:01:00+00:00,False,,51.496194,-0.082702,Male,18-24,"
            f"White,White,{legislation},{found},Arrest,True,")


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("markup") / "home"


@pytest.fixture(scope="module")
def street_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data") / "[/red]files"
    return _police_file(folder / "2018-06-essex-street.csv", STREET_HEADER,
                        [_street("2018-06", "Burglary"), _street("2018-06", "[/red]"),
                         _street("[bold]x", "Burglary")])


def test_ingest_and_quarantine_print_values_literally(home, street_file):
    ingested = _ok(["ingest", str(street_file), "--home", str(home)])
    assert f"quarantined in {street_file}" in ingested
    listed = _ok(["quarantine", "--home", str(home)])
    assert "[/red]" in listed and "[bold]x" in listed
    assert "[/red]files" in listed  # the file's path, from the user


def test_stop_search_prints_values_literally(tmp_path):
    home = tmp_path / "home"
    path = _police_file(tmp_path / "2018-06-metropolitan-stop-and-search.csv", SEARCH_HEADER,
                        [_search("[/red]", "[bold]x :smile:"), _search("Police Act", "Knife")])
    _ok(["ingest", str(path), "--home", str(home)])
    by_law = _ok(["analysis", "stop-search", "--by", "legislation", "--home", str(home)])
    assert "[/red]" in by_law and "Police Act" in by_law
    by_object = _ok(["analysis", "stop-search", "--by", "object", "--home", str(home)])
    assert "[bold]x :smile:" in by_object


def test_cohort_output_prints_paths_literally(tmp_path):
    history = tmp_path / "offences.csv"
    offence_histories(30, years=1, seed=1).to_csv(history, index=False)
    out = tmp_path / "[/red]out" / "[bold]scores.csv"
    printed = _ok(["cohort", "score", str(history), "--person", "person_id", "--date",
                   "offence_date", "--offence", "offence_type", "--out", str(out),
                   "--home", str(tmp_path / "home")])
    assert f"written to {out}" in printed
    assert out.is_file()


def test_risk_fit_prints_columns_and_paths_literally(tmp_path):
    train = tmp_path / "train.csv"
    custody_records(300, seed=1).rename(columns={"sex": "[bold]sex"}).to_csv(train,
                                                                            index=False)
    out = tmp_path / "[/red]model"
    printed = _ok(["risk", "fit", str(train), "--target", "reoffended_2y", "--features",
                   "age,prior_arrests,[bold]sex", "--protected", "[bold]sex",
                   "--allow-protected-as-feature", "--model", "baseline", "--folds", "3",
                   "--out", str(out), "--home", str(tmp_path / "home")])
    assert f"saved to {out}" in printed
    assert "protected attribute(s) used as features: [bold]sex" in printed


def test_errors_print_the_bad_value_literally(tmp_path):
    result = runner.invoke(app, ["cohort", "score", str(tmp_path / "h.csv"), "--person", "p",
                                 "--date", "d", "--offence", "o", "--from", "[/red]:smile:",
                                 "--out", str(tmp_path / "s.csv"), "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "error: --from '[/red]:smile:' is not a date" in result.output


CLI = Path(__file__).resolve().parents[2] / "src" / "crimeplan" / "cli"


def _unescaped_values(tree: ast.AST) -> list[str]:
    """Values interpolated into a line printed with ``markup=True`` without ``escape``
    (numbers shown with a format spec, and ``len(...)``, are safe)."""
    found = []
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "print"
                and any(k.arg == "markup" and isinstance(k.value, ast.Constant)
                        and k.value.value is True for k in call.keywords)):
            continue
        found += [f"line {v.lineno}: {ast.unparse(v.value)}" for v in _values(call)
                  if v.format_spec is None and not _safe(v.value)]
    return found


def _values(node: ast.AST) -> list[ast.FormattedValue]:
    """Interpolated values in ``node``, not looking inside ``escape(...)``."""
    if isinstance(node, ast.FormattedValue):
        return [node]
    if _safe(node):
        return []
    return [v for child in ast.iter_child_nodes(node) for v in _values(child)]


def _safe(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id in ("escape", "len")


def test_every_line_styled_in_code_escapes_its_values():
    problems = {path.name: _unescaped_values(ast.parse(path.read_text(encoding="utf-8")))
                for path in sorted(CLI.glob("*.py"))}
    assert {name: found for name, found in problems.items() if found} == {}


_TAG = re.compile(r"\[/?(bold|italic|dim|underline|red|green|yellow|blue|magenta|cyan)"
                  r"[^\]]*\]|\[/\]")


def _unmarked_tags(tree: ast.AST) -> list[str]:
    """Rich tags written in lines printed without ``markup=True`` (they would show literally)."""
    found = []
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "print"
                and not any(k.arg == "markup" for k in call.keywords)):
            continue
        found += [f"line {node.lineno}: {node.value!r}" for node in ast.walk(call)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and _TAG.search(node.value)]
    return found


def test_every_line_styled_in_code_says_markup():
    problems = {path.name: _unmarked_tags(ast.parse(path.read_text(encoding="utf-8")))
                for path in sorted(CLI.glob("*.py"))}
    assert {name: found for name, found in problems.items() if found} == {}
