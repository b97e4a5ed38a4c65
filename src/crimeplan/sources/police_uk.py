"""data.police.uk files as users get them: archives, month folders and single CSV files.

This module knows the published layouts: file names ``YYYY-MM-<force>-<dataset>.csv`` inside
``YYYY-MM/`` folders, the three datasets' headers in their original Title Case and the
snake_case variants, and how to tell a file's dataset, force and month. Reading the rows is the
warehouse's job (``crimeplan.store.ingest``), done in bulk by DuckDB.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DATASETS = ("street", "outcomes", "stop-and-search")

#: Canonical columns of each dataset, in published order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "street": ("crime_id", "month", "reported_by", "falls_within", "longitude", "latitude",
               "location", "lsoa_code", "lsoa_name", "crime_type", "last_outcome_category",
               "context"),
    "outcomes": ("crime_id", "month", "reported_by", "falls_within", "longitude", "latitude",
                 "location", "lsoa_code", "lsoa_name", "outcome_type"),
    "stop-and-search": ("type", "date", "part_of_a_policing_operation", "policing_operation",
                        "latitude", "longitude", "gender", "age_range", "self_defined_ethnicity",
                        "officer_defined_ethnicity", "legislation", "object_of_search", "outcome",
                        "outcome_linked_to_object_of_search",
                        "removal_of_more_than_just_outer_clothing"),
}

#: Columns without which a file of that dataset cannot be loaded.
REQUIRED: dict[str, frozenset[str]] = {
    "street": frozenset({"month", "crime_type", "longitude", "latitude"}),
    "outcomes": frozenset({"crime_id", "month", "outcome_type", "longitude", "latitude"}),
    "stop-and-search": frozenset({"type", "date", "latitude", "longitude", "object_of_search"}),
}

#: Other spellings seen in the wild, mapped to canonical names.
ALIASES: dict[str, str] = {
    "crimeid": "crime_id",
    "lsoa": "lsoa_code",
    "lsoa_11_code": "lsoa_code",
    "lsoa11_code": "lsoa_code",
    "lsoa21_code": "lsoa_code",
    "type_of_search": "type",
    "datetime": "date",
    "lat": "latitude",
    "lng": "longitude",
    "lon": "longitude",
}

_FILE_NAME = re.compile(
    r"^(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+?)-(?P<dataset>street|outcomes|stop-and-search)"
    r"\.csv$", re.IGNORECASE)
_MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")


def normalise_header(name: str) -> str:
    """'Crime ID', 'crime_id', ' CRIME-ID ' and '\\ufeffCrime ID' all become 'crime_id'."""
    key = re.sub(r"[^0-9a-z]+", "_", name.replace("\ufeff", "").strip().lower()).strip("_")
    return ALIASES.get(key, key)


@dataclass(frozen=True)
class HeaderMatch:
    """What a header says: the dataset, each column's canonical name, and what is unused."""

    dataset: str
    columns: tuple[str, ...]  # canonical name per source column ('' for ignored ones)
    ignored: tuple[str, ...]


class HeaderError(ValueError):
    """A header that matches no police.uk dataset."""


def match_header(names: Iterable[str], hint: str | None = None) -> HeaderMatch:
    """Identify the dataset of a header, checking it against a file-name ``hint`` if given."""
    raw = list(names)
    canon = [normalise_header(n) for n in raw]
    if len(set(c for c in canon if c)) != len([c for c in canon if c]):
        dupes = sorted({c for c in canon if canon.count(c) > 1})
        raise HeaderError(f"duplicate column(s) {dupes}")
    candidates = [d for d in DATASETS if REQUIRED[d] <= set(canon)]
    if "outcome_type" in canon:
        candidates = [d for d in candidates if d == "outcomes"]
    if "crime_type" in canon:
        candidates = [d for d in candidates if d == "street"]
    if hint and hint in candidates:
        dataset = hint
    elif len(candidates) == 1:
        dataset = candidates[0]
        if hint and hint != dataset:
            raise HeaderError(f"file name says {hint} but the header is a {dataset} header")
    else:
        wanted = REQUIRED[hint] if hint else None
        if wanted:
            missing = sorted(wanted - set(canon))
            raise HeaderError(f"not a police.uk {hint} header: missing {missing}")
        raise HeaderError("header matches no police.uk dataset (street, outcomes, "
                          f"stop-and-search): {raw[:6]}")
    known = set(COLUMNS[dataset])
    columns = tuple(c if c in known else "" for c in canon)
    ignored = tuple(r for r, c in zip(raw, columns, strict=True) if not c)
    return HeaderMatch(dataset, columns, ignored)


