"""Which rows an indicator looks at: forces, an optional district, and a month range.

A ``Scope`` is resolved once from what the user asked for (a force by slug or published name,
an area code, ``--from``/``--to``) and what the warehouse holds; indicators turn it into a SQL
condition whose values are bound parameters (``where`` and ``params``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crimeplan.analysis import sql
from crimeplan.standard.forces import FORCES, find_force

#: The LSOA a row falls in: the computed 2011 code, else the code published with the row.
LSOA_EXPR = "coalesce({a}.lsoa11_code, {a}.lsoa_code)"

#: Reference tables an indicator may require, by name.
REFERENCE_TABLES = ("ref_lsoa", "ref_lsoa_geom", "ref_pfa")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CODE = re.compile(r"^[A-Z]\d{8}$")


class ScopeError(ValueError):
    """The requested force, area or period does not match the warehouse."""


@dataclass(frozen=True)
class Scope:
    """Forces, optional local authority district (LAD 2019 code) and inclusive month range."""

    forces: tuple[str, ...]
    start: dt.date
    end: dt.date
    lad_code: str | None = None
    label: str = ""

    @property
    def months(self) -> tuple[dt.date, ...]:
        """Every month from start to end inclusive."""
        return month_range(self.start, self.end)

    @property
    def period(self) -> str:
        return f"{month_text(self.start)} to {month_text(self.end)}"

    def with_months(self, start: dt.date, end: dt.date) -> Scope:
        """The same places over another month range."""
        return Scope(self.forces, start, end, self.lad_code, self.label)

    def where(self, alias: str = "s", lsoa: str | None = None) -> str:
        """SQL condition selecting this scope's rows of a street/outcomes/stop_search table;
        ``lsoa`` is the row's LSOA expression (default: computed, else published code). Its
        values are the parameters ``$forces``, ``$start``, ``$end`` and ``$lad`` of
        ``params``."""
        cond = (f"{alias}.force IN (SELECT unnest($forces)) AND {alias}.month BETWEEN $start "
                "AND $end")
        if self.lad_code:
            lsoa = lsoa or LSOA_EXPR.format(a=alias)
            cond += f" AND {lsoa} IN (SELECT lsoa11_code FROM ref_lsoa WHERE lad19_code = $lad)"
        return cond

    def params(self) -> dict[str, object]:
        """The values of ``where``'s condition."""
        return {"forces": list(self.forces), "start": self.start, "end": self.end,
                "lad": self.lad_code}


