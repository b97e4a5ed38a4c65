"""Every command that changes the warehouse or writes an output leaves a run record, and one
whose record cannot be written keeps nothing it made."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimeplan.app.actors import cli_actor
from crimeplan.cli.main import app
from crimeplan.provenance.chain import AuditLogError
from crimeplan.provenance.filelog import AuditLog
from crimeplan.provenance.runs import RunNotRecorded, RunRecorder
from crimeplan.store import Warehouse
from crimeplan.store.ingest import ingest_paths
from crimeplan.store.reference import load_reference, reference_summary

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
IMD = ROOT / "data" / "sample" / "reference" / (
    "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz")
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")


def _street(crime_id: str, month: str, lat: str = "52.042187") -> str:
    return (f"{crime_id},{month},Essex Police,Essex Police,0.738080,{lat},On or near Banham "
            "Drive,E01029913,Babergh 007B,Burglary,Under investigation,")


def _police_file(folder: Path, month: str, rows: list[str]) -> Path:
    """A police.uk street file as published: LF after the header, CRLF after each row."""
    path = folder / month / f"{month}-essex-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((HEADER + "\n" + "".join(r + "\r\n" for r in rows)).encode())
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _break_log(home: Path) -> None:
    """Make the log impossible to append to (as a full or failed disk would)."""
    log = home / "audit" / "log.jsonl"
    if log.exists():
        log.rename(log.with_suffix(".aside"))
    log.mkdir(parents=True)


def _tables(home: Path) -> dict[str, list[tuple]]:
    con = Warehouse(home).connect()
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("street", "ingest_ledger", "partitions", "quarantine")}
    finally:
        con.close()


def test_ingest_records_every_file_hash_status_counts_and_partitions(tmp_path):
    home = tmp_path / "home"
    january = _police_file(tmp_path / "in", "2018-01", [
        _street("a1", "2018-01"), _street("a2", "2018-01", lat="95.000000"),
        _street("a3", "2018-01")])
    february = _police_file(tmp_path / "in", "2018-02", [_street("b1", "2018-02")])
    junk = tmp_path / "junk.csv"
    junk.write_text("name,colour\nbob,blue\n")
    result = runner.invoke(app, ["ingest", str(january), str(february), str(junk), "--purpose",
                                 "monthly load", "--home", str(home)])
    assert result.exit_code == 1, result.output  # the junk file is an error; the rest load
    (record,) = AuditLog(home).records()
    assert (record["kind"], record["purpose"], record["status"]) == ("ingest", "monthly load",
                                                                     "ok")
    files = {Path(f["path"]).name: f for f in record["inputs"]}
    jan, feb, bad = files[january.name], files[february.name], files[junk.name]
    assert (jan["sha256"], feb["sha256"], bad["sha256"]) == (_sha(january), _sha(february),
                                                             _sha(junk))
    assert (jan["status"], jan["rows_read"], jan["rows_loaded"], jan["rows_quarantined"]) == (
        "loaded", 3, 2, 1)
    assert jan["quarantine_reasons"] == {"coordinates outside the UK": 1}
    assert jan["partitions"] == [{"dataset": "street", "force": "essex", "month": "2018-01",
                                  "rows": 2, "action": "new"}]
    assert feb["partitions"][0]["month"] == "2018-02" and feb["rows_loaded"] == 1
    assert bad["status"] == "error" and "unknown header" in bad["message"]
    assert record["results"]["totals"]["rows_loaded"] == 3 == len(_tables(home)["street"])
    assert record["results"]["totals"]["partitions_written"] == 2
    assert record["results"]["files_in_error"] == 1
    assert AuditLog(home).verify().ok


def test_ingest_points_records_its_file(tmp_path):
    home = tmp_path / "home"
    events = tmp_path / "events.csv"
    events.write_bytes(b"time,x,y\r\n2018-01-05T10:00:00,0.73,52.04\r\n"  # a CRLF export
                       b"2018-01-06T11:00:00,0.74,52.05\r\nnot a time,0.75,52.06\r\n")
    result = runner.invoke(app, ["ingest-points", str(events), "--time", "time", "--x", "x",
                                 "--y", "y", "--crs", "EPSG:4326", "--name", "patrol-log",
                                 "--home", str(home)])
    assert result.exit_code == 0, result.output
    (record,) = AuditLog(home).records()
    assert record["kind"] == "ingest-points" and record["parameters"]["name"] == "patrol-log"
    (entry,) = record["inputs"]
    assert entry["sha256"] == _sha(events)
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (3, 2, 1)
    assert entry["partitions"] == [{"dataset": "points", "force": "patrol-log",
                                    "month": "2018-01", "rows": 2, "action": "new"}]


def test_ingest_points_refused_before_loading_is_still_recorded(tmp_path):
    home = tmp_path / "home"
    events = tmp_path / "events.csv"
    events.write_bytes(b"when,x,y\n2018-01-05T10:00:00,0.73,52.04\r\n")
    result = runner.invoke(app, ["ingest-points", str(events), "--time", "time", "--x", "x",
                                 "--y", "y", "--crs", "EPSG:4326", "--name", "log",
                                 "--home", str(home)])
    assert result.exit_code == 1
    (record,) = AuditLog(home).records()
    assert record["inputs"][0]["status"] == "error" and "time" in record["inputs"][0]["message"]


def test_reference_load_records_each_file_and_its_hash(tmp_path):
    folder = tmp_path / "ref"
    folder.mkdir()
    shutil.copy(IMD, folder / IMD.name)
    home = tmp_path / "home"
    result = runner.invoke(app, ["reference", "load", str(folder), "--purpose", "IMD 2019",
                                 "--home", str(home)])
    assert result.exit_code == 0, result.output
    (record,) = AuditLog(home).records()
    assert (record["kind"], record["purpose"], record["status"]) == ("reference.load",
                                                                     "IMD 2019", "ok")
    assert record["inputs"] == [{"path": str((folder / IMD.name).resolve()),
                                 "sha256": _sha(IMD), "role": "imd", "rows": 5900}]


def test_ingest_is_refused_when_its_record_cannot_be_written(tmp_path):
    home = tmp_path / "home"
    _break_log(home)
    path = _police_file(tmp_path / "in", "2018-01", [_street("a1", "2018-01")])
    result = runner.invoke(app, ["ingest", str(path), "--home", str(home)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "log.jsonl" in " ".join(result.output.split())
    assert _tables(home) == {"street": [], "ingest_ledger": [], "partitions": [],
                             "quarantine": []}


def test_a_failed_append_before_the_commit_rolls_the_ingest_back(tmp_path):
    home = tmp_path / "home"
    first = _police_file(tmp_path / "a", "2018-01", [_street("a1", "2018-01")])
    assert runner.invoke(app, ["ingest", str(first), "--home", str(home)]).exit_code == 0
    before = _tables(home)
    second = _police_file(tmp_path / "b", "2018-02", [_street("b1", "2018-02")])

    with pytest.raises(RunNotRecorded, match="could not be recorded"), \
            RunRecorder(home, "ingest", cli_actor()) as run:

        def append_on_a_broken_log(report):
            _break_log(home)  # the disk fails after the pre-flight check
            run.append_now()

        ingest_paths(home, [second], before_commit=append_on_a_broken_log)
    assert _tables(home) == before


def test_a_failed_append_before_the_commit_keeps_the_old_reference_data(tmp_path):
    folder = tmp_path / "ref"
    folder.mkdir()
    shutil.copy(IMD, folder / IMD.name)
    home = tmp_path / "home"
    con = Warehouse(home).connect()
    try:
        with pytest.raises(RunNotRecorded), RunRecorder(home, "reference.load", cli_actor()) as run:

            def append_on_a_broken_log(sources):
                _break_log(home)
                run.append_now()

            load_reference(con, folder, before_commit=append_on_a_broken_log)
        assert reference_summary(con) is None
    finally:
        con.close()


def test_outputs_are_removed_when_the_record_cannot_be_appended(tmp_path):
    home, out = tmp_path / "home", tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    old = out / "kept-from-before.txt"
    old.write_text("an earlier file")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    single = tmp_path / "map.html"
    with pytest.raises(RunNotRecorded, match="3 output file"), \
            RunRecorder(home, "forecast.predict", cli_actor()) as run:
        (out / "scores.csv").write_text("model,pai\nkde,2.1\n")
        (out / "sub" / "cells.csv").write_text("cell\n1\n")
        single.write_text("<html></html>")
        run.add_output(out)
        run.add_output(single)
        _break_log(home)
    assert sorted(p.name for p in out.rglob("*")) == ["kept-from-before.txt"]
    assert not single.exists()


def test_a_run_does_not_start_when_its_record_could_not_be_written(tmp_path):
    home = tmp_path / "home"
    _break_log(home)
    started = False
    with pytest.raises(AuditLogError, match=r"log\.jsonl"), \
            RunRecorder(home, "risk.fit", cli_actor()):
        started = True
    assert not started


def test_a_failure_after_the_record_is_appended_is_recorded_too(tmp_path):
    home = tmp_path / "home"
    with pytest.raises(RuntimeError), RunRecorder(home, "ingest", cli_actor()) as run:
        run.append_now()
        raise RuntimeError("COMMIT failed: disk full")
    first, second = AuditLog(home).records()
    assert first["run_id"] == run.run_id and first["status"] == "ok"
    assert second["amends"] == run.run_id and second["status"] == "failed"
    assert "after its record was appended" in second["error"] and "disk full" in second["error"]


def test_a_repair_made_before_a_run_is_in_its_record(tmp_path):
    home = tmp_path / "home"
    log = AuditLog(home)
    log.append({"run_id": "first"})
    head = log.head_path.read_text()
    log.append({"run_id": "interrupted"})
    log.head_path.write_text(head)  # killed between the line and the head
    with RunRecorder(home, "report", cli_actor()) as run:
        pass
    assert "entry 2 (run interrupted)" in run.record["log_repairs"][0]
    assert log.verify().ok and [r["run_id"] for r in log.records()] == [
        "first", "interrupted", run.run_id]


@pytest.mark.parametrize(("argv", "kind", "outputs"), [
    (["risk", "synth", "--rows", "20", "--seed", "3"], "risk.synth", ["synth.csv"]),
    (["cohort", "synth", "--people", "5", "--years", "1"], "cohort.synth", ["synth.csv"]),
])
def test_synthetic_data_commands_record_their_output(tmp_path, argv, kind, outputs):
    home, out = tmp_path / "home", tmp_path / "synth.csv"
    result = runner.invoke(app, [*argv, "--out", str(out), "--home", str(home),
                                 "--purpose", "demo"])
    assert result.exit_code == 0, result.output
    (record,) = [r for r in AuditLog(home).records() if r["kind"] == kind]
    assert record["purpose"] == "demo" and record["status"] == "ok"
    assert [(Path(o["path"]).name, o["sha256"]) for o in record["outputs"]] == [
        (name, _sha(tmp_path / name)) for name in outputs]


def test_synthetic_data_is_not_kept_when_its_record_cannot_be_written(tmp_path):
    home, out = tmp_path / "home", tmp_path / "custody.csv"
    (home / "audit").mkdir(parents=True)
    _break_log(home)
    result = runner.invoke(app, ["risk", "synth", "--out", str(out), "--home", str(home)])
    assert result.exit_code != 0 and not out.exists()


def test_schema_export_is_recorded(tmp_path):
    home, out = tmp_path / "home", tmp_path / "schemas"
    result = runner.invoke(app, ["standard", "schema", "--out", str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    (record,) = AuditLog(home).records()
    assert record["kind"] == "standard.schema"
    written = sorted(out.glob("*.schema.json"))
    assert written and sorted(o["path"] for o in record["outputs"]) == sorted(map(str, written))
    assert {o["sha256"] for o in record["outputs"]} == {_sha(p) for p in written}
