"""Readers for the official reference files: LSOA (2011) and police force area (2020) boundaries,
and the English Indices of Deprivation 2019 (File_1 IMD, File_2 domains, File_6 populations).

Files are found recursively inside a folder by name, so the publishers' original downloads work
as they are (``File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv``, or the all-in-one File_7
CSV; ONS boundary shapefiles, zipped or not, GeoPackages or GeoJSON). Every reader checks the
header and every value, and raises ``ReferenceDataError`` naming the file, line and field of the
first problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

LSOA_CODE = re.compile(r"^[EW]01\d{6}$")
PFA_CODE = re.compile(r"^(E23|W15)\d{6}$")

#: The seven domains of deprivation, by the names the warehouse columns use.
DOMAINS: dict[str, str] = {
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_environment": "Living Environment",
}

_VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".zip")   # .zip: zipped shapefile
_TABLE_SUFFIXES = (".csv", ".csv.gz")
_SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".ods")


class ReferenceDataError(ValueError):
    """A reference file is missing, unreadable or has a bad header or value."""

    def __init__(self, path: Path | str, problem: str, *, line: int | None = None,
                 field: str | None = None) -> None:
        self.path, self.line, self.field, self.problem = Path(path), line, field, problem
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Column:
    """A standard column and the header names it goes by in the published files."""

    name: str
    aliases: tuple[str, ...]
    kind: str = "int"          # int | text | code
    required: bool = True
    low: int = 0
    high: int | None = None


@dataclass(frozen=True)
class ReferenceFiles:
    """The reference files found in a folder (None where a kind is absent)."""

    folder: Path
    lsoa_boundaries: Path | None = None
    pfa_boundaries: Path | None = None
    imd: Path | None = None
    domains: Path | None = None
    population: Path | None = None

    def found(self) -> dict[str, Path]:
        """Source name → file, for the kinds present."""
        names = ("lsoa_boundaries", "pfa_boundaries", "imd", "domains", "population")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


def _normalise(header: str) -> str:
    """Header text compared case-, space- and underscore-insensitively."""
    return " ".join(header.replace("_", " ").replace("\ufeff", "").lower().split())


def _matches(header: str, alias: str) -> bool:
    """True when a header is the alias, or the alias followed by a bracketed note such as
    '(where 1 is most deprived)'."""
    h, a = _normalise(header), _normalise(alias)
    return h == a or h.startswith(a + " (")


_LSOA_ID_COLUMNS = (
    Column("lsoa11_code", ("LSOA code (2011)", "LSOA11CD", "lsoa11_code"), kind="code"),
    Column("lsoa11_name", ("LSOA name (2011)", "LSOA11NM", "lsoa11_name"), kind="text",
           required=False),
    Column("lad19_code", ("Local Authority District code (2019)", "LAD19CD", "lad19_code"),
           kind="text", required=False),
    Column("lad19_name", ("Local Authority District name (2019)", "LAD19NM", "lad19_name"),
           kind="text", required=False),
)


def _rank_decile(name: str, label: str) -> tuple[Column, Column]:
    return (Column(f"{name}_rank", (f"{label} Rank", f"{name}_rank"), low=1),
            Column(f"{name}_decile", (f"{label} Decile", f"{name}_decile"), low=1, high=10))


IMD_COLUMNS = (*_LSOA_ID_COLUMNS,
               *_rank_decile("imd", "Index of Multiple Deprivation (IMD)"))
DOMAIN_COLUMNS = (*_LSOA_ID_COLUMNS,
                  *(c for d, label in DOMAINS.items() for c in _rank_decile(d, label)))
POPULATION_COLUMNS = (
    *_LSOA_ID_COLUMNS,
    Column("population", ("Total population: mid 2015", "population")),
    Column("pop_0_15", ("Dependent Children aged 0-15: mid 2015", "pop_0_15")),
    Column("pop_16_59", ("Population aged 16-59: mid 2015", "pop_16_59")),
    Column("pop_60_plus", ("Older population aged 60 and over: mid 2015", "pop_60_plus")),
)


def _pick_columns(path: Path, headers: list[str], columns: tuple[Column, ...]) -> dict[str, str]:
    """Standard column name → header in the file; an error names the first missing column."""
    picked: dict[str, str] = {}
    for col in columns:
        hits = [h for h in headers if any(_matches(h, a) for a in col.aliases)]
        if len(hits) > 1:
            raise ReferenceDataError(path, f"header has several columns for {col.name}: {hits}",
                                     line=1, field=hits[1])
        if hits:
            picked[col.name] = hits[0]
        elif col.required:
            raise ReferenceDataError(
                path, f"header lacks the column {col.aliases[0]!r} (found: {headers})",
                line=1, field=col.aliases[0])
    return picked


def _parse_column(path: Path, values: pd.Series, col: Column, header: str) -> pd.Series:
    """Check and convert one column; integers may carry thousands separators ('1,296')."""
    text = values.astype(str).str.strip()
    if col.kind == "text":
        return text.where(text != "", None)
    if col.kind == "code":
        bad = ~text.str.match(LSOA_CODE.pattern)
        _raise_first(path, bad, text, header, "is not an LSOA 2011 code (like E01000001)")
        dup = text.duplicated()
        _raise_first(path, dup, text, header, "repeats an LSOA code already listed")
        return text
    digits = text.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    bad = ~digits.str.fullmatch(r"\d+")
    _raise_first(path, bad, text, header, "is not a whole number")
    number = digits.astype("int64")
    out_of_range = number < col.low
    if col.high is not None:
        out_of_range |= number > col.high
    limits = f"{col.low}..{col.high}" if col.high is not None else f">= {col.low}"
    _raise_first(path, out_of_range, text, header, f"is outside {limits}")
    return number


def _raise_first(path: Path, bad: pd.Series, text: pd.Series, header: str, problem: str) -> None:
    """Raise for the first flagged row (line numbers count the header as line 1)."""
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReferenceDataError(path, f"value {text.iloc[row]!r} {problem}", line=row + 2,
                                 field=header)


def _read_table(path: Path, columns: tuple[Column, ...]) -> pd.DataFrame:
    """Read a published CSV (UTF-8 with or without BOM, optionally gzipped) into standard
    columns, checked value by value."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(path, f"is not UTF-8 text ({exc.reason})") from exc
    except pd.errors.EmptyDataError as exc:
        raise ReferenceDataError(path, "is empty") from exc
    except (pd.errors.ParserError, OSError, EOFError) as exc:
        raise ReferenceDataError(path, f"cannot be read as CSV: {exc}") from exc
    picked = _pick_columns(path, list(raw.columns), columns)
    if raw.empty:
        raise ReferenceDataError(path, "has a header but no rows")
    frame = pd.DataFrame({
        col.name: (_parse_column(path, raw[picked[col.name]], col, picked[col.name])
                   if col.name in picked else pd.Series(None, index=raw.index, dtype=object))
        for col in columns
    })
    return frame


