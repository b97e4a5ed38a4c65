"""Heads kept outside the workspace by ``audit verify`` make deletion and re-forging visible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.governance.anchors import workspace_id
from crimeplan.governance.audit import AuditLog, canonical_json, entry_hash
from crimeplan.governance.runs import RunRecorder

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    for i in range(4):
        with RunRecorder(home, "forecast.predict", purpose=f"patrol plan {i}"):
            pass
    return home


def _verify(home: Path, *extra: str):
    result = runner.invoke(app, ["audit", "verify", *extra, "--home", str(home)])
    return result, " ".join(result.output.split())


def _rebuild(home: Path, records: list[dict]) -> None:
    """What someone with write access to the workspace can do: a new, self-consistent log."""
    prev, lines = "0" * 64, []
    for seq, record in enumerate(records, start=1):
        logged_at = f"2026-01-0{seq}T00:00:00.000000+00:00"
        digest = entry_hash(seq, prev, logged_at, record)
        lines.append(canonical_json({"seq": seq, "prev": prev, "logged_at": logged_at,
                                     "hash": digest, "record": record}) + "\n")
        prev = digest
    (home / "audit" / "log.jsonl").write_text("".join(lines))
    (home / "audit" / "head.json").write_text(json.dumps({"count": len(records), "hash": prev}))
    assert AuditLog(home).verify().ok  # the chain and head alone cannot tell


def test_verify_keeps_and_prints_the_head(home, tmp_path, monkeypatch):
    kept = tmp_path / "anchors" / "force.json"
    monkeypatch.setenv("CRIMEPLAN_ANCHOR_FILE", str(kept))
    result, text = _verify(home)
    assert result.exit_code == 0, result.output
    head = AuditLog(home).head()
    anchor = json.loads(kept.read_text())
    assert (anchor["count"], anchor["hash"]) == (4, head)
    assert anchor["workspace"] == str(home.resolve())
    assert head in text and "(none kept before)" in text and str(kept) in text


def test_default_anchor_lives_in_the_state_folder(home, state_home):
    result, text = _verify(home)
    assert result.exit_code == 0, result.output
    kept = state_home / "crimeplan" / "anchors" / f"{workspace_id(home)}.json"
    assert json.loads(kept.read_text())["count"] == 4
    with RunRecorder(home, "forecast.predict"):
        pass
    result, text = _verify(home)
    assert result.exit_code == 0 and "last verified on" in text and "(4 entries)" in text
    assert json.loads(kept.read_text())["count"] == 5


def test_deleting_the_newest_entries_is_caught(home):
    assert _verify(home)[0].exit_code == 0
    records = AuditLog(home).records()
    _rebuild(home, records[:3])
    result, text = _verify(home)
    assert result.exit_code == 1
    assert "the log has 3 entries but 4 were verified on" in text and "deleted" in text


def test_a_reforged_log_is_caught(home):
    assert _verify(home)[0].exit_code == 0
    records = AuditLog(home).records()
    records[1] = dict(records[1], purpose="invented afterwards")
    _rebuild(home, records)
    result, text = _verify(home)
    assert result.exit_code == 1
    assert "entry on line 4" in text and "is not the one verified on" in text
    assert "rewritten" in text
    assert "last verified head" in text  # the kept head is printed for comparison


def test_anchor_file_option_and_its_problems(home, tmp_path):
    kept = tmp_path / "kept.json"
    assert _verify(home, "--anchor-file", str(kept))[0].exit_code == 0
    other = tmp_path / "other"
    with RunRecorder(other, "forecast.predict"):
        pass
    result, text = _verify(other, "--anchor-file", str(kept))
    assert result.exit_code == 2 and f"is for workspace {home.resolve()}" in text
    kept.write_text("{not json")
    result, text = _verify(home, "--anchor-file", str(kept))
    assert result.exit_code == 2 and f"anchor file {kept} is unreadable" in text
