"""Tamper tests on the hash-chained audit log and the ``crimeplan audit`` log commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crimeplan.app.actors import cli_actor
from crimeplan.cli.main import app
from crimeplan.provenance.chain import AuditLogDamaged, canonical_json, entry_hash
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.hashing import sha256_file
from crimeplan.provenance.runs import NO_PURPOSE, RunRecorder

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A workspace with four recorded runs (one of them failed)."""
    home = tmp_path / "home"
    data = tmp_path / "input.csv"
    data.write_text("a,b\n1,2\n")
    for i in range(3):
        with RunRecorder(home, "forecast.backtest", cli_actor(f"review {i}"),
                         parameters={"cell_size": 250 + i}) as run:
            run.add_input(data)
            run.set_result("pai", 2.5 + i)
    with pytest.raises(RuntimeError), RunRecorder(home, "risk.fit", cli_actor()) as run:
        raise RuntimeError("model did not converge")
    return home


def _lines(home: Path) -> list[str]:
    return (home / "audit" / "log.jsonl").read_text().splitlines(keepends=True)


def _write(home: Path, lines: list[str]) -> None:
    (home / "audit" / "log.jsonl").write_text("".join(lines))


def _verify_cli(home: Path):
    return runner.invoke(app, ["audit", "verify", "--home", str(home)])


def test_records_hold_who_why_what_and_hashes(home, tmp_path):
    records = AuditLog(home).records()
    assert [r["kind"] for r in records] == ["forecast.backtest"] * 3 + ["risk.fit"]
    first = records[0]
    assert first["purpose"] == "review 0"
    assert first["parameters"] == {"cell_size": 250}
    assert first["inputs"][0]["sha256"] == sha256_file(tmp_path / "input.csv")
    assert first["results"] == {"pai": 2.5}
    assert first["status"] == "ok"
    assert records[3]["purpose"] == NO_PURPOSE
    assert records[3]["status"] == "failed"
    assert "did not converge" in records[3]["error"]
    assert AuditLog(home).verify().ok
    assert _verify_cli(home).exit_code == 0


def test_edit_is_caught(home):
    edited_run = AuditLog(home).records()[1]["run_id"]
    lines = _lines(home)
    lines[1] = lines[1].replace('"review 1"', '"review X"')
    _write(home, lines)
    result = AuditLog(home).verify()
    assert not result.ok and result.first_bad_line == 2 and "edited" in result.problem
    assert result.first_bad_run == edited_run
    cli = _verify_cli(home)
    assert cli.exit_code == 1
    assert "line 2" in cli.output


def test_delete_is_caught(home):
    lines = _lines(home)
    del lines[1]
    _write(home, lines)
    result = AuditLog(home).verify()
    assert not result.ok and result.first_bad_line == 2 and "sequence 3" in result.problem


def test_swap_is_caught(home):
    lines = _lines(home)
    lines[1], lines[2] = lines[2], lines[1]
    _write(home, lines)
    result = AuditLog(home).verify()
    assert not result.ok and result.first_bad_line == 2


def test_truncate_is_caught(home):
    _write(home, _lines(home)[:3])
    result = AuditLog(home).verify()
    assert not result.ok and "head records 4" in result.problem
    assert _verify_cli(home).exit_code == 1


def test_insert_with_recomputed_hashes_is_caught_by_the_head(home):
    """A forger who rebuilds the chain after an insertion still disagrees with the head."""
    entries = [json.loads(line) for line in _lines(home)]
    forged = dict(entries[1]["record"], run_id="forged", purpose="invented")
    entries.insert(2, {"record": forged, "logged_at": entries[1]["logged_at"]})
    prev = "0" * 64
    for seq, e in enumerate(entries, start=1):
        e.update(seq=seq, prev=prev, hash=entry_hash(seq, prev, e["logged_at"], e["record"]))
        prev = e["hash"]
    _write(home, [canonical_json(e) + "\n" for e in entries])
    result = AuditLog(home).verify()
    assert not result.ok and "head records 4" in result.problem