def read_imd(path: Path) -> pd.DataFrame:
    """IMD 2019 File_1 (or File_7): LSOA code and name, district, IMD rank and decile."""
    return _read_table(Path(path), IMD_COLUMNS)


def read_domains(path: Path) -> pd.DataFrame:
    """IMD 2019 File_2 (or File_7): rank and decile of each of the seven domains."""
    return _read_table(Path(path), DOMAIN_COLUMNS)


def read_population(path: Path) -> pd.DataFrame:
    """IMD 2019 File_6 (or File_7): mid-2015 population denominators (excluding prisoners)."""
    return _read_table(Path(path), POPULATION_COLUMNS)


def _ogr(path: Path) -> str:
    """The path as GDAL opens it (zipped shapefiles through /vsizip/)."""
    return f"/vsizip/{path.resolve()}" if path.name.lower().endswith(".zip") else str(path)


def _read_boundaries(path: Path, code: tuple[str, str], name: tuple[str, str],
                     pattern: re.Pattern[str]) -> gpd.GeoDataFrame:
    """Read a boundary layer into (code, name, geometry) in its own CRS, checking codes and
    geometries; invalid polygons are repaired."""
    try:
        info = pyogrio.read_info(_ogr(path))
    except pyogrio.errors.DataSourceError as exc:
        raise ReferenceDataError(path, f"cannot be read as a boundary file: {exc}") from exc
    fields = [str(f) for f in info["fields"]]
    found = {}
    for std, aliases in ((code[0], code), (name[0], name)):
        hits = [f for f in fields if f.lower() in {a.lower() for a in aliases}]
        if not hits:
            raise ReferenceDataError(path, f"has no {' or '.join(aliases)} field "
                                     f"(found: {fields})", field=aliases[0])
        found[std] = hits[0]
    if info["crs"] is None:
        raise ReferenceDataError(path, "has no coordinate reference system (missing .prj?)")
    frame = pyogrio.read_dataframe(_ogr(path), columns=list(found.values()))
    frame = frame.rename(columns={v: k for k, v in found.items()})
    codes = frame[code[0]].astype(str).str.strip()
    bad = ~codes.str.match(pattern.pattern)
    _raise_first_feature(path, bad, codes, found[code[0]], f"is not a code like {pattern.pattern}")
    _raise_first_feature(path, codes.duplicated(), codes, found[code[0]], "repeats a code")
    geoms = np.asarray(frame.geometry.array, dtype=object)
    missing = pd.Series(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    _raise_first_feature(path, missing, codes, "geometry", "has no geometry")
    polygonal = pd.Series(np.isin(shapely.get_type_id(geoms), (3, 6)))
    _raise_first_feature(path, ~polygonal, codes, "geometry", "is not a polygon")
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure",
                                            keep_collapsed=False)
    return gpd.GeoDataFrame({code[0]: codes.to_numpy(),
                             name[0]: frame[name[0]].astype(str).str.strip().to_numpy()},
                            geometry=geoms, crs=frame.crs)


