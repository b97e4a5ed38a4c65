"""What a workspace's warehouse holds, in a few numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb


@dataclass(frozen=True)
class WarehouseSummary:
    """Row counts of the data tables, files ingested, quarantine and reference status."""

    street_rows: int
    street_forces: list[str]
    outcome_rows: int
    stop_search_rows: int
    point_rows: int
    point_datasets: list[str]
    files_ingested: int
    rows_quarantined: int
    rows_unmapped: int
    rows_without_lsoa: int
    distinct_locations: int
    reference_loaded: bool

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def summarise(con: duckdb.DuckDBPyConnection) -> WarehouseSummary:
    """Counts over the whole warehouse."""
    def one(sql: str) -> int:
        return int(con.execute(sql).fetchall()[0][0])

    def names(sql: str) -> list[str]:
        return [r[0] for r in con.execute(sql).fetchall()]

    has_ref = bool(one("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ref_lsoa'"))
    return WarehouseSummary(
        street_rows=one("SELECT count(*) FROM street"),
        street_forces=names("SELECT DISTINCT force FROM street ORDER BY 1"),
        outcome_rows=one("SELECT count(*) FROM outcomes"),
        stop_search_rows=one("SELECT count(*) FROM stop_search"),
        point_rows=one("SELECT count(*) FROM points"),
        point_datasets=names("SELECT DISTINCT dataset FROM points ORDER BY 1"),
        files_ingested=one("SELECT count(*) FROM ingest_ledger"),
        rows_quarantined=one("SELECT count(*) FROM quarantine"),
        rows_unmapped=one("SELECT count(*) FROM street WHERE NOT mapped"),
        rows_without_lsoa=one("SELECT count(*) FROM street WHERE mapped AND lsoa11_code IS NULL"),
        distinct_locations=one("SELECT count(*) FROM locations"),
        reference_loaded=has_ref,
    )
