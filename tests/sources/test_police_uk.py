"""Header normalisation, file names and discovery of police.uk files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crimeplan.sources.police_uk import (
    COLUMNS,
    HeaderError,
    discover,
    match_header,
    normalise_header,
    parse_file_name,
)

TITLE = {
    "street": ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
               "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
               "Context"],
    "outcomes": ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                 "Location", "LSOA code", "LSOA name", "Outcome type"],
    "stop-and-search": ["Type", "Date", "Part of a policing operation", "Policing operation",
                        "Latitude", "Longitude", "Gender", "Age range", "Self-defined ethnicity",
                        "Officer-defined ethnicity", "Legislation", "Object of search",
                        "Outcome", "Outcome linked to object of search",
                        "Removal of more than just outer clothing"],
}


@pytest.mark.parametrize("dataset", sorted(TITLE))
def test_published_headers_map_to_canonical_columns(dataset: str) -> None:
    match = match_header(TITLE[dataset])
    assert match.dataset == dataset
    assert match.columns == COLUMNS[dataset]
    assert match.ignored == ()


case_variants = st.sampled_from([
    str.lower, str.upper, lambda s: s.replace(" ", "_").lower(),
    lambda s: s.replace(" ", "-"), lambda s: f" {s}  ", lambda s: "\ufeff" + s,
])


@given(st.sampled_from(sorted(TITLE)), st.lists(case_variants, min_size=15, max_size=15))
def test_header_variants_match_the_same_dataset(dataset: str, variants) -> None:
    names = [variants[k](n) for k, n in enumerate(TITLE[dataset])]
    match = match_header(names)
    assert match.dataset == dataset
    assert match.columns == COLUMNS[dataset]


@given(st.text(min_size=1, max_size=30))
def test_normalise_is_idempotent(name: str) -> None:
    once = normalise_header(name)
    assert normalise_header(once) == once


def test_extra_columns_are_ignored_and_unknown_headers_rejected() -> None:
    match = match_header([*TITLE["street"], "Notes"])
    assert match.ignored == ("Notes",)
    with pytest.raises(HeaderError, match=r"matches no police\.uk dataset"):
        match_header(["name", "colour"])
    with pytest.raises(HeaderError, match="missing"):
        match_header(["Crime ID", "Month"], hint="street")


def test_file_names() -> None:
    name = parse_file_name("2018-07-avon-and-somerset-stop-and-search.csv")
    assert (name.month, name.force, name.dataset) == ("2018-07", "avon-and-somerset",
                                                      "stop-and-search")
    assert parse_file_name("2018-07-essex-street.csv").force == "essex"
    assert parse_file_name("essex.csv") is None


def test_discover_archive_and_folders(tmp_path: Path) -> None:
    archive = tmp_path / "2018-03.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2018-02/2018-02-essex-street.csv", "x")
        zf.writestr("2018-03/2018-03-essex-street.csv", "x")
        zf.writestr("README.txt", "not data")
    found = discover([archive], tmp_path / "unpack")
    assert [f.display for f in found] == [f"{archive}!2018-02/2018-02-essex-street.csv",
                                          f"{archive}!2018-03/2018-03-essex-street.csv"]
    assert {f.release for f in found} == {"2018-03"}
    assert all(f.disk_path.is_file() for f in found)
    month = tmp_path / "folder" / "2018-05"
    month.mkdir(parents=True)
    (month / "2018-05-kent-outcomes.csv").write_text("x")
    (found_dir,) = discover([month], tmp_path / "unpack")
    assert (found_dir.release, found_dir.name.dataset) == ("2018-05", "outcomes")
