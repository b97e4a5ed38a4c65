"""Issue #11 item 5: two processes on one workspace. The second writer waits, saying for whom,
or fails with a one-line error; readers during an ingest say why they cannot read; folders a
crashed ingest unpacked are removed by the next run. Every process here is a real one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from crimeplan.store import Warehouse
from crimeplan.store.ingest import ingest_paths
from crimeplan.workspace import WarehouseBusy

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "police-uk-2018-sample.zip"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")

#: ``crimeplan ARGS...`` that stops after its rows are written, before the COMMIT, holding
#: the workspace lock and the warehouse, until the file ``go`` appears.
PAUSED = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import crimeplan.store.ingest as ingest

    ready, go = Path(sys.argv[1]), Path(sys.argv[2])
    real = ingest._fill_reports
    def paused(*args, **kwargs):
        real(*args, **kwargs)
        ready.write_text("ready")
        deadline = time.monotonic() + 300
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    ingest._fill_reports = paused
    from crimeplan.cli.main import app
    app(sys.argv[3:], prog_name="crimeplan")
""")


def street_file(path: Path, month: str, ids: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{i},{month},Essex Police,Essex Police,0.738080,52.042187,On or near Banham Drive,"
            "E01029913,Babergh 007B,Burglary,Under investigation," for i in ids]
    path.write_bytes((HEADER + "\n" + "".join(r + "\r\n" for r in rows)).encode())
    return path


def env(wait: float) -> dict[str, str]:
    return {**os.environ, "CRIMEPLAN_LOCK_WAIT": str(wait), "PYTHONUNBUFFERED": "1",
            "COLUMNS": "200"}