def _raise_first_feature(path: Path, bad: pd.Series, codes: pd.Series, field: str,
                         problem: str) -> None:
    """Raise for the first flagged feature (features numbered from 1)."""
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReferenceDataError(path, f"feature {row + 1} ({codes.iloc[row]!r}) {problem}",
                                 field=field)


def read_lsoa_boundaries(path: Path) -> gpd.GeoDataFrame:
    """LSOA 2011 boundaries: lsoa11_code, lsoa11_name, geometry (in the file's CRS)."""
    return _read_boundaries(Path(path), ("lsoa11_code", "LSOA11CD"),
                            ("lsoa11_name", "LSOA11NM"), LSOA_CODE)


def read_pfa_boundaries(path: Path) -> gpd.GeoDataFrame:
    """Police force area 2020 boundaries: pfa_code, pfa_name, geometry (in the file's CRS)."""
    frame = _read_boundaries(Path(path), ("pfa20_code", "PFA20CD"), ("pfa20_name", "PFA20NM"),
                             PFA_CODE)
    return frame.rename(columns={"pfa20_code": "pfa_code", "pfa20_name": "pfa_name"})


# --- finding the files in a folder -------------------------------------------------------------

_IMD_FILE = re.compile(r"^file[ _-]*(\d+)\D")
_IMD_ROLES = {1: ("imd",), 2: ("domains",), 6: ("population",),
              7: ("imd", "domains", "population")}   # File_7 has all, used where 1/2/6 absent
_LSOA_NAME = re.compile(r"\blsoa\d*\b|lower layer super output area")
_PFA_NAME = re.compile(r"\bpfa\d*\b|police force area")
_BOUNDARY_FIELDS = {"lsoa_boundaries": {"lsoa11_code", "lsoa11cd"},
                    "pfa_boundaries": {"pfa20_code", "pfa20cd"}}


def _words(name: str) -> str:
    return " ".join(re.split(r"[^a-z0-9]+", name.lower()))


def _has_suffix(path: Path, suffixes: tuple[str, ...]) -> bool:
    return path.name.lower().endswith(suffixes)


def _roles(path: Path) -> tuple[str, ...]:
    """Which reference files a path looks like by its name (none, one, or all three IMD kinds
    for File_7)."""
    imd = _IMD_FILE.match(path.name.lower())
    if imd and _has_suffix(path, _TABLE_SUFFIXES + _SPREADSHEET_SUFFIXES):
        return _IMD_ROLES.get(int(imd.group(1)), ())
    if _has_suffix(path, _VECTOR_SUFFIXES):
        words = _words(path.name)
        if _LSOA_NAME.search(words):
            return ("lsoa_boundaries",)
        if _PFA_NAME.search(words):
            return ("pfa_boundaries",)
    return ()


def _boundary_fields(path: Path) -> set[str]:
    try:
        return {str(f).lower() for f in pyogrio.read_info(_ogr(path))["fields"]}
    except pyogrio.errors.DataSourceError as exc:
        raise ReferenceDataError(path, f"cannot be read as a boundary file: {exc}") from exc


def _choose(role: str, paths: list[Path]) -> Path:
    """The one usable file of a kind: CSV over spreadsheet, right code field for boundaries."""
    if role in _BOUNDARY_FIELDS:
        if len(paths) > 1:
            paths = [p for p in paths if _boundary_fields(p) & _BOUNDARY_FIELDS[role]] or paths
    else:
        tables = [p for p in paths if _has_suffix(p, _TABLE_SUFFIXES)]
        if not tables:
            raise ReferenceDataError(paths[0], "is a spreadsheet; download the CSV version of "
                                     "this file from the publisher")
        paths = tables
    if len(paths) > 1:
        raise ReferenceDataError(paths[0].parent, f"several candidate files for {role}: "
                                 f"{[str(p) for p in paths]}; keep one")
    return paths[0]


def find_reference_files(folder: Path) -> ReferenceFiles:
    """Find the reference files anywhere under a folder by their (publishers') names."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReferenceDataError(folder, "is not a folder")
    candidates: dict[str, list[Path]] = {}
    all_in_one: dict[str, list[Path]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        roles = _roles(path)
        for role in roles:
            (all_in_one if len(roles) > 1 else candidates).setdefault(role, []).append(path)
    for role, paths in all_in_one.items():
        candidates.setdefault(role, paths)
    if not candidates:
        raise ReferenceDataError(
            folder, "contains no recognisable reference files (looked for LSOA 2011 and police "
            "force area boundaries as .gpkg/.shp/.geojson/.zip, and IMD 2019 File_1, File_2 "
            "and File_6, or File_7, as .csv or .csv.gz)")
    return ReferenceFiles(folder=folder,
                          **{role: _choose(role, paths) for role, paths in candidates.items()})


#: Reader for each kind of reference file.
READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "lsoa_boundaries": read_lsoa_boundaries,
    "pfa_boundaries": read_pfa_boundaries,
    "imd": read_imd,
    "domains": read_domains,
    "population": read_population,
}
