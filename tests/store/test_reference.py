"""Loading the official reference files (the repo's real sample) into the warehouse."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.sources.reference import (
    ReferenceDataError,
    find_reference_files,
    read_imd,
    read_population,
)
from crimeplan.store import Warehouse
from crimeplan.store.reference import load_reference, reference_summary

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "reference"
FILE_1 = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
FILE_2 = "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
FILE_6 = "File_6_-_IoD2019_Population_Denominators.csv.gz"
DOMAINS = ("income", "employment", "education", "health", "crime", "barriers",
           "living_environment")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A workspace with the whole sample reference folder loaded."""
    home = tmp_path_factory.mktemp("home")
    con = Warehouse(home).connect()
    result = load_reference(con, SAMPLE)
    yield con, result
    con.close()


def _row(con, code: str) -> dict:
    cur = con.execute("SELECT * FROM ref_lsoa WHERE lsoa11_code = ?", [code])
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))


def _csv_rows(name: str) -> list[list[str]]:
    with gzip.open(SAMPLE / name, "rt", encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _lines(name: str) -> list[str]:
    with gzip.open(SAMPLE / name, "rt", encoding="utf-8-sig") as fh:
        return fh.read().splitlines()


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _copy(names: list[str], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLE / name, folder / name)
    return folder


def _write_gz(path: Path, text: str) -> Path:
    with gzip.open(path, "wt", encoding="utf-8-sig", newline="") as fh:
        fh.write(text)
    return path


# --- the sample loads with the values printed in the files ------------------------------------

def test_sample_load_counts(loaded):
    con, result = loaded
    summary = result.summary
    assert summary.lsoa_rows == 5900
    assert summary.pfa_rows == 3
    assert summary.missing == []
    assert (summary.lsoa_without_boundary, summary.lsoa_without_imd,
            summary.lsoa_without_population) == (0, 0, 0)
    assert {s.name: s.rows for s in summary.sources} == {
        "lsoa_boundaries": 5900, "pfa_boundaries": 3, "imd": 5900, "domains": 5900,
        "population": 5900}
    assert con.execute("SELECT count(*) FROM ref_lsoa_geom").fetchone()[0] == 5900


def test_city_of_london_001a_as_in_the_files(loaded):
    con, _ = loaded
    row = _row(con, "E01000001")
    assert row["lsoa11_name"] == "City of London 001A"
    assert (row["lad19_code"], row["lad19_name"]) == ("E09000001", "City of London")
    assert row["population"] == 1296           # printed "1,296" in File_6
    assert (row["pop_0_15"], row["pop_16_59"], row["pop_60_plus"]) == (175, 656, 465)
    assert (row["imd_rank"], row["imd_decile"]) == (29199, 9)   # "29,199" in File_1
    assert (row["income_rank"], row["income_decile"]) == (32831, 10)
    assert (row["living_environment_rank"], row["living_environment_decile"]) == (7789, 3)


def test_essex_lsoa_castle_point_012e_as_in_the_files(loaded):
    con, _ = loaded
    row = _row(con, "E01021500")
    assert row["lsoa11_name"] == "Castle Point 012E"
    assert row["lad19_name"] == "Castle Point"
    assert (row["population"], row["pop_0_15"], row["pop_16_59"], row["pop_60_plus"]) == (
        2026, 359, 1072, 595)
    assert (row["imd_rank"], row["imd_decile"]) == (1311, 1)
    assert [row[f"{d}_rank"] for d in DOMAINS] == [717, 339, 4559, 4480, 5606, 7058, 23630]
    assert [row[f"{d}_decile"] for d in DOMAINS] == [1, 1, 2, 2, 2, 3, 8]


def test_every_value_matches_the_csv_files(loaded):
    """Round trip: each of the 5,900 rows of the three files, parsed independently with csv."""
    con, _ = loaded
    cur = con.execute("SELECT * FROM ref_lsoa ORDER BY lsoa11_code")
    names = [d[0] for d in cur.description]
    table = {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
    imd = _csv_rows(FILE_1)
    for rec in imd[1:]:
        row = table[rec[0]]
        assert [row["lsoa11_name"], row["lad19_code"], row["lad19_name"]] == rec[1:4]
        assert [row["imd_rank"], row["imd_decile"]] == [_number(v) for v in rec[4:6]]
    for rec in _csv_rows(FILE_2)[1:]:
        expected = [_number(v) for v in rec[6:20]]
        got = [table[rec[0]][f"{d}_{m}"] for d in DOMAINS for m in ("rank", "decile")]
        assert got == expected
    for rec in _csv_rows(FILE_6)[1:]:
        got = [table[rec[0]][c] for c in ("population", "pop_0_15", "pop_16_59", "pop_60_plus")]
        assert got == [_number(v) for v in rec[4:8]]
    assert len(table) == len(imd) - 1


def test_age_bands_add_up_to_the_total(loaded):
    con, _ = loaded
    bad = con.execute("SELECT count(*) FROM ref_lsoa "
                      "WHERE population <> pop_0_15 + pop_16_59 + pop_60_plus").fetchone()[0]
    assert bad == 0


def test_area_matches_shoelace_of_projected_vertices(loaded):
    """E01000001's area by the shoelace formula over its vertices projected with pyproj."""
    con, _ = loaded
    wkb = con.execute("SELECT wkb FROM ref_lsoa_geom WHERE lsoa11_code = 'E01000001'"
                      ).fetchone()[0]
    ring = shapely.get_coordinates(shapely.get_exterior_ring(
        shapely.get_geometry(shapely.from_wkb(wkb), 0)))
    to_bng = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = to_bng.transform(ring[:, 0], ring[:, 1])
    shoelace = abs(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2 / 1e6
    assert _row(con, "E01000001")["area_km2"] == pytest.approx(shoelace, rel=1e-9)


def test_force_areas_and_their_sizes(loaded):
    con, _ = loaded
    rows = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT pfa_code, pfa_name, area_km2 FROM ref_pfa").fetchall()}
    assert {c: n for c, (n, _) in rows.items()} == {
        "E23000001": "Metropolitan Police", "E23000028": "Essex",
        "E23000034": "London, City of"}
    assert rows["E23000028"][1] == pytest.approx(3670, rel=0.03)   # Essex: about 3,670 km²
    assert rows["E23000034"][1] == pytest.approx(2.9, rel=0.1)     # the Square Mile
    city_lsoas = con.execute("SELECT sum(area_km2) FROM ref_lsoa "
                             "WHERE lad19_code = 'E09000001'").fetchone()[0]
    assert city_lsoas == pytest.approx(rows["E23000034"][1], rel=0.15)


def test_each_lsoa_gets_the_force_area_of_its_district(loaded):
    """The published force polygons are much coarser than the LSOAs (two of the City's six
    LSOAs overlap the Met's polygon more than the City's); LSOAs follow their district."""
    con, _ = loaded
    essex = {"Basildon", "Braintree", "Brentwood", "Castle Point", "Chelmsford", "Colchester",
             "Epping Forest", "Harlow", "Maldon", "Rochford", "Southend-on-Sea", "Tendring",
             "Thurrock", "Uttlesford"}
    rows = con.execute("SELECT lad19_name, pfa_code FROM ref_lsoa").fetchall()
    for lad, pfa in rows:
        expected = ("E23000034" if lad == "City of London"
                    else "E23000028" if lad in essex else "E23000001")
        assert pfa == expected, lad


def test_representative_points_lie_inside_their_polygons(loaded):
    con, _ = loaded
    rows = con.execute("SELECT g.wkb, l.x, l.y FROM ref_lsoa l "
                       "JOIN ref_lsoa_geom g USING (lsoa11_code)").fetchall()
    polygons = gpd.GeoSeries(shapely.from_wkb([r[0] for r in rows]), crs="EPSG:4326")
    bng = np.asarray(polygons.to_crs("EPSG:27700").array, dtype=object)
    inside = shapely.contains_xy(bng, [r[1] for r in rows], [r[2] for r in rows])
    assert inside.all()


def test_versions_record_each_file_and_its_hash(loaded):
    con, _ = loaded
    rows = con.execute("SELECT name, source_path, sha256, rows FROM ref_versions").fetchall()
    assert len(rows) == 5
    for name, path, sha, _ in rows:
        assert Path(path).exists(), name
        assert sha == hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert {Path(r[1]).name for r in rows} == {FILE_1, FILE_2, FILE_6, "lsoa11.gpkg",
                                                "pfa20.gpkg"}


# --- replacing, partial folders, atomicity -----------------------------------------------------

def test_loading_twice_replaces_rather_than_duplicates(tmp_path):
    con = Warehouse(tmp_path / "home").connect()
    first = load_reference(con, SAMPLE).summary
    second = load_reference(con, SAMPLE).summary
    assert second.lsoa_rows == first.lsoa_rows == 5900
    counts = con.execute("SELECT (SELECT count(*) FROM ref_lsoa), "
                         "(SELECT count(*) FROM ref_lsoa_geom), (SELECT count(*) FROM ref_pfa), "
                         "(SELECT count(*) FROM ref_versions)").fetchone()
    assert counts == (5900, 5900, 3, 5)
    assert second.version == first.version


def test_a_partial_folder_replaces_everything_and_reports_what_is_missing(tmp_path):
    con = Warehouse(tmp_path / "home").connect()
    load_reference(con, SAMPLE)
    only_imd = _copy([FILE_1], tmp_path / "imd-only")
    summary = load_reference(con, only_imd).summary
    assert summary.missing == ["lsoa_boundaries", "pfa_boundaries", "domains", "population"]
    assert summary.lsoa_rows == 5900
    assert summary.lsoa_without_boundary == 5900
    assert summary.lsoa_without_population == 5900
    assert summary.pfa_rows == 0
    row = _row(con, "E01000001")
    assert row["imd_rank"] == 29199 and row["population"] is None and row["area_km2"] is None


def test_an_lsoa_in_only_one_source_is_kept_with_nulls(tmp_path):
    """An extra LSOA in File_1 but in no other file (outer join, not inner)."""
    folder = _copy([FILE_2, FILE_6, "lsoa11.gpkg"], tmp_path / "ref")
    lines = _lines(FILE_1)
    lines.append('E01099999,Nowhere 001A,E09999999,Nowhere,"12,345",4')
    _write_gz(folder / FILE_1, "\n".join(lines) + "\n")
    con = Warehouse(tmp_path / "home").connect()
    summary = load_reference(con, folder).summary
    assert summary.lsoa_rows == 5901
    row = _row(con, "E01099999")
    assert (row["lsoa11_name"], row["imd_rank"], row["imd_decile"]) == ("Nowhere 001A", 12345, 4)
    assert row["population"] is None and row["income_rank"] is None and row["x"] is None


def test_a_bad_file_leaves_the_previous_load_untouched(tmp_path):
    con = Warehouse(tmp_path / "home").connect()
    before = load_reference(con, SAMPLE).summary
    folder = _copy([FILE_1, FILE_2, "lsoa11.gpkg", "pfa20.gpkg"], tmp_path / "bad")
    lines = _lines(FILE_6)
    assert lines[3].startswith("E01000003,")
    lines[3] = lines[3].replace("E01000003", "E0100000X")
    _write_gz(folder / FILE_6, "\n".join(lines) + "\n")
    with pytest.raises(ReferenceDataError, match="line 4"):
        load_reference(con, folder)
    assert reference_summary(con) == before
    assert _row(con, "E01000001")["population"] == 1296


def test_loading_re_enriches_rows_already_in_the_warehouse(tmp_path):
    """Rows ingested before the reference data get their LSOA and force area on load."""
    con = Warehouse(tmp_path / "home").connect()
    # City of London 001A's representative point (BNG 532129.09, 181682.96) in WGS84, and sea
    points = [(-0.0970660, 51.5186214), (2.0, 52.0)]
    for n, (lon, lat) in enumerate(points):
        con.execute("INSERT INTO locations (longitude, latitude) VALUES (?, ?)", [lon, lat])
        con.execute("INSERT INTO street (force, month, longitude, latitude, mapped, crime_type, "
                    "category, file_id, line) VALUES ('city-of-london', DATE '2018-01-01', ?, ?, "
                    "true, 'Burglary', 'burglary', 1, ?)", [lon, lat, n + 2])
    result = load_reference(con, SAMPLE)
    assert result.locations_refreshed == 2
    rows = con.execute("SELECT lsoa11_code, pfa_code, round(x), round(y) FROM street "
                       "ORDER BY line").fetchall()
    assert rows[0] == ("E01000001", "E23000034", 532129, 181683)
    assert rows[1][:2] == (None, None)
    stamps = {r[0] for r in con.execute("SELECT enriched_with FROM locations").fetchall()}
    assert stamps == {result.summary.version}


# --- finding files by their publishers' names --------------------------------------------------

def test_files_are_found_recursively_under_original_names(tmp_path):
    root = tmp_path / "downloads"
    (root / "imd" / "2019").mkdir(parents=True)
    (root / "ons").mkdir()
    for name in (FILE_1, FILE_2, FILE_6):
        shutil.copy(SAMPLE / name, root / "imd" / "2019" / name)
    shutil.copy(SAMPLE / "lsoa11.gpkg", root / "ons" / "LSOA_2011_EW_BSC.gpkg")
    shutil.copy(SAMPLE / "pfa20.gpkg", root / "ons" / "Police_Force_Areas_December_2020.gpkg")
    (root / "README.txt").write_text("not reference data")
    found = find_reference_files(root)
    assert found.imd == root / "imd" / "2019" / FILE_1
    assert found.population == root / "imd" / "2019" / FILE_6
    assert found.lsoa_boundaries == root / "ons" / "LSOA_2011_EW_BSC.gpkg"
    assert found.pfa_boundaries == root / "ons" / "Police_Force_Areas_December_2020.gpkg"


def test_ons_shapefile_in_bng_with_uppercase_fields(tmp_path):
    """A publisher-style shapefile (EPSG:27700, LSOA11CD/LSOA11NM) gives the same areas and
    points as the WGS84 GeoPackage."""
    sample = gpd.read_file(SAMPLE / "lsoa11.gpkg").iloc[:25]
    shp = sample.rename(columns={"lsoa11_code": "LSOA11CD", "lsoa11_name": "LSOA11NM"})
    folder = tmp_path / "ons" / "Lower_Layer_Super_Output_Areas_December_2011"
    folder.mkdir(parents=True)
    shp.to_crs("EPSG:27700").to_file(
        folder / "Lower_Layer_Super_Output_Areas_December_2011_Boundaries_EW_BSC.shp")
    con = Warehouse(tmp_path / "home").connect()
    load_reference(con, tmp_path / "ons")
    got = con.execute("SELECT lsoa11_code, lsoa11_name, area_km2 FROM ref_lsoa "
                      "ORDER BY lsoa11_code").fetchall()
    expected = sample.to_crs("EPSG:27700")
    assert [g[0] for g in got] == sorted(expected["lsoa11_code"])
    areas = dict(zip(expected["lsoa11_code"], expected.area / 1e6, strict=True))
    for code, name, area in got:
        assert area == pytest.approx(areas[code], rel=1e-6)
        assert name == sample.set_index("lsoa11_code").loc[code, "lsoa11_name"]


def test_zipped_shapefile_as_downloaded(tmp_path):
    sample = gpd.read_file(SAMPLE / "pfa20.gpkg").rename(
        columns={"pfa20_code": "PFA20CD", "pfa20_name": "PFA20NM"})
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    sample.to_crs("EPSG:27700").to_file(shp_dir / "PFA_DEC_2020_EW_BFC.shp")
    folder = tmp_path / "downloads"
    folder.mkdir()
    archive = folder / "Police_Force_Areas_December_2020_EW_BFC.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    assert find_reference_files(folder).pfa_boundaries == archive
    con = Warehouse(tmp_path / "home").connect()
    summary = load_reference(con, folder).summary
    assert summary.pfa_rows == 3 and summary.lsoa_rows == 0
    names = dict(con.execute("SELECT pfa_code, pfa_name FROM ref_pfa").fetchall())
    assert names["E23000028"] == "Essex"


def test_all_in_one_file_7_stands_in_for_files_1_2_and_6(tmp_path):
    """File_7 (every score, rank, decile and denominator in one CSV) built from the sample's
    three files with File_7's column names; used only where File_1/2/6 are absent."""
    imd, domains, population = _csv_rows(FILE_1), _csv_rows(FILE_2), _csv_rows(FILE_6)
    header = [*imd[0][:4], "Index of Multiple Deprivation (IMD) Score", *domains[0][4:],
              *population[0][4:]]
    lines = [",".join(f'"{h}"' for h in header)]
    for a, b, c in zip(imd[1:], domains[1:], population[1:], strict=True):
        assert a[0] == b[0] == c[0]
        values = [*a[:4], "10.5", *b[4:], *(v.replace(",", "") for v in c[4:])]
        lines.append(",".join(f'"{v}"' for v in values))
    folder = _copy(["lsoa11.gpkg"], tmp_path / "ref")
    file_7 = folder / "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators.csv"
    file_7.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    found = find_reference_files(folder)
    assert found.imd == found.domains == found.population == file_7
    con = Warehouse(tmp_path / "home").connect()
    load_reference(con, folder)
    row = _row(con, "E01021500")
    assert (row["population"], row["imd_rank"], row["crime_rank"]) == (2026, 1311, 5606)
    shutil.copy(SAMPLE / FILE_1, folder / FILE_1)
    assert find_reference_files(folder).imd == folder / FILE_1


# --- clear errors ------------------------------------------------------------------------------

def test_folder_without_reference_files_is_an_error_naming_it(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ReferenceDataError, match="no recognisable reference files") as err:
        find_reference_files(tmp_path)
    assert err.value.path == tmp_path


def test_wrong_header_names_the_file_and_the_missing_column(tmp_path):
    path = _write_gz(tmp_path / FILE_6,
                     "LSOA code (2011),LSOA name (2011),Total people\nE01000001,x,1\n")
    with pytest.raises(ReferenceDataError) as err:
        read_population(path)
    assert err.value.path == path and err.value.line == 1
    assert err.value.field == "Total population: mid 2015"
    assert FILE_6 in str(err.value)


@pytest.mark.parametrize(("value", "problem"), [
    ('"1,29x"', "not a whole number"),
    ("", "not a whole number"),
    ("-5", "not a whole number"),
])
def test_bad_number_names_file_line_and_field(tmp_path, value, problem):
    header = _csv_rows(FILE_6)[0]
    text = (",".join(f'"{h}"' for h in header) + "\n"
            + 'E01000001,a,b,c,"1,296",175,656,465,715\n'
            + f"E01000002,a,b,c,{value},182,580,394,620\n")
    path = _write_gz(tmp_path / FILE_6, text)
    with pytest.raises(ReferenceDataError, match=problem) as err:
        read_population(path)
    assert (err.value.line, err.value.field) == (3, header[4])


def test_decile_out_of_range_and_repeated_code_are_errors(tmp_path):
    folder = tmp_path / "ref"
    folder.mkdir()
    header = _csv_rows(FILE_1)[0]
    head = ",".join(f'"{h}"' for h in header) + "\n"
    _write_gz(folder / FILE_1, head + "E01000001,a,b,c,1,11\n")
    with pytest.raises(ReferenceDataError, match=r"outside 1\.\.10") as err:
        load_reference(Warehouse(tmp_path / "h1").connect(), folder)
    assert (err.value.line, err.value.field) == (2, header[5])
    _write_gz(folder / FILE_1, head + "E01000001,a,b,c,1,1\nE01000001,a,b,c,2,1\n")
    with pytest.raises(ReferenceDataError, match="repeats") as err:
        load_reference(Warehouse(tmp_path / "h2").connect(), folder)
    assert err.value.line == 3


def test_boundaries_without_lsoa_code_field_are_an_error(tmp_path):
    frame = gpd.read_file(SAMPLE / "lsoa11.gpkg").iloc[:3].rename(
        columns={"lsoa11_code": "LSOA21CD"})
    path = tmp_path / "lsoa21.gpkg"
    frame.to_file(path)
    with pytest.raises(ReferenceDataError, match="LSOA11CD") as err:
        load_reference(Warehouse(tmp_path / "home").connect(), tmp_path)
    assert err.value.path == path


def test_shapefile_without_projection_is_an_error(tmp_path):
    frame = gpd.read_file(SAMPLE / "pfa20.gpkg")
    frame.to_file(tmp_path / "pfa20.shp")
    (tmp_path / "pfa20.prj").unlink()
    with pytest.raises(ReferenceDataError, match="no coordinate reference system") as err:
        load_reference(Warehouse(tmp_path / "home").connect(), tmp_path)
    assert err.value.path == tmp_path / "pfa20.shp"


def test_unreadable_csv_files_are_errors_naming_them(tmp_path):
    header = ",".join(f'"{h}"' for h in _csv_rows(FILE_1)[0])
    ragged = tmp_path / "ragged" / FILE_1
    ragged.parent.mkdir()
    _write_gz(ragged, header + "\nE01000001,a,b,c,1,1\nE01000002,a,b,c,1,1,7,8\n")
    with pytest.raises(ReferenceDataError, match="cannot be read as CSV") as err:
        load_reference(Warehouse(tmp_path / "h1").connect(), ragged.parent)
    assert err.value.path == ragged
    latin = tmp_path / "latin" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
    latin.parent.mkdir()
    latin.write_bytes((header + "\nE01000001,Ynys M\xf4n,b,c,1,1\n").encode("latin-1"))
    with pytest.raises(ReferenceDataError, match="not UTF-8") as err:
        load_reference(Warehouse(tmp_path / "h2").connect(), latin.parent)
    assert err.value.path == latin


def test_spreadsheet_only_is_an_error_asking_for_csv(tmp_path):
    (tmp_path / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx").write_bytes(b"PK")
    with pytest.raises(ReferenceDataError, match="CSV version"):
        find_reference_files(tmp_path)


def test_two_candidates_for_one_file_is_an_error(tmp_path):
    _copy([FILE_1], tmp_path / "a")
    _copy([FILE_1], tmp_path / "b")
    with pytest.raises(ReferenceDataError, match="several candidate files for imd"):
        find_reference_files(tmp_path)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=20))
def test_thousands_separators_parse_to_the_number(tmp_path_factory, numbers):
    header = ",".join(f'"{h}"' for h in _csv_rows(FILE_6)[0]) + "\n"
    rows = "".join(f'E01{i:06d},n,l,m,"{n:,}",{n},0,"{n:,}",1\n' for i, n in enumerate(numbers))
    path = _write_gz(tmp_path_factory.mktemp("p") / FILE_6, header + rows)
    frame = read_population(path)
    assert frame["population"].tolist() == numbers
    assert frame["pop_60_plus"].tolist() == numbers


def _respell(header: str, data: st.DataObject) -> str:
    """The same header with random letter case and spaces turned into underscores or doubled."""
    out = []
    for ch in header:
        if ch == " ":
            out.append(data.draw(st.sampled_from([" ", "_", "  "])))
        else:
            out.append(ch.upper() if data.draw(st.booleans()) else ch.lower())
    return "".join(out)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_headers_match_whatever_their_case_spacing_and_order(tmp_path_factory, data):
    header = _csv_rows(FILE_1)[0]
    order = data.draw(st.permutations(range(len(header))))
    row = ["E01000001", "City of London 001A", "E09000001", "City of London", "29,199", "9"]
    text = (",".join(f'"{_respell(header[i], data)}"' for i in order) + "\n"
            + ",".join(f'"{row[i]}"' for i in order) + "\n")
    path = _write_gz(tmp_path_factory.mktemp("h") / FILE_1, text)
    frame = read_imd(path)
    assert frame.iloc[0].to_dict() == {
        "lsoa11_code": "E01000001", "lsoa11_name": "City of London 001A",
        "lad19_code": "E09000001", "lad19_name": "City of London",
        "imd_rank": 29199, "imd_decile": 9}


# --- the CLI -----------------------------------------------------------------------------------

def test_cli_load_and_status(tmp_path):
    runner = CliRunner()
    home = str(tmp_path / "home")
    status = runner.invoke(app, ["reference", "status", "--home", home, "--json"])
    assert status.exit_code == 0 and json.loads(status.stdout) == {"loaded": False}
    result = runner.invoke(app, ["reference", "load", str(SAMPLE), "--home", home, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["lsoa_rows"] == 5900 and payload["pfa_rows"] == 3
    status = runner.invoke(app, ["reference", "status", "--home", home, "--json"])
    assert json.loads(status.stdout)["loaded"] is True
    text = runner.invoke(app, ["reference", "status", "--home", home])
    assert "5,900" in text.stdout


def test_cli_bad_input_exits_non_zero_naming_the_file(tmp_path):
    runner = CliRunner()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["reference", "load", str(empty), "--home", str(tmp_path / "h")])
    assert result.exit_code != 0
    assert "no recognisable reference files" in result.stderr
    _write_gz(empty / FILE_1, "LSOA code (2011),Rank\nE01000001,1\n")
    result = runner.invoke(app, ["reference", "load", str(empty), "--home", str(tmp_path / "h")])
    assert result.exit_code != 0
    message = "".join(result.stderr.split())        # Rich wraps long lines
    assert FILE_1 in message and "line1" in message