class Paused:
    """A ``crimeplan`` process paused inside its ingest, before the COMMIT."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.ready, self.go = tmp / f"ready-{id(self)}", tmp / f"go-{id(self)}"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", PAUSED, str(self.ready), str(self.go), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(600))
        deadline = time.monotonic() + 300
        while not self.ready.exists():
            assert self.proc.poll() is None, self.proc.communicate()
            assert time.monotonic() < deadline, "the ingest did not reach its pause"
            time.sleep(0.1)

    def finish(self) -> subprocess.CompletedProcess:
        self.go.write_text("go")
        out, err = self.proc.communicate(timeout=300)
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)


def crimeplan(*args: str, wait: float = 600) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crimeplan", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env(wait))


def finished(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def street_ids(home: Path) -> list[str]:
    con = Warehouse(home).connect(read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT crime_id FROM street ORDER BY 1").fetchall()]
    finally:
        con.close()


@pytest.mark.slow
def test_writers_wait_or_fail_in_one_line_and_readers_say_why(tmp_path: Path) -> None:
    home = str(tmp_path / "h")
    first = street_file(tmp_path / "a" / "2018-01" / "2018-01-essex-street.csv", "2018-01",
                        ["a1", "a2"])
    second = street_file(tmp_path / "b" / "2018-02" / "2018-02-essex-street.csv", "2018-02",
                         ["b1"])
    points = tmp_path / "p.csv"
    points.write_text("t,x,y\n2020-01-05,-87.6,41.8\n")
    ingest = Paused(tmp_path, "ingest", str(first), "--home", home)
    pid = ingest.proc.pid
    writers = {
        "ingest": crimeplan("ingest", str(second), "--home", home, wait=1),
        "ingest-points": crimeplan("ingest-points", str(points), "--time", "t", "--x", "x",
                                   "--y", "y", "--crs", "EPSG:4326", "--name", "p",
                                   "--home", home, wait=1),
        "reference load": crimeplan("reference", "load", str(tmp_path), "--home", home,
                                    wait=1),
    }
    readers = {name: crimeplan(*name.split(), "--home", home) for name in (
        "coverage", "quarantine", "summary", f"report --out {tmp_path / 'report'}")}
    for name, proc in writers.items():
        done = finished(proc)
        assert done.returncode == 5, (name, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert lines[0] == (f"waiting for another crimeplan process (pid {pid}, ingest, since "
                            f"{lines[0].split('since ')[1]}"), name
        assert lines[0].endswith("to finish…")
        assert len(lines) == 2 and lines[1].startswith("error: ")
        assert f"another crimeplan process (pid {pid}, ingest" in lines[1]
        assert "after 1 s of waiting; try again when it has finished" in lines[1]
    for name, proc in readers.items():
        done = finished(proc)
        assert done.returncode == 5, (name, done.stderr)
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith(f"error: {Path(home) / 'warehouse.duckdb'}: cannot "), name
        assert f"the warehouse: another crimeplan process (pid {pid}, ingest" in line
    assert ingest.finish().returncode == 0
    # the workspace is free again: the same second ingest now loads
    assert ingest_paths(Path(home), [second]).files[0].rows_loaded == 1
    assert street_ids(Path(home)) == ["a1", "a2", "b1"]


@pytest.mark.slow
def test_a_waiting_writer_goes_ahead_when_the_first_finishes(tmp_path: Path) -> None:
    home = str(tmp_path / "h")
    first = street_file(tmp_path / "a" / "2018-01" / "2018-01-essex-street.csv", "2018-01",
                        ["a1"])
    second = street_file(tmp_path / "b" / "2018-02" / "2018-02-essex-street.csv", "2018-02",
                         ["b1"])
    ingest = Paused(tmp_path, "ingest", str(first), "--home", home)
    log = tmp_path / "second.err"
    with open(log, "w") as err:
        waiting = subprocess.Popen([sys.executable, "-m", "crimeplan", "ingest", str(second),
                                    "--home", home, "--json"], stdout=subprocess.PIPE,
                                   stderr=err, text=True, env=env(600))
        deadline = time.monotonic() + 300
        while "waiting for another crimeplan process" not in log.read_text():
            assert waiting.poll() is None, log.read_text()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert ingest.finish().returncode == 0
        out, _ = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, log.read_text()
    assert json.loads(out)["totals"]["rows_loaded"] == 1
    assert f"(pid {ingest.proc.pid}, ingest, since" in log.read_text()
    assert street_ids(Path(home)) == ["a1", "b1"]


@pytest.mark.slow
def test_unpack_folders_of_a_crashed_ingest_go_at_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "h"
    unpacked = home / "tmp"
    crashed = Paused(tmp_path, "ingest", str(SAMPLE), "--home", str(home))
    (left,) = unpacked.iterdir()
    assert left.name.startswith("ingest-") and any(left.rglob("*.csv"))
    crashed.proc.send_signal(signal.SIGKILL)
    crashed.proc.communicate(timeout=60)
    assert left.exists()  # nothing could remove it
    # the next run holds the lock at once (a killed process lets go) and removes the folder
    running = Paused(tmp_path, "ingest", str(SAMPLE), "--home", str(home))
    (own,) = unpacked.iterdir()
    assert own != left
    # a run that cannot start (the lock is held) leaves the running one's folder alone
    monkeypatch.setenv("CRIMEPLAN_LOCK_WAIT", "0")
    with pytest.raises(WarehouseBusy, match="another crimeplan process"):
        ingest_paths(home, [SAMPLE])
    assert list(unpacked.iterdir()) == [own]
    assert running.finish().returncode == 0
    assert list(unpacked.iterdir()) == []


#: A process reading the warehouse (read-only, as every read command opens it) until ``go``.
READER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import duckdb

    con = duckdb.connect(sys.argv[1], read_only=True)
    Path(sys.argv[2]).write_text("ready")
    deadline = time.monotonic() + 300
    while not Path(sys.argv[3]).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    con.close()
""")


@pytest.mark.parametrize("reader_leaves", [True, False])
def test_a_writer_waits_for_a_reader_and_names_it(tmp_path: Path, reader_leaves: bool,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "h"
    first = street_file(tmp_path / "a" / "2018-01" / "2018-01-essex-street.csv", "2018-01",
                        ["a1"])
    ingest_paths(home, [first])
    ready, go = tmp_path / "ready", tmp_path / "go"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(Warehouse(home).path),
                               str(ready), str(go)])
    try:
        while not ready.exists():
            assert reader.poll() is None
            time.sleep(0.05)
        second = street_file(tmp_path / "b" / "2018-02" / "2018-02-essex-street.csv",
                             "2018-02", ["b1"])
        monkeypatch.setenv("CRIMEPLAN_LOCK_WAIT", "60" if reader_leaves else "1")
        if reader_leaves:
            threading.Timer(2.0, go.write_text, ["go"]).start()
            assert ingest_paths(home, [second]).files[0].rows_loaded == 1
            assert street_ids(home) == ["a1", "b1"]
        else:
            with pytest.raises(WarehouseBusy) as busy:
                ingest_paths(home, [second])
            assert str(busy.value) == (
                f"{Warehouse(home).path}: cannot write the warehouse: another process (pid "
                f"{reader.pid}) has it open; try again when it has finished")
        assert capsys.readouterr().err == (
            f"waiting for another process (pid {reader.pid}) to close the warehouse…\n")
    finally:
        go.write_text("go")
        reader.wait(timeout=60)
