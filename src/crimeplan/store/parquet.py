"""The warehouse as hive-partitioned Parquet, for engines beyond one machine (Spark, Trino).

Each data set is a folder of ``force=<slug>/month=<YYYY-MM-DD>/`` partitions (``dataset=<name>``
for point and call data sets, which are named by their user), holding the columns of the
standard's record type (``crimeplan.standard.records``) with their warehouse types; the
partition columns live in the paths, as Hive lays them out. ``coverage`` is one file: every
partition loaded with its source file's SHA-256 and row count, so a national unit can tell what
each force's export holds. ``manifest.json`` lists the rows of every data set written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crimeplan.standard.records import RECORD_TYPES
from crimeplan.store import validation as v

#: Data sets exported: warehouse table, record type, and the column naming the partition owner.
EXPORTED: dict[str, tuple[str, str, str]] = {
    "street": ("street", "street", "force"),
    "outcomes": ("outcomes", "outcomes", "force"),
    "stop-and-search": ("stop_search", "stop-and-search", "force"),
    "points": ("points", "points", "dataset"),
    "calls": ("calls", "calls", "dataset"),
}
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ParquetExport:
    """What an export wrote: rows per data set (and coverage), and the folder."""

    folder: Path
    rows: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        return {"folder": str(self.folder), "rows": self.rows}



def export_parquet(con: duckdb.DuckDBPyConnection, out: Path) -> ParquetExport:
    """Write every data set of the warehouse under ``out`` (which must be empty or absent)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out}: the folder is not empty; export into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for name, (table, record, owner) in EXPORTED.items():
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if not rows:
            continue
        fields = [f for f in RECORD_TYPES[record].model_fields if f not in (owner, "month")]
        con.execute(f"""COPY (SELECT {', '.join(fields)}, {owner}, month FROM {table})
            TO {v.literal(str(out / name))}
            (FORMAT parquet, PARTITION_BY ({owner}, month), COMPRESSION zstd)""")
        written[name] = int(rows)
    coverage = con.execute("SELECT count(*) FROM partitions").fetchone()[0]
    con.execute(f"""COPY (SELECT dataset, force, month, rows, sha256, release, loaded_at
                          FROM partitions ORDER BY dataset, force, month)
                    TO {v.literal(str(out / 'coverage.parquet'))} (FORMAT parquet)""")
    written["coverage"] = int(coverage)
    (out / MANIFEST).write_text(json.dumps({"format": "crimeplan-parquet", "version": 1,
                                            "rows": written}, indent=2) + "\n")
    return ParquetExport(out, written)