def parse_month(text: str, field: str = "month") -> dt.date:
    """'YYYY-MM' as the first day of that month."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ScopeError(f"{field}: expected YYYY-MM, got {text!r}")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def month_text(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    months = []
    month = start
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return tuple(months)


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(sql.rows(con, "SELECT count(*) FROM information_schema.tables "
                              "WHERE table_name = $name", {"name": name})[0][0])


def require_reference(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    """Raise a clear error when reference tables (named in the code) have not been loaded."""
    missing = [t for t in tables if t not in REFERENCE_TABLES or not table_exists(con, t)
               or not sql.rows(con, f"SELECT count(*) FROM {t}")[0][0]]
    if missing:
        raise ScopeError(f"reference table(s) {', '.join(missing)} not loaded: "
                         "run `crimeplan reference load DIR` first")


def resolve_scope(con: duckdb.DuckDBPyConnection, *, force: str | None = None,
                  area: str | None = None, start: str | None = None, end: str | None = None,
                  dataset: str = "street") -> Scope:
    """Resolve a force name or area code and a month range against the warehouse.

    Without force or area the scope is every force holding ``dataset``; without months it is
    the whole span those forces hold.
    """
    if force and area:
        raise ScopeError("give either a force or an area, not both")
    lad_code = None
    if force:
        found = find_force(force)
        if found is None:
            raise ScopeError(f"unknown force {force!r} (use a slug such as 'essex' "
                             "or a published name such as 'Essex Police')")
        forces, label = (found.slug,), found.name
    elif area:
        forces, label, lad_code = _resolve_area(con, area.strip().upper())
    else:
        forces = tuple(r[0] for r in sql.rows(
            con, "SELECT DISTINCT force FROM partitions WHERE dataset = $dataset ORDER BY force",
            {"dataset": dataset}))
        if not forces:
            raise ScopeError(f"no {dataset} data in the warehouse: ingest police.uk files first")
        label = "All forces loaded"
    first, last = sql.rows(
        con, "SELECT min(month), max(month) FROM partitions WHERE force IN "
             "(SELECT unnest($forces))", {"forces": list(forces)})[0]
    if first is None and (start is None or end is None):
        raise ScopeError(f"no data loaded for {label}")
    s = parse_month(start, "--from") if start else first
    e = parse_month(end, "--to") if end else last
    if s > e:
        raise ScopeError(f"--from {month_text(s)} is after --to {month_text(e)}")
    return Scope(forces, s, e, lad_code, label)


def _resolve_area(con: duckdb.DuckDBPyConnection, code: str) -> tuple[tuple[str, ...], str,
                                                                        str | None]:
    """An area code: a force area (PFA) code, or a local authority district code."""
    if not _CODE.match(code):
        raise ScopeError(f"area {code!r} is not a GSS code such as E06000033")
    for f in FORCES:
        if f.pfa_code == code:
            return (f.slug,), f.name, None
    require_reference(con, "ref_lsoa")
    row = sql.rows(con, "SELECT any_value(lad19_name) FROM ref_lsoa WHERE lad19_code = $lad",
                   {"lad": code})[0]
    if row is None or row[0] is None:
        raise ScopeError(f"area {code!r} is neither a force area nor a local authority "
                         "district in ref_lsoa")
    lsoa = LSOA_EXPR.format(a="s")
    forces = tuple(r[0] for r in sql.rows(
        con, f"SELECT DISTINCT s.force FROM street s WHERE {lsoa} IN "
             "(SELECT lsoa11_code FROM ref_lsoa WHERE lad19_code = $lad) ORDER BY 1",
        {"lad": code}))
    if not forces:
        raise ScopeError(f"no street crime loaded for area {code} ({row[0]})")
    return forces, f"{row[0]} ({code})", code


def selection_hash(con: duckdb.DuckDBPyConnection, scope: Scope) -> str:
    """SHA-256 over the partitions (file hashes) and reference versions a report reads."""
    parts = sql.rows(con, "SELECT dataset, force, month, sha256 FROM partitions WHERE force IN "
                          "(SELECT unnest($forces)) AND month BETWEEN $start AND $end "
                          "ORDER BY 1, 2, 3", scope.params())
    refs = (sql.rows(con, "SELECT name, sha256 FROM ref_versions ORDER BY 1")
            if table_exists(con, "ref_versions") else [])
    text = "\n".join("|".join(str(v) for v in row) for row in [*parts, *refs])
    text += f"\nlad={scope.lad_code}"
    return hashlib.sha256(text.encode()).hexdigest()


def read_populations(path: Path, key: str) -> dict[str, float]:
    """A user-supplied population table: CSV with columns ``key`` and ``population`` (positive
    numbers, thousands separators allowed); errors name the file, row and field."""
    out: dict[str, float] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        for field in (key, "population"):
            if field not in (reader.fieldnames or []):
                raise ScopeError(f"{path}: missing column {field!r} (need {key}, population)")
        for line, row in enumerate(reader, start=2):
            try:
                value = float(row["population"].replace(",", ""))
            except ValueError:
                raise ScopeError(f"{path}: row {line}, field population: not a number: "
                                 f"{row['population']!r}") from None
            if value <= 0:
                raise ScopeError(f"{path}: row {line}, field population: must be positive")
            out[row[key].strip()] = value
    return out
