"""Rebuild the bundled sample from the shared real data (../shared/data).

Run from the repository root: ``.venv/bin/python data/sample/make_sample.py [SHARED_DATA]``.
The outputs are committed; this script documents exactly how they were cut.
"""

from __future__ import annotations

import gzip
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

SHARED = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
OUT = Path(__file__).resolve().parent
DISTRICTS = ("Southend-on-Sea", "Colchester", "Chelmsford", "Basildon")
ESSEX_MONTHS = [f"2018-0{m}" for m in range(1, 8)]
MET_MONTHS = ["2018-04", "2018-05", "2018-06", "2018-07"]


def _police_archive() -> None:
    """Essex street crime in four districts (plus every unmapped or out-of-area row) and
    Met stop and search, in the layout of a data.police.uk archive."""
    with zipfile.ZipFile(OUT / "police-uk-2018-sample.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for month in ESSEX_MONTHS:
            src = SHARED / "police-uk" / month / f"{month}-essex-street.csv"
            raw = src.read_text(encoding="utf-8").splitlines(keepends=True)
            header, rows = raw[0], raw[1:]
            frame = pd.read_csv(src, dtype=str, keep_default_na=False)
            district = frame["LSOA name"].str.rsplit(" ", n=1).str[0]
            in_essex_lads = district.isin(ESSEX_LADS)
            keep = district.isin(DISTRICTS) | ~in_essex_lads
            text = header + "".join(r for r, k in zip(rows, keep, strict=True) if k)
            zf.writestr(f"{month}/{month}-essex-street.csv", text)
        for month in MET_MONTHS:
            src = SHARED / "police-uk" / month / f"{month}-metropolitan-stop-and-search.csv"
            zf.writestr(f"{month}/{month}-metropolitan-stop-and-search.csv",
                        src.read_text(encoding="utf-8"))


ESSEX_LADS = ("Southend-on-Sea", "Basildon", "Colchester", "Thurrock", "Chelmsford", "Tendring",
              "Epping Forest", "Braintree", "Harlow", "Uttlesford", "Castle Point", "Brentwood",
              "Rochford", "Maldon")


def _reference() -> None:
    """LSOA polygons and IMD rows for the Essex and Metropolitan force areas; both force areas."""
    ref = OUT / "reference"
    ref.mkdir(exist_ok=True)
    pfa = gpd.read_file(SHARED / "boundaries" / "pfa20.gpkg", layer="pfa20")
    pfa = pfa[pfa["pfa20_name"].isin(["Essex", "Metropolitan Police", "London, City of"])]
    pfa.to_file(ref / "pfa20.gpkg", layer="pfa20", driver="GPKG")
    lsoa = gpd.read_file(SHARED / "boundaries" / "lsoa11.gpkg", layer="lsoa11")
    pts = lsoa.representative_point()
    inside = pts.within(pfa.union_all())
    lsoa = lsoa[inside.to_numpy()]
    lsoa.to_file(ref / "lsoa11.gpkg", layer="lsoa11", driver="GPKG")
    codes = set(lsoa["lsoa11_code"])
    for src in sorted((SHARED / "imd2019").glob("File_*.csv.gz")):
        with gzip.open(src, "rt", encoding="utf-8-sig") as fh:
            lines = fh.read().splitlines(keepends=True)
        kept = [lines[0]] + [ln for ln in lines[1:] if ln.split(",", 1)[0] in codes]
        with gzip.open(ref / src.name, "wt", encoding="utf-8-sig") as fh:
            fh.writelines(kept)


def _chicago() -> None:
    """Chicago aggravated assaults in 2018 and 2019, as published (timestamps, WGS84 points)."""
    out = OUT / "chicago"
    out.mkdir(exist_ok=True)
    with gzip.open(SHARED / "chicago" / "chicago_aggravated_assaults.csv.gz", "rt") as fh:
        lines = fh.read().splitlines(keepends=True)
    kept = [lines[0]] + [ln for ln in lines[1:] if ln[:4] in ("2018", "2019")]
    with gzip.open(out / "chicago_aggravated_assaults_2018_2019.csv.gz", "wt") as fh:
        fh.writelines(kept)


def _chicago_districts() -> None:
    """The 25 Chicago police districts as GeoJSON (the published KML, flattened to 2-D,
    simplified to about 20 m, coordinates to 5 decimal places), named "District 17" etc."""
    kml = gpd.read_file(SHARED / "chicago" / "chicago_police_districts.kml")
    districts = gpd.GeoDataFrame(
        {"name": kml["description"], "district": kml["Name"]},
        geometry=shapely.force_2d(kml.geometry.make_valid().simplify(0.0002).to_numpy()),
        crs="EPSG:4326").sort_values("district", key=lambda d: d.astype(int))
    districts.to_file(OUT / "chicago" / "chicago_police_districts.geojson", driver="GeoJSON",
                      COORDINATE_PRECISION=5)


if __name__ == "__main__":
    _police_archive()
    _reference()
    _chicago()
    _chicago_districts()
