"""The warehouse as hive-partitioned Parquet (issue #16 item 6): read back with pyarrow and
DuckDB, every count reconciles with the warehouse, partition by partition."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.provenance.filelog import AuditLog
from crimeplan.standard.records import RECORD_TYPES
from crimeplan.store import Warehouse
from crimeplan.store.calls import CallsSpec, ingest_calls
from crimeplan.store.ingest import ingest_paths
from crimeplan.store.parquet import EXPORTED, export_parquet
from crimeplan.store.points import PointsSpec, ingest_points

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "police-uk-2018-sample.zip"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("parquet")
    home = tmp / "home"
    ingest_paths(home, [SAMPLE])
    points = tmp / "points.csv"
    points.write_bytes(b"when,lon,lat,kind\n" + b"".join(
        f"2019-0{m}-0{d}T10:00:00,-87.6{d},41.8{d},assault\r\n".encode()
        for m in (1, 2) for d in range(1, 6)))
    ingest_points(home, points, PointsSpec("chicago", "when", "lon", "lat", "EPSG:4326",
                                           "kind"))
    calls = tmp / "calls.csv"
    calls.write_bytes(b"at,kind,who,mh\n" + b"".join(
        f"2024-0{m}-1{d} 08:00:00,ASB,R{d % 2},{'Y' if d == 1 else 'N'}\r\n".encode()
        for m in (3, 4, 5) for d in range(4)))
    ingest_calls(home, calls, CallsSpec("room", "at", "kind", caller="who",
                                        flags=(("mental_health", "mh"),)))
    return home


def _warehouse_counts(home: Path, table: str, owner: str) -> dict[tuple[str, str], int]:
    con = Warehouse(home).connect(read_only=True)
    try:
        return {(o, str(m)): n for o, m, n in con.execute(
            f"SELECT {owner}, month, count(*) FROM {table} GROUP BY ALL").fetchall()}
    finally:
        con.close()


def test_every_partition_reads_back_with_its_rows(home, tmp_path):
    con = Warehouse(home).connect(read_only=True)
    try:
        done = export_parquet(con, tmp_path / "out")
    finally:
        con.close()
    assert set(done.rows) == {"street", "stop-and-search", "points", "calls", "coverage"}
    for name, (table, record, owner) in EXPORTED.items():
        if name not in done.rows:
            continue
        expected = _warehouse_counts(home, table, owner)
        folder = tmp_path / "out" / name
        by_duckdb = {(o, str(m)): n for o, m, n in duckdb.execute(
            f"SELECT {owner}, month::DATE, count(*) FROM read_parquet('{folder}/**/*.parquet', "
            "hive_partitioning = true) GROUP BY ALL").fetchall()}
        assert by_duckdb == expected, name
        table_ = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
        assert table_.num_rows == sum(expected.values()) == done.rows[name]
        fields = set(RECORD_TYPES[record].model_fields)
        assert set(table_.schema.names) == fields | {owner, "month"}, name
    coverage = duckdb.execute(f"SELECT dataset, sum(rows) FROM "
                              f"'{tmp_path / 'out' / 'coverage.parquet'}' GROUP BY ALL").fetchall()
    assert dict(coverage) == {"street": done.rows["street"],
                              "stop-and-search": done.rows["stop-and-search"],
                              "points": 10, "calls": 12}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["rows"] == done.rows


def test_types_survive_the_round_trip(home, tmp_path):
    con = Warehouse(home).connect(read_only=True)
    try:
        export_parquet(con, tmp_path / "out")
        mapped, lon = con.execute("SELECT count(*) FILTER (WHERE mapped), sum(longitude) "
                                  "FROM street").fetchone()
    finally:
        con.close()
    back = duckdb.execute(f"SELECT count(*) FILTER (WHERE mapped), sum(longitude) FROM "
                          f"read_parquet('{tmp_path}/out/street/**/*.parquet')").fetchone()
    assert back[0] == mapped and back[1] == pytest.approx(lon)
    flags = duckdb.execute(f"SELECT count(*) FROM read_parquet('{tmp_path}/out/calls/**/*."
                           "parquet') WHERE list_contains(flags, 'mental_health')").fetchone()
    assert flags == (3,)


def test_cli_refuses_a_folder_that_is_not_empty_and_records_the_export(home, tmp_path):
    runner = CliRunner()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    refused = runner.invoke(app, ["export", "parquet", str(tmp_path / "full"), "--home",
                                  str(home)])
    assert refused.exit_code == 2 and "not empty" in refused.output
    assert (tmp_path / "full" / "keep.txt").read_text() == "x"
    done = runner.invoke(app, ["export", "parquet", str(tmp_path / "new"), "--json",
                               "--home", str(home)])
    assert done.exit_code == 0, done.output
    record = AuditLog(home).records()[-1]
    assert record["kind"] == "export.parquet" and record["status"] == "ok"
    assert record["results"]["calls"] == 12