def test_append_out_of_order_is_caught(home):
    """An entry chained correctly but stamped before its predecessor is named."""
    entries = [json.loads(line) for line in _lines(home)]
    last = entries[-1]
    early = "2020-01-01T00:00:00.000000+00:00"
    record = dict(entries[0]["record"], run_id="backdated")
    seq = last["seq"] + 1
    entry = {"seq": seq, "prev": last["hash"], "logged_at": early, "record": record,
             "hash": entry_hash(seq, last["hash"], early, record)}
    (home / "audit" / "log.jsonl").open("a").write(canonical_json(entry) + "\n")
    (home / "audit" / "head.json").write_text(json.dumps({"count": seq, "hash": entry["hash"]}))
    result = AuditLog(home).verify()
    assert not result.ok and result.first_bad_line == 5 and result.first_bad_run == "backdated"
    assert "out of order" in result.problem


def test_an_old_entry_replayed_at_the_end_is_caught(home):
    lines = _lines(home)
    _write(home, [*lines, lines[0]])
    result = AuditLog(home).verify()
    assert not result.ok and result.first_bad_line == 5 and "sequence 1" in result.problem


def test_rewritten_log_is_caught_by_a_published_anchor(home, tmp_path):
    anchor = AuditLog(home).head()
    assert AuditLog(home).verify(anchor=anchor).ok
    other = tmp_path / "other"  # a whole new log written by someone else
    with RunRecorder(other, "forecast.predict", cli_actor()):
        pass
    result = AuditLog(other).verify(anchor=anchor)
    assert not result.ok and "rewritten" in result.problem
    cli = runner.invoke(app, ["audit", "verify", "--anchor", anchor, "--home", str(other)])
    assert cli.exit_code == 1


def test_log_since_json_and_show(home):
    cli = runner.invoke(app, ["audit", "log", "--json", "--home", str(home)])
    assert cli.exit_code == 0
    listed = json.loads(cli.output)
    assert [r["purpose"] for r in listed] == ["review 0", "review 1", "review 2", NO_PURPOSE]
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
    later = runner.invoke(app, ["audit", "log", "--json", "--since", tomorrow, "--home",
                                str(home)])
    assert json.loads(later.output) == []
    run_id = listed[1]["run_id"]
    shown = runner.invoke(app, ["audit", "show", run_id[:-2], "--home", str(home)])
    assert shown.exit_code == 0
    assert json.loads(shown.output)["parameters"] == {"cell_size": 251}
    missing = runner.invoke(app, ["audit", "show", "nope", "--home", str(home)])
    assert missing.exit_code == 3 and "no single run matches" in missing.output  # not found
    bad = runner.invoke(app, ["audit", "log", "--since", "last week", "--home", str(home)])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_a_log_that_cannot_be_written_can_still_be_verified(home):
    """A read-only copy: no lock can be taken and nothing repaired, but the check runs."""
    (home / "audit" / ".lock").unlink()
    (home / "audit" / ".lock").mkdir()  # cannot be opened for writing, even by root
    result = AuditLog(home).verify()
    assert result.ok and result.entries == 4
    _write(home, _lines(home)[:3])
    assert not AuditLog(home).verify().ok


def test_damaged_head_is_reported_and_blocks_appending(home):
    (home / "audit" / "head.json").write_text("{not json")
    result = AuditLog(home).verify()
    assert not result.ok and "head.json is unreadable" in result.problem
    assert _verify_cli(home).exit_code == 1
    with pytest.raises(AuditLogDamaged), RunRecorder(home, "forecast.predict", cli_actor()):
        pass


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_character_change_is_caught(home, data):
    """Change one character anywhere in the log: verify fails at or before that line."""
    original = _lines(home)
    try:
        line = data.draw(st.integers(0, len(original) - 1))
        pos = data.draw(st.integers(0, len(original[line]) - 2))  # keep the newline
        char = data.draw(st.characters(codec="utf-8", exclude_characters="\n\r"))
        if original[line][pos] == char:
            return
        changed = list(original)
        changed[line] = changed[line][:pos] + char + changed[line][pos + 1:]
        _write(home, changed)
        result = AuditLog(home).verify()
        assert not result.ok
        assert result.first_bad_line is not None and result.first_bad_line <= line + 1
    finally:
        _write(home, original)
