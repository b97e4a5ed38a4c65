"""Boundaries projected and tiled at reference load give the same lookups as building the
index from the stored WGS84 boundaries at ingest time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from crimeplan.store import Warehouse
from crimeplan.store.reference import load_reference
from crimeplan.store.spatial import BNG, WGS84, AreaIndex, project_geometries

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "reference"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con = Warehouse(tmp_path_factory.mktemp("home")).connect()
    load_reference(con, SAMPLE)
    yield con
    con.close()


def _index_from_wgs84(con) -> AreaIndex:  # type: ignore[no-untyped-def]
    """The index built the slow way: from the stored WGS84 boundaries."""
    lsoa = con.execute("SELECT g.lsoa11_code, g.wkb, l.pfa_code FROM ref_lsoa_geom g "
                       "LEFT JOIN ref_lsoa l USING (lsoa11_code)").fetchall()
    pfa = con.execute("SELECT pfa_code, wkb FROM ref_pfa").fetchall()
    return AreaIndex(np.array([r[0] for r in lsoa], dtype=object),
                     shapely.from_wkb([r[1] for r in lsoa]),
                     np.array([r[0] for r in pfa], dtype=object),
                     shapely.from_wkb([r[1] for r in pfa]), version="wgs84",
                     lsoa_pfa=np.array([r[2] for r in lsoa], dtype=object))


def test_pieces_are_stored_for_both_layers(warehouse):
    layers = dict(warehouse.execute("SELECT layer, count(DISTINCT area_code) "
                                    "FROM ref_area_pieces GROUP BY layer").fetchall())
    lsoas = warehouse.execute("SELECT count(*) FROM ref_lsoa_geom").fetchone()[0]
    forces = warehouse.execute("SELECT count(*) FROM ref_pfa").fetchone()[0]
    assert layers == {"lsoa": lsoas, "pfa": forces}


def test_stored_pieces_cover_exactly_their_areas(warehouse):
    """The tiles of each force area put back together have the force area's own area."""
    pieces = dict(warehouse.execute(
        "SELECT area_code, list(wkb) FROM ref_area_pieces WHERE layer = 'pfa' "
        "GROUP BY area_code").fetchall())
    for code, wkb in warehouse.execute("SELECT pfa_code, wkb FROM ref_pfa").fetchall():
        whole = project_geometries(shapely.from_wkb([wkb]), WGS84, BNG)[0]
        tiles = shapely.from_wkb(pieces[code])
        assert shapely.area(tiles).sum() == pytest.approx(whole.area, rel=1e-9)


def test_lookups_match_the_index_built_from_wgs84(warehouse):
    stored = AreaIndex.from_warehouse(warehouse)
    rebuilt = _index_from_wgs84(warehouse)
    rng = np.random.default_rng(11)
    x = rng.uniform(505_000, 625_000, 3000)
    y = rng.uniform(155_000, 245_000, 3000)
    # add every vertex of two neighbouring LSOAs: points on shared boundaries break ties
    wkb = [r[0] for r in warehouse.execute(
        "SELECT wkb FROM ref_lsoa_geom ORDER BY lsoa11_code LIMIT 2").fetchall()]
    corners = shapely.get_coordinates(project_geometries(shapely.from_wkb(wkb), WGS84, BNG))
    x, y = np.concatenate([x, corners[:, 0]]), np.concatenate([y, corners[:, 1]])
    got, want = stored.lookup(x, y), rebuilt.lookup(x, y)
    assert list(got[0]) == list(want[0]) and list(got[1]) == list(want[1])
    assert sum(c is not None for c in got[0]) > 100  # the sample's LSOAs are really hit
