"""Ingest of a force's calls for service: any command-and-control export, by a column mapping.

The user names the columns of the call time and type and, where the export has them, the grade,
the caller's reference, the location (an LSOA code, or x/y in a CRS), the arrival time and yes/no
flags such as mental health. Rows are validated like every other ingest: each one loaded or
quarantined with its line, reason and field, and the run recorded before the warehouse commits.

**Callers are pseudonymised at the door.** A caller reference never reaches the warehouse, the
quarantine or any output: it becomes a keyed hash (HMAC-SHA256 with the workspace's pseudonym
key, ``keys/pseudonyms.key``, created on first use and readable by its owner only), so repeat
callers can be counted and followed without naming them. The same reference in two exports of
one workspace gets the same pseudonym; another workspace (another key) gets another.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
from pyproj import CRS
from pyproj.exceptions import CRSError

from crimeplan.store import validation as v
from crimeplan.store.ingest import (
    LINE,
    IngestReport,
    Progress,
    staged_rows,
)
from crimeplan.store.mapped import ingest_mapped
from crimeplan.store.points import reprojector
from crimeplan.store.warehouse import register_frame

#: Where a workspace keeps the key of its caller pseudonyms.
PSEUDONYM_KEY = Path("keys") / "pseudonyms.key"
#: Values of a flag column read as yes and as no (after trimming, any case).
FLAG_YES = ("1", "y", "yes", "true", "t")
FLAG_NO = ("", "0", "n", "no", "false", "f")
#: The quarantine's copy of a line the CSV reader could not split, when it may hold a caller.
WITHHELD = "[withheld: the line may hold a caller reference]"
_FLAG_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class CallsSpec:
    """How to read a calls export: its columns and the data set name to load it as."""

    name: str
    time: str
    call_type: str
    grade: str | None = None
    caller: str | None = None
    lsoa: str | None = None
    x: str | None = None
    y: str | None = None
    crs: str | None = None
    arrival: str | None = None
    flags: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (flag name, column)
    time_format: str | None = None

    def columns(self) -> list[str]:
        """Every column of the export this mapping names."""
        named = [self.time, self.call_type, self.grade, self.caller, self.lsoa, self.x, self.y,
                 self.arrival, *(column for _, column in self.flags)]
        return [c for c in named if c is not None]


def check_spec(spec: CallsSpec) -> None:
    """A ValueError naming the option at fault, before any file is read."""
    if not spec.name or not spec.name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"--name {spec.name!r}: use letters, digits, '-' or '_'")
    if spec.lsoa and (spec.x or spec.y):
        raise ValueError("give the location as --lsoa or as --x/--y/--crs, not both")
    if (spec.x is None) != (spec.y is None) or (spec.x is not None and spec.crs is None):
        raise ValueError("--x, --y and --crs go together")
    if spec.crs is not None:
        try:
            CRS.from_user_input(spec.crs)
        except CRSError as exc:
            raise ValueError(f"--crs {spec.crs!r}: unknown CRS; give it as EPSG:XXXX") from exc
    names = [n for n, _ in spec.flags]
    for name in names:
        if not _FLAG_NAME.fullmatch(name):
            raise ValueError(f"--flag {name!r}: name a flag with lower-case letters, digits "
                             "and '_' (e.g. mental_health=MH_FLAG)")
    if len(set(names)) < len(names):
        raise ValueError("--flag: each flag name once")


def pseudonym_key(home: Path) -> bytes:
    """The workspace's pseudonym key, created (owner read/write only) on first use."""
    path = Path(home) / PSEUDONYM_KEY
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


def pseudonym(key: bytes, reference: str) -> str:
    """The pseudonym of one caller reference (trimmed; case kept, as systems issue it)."""
    return hmac.new(key, reference.strip().encode(), hashlib.sha256).hexdigest()


def _flag_rules(spec: CallsSpec, mapping: dict[str, str]) -> tuple[str, list[tuple[str, str,
                                                                                     str]]]:
    """The ``flags`` list expression and a rule per flag column for values neither yes nor
    no."""
    sets, rules = [], []
    for name, column in spec.flags:
        value = f"lower(trim(coalesce(s.{mapping[column]}, '')))"
        yes = ", ".join(v.literal(x) for x in FLAG_YES)
        no = ", ".join(v.literal(x) for x in FLAG_NO)
        sets.append(f"CASE WHEN {value} IN ({yes}) THEN {v.literal(name)} END")
        rules.append((f"{value} NOT IN ({yes}, {no})", "flag neither yes nor no",
                      v.literal(column)))
    flags = (f"list_filter([{', '.join(sets)}], lambda f: f IS NOT NULL)" if sets
             else "[]::VARCHAR[]")
    return flags, rules


