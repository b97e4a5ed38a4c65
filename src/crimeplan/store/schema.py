"""Warehouse tables (DuckDB DDL).

Data tables hold one row per loaded source row with ``file_id`` and ``line`` pointing back to
the ledger entry and line it came from. ``partitions`` says which file currently supplies each
dataset × force × month; a newer release replaces a partition's rows in one transaction.
"""

from __future__ import annotations

_LOCATED = """
    longitude DOUBLE, latitude DOUBLE,
    x DOUBLE, y DOUBLE,               -- British National Grid (EPSG:27700), metres
    mapped BOOLEAN NOT NULL,           -- has usable coordinates
"""

_PROVENANCE = """
    file_id INTEGER NOT NULL,          -- ingest_ledger.file_id
    line BIGINT NOT NULL               -- line in the source file (header = line 1)
"""

TABLES: dict[str, str] = {
    "street": f"""
CREATE TABLE IF NOT EXISTS street (
    force VARCHAR NOT NULL, month DATE NOT NULL,
    crime_id VARCHAR, reported_by VARCHAR, falls_within VARCHAR,
    {_LOCATED}
    location VARCHAR, lsoa_code VARCHAR, lsoa_name VARCHAR,
    lsoa11_code VARCHAR,               -- computed by point-in-polygon (NULL until reference loaded)
    pfa_code VARCHAR,                  -- computed police force area
    crime_type VARCHAR NOT NULL, category VARCHAR NOT NULL,
    last_outcome_category VARCHAR, context VARCHAR,
    {_PROVENANCE}
)""",
    "outcomes": f"""
CREATE TABLE IF NOT EXISTS outcomes (
    force VARCHAR NOT NULL, month DATE NOT NULL,
    crime_id VARCHAR, reported_by VARCHAR, falls_within VARCHAR,
    {_LOCATED}
    location VARCHAR, lsoa_code VARCHAR, lsoa_name VARCHAR,
    lsoa11_code VARCHAR, pfa_code VARCHAR,
    outcome_type VARCHAR NOT NULL, outcome VARCHAR,
    {_PROVENANCE}
)""",
    "stop_search": f"""
CREATE TABLE IF NOT EXISTS stop_search (
    force VARCHAR NOT NULL, month DATE NOT NULL,
    type VARCHAR, date TIMESTAMPTZ,
    part_of_a_policing_operation BOOLEAN, policing_operation VARCHAR,
    {_LOCATED}
    gender VARCHAR, age_range VARCHAR,
    self_defined_ethnicity VARCHAR, officer_defined_ethnicity VARCHAR,
    legislation VARCHAR, object_of_search VARCHAR, outcome VARCHAR,
    outcome_linked_to_object_of_search BOOLEAN,
    removal_of_more_than_just_outer_clothing BOOLEAN,
    lsoa11_code VARCHAR, pfa_code VARCHAR,
    {_PROVENANCE}
)""",
    "points": f"""
CREATE TABLE IF NOT EXISTS points (
    dataset VARCHAR NOT NULL, month DATE NOT NULL,
    time TIMESTAMP NOT NULL, category VARCHAR,
    source_x DOUBLE NOT NULL, source_y DOUBLE NOT NULL, source_crs VARCHAR NOT NULL,
    longitude DOUBLE NOT NULL, latitude DOUBLE NOT NULL,
    {_PROVENANCE}
)""",
    "calls": f"""
CREATE TABLE IF NOT EXISTS calls (
    dataset VARCHAR NOT NULL, month DATE NOT NULL,   -- the data set's name; month of the call
    time TIMESTAMP NOT NULL, call_type VARCHAR NOT NULL, grade VARCHAR,
    caller_key VARCHAR,                -- keyed pseudonym of the caller (never the reference)
    lsoa_code VARCHAR, source_x DOUBLE, source_y DOUBLE, source_crs VARCHAR,
    longitude DOUBLE, latitude DOUBLE,
    flags VARCHAR[] NOT NULL,          -- names of the flags set (e.g. mental_health)
    response_minutes DOUBLE,           -- call to arrival, where the export has it
    {_PROVENANCE}
)""",
    "ingest_ledger": """
CREATE TABLE IF NOT EXISTS ingest_ledger (
    file_id INTEGER PRIMARY KEY,
    path VARCHAR NOT NULL,             -- file path, or 'archive.zip!member' for archive members
    size BIGINT NOT NULL, sha256 VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,          -- street | outcomes | stop-and-search | points | calls
    force VARCHAR,                     -- force slug, or the data set name (points, calls)
    release VARCHAR,                   -- YYYY-MM of the archive (or file) it came from
    rows_read BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL,
    status VARCHAR NOT NULL,           -- loaded | superseded | older-release
    ingested_at TIMESTAMP NOT NULL
)""",
    "partitions": """
CREATE TABLE IF NOT EXISTS partitions (
    dataset VARCHAR NOT NULL, force VARCHAR NOT NULL, month DATE NOT NULL,
    file_id INTEGER NOT NULL, sha256 VARCHAR NOT NULL, release VARCHAR,
    rows BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (dataset, force, month)
)""",
    "quarantine": """
CREATE TABLE IF NOT EXISTS quarantine (
    file_id INTEGER NOT NULL, path VARCHAR NOT NULL, line BIGINT,
    reason VARCHAR NOT NULL,
    field VARCHAR,                     -- the published column at fault, when one is
    value VARCHAR,                     -- its value as published
    detail VARCHAR,                    -- the CSV parser's message, for unparsable lines
    raw VARCHAR                        -- the fields as published, comma-joined
)""",
    "locations": """
CREATE TABLE IF NOT EXISTS locations (
    longitude DOUBLE NOT NULL, latitude DOUBLE NOT NULL,
    x DOUBLE, y DOUBLE, lsoa11_code VARCHAR, pfa_code VARCHAR,
    enriched_with VARCHAR              -- reference version used for lsoa/pfa, NULL if none
)""",
}

#: Data tables and the dataset name each holds.
DATASET_TABLES: dict[str, str] = {
    "street": "street",
    "outcomes": "outcomes",
    "stop-and-search": "stop_search",
    "points": "points",
    "calls": "calls",
}


def create_all(con) -> None:  # type: ignore[no-untyped-def]
    """Create every table that does not exist yet."""
    for ddl in TABLES.values():
        con.execute(ddl)
