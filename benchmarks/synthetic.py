"""A synthetic national year of police.uk street crime, made from the real Essex months.

For each of the 43 territorial forces of England and Wales and each month of 2019, the rows
of one real Essex month are replicated: every anonymous map point is moved by the offset from
Essex's centre to the force area's centre (plus a small fixed jitter per point, so map points
stay a limited set as in real data), a share of rows is kept so the year has about 6.5 million
rows, and crime IDs, months and force names are rewritten. Written in the data.police.uk
archive layout (``YYYY-MM/YYYY-MM-<force>-street.csv``) under ``benchmarks/out/national``.

Run: ``.venv/bin/python benchmarks/synthetic.py`` (needs ../shared/data).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from crimeplan.standard.forces import FORCES

ROOT = Path(__file__).resolve().parents[1]
#: The shared data sets; CRIMEPLAN_SHARED_DATA names them when the checkout is elsewhere.
SHARED = Path(os.environ.get("CRIMEPLAN_SHARED_DATA") or ROOT.parent / "shared" / "data")
OUT = ROOT / "benchmarks" / "out" / "national"
TARGET_ROWS = 6_500_000
MONTHS = [f"2019-{m:02d}" for m in range(1, 13)]


def shared_or_exit(*parts: str) -> Path:
    """A path under ../shared/data, or a clear message and exit when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        print(f"shared data set absent: {path} (benchmarks need ../shared/data); skipping")
        sys.exit(0)
    return path


def essex_months() -> list[pd.DataFrame]:
    folder = shared_or_exit("police-uk")
    return [pd.read_csv(p, dtype=str, keep_default_na=False)
            for p in sorted(folder.glob("2018-0*/2018-0*-essex-street.csv"))]


def force_offsets() -> dict[str, tuple[float, float]]:
    """Lon/lat shift from Essex's centre to each force area's centre."""
    pfa = gpd.read_file(shared_or_exit("boundaries", "pfa20.gpkg")).to_crs("EPSG:27700")
    centres = pfa.set_index("pfa20_code").geometry.representative_point().to_crs("EPSG:4326")
    essex = centres["E23000028"]
    return {f.slug: (centres[f.pfa_code].x - essex.x, centres[f.pfa_code].y - essex.y)
            for f in FORCES if f.pfa_code}


def build(out: Path = OUT) -> Path:
    """Write the national year (skipped when already complete) and return its folder."""
    done = out / ".complete"
    if done.exists():
        return out
    months = essex_months()
    offsets = force_offsets()
    per_file = TARGET_ROWS / (len(offsets) * len(MONTHS))
    rng = np.random.default_rng(2019)
    names = {f.slug: f.name for f in FORCES}
    for k, month in enumerate(MONTHS):
        base = months[k % len(months)]
        keep_share = min(1.0, per_file / len(base))
        (out / month).mkdir(parents=True, exist_ok=True)
        for slug, (dlon, dlat) in offsets.items():
            rows = base.loc[rng.random(len(base)) < keep_share].copy()
            mapped = rows["Longitude"] != ""
            lon = pd.to_numeric(rows.loc[mapped, "Longitude"])
            lat = pd.to_numeric(rows.loc[mapped, "Latitude"])
            # fixed jitter per map point (about +-50 m), so points stay a limited set
            key = (lon * 1e6).round().astype("int64") * 7919 + (lat * 1e6).round().astype(
                "int64")
            jitter = ((key % 1001) / 1000.0 - 0.5) * 0.0014
            rows.loc[mapped, "Longitude"] = (lon + dlon + jitter).map("{:.6f}".format)
            rows.loc[mapped, "Latitude"] = (lat + dlat + jitter * 0.6).map("{:.6f}".format)
            has_id = rows["Crime ID"] != ""
            rows.loc[has_id, "Crime ID"] = [
                hashlib.sha256(f"{slug}{month}{i}".encode()).hexdigest()
                for i in range(int(has_id.sum()))]
            rows["Month"] = month
            rows["Reported by"] = names[slug]
            rows["Falls within"] = names[slug]
            rows.to_csv(out / month / f"{month}-{slug}-street.csv", index=False)
    done.write_text("ok\n")
    return out


if __name__ == "__main__":
    folder = build()
    files = sorted(folder.rglob("*.csv"))
    rows = sum(f.read_bytes().count(b"\n") - 1 for f in files)
    print(f"{len(files)} files, {rows:,} rows in {folder}")
