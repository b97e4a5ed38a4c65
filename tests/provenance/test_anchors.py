"""Heads kept outside the workspace by ``audit verify`` make deletion and re-forging visible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimeplan.app.actors import cli_actor
from crimeplan.cli.main import app
from crimeplan.provenance.anchors import log_id, workspace_log
from crimeplan.provenance.chain import canonical_json, entry_hash
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.runs import RunRecorder

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    for i in range(4):
        with RunRecorder(home, "forecast.predict", cli_actor(f"patrol plan {i}")):
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
    assert anchor["log"] == str(home.resolve())
    assert head in text and "(none kept before)" in text and str(kept) in text


def test_default_anchor_lives_in_the_state_folder(home, state_home):
    result, text = _verify(home)
    assert result.exit_code == 0, result.output
    kept = state_home / "crimeplan" / "anchors" / f"{log_id(workspace_log(home))}.json"
    assert json.loads(kept.read_text())["count"] == 4
    with RunRecorder(home, "forecast.predict", cli_actor()):
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
    with RunRecorder(other, "forecast.predict", cli_actor()):
        pass
    result, text = _verify(other, "--anchor-file", str(kept))
    assert result.exit_code == 2 and f"is for the log of {home.resolve()}" in text
    kept.write_text("{not json")
    result, text = _verify(home, "--anchor-file", str(kept))
    assert result.exit_code == 2 and f"anchor file {kept} is unreadable" in text


def test_an_anchor_kept_before_logs_were_named_still_reads(home, tmp_path):
    """Anchor files written before the service's log existed name the workspace."""
    kept = tmp_path / "old.json"
    assert _verify(home, "--anchor-file", str(kept))[0].exit_code == 0
    anchor = json.loads(kept.read_text())
    kept.write_text(json.dumps({**{k: v for k, v in anchor.items() if k != "log"},
                                "workspace": anchor["log"]}))
    result, text = _verify(home, "--anchor-file", str(kept))
    assert result.exit_code == 0 and "(4 entries)" in text
    assert json.loads(kept.read_text())["log"] == str(home.resolve())


def _service_log(home):
    """The workspace's service database with three security entries (agencies added)."""
    for name in ("Essex Police", "Kent Police", "Suffolk Police"):
        result = runner.invoke(app, ["service", "create-agency", name, "--kind",
                                     "police-force", "--home", str(home)])
        assert result.exit_code == 0, result.output


def test_the_service_log_keeps_anchors_the_same_way(tmp_path, state_home, monkeypatch):
    from sqlalchemy import text as sql

    from crimeplan.cases.db import Database, default_url
    from crimeplan.provenance.dblog import log_name

    monkeypatch.delenv("CRIMEPLAN_DATABASE_URL", raising=False)
    home = tmp_path / "service-home"
    _service_log(home)
    result, text = _verify(home, "--service")
    assert result.exit_code == 0, result.output
    assert "service audit log intact: 3 entries" in text and "(none kept before)" in text
    name = log_name(default_url(home))
    kept = state_home / "crimeplan" / "anchors" / f"{log_id(name)}.json"
    anchor = json.loads(kept.read_text())
    assert (anchor["count"], anchor["log"]) == (3, name)
    # Someone with the database's owner rights drops the triggers, deletes the newest entry
    # and sets the head back: the chain alone is consistent again, the anchor is not.
    db = Database(default_url(home))
    with db.engine.begin() as con:
        con.execute(sql("DROP TRIGGER audit_entries_no_delete"))
        con.execute(sql("DELETE FROM audit_entries WHERE seq = 3"))
        prev = con.execute(sql("SELECT hash, logged_at FROM audit_entries WHERE seq = 2")).one()
        con.execute(sql("UPDATE audit_head SET count = 2, hash = :h, logged_at = :t"),
                    {"h": prev[0], "t": prev[1]})
    db.dispose()
    result, text = _verify(home, "--service")
    assert result.exit_code == 1
    assert "the log has 2 entries but 3 were verified on" in text and "deleted" in text