@dataclass(frozen=True)
class FileName:
    """What a published file name says."""

    month: str
    force: str
    dataset: str


def parse_file_name(name: str) -> FileName | None:
    """``2018-07-essex-street.csv`` -> month, force slug and dataset; None if not that form."""
    m = _FILE_NAME.match(Path(name).name)
    if not m:
        return None
    return FileName(m["month"], m["force"].lower(), m["dataset"].lower())


@dataclass
class SourceFile:
    """One CSV to ingest: where it is on disk now, how to name it, and its archive's release."""

    disk_path: Path
    display: str  # the user's path, or 'archive.zip!2018-07/2018-07-essex-street.csv'
    release: str | None  # YYYY-MM of the archive or folder it came in
    name: FileName | None = field(default=None)

    def __post_init__(self) -> None:
        self.name = parse_file_name(self.display.split("!")[-1])


class SourceError(ValueError):
    """A path that cannot be ingested at all."""


def discover(paths: Iterable[Path], unpack_dir: Path) -> list[SourceFile]:
    """Expand archives, archive folders, month folders and files into CSV files to read.

    Zip members are extracted into ``unpack_dir``; the release of an archive or archive folder
    is its latest ``YYYY-MM`` folder, so a later archive replaces an earlier one.
    """
    found: list[SourceFile] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
        if path.is_dir():
            found.extend(_from_folder(path))
        elif zipfile.is_zipfile(path):
            found.extend(_from_zip(path, unpack_dir))
        else:
            disk = decompressed(path, unpack_dir)
            name = parse_file_name(disk.name)
            found.append(SourceFile(disk, str(path), name.month if name else None))
    return found


def decompressed(path: Path, unpack_dir: Path) -> Path:
    """The file itself, or for a gzip file (``.csv.gz``) its content unpacked into
    ``unpack_dir``, so that line numbers and hashes are of the CSV text."""
    with open(path, "rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return path
    target = unpack_dir / "gz" / hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    target.mkdir(parents=True, exist_ok=True)
    out = target / (path.name[:-3] if path.name.lower().endswith(".gz") else path.name)
    with gzip.open(path, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return out


def _from_folder(folder: Path) -> list[SourceFile]:
    csvs = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")
    if not csvs:
        raise SourceError(f"{folder}: no CSV files inside")
    months = [p.parent.name for p in csvs if _MONTH_DIR.match(p.parent.name)]
    release = max(months) if months else None
    return [SourceFile(p, str(p), release or _month_of(p)) for p in csvs]


def _from_zip(archive: Path, unpack_dir: Path) -> list[SourceFile]:
    with zipfile.ZipFile(archive) as zf:
        members = sorted(m for m in zf.namelist()
                         if m.lower().endswith(".csv") and not m.endswith("/"))
        if not members:
            raise SourceError(f"{archive}: no CSV files inside the archive")
        months = [Path(m).parent.name for m in members if _MONTH_DIR.match(Path(m).parent.name)]
        release = max(months) if months else None
        target = unpack_dir / archive.stem
        out = []
        for member in members:
            dest = target / member
            if not dest.resolve().is_relative_to(target.resolve()):
                raise SourceError(f"{archive}: unsafe member path {member!r}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, open(dest, "wb") as fh:
                while block := src.read(1 << 20):
                    fh.write(block)
            out.append(SourceFile(dest, f"{archive}!{member}", release or _month_of(dest)))
    return out


def _month_of(path: Path) -> str | None:
    name = parse_file_name(path.name)
    return name.month if name else None
