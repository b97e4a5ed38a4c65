"""Every reader of run records refuses, naming the entry, when the log fails its check there;
a byte that is not UTF-8 is reported with its line, never as a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimeplan.app.actors import cli_actor
from crimeplan.cli.main import app
from crimeplan.demo import latest_run
from crimeplan.provenance.chain import AuditLogDamaged
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.runs import RunRecorder

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "owner-example.yaml"


@pytest.fixture
def logged(toy_home):
    """The toy forecast run on line 1, then two report runs on lines 2 and 3."""
    home, run_id = toy_home
    for i in range(2):
        with RunRecorder(home, "report", cli_actor(f"later {i}")):
            pass
    return home, run_id


def _edit(home: Path, line: int, old: bytes, new: bytes) -> None:
    path = home / "audit" / "log.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_bytes(b"".join(lines))


def _text(result) -> str:
    return " ".join(result.output.split())


def _readers(run_id: str, out: Path) -> dict[str, list[str]]:
    return {
        "show": ["audit", "show", run_id],
        "places": ["audit", "places", run_id, "--coverage", "0.5", "--out", str(out)],
        "people": ["audit", "people", run_id, "--out", str(out)],
        "transparency": ["transparency", run_id, "--owner-file", str(EXAMPLE), "--out",
                         str(out)],
        "log": ["audit", "log"],
    }


@pytest.mark.parametrize("reader", ["show", "places", "people", "transparency", "log"])
def test_readers_refuse_an_edited_run_naming_its_line_and_id(logged, tmp_path, reader):
    home, run_id = logged
    _edit(home, 1, b'"purpose":"test hot spots"', b'"purpose":"nothing to see"')
    before = (home / "audit" / "log.jsonl").read_bytes()
    out = tmp_path / "out"
    result = runner.invoke(app, [*_readers(run_id, out)[reader], "--home", str(home)])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    text = _text(result)
    assert "line 1" in text and run_id in text and "edited" in text
    assert "nothing to see" not in text
    assert not out.exists()
    assert (home / "audit" / "log.jsonl").read_bytes() == before  # no run recorded


def test_a_break_after_a_run_refuses_a_prefix_but_not_its_full_id(logged, tmp_path):
    """Show uses the entry only, verified up to itself; transparency uses the whole log."""
    home, run_id = logged
    _edit(home, 3, b'"purpose":"later 1"', b'"purpose":"later X"')
    shown = runner.invoke(app, ["audit", "show", run_id, "--home", str(home)])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["purpose"] == "test hot spots"
    prefix = runner.invoke(app, ["audit", "show", run_id[:10], "--home", str(home)])
    assert prefix.exit_code == 1 and "line 3" in _text(prefix)
    record = runner.invoke(app, _readers(run_id, tmp_path / "o")["transparency"]
                           + ["--home", str(home)])
    assert record.exit_code != 0 and "line 3" in _text(record)
    assert not (tmp_path / "o").exists()


def test_transparency_refuses_a_truncated_log(logged, tmp_path):
    home, run_id = logged
    path = home / "audit" / "log.jsonl"
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:2]))
    record = runner.invoke(app, _readers(run_id, tmp_path / "o")["transparency"]
                           + ["--home", str(home)])
    assert record.exit_code != 0
    assert "log has 2 entries but the head records 3" in _text(record)
    assert not (tmp_path / "o").exists()


def test_demo_refuses_to_pick_a_run_from_a_broken_log(logged):
    home, run_id = logged
    assert latest_run(home, "forecast.backtest") == run_id
    _edit(home, 2, b'"purpose":"later 0"', b'"purpose":"later X"')
    with pytest.raises(SystemExit, match="line 2"):
        latest_run(home, "forecast.backtest")


def test_a_byte_that_is_not_utf8_is_named_with_its_line(logged):
    home, run_id = logged
    _edit(home, 2, b"later 0", b"later \xff")
    result = AuditLog(home).verify()
    assert not result.ok and result.first_bad_line == 2
    assert "byte 0xff" in result.problem and "not UTF-8" in result.problem
    with pytest.raises(AuditLogDamaged, match="line 2"):
        AuditLog(home).records()
    for command in (["audit", "verify"], ["audit", "log"], ["audit", "show", run_id[:10]]):
        cli = runner.invoke(app, [*command, "--home", str(home)])
        assert cli.exit_code == 1 and isinstance(cli.exception, SystemExit), cli.output
        assert "line 2" in _text(cli) and "not UTF-8" in _text(cli)
    # the entry before it still verifies and can be read by its full id
    assert runner.invoke(app, ["audit", "show", run_id, "--home", str(home)]).exit_code == 0
