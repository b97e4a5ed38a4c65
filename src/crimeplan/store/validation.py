"""Row validation rules, as SQL over all-text staging tables.

Each dataset's rule set turns staged text columns into typed standard columns plus three
columns saying why a row cannot be loaded: ``reason`` (NULL when the row is valid), ``field``
and ``value``. Rules run in the warehouse, over all rows at once.
"""

from __future__ import annotations

#: The UK's extent in WGS84 with a margin (Great Britain, Northern Ireland, Scilly, Shetland).
UK_LON = (-8.7, 2.1)
UK_LAT = (49.8, 61.0)

#: Why a line is not a row at all (the CSV reader's reasons).
WRONG_COLUMN_COUNT = "wrong column count"
UNDECODABLE = "undecodable bytes"
MALFORMED_QUOTING = "malformed quoting"
STRAY_CARRIAGE_RETURN = "stray carriage return"

#: DuckDB CSV reader error types and the quarantine reason each becomes.
PARSER_REASONS: dict[str, str] = {
    "MISSING COLUMNS": WRONG_COLUMN_COUNT,
    "TOO MANY COLUMNS": WRONG_COLUMN_COUNT,
    "INVALID ENCODING": UNDECODABLE,
    "INVALID UNICODE": UNDECODABLE,
    "UNQUOTED VALUE": MALFORMED_QUOTING,
    "LINE SIZE OVER MAXIMUM": "line too long",
    "CAST": "unparsable value",
}


def _text(col: str) -> str:
    """A published text value, NULL when empty (values are kept exactly as published)."""
    return f"NULLIF({col}, '')"


def _month_rule(col: str) -> str:
    """Not YYYY-MM with a real month (a cast, far cheaper than a regular expression)."""
    return (f"{_text(col)} IS NULL OR length({col}) <> 7 "
            f"OR TRY_CAST({col} || '-01' AS DATE) IS NULL")


#: A row whose Month is not the month its file is named for: loaded, it would replace the
#: partition of another month with that one row.
FILE_MONTH_RULE = ("fm.month IS NOT NULL AND s.month <> fm.month",
                   "month differs from the file name", "'Month'")


def _coordinate_rules(lon: str, lat: str) -> list[tuple[str, str, str]]:
    """(condition, reason, field) for a pair of published WGS84 coordinates."""
    lon_t, lat_t = _text(lon), _text(lat)
    lon_v, lat_v = f"TRY_CAST({lon_t} AS DOUBLE)", f"TRY_CAST({lat_t} AS DOUBLE)"
    return [
        (f"({lon_t} IS NULL) <> ({lat_t} IS NULL)", "incomplete coordinates",
         f"CASE WHEN {lon_t} IS NULL THEN 'Longitude' ELSE 'Latitude' END"),
        (f"{lon_t} IS NOT NULL AND ({lon_v} IS NULL OR NOT isfinite({lon_v}))",
         "coordinates unparsable", "'Longitude'"),
        (f"{lat_t} IS NOT NULL AND ({lat_v} IS NULL OR NOT isfinite({lat_v}))",
         "coordinates unparsable", "'Latitude'"),
        (f"{lat_t} IS NOT NULL AND {lat_v} NOT BETWEEN {UK_LAT[0]} AND {UK_LAT[1]}",
         "coordinates outside the UK", "'Latitude'"),
        (f"{lon_t} IS NOT NULL AND {lon_v} NOT BETWEEN {UK_LON[0]} AND {UK_LON[1]}",
         "coordinates outside the UK", "'Longitude'"),
    ]


def _value_of(field_sql: str, columns: dict[str, str]) -> str:
    """SQL giving the offending value for the field named by ``field_sql``."""
    whens = " ".join(f"WHEN '{label}' THEN {col}" for label, col in columns.items())
    return f"CASE {field_sql} {whens} END"


def reason_columns(rules: list[tuple[str, str, str]], fields: dict[str, str]) -> str:
    """``reason``, ``field`` and ``value`` select expressions from ordered rules."""
    reason = "CASE " + " ".join(f"WHEN {c} THEN '{r}'" for c, r, _ in rules) + " END"
    field = "CASE " + " ".join(f"WHEN {c} THEN {f}" for c, _, f in rules) + " END"
    return f"{reason} AS reason, {field} AS field, {_value_of(field, fields)} AS value"


def street_rules() -> list[tuple[str, str, str]]:
    return [
        (_month_rule("s.month"), "unparsable month", "'Month'"),
        FILE_MONTH_RULE,
        ("cl.slug IS NULL", "unknown crime type", "'Crime type'"),
        *_coordinate_rules("s.longitude", "s.latitude"),
    ]


STREET_FIELDS = {"Month": "s.month", "Crime type": "s.crime_type", "Longitude": "s.longitude",
                 "Latitude": "s.latitude"}


def outcome_rules() -> list[tuple[str, str, str]]:
    return [
        (_month_rule("s.month"), "unparsable month", "'Month'"),
        FILE_MONTH_RULE,
        (f"{_text('s.outcome_type')} IS NULL", "missing outcome type", "'Outcome type'"),
        *_coordinate_rules("s.longitude", "s.latitude"),
    ]


OUTCOME_FIELDS = {"Month": "s.month", "Outcome type": "s.outcome_type",
                  "Longitude": "s.longitude", "Latitude": "s.latitude"}

_BOOL = ("'true','false','yes','no','1','0','t','f','y','n'")


def stop_search_rules() -> list[tuple[str, str, str]]:
    date_v = f"TRY_CAST({_text('s.date')} AS TIMESTAMPTZ)"
    rules = [
        (f"{date_v} IS NULL", "unparsable date", "'Date'"),
        *_coordinate_rules("s.longitude", "s.latitude"),
    ]
    for col, label in (("part_of_a_policing_operation", "Part of a policing operation"),
                       ("outcome_linked_to_object_of_search",
                        "Outcome linked to object of search"),
                       ("removal_of_more_than_just_outer_clothing",
                        "Removal of more than just outer clothing")):
        rules.append((f"{_text('s.' + col)} IS NOT NULL AND lower({_text('s.' + col)}) "
                      f"NOT IN ({_BOOL})", "unparsable true/false", f"'{label}'"))
    return rules


STOP_SEARCH_FIELDS = {
    "Date": "s.date", "Longitude": "s.longitude", "Latitude": "s.latitude",
    "Part of a policing operation": "s.part_of_a_policing_operation",
    "Outcome linked to object of search": "s.outcome_linked_to_object_of_search",
    "Removal of more than just outer clothing": "s.removal_of_more_than_just_outer_clothing",
}


def boolean(col: str) -> str:
    """Typed boolean from published text ('True', 'False', '' ...)."""
    t = f"lower({_text(col)})"
    return (f"CASE WHEN {t} IN ('true','yes','1','t','y') THEN TRUE "
            f"WHEN {t} IN ('false','no','0','f','n') THEN FALSE END")


def text(col: str) -> str:
    return _text(col)