def _builder(spec: CallsSpec, mapping: dict[str, str]):  # type: ignore[no-untyped-def]
    """Candidate query for call rows (pseudonyms and coordinates are filled in afterwards)."""
    col = lambda name: f"s.{mapping[name]}" if name else None  # noqa: E731
    time = v.timestamp(col(spec.time), spec.time_format)
    call_type = v.text(col(spec.call_type))
    fields = {c: col(c) for c in spec.columns() if c != spec.caller}
    rules = [(f"{time} IS NULL", "unparsable time", v.literal(spec.time)),
             (f"{call_type} IS NULL", "missing call type", v.literal(spec.call_type))]
    grade = v.text(col(spec.grade)) if spec.grade else "NULL::VARCHAR"
    caller = v.text(col(spec.caller)) if spec.caller else "NULL::VARCHAR"
    lsoa = "NULL::VARCHAR"
    if spec.lsoa:
        lsoa = v.text(col(spec.lsoa))
        rules.append((f"{lsoa} IS NOT NULL AND NOT regexp_full_match({lsoa}, '[EW]01[0-9]{{6}}')",
                      "not an LSOA code", v.literal(spec.lsoa)))
    xv = yv = "NULL::DOUBLE"
    if spec.x and spec.y:
        xt, yt = v.text(col(spec.x)), v.text(col(spec.y))
        xv, yv = f"TRY_CAST({xt} AS DOUBLE)", f"TRY_CAST({yt} AS DOUBLE)"
        rules += [(f"({xt} IS NULL) <> ({yt} IS NULL)", "incomplete coordinates",
                   f"CASE WHEN {xt} IS NULL THEN {v.literal(spec.x)} ELSE {v.literal(spec.y)} "
                   "END"),
                  (f"{xt} IS NOT NULL AND ({xv} IS NULL OR NOT isfinite({xv}))",
                   "coordinates unparsable", v.literal(spec.x)),
                  (f"{yt} IS NOT NULL AND ({yv} IS NULL OR NOT isfinite({yv}))",
                   "coordinates unparsable", v.literal(spec.y))]
    response = "NULL::DOUBLE"
    if spec.arrival:
        arrival = v.timestamp(col(spec.arrival), spec.time_format)
        arrival_text = v.text(col(spec.arrival))
        response = f"(epoch({arrival}) - epoch({time})) / 60.0"
        rules += [(f"{arrival_text} IS NOT NULL AND {arrival} IS NULL", "unparsable time",
                   v.literal(spec.arrival)),
                  (f"{arrival} < {time}", "arrival before the call", v.literal(spec.arrival))]
    flags, flag_rules = _flag_rules(spec, mapping)
    rules += flag_rules
    reasons = v.reason_columns(rules, fields)
    # The quarantine keeps a bad row as published, except the caller's reference.
    raw = ", ".join("'[caller]'" if name == spec.caller else f"coalesce(s.{c}, '')"
                    for name, c in mapping.items())
    crs = v.literal(spec.crs) if spec.crs else "NULL::VARCHAR"

    def build(stage: str, lines: str, present: set[str]) -> str:
        del present
        return f"""
            SELECT fm.file_id, {LINE} AS line, 'calls' AS dataset,
                   {v.literal(spec.name)} AS force,
                   date_trunc('month', {time})::DATE AS month, {time} AS time,
                   {call_type} AS call_type, {grade} AS grade, {caller} AS caller_key,
                   {lsoa} AS lsoa_code, {xv} AS source_x, {yv} AS source_y,
                   CASE WHEN {xv} IS NOT NULL THEN {crs} END AS source_crs,
                   NULL::DOUBLE AS longitude, NULL::DOUBLE AS latitude,
                   {flags} AS flags, {response} AS response_minutes,
                   {reasons},
                   CASE WHEN reason IS NOT NULL THEN concat_ws(',', {raw}) END AS raw
            {staged_rows(stage, lines)}"""

    return build


def _post(spec: CallsSpec, home: Path) -> Callable[[duckdb.DuckDBPyConnection, str], None]:
    """Post-stage step: every caller reference replaced by its pseudonym (before anything is
    written), then coordinates reprojected."""
    locate = reprojector(spec.crs, spec.x) if spec.crs and spec.x else None

    def post(con: duckdb.DuckDBPyConnection, cand: str) -> None:
        if spec.caller:
            key = pseudonym_key(home)
            refs = con.execute(f"SELECT DISTINCT caller_key FROM {cand} "
                               "WHERE caller_key IS NOT NULL").df()
            refs["pseudonym"] = [pseudonym(key, r) for r in refs["caller_key"]]
            register_frame(con, "caller_pseudonyms", refs)
            con.execute(f"""UPDATE {cand} SET caller_key = p.pseudonym FROM caller_pseudonyms p
                WHERE {cand}.caller_key = p.caller_key""")
            con.unregister("caller_pseudonyms")
        if locate is not None:
            locate(con, cand)

    return post


def ingest_calls(home: Path, path: Path, spec: CallsSpec, progress: Progress | None = None,
                 before_commit: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """Load one CSV (or gzip-compressed CSV) of calls for service as data set ``spec.name``, as
    the workspace's one writer; a later export replaces the months it covers.
    ``before_commit`` gets the filled-in report just before the COMMIT, which it stops by
    raising."""
    check_spec(spec)

    def withhold(con: duckdb.DuckDBPyConnection, file_id: int) -> None:
        if spec.caller:  # a line the CSV reader could not split may hold a reference
            con.execute("UPDATE quarantine SET raw = ? WHERE file_id = ? AND detail IS NOT NULL",
                        [WITHHELD, file_id])

    return ingest_mapped(home, path, dataset="calls", name=spec.name, columns=spec.columns(),
                         builder=partial(_builder, spec), post=_post(spec, home),
                         finish=withhold, progress=progress, before_commit=before_commit)
