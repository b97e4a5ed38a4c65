"""Appends killed with SIGKILL at any point never leave a log that fails ``audit verify``.

Real child processes append to a real log and are killed: at every write, flush and rename of an
append (the child wraps ``os.write``, ``os.fsync`` and ``os.replace`` to kill itself before or
after the n-th call, or half way through a write), and at random moments while appending in a
loop. After each kill the next append repairs the log, ``verify`` passes and every complete
entry written before the kill is still there.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.provenance.chain import AuditLogDamaged, canonical_json, entry_hash
from crimeplan.provenance.filelog import AuditLog

runner = CliRunner()

KILL_AT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from crimeplan.provenance.filelog import AuditLog

    home, target, nth, when = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    real = getattr(os, target)
    calls = 0

    def killed(*args):
        global calls
        calls += 1
        if calls == nth and when == "torn":  # half the bytes reach the file
            real(args[0], bytes(args[1])[: len(args[1]) // 2])
        if calls == nth and when in ("before", "torn"):
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(*args)
        if calls == nth and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(os, target, killed)
    AuditLog(home).append({"run_id": "child", "payload": "x" * 5000})
""")

APPEND_FOREVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from crimeplan.provenance.filelog import AuditLog

    log = AuditLog(Path(sys.argv[1]))
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        log.append({"run_id": f"loop-{sys.argv[2]}-{n}", "payload": "y" * 20000})
""")

#: Every write, flush and rename of an append, killed before, after, or half way through.
POINTS = [(target, nth, when) for target, nth in (("write", 1), ("fsync", 1), ("write", 2),
                                                  ("fsync", 2), ("replace", 1))
          for when in ("before", "after")] + [("write", 1, "torn"), ("write", 2, "torn")]


def _log_with(home: Path, n: int) -> AuditLog:
    log = AuditLog(home)
    for i in range(n):
        log.append({"run_id": f"parent-{i}"})
    return log


def _complete_lines(log: AuditLog) -> bytes:
    """The log's bytes up to its last line end: every entry written in full."""
    raw = log.path.read_bytes() if log.path.exists() else b""
    return raw[:raw.rfind(b"\n") + 1]


def _assert_recovered(log: AuditLog, before: bytes, next_run: str) -> None:
    """The next append leaves a log that verifies and keeps every complete entry."""
    log.append({"run_id": next_run})
    result = log.verify()
    assert result.ok, result.describe()
    after = log.path.read_bytes()
    assert after.startswith(before)  # no complete entry lost, none changed
    assert result.entries == before.count(b"\n") + 1
    assert [e["record"]["run_id"] for e in log.entries()][-1] == next_run


@pytest.mark.parametrize(("target", "nth", "when"), POINTS)
def test_a_kill_at_any_point_of_an_append_is_recovered(tmp_path, target, nth, when):
    log = _log_with(tmp_path / "home", 2)
    child = subprocess.run([sys.executable, "-c", KILL_AT, str(tmp_path / "home"), target,
                            str(nth), when], capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    before = _complete_lines(log)
    torn = log.path.read_bytes()[len(before):]
    head_count = json.loads(log.head_path.read_text())["count"]
    _assert_recovered(log, before, "after-kill")
    records = [e["record"]["run_id"] for e in log.entries()]
    child_line_whole = b'"run_id":"child"' in before
    assert ("child" in records) == child_line_whole
    assert (head_count == 3) == (target == "replace" and when == "after")
    if torn:  # the cut-off bytes are kept, not thrown away
        (kept,) = log.torn_dir.iterdir()
        assert kept.read_bytes() == torn and kept.name.startswith("line-3-")


def test_random_kills_while_appending_never_break_the_log(tmp_path):
    """A child appends in a loop and is killed at random moments, 25 times over one log."""
    home = tmp_path / "home"
    log = _log_with(home, 1)
    rng = random.Random(11)
    for round_ in range(25):
        child = subprocess.Popen([sys.executable, "-c", APPEND_FOREVER, str(home),
                                  str(round_)], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.08))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        _assert_recovered(log, _complete_lines(log), f"parent-after-{round_}")


def test_verify_repairs_an_interrupted_append_and_reports_it(tmp_path):
    """Line written, head not: verify adopts the entry, says so, and the CLI exits 0."""
    home = tmp_path / "home"
    log = _log_with(home, 2)
    head = log.head_path.read_text()
    log.append({"run_id": "pending"})
    log.head_path.write_text(head)  # as if killed before the head was replaced
    cli = runner.invoke(app, ["audit", "verify", "--home", str(home)])
    assert cli.exit_code == 0, cli.output
    assert "repaired:" in cli.output and "entry 3 (run pending)" in cli.output
    assert json.loads(log.head_path.read_text())["count"] == 3


def test_verify_cuts_a_torn_line_and_keeps_its_bytes(tmp_path):
    home = tmp_path / "home"
    log = _log_with(home, 2)
    torn = b'{"hash":"ab\xff\xfe'  # cut short mid-write, not even UTF-8
    with log.path.open("ab") as fh:
        fh.write(torn)
    result = log.verify()
    assert result.ok and result.entries == 2
    assert len(result.repairs) == 1 and "line 3 was cut short" in result.repairs[0]
    assert [p.read_bytes() for p in log.torn_dir.iterdir()] == [torn]
    assert log.path.read_bytes().endswith(b"}\n")


def test_an_entry_missing_only_its_line_end_is_kept(tmp_path):
    home = tmp_path / "home"
    log = _log_with(home, 2)
    whole = log.path.read_bytes()
    log.path.write_bytes(whole[:-1])
    log.append({"run_id": "next"})
    assert log.verify().ok
    assert log.path.read_bytes().startswith(whole)


def test_a_trailing_entry_that_does_not_chain_is_not_adopted(tmp_path):
    """Only an entry that follows the head is adopted: a forged one blocks appending."""
    home = tmp_path / "home"
    log = _log_with(home, 2)
    record = {"run_id": "forged"}
    entry = {"seq": 3, "prev": "f" * 64, "logged_at": "2099-01-01", "record": record,
             "hash": entry_hash(3, "f" * 64, "2099-01-01", record)}
    with log.path.open("a") as fh:
        fh.write(canonical_json(entry) + "\n")
    with pytest.raises(AuditLogDamaged, match="seq 3, run forged"):
        log.append({"run_id": "next"})
    result = log.verify()
    assert not result.ok and result.first_bad_line == 3 and result.first_bad_run == "forged"
