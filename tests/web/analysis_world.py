"""A workspace for the analysis pages: the analysis tests' hand-built warehouse (Essex and
Kent, four LSOAs in three districts, Metropolitan stop and search) and a recorded hotspot
forecast whose cells and patrol area are known.

The forecast's GeoJSON has the shape ``forecast predict --out x.geojson`` writes
(``crimeplan.forecast.deploy.to_geojson``): one patrol area of two flagged cells inside LSOA
E01000001 (district Alpha) and a hot spot cell that is not flagged.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from functools import lru_cache
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box, mapping

from crimeplan.app.actors import cli_actor
from crimeplan.provenance.runs import RunRecorder
from crimeplan.web.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _feature(geometry: shapely.Geometry, **properties: object) -> dict[str, object]:
    return {"type": "Feature", "geometry": mapping(geometry), "properties": properties}


CELLS = [box(0.2, 0.2, 0.3, 0.3), box(0.3, 0.2, 0.4, 0.3)]
HOT = box(0.5, 0.5, 0.6, 0.6)
PLAN = {"type": "FeatureCollection", "features": [
    _feature(shapely.union_all(CELLS), kind="patrol_area", patrol_area=1, cells=2,
             expected=3.5, area_km2=0.125, grid_crs="EPSG:27700"),
    _feature(CELLS[0], kind="cell", cell_id=7, score=2.0, rank=1, flagged=True, patrol_area=1,
             hotspot="persistent", gi_z=3.1, grid_crs="EPSG:27700"),
    _feature(CELLS[1], kind="cell", cell_id=8, score=1.5, rank=2, flagged=True, patrol_area=1,
             hotspot="not hot", gi_z=1.2, grid_crs="EPSG:27700"),
    _feature(HOT, kind="cell", cell_id=20, score=0.5, rank=9, flagged=False, patrol_area=0,
             hotspot="new", gi_z=2.5, grid_crs="EPSG:27700"),
], "grid": {"crs": "EPSG:27700", "cell_size_m": 250.0, "model": "kde"}}


def record_forecast(home: Path, out: Path, boundary: Path | None = None) -> str:
    """A ``forecast.predict`` run that wrote ``out`` (the plan above); its run id."""
    parameters = {"dataset": "essex", "model": "kde", "until": "2019-01-01", "horizon": "1M",
                  "top_pct": 1.0, "boundary": str(boundary) if boundary else None}
    with RunRecorder(home, "forecast.predict", cli_actor("patrol plan"),
                     parameters=parameters) as run:
        if boundary is not None:
            run.add_input(boundary)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(PLAN) + "\n")
        run.add_output(out)
    return run.run_id


@lru_cache(maxsize=1)
def _analysis_conftest():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "analysis_world_builder", ROOT / "tests" / "analysis" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-built warehouse, made once per session (copied for each test)."""
    home = tmp_path_factory.mktemp("analysed") / "home"
    _analysis_conftest().build(home).done().close()
    return home


@pytest.fixture
def settings(tmp_path: Path, database_url: str, built_home: Path) -> Settings:
    """The service over a copy of the hand-built workspace."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    return Settings(home=home, database_url=database_url)
