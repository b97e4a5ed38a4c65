"""The demo's data in the service: the force dashboard over the real Essex sample, and the map
of the Chicago forecast the demo writes for it (its own step, run as the demo runs it), outlined
by Chicago's police districts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from analysis_world import ROOT
from fastapi.testclient import TestClient
from service_world import World, client_for, database_url, world

from crimeplan.demo import SAMPLE, steps
from crimeplan.provenance.filelog import AuditLog
from crimeplan.web.app import create_app
from crimeplan.web.settings import Settings

sys.path.insert(0, str(ROOT / "tests" / "analysis"))
from builder import real_slice_home

__all__ = ["database_url", "world"]
pytestmark = pytest.mark.slow


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """A workspace like the demo's: the real Essex slice, the Chicago assaults, and the
    demo's map step run through the command line."""
    home = tmp_path / "home"
    real_slice_home(home)
    out = tmp_path / "outputs"
    wanted = [s for s in steps(home, out) if s.args[0] == "ingest-points" or (
        s.args[:2] == ("forecast", "predict") and "--boundary" in s.args)]
    assert len(wanted) == 2
    for step in wanted:
        done = subprocess.run([sys.executable, "-m", "crimeplan", *step.args],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    return Settings(home=home, database_url=database_url)


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    application = create_app(settings)
    yield application
    application.state.db.dispose()


def test_the_dashboard_and_the_map_show_the_demo_data(app, world: World) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = client_for(app, world, "analyst")
    dashboard = client.get("/analysis", params={"force": "essex"})
    assert dashboard.status_code == 200
    for district in ("Southend-on-Sea", "Basildon", "Colchester", "Chelmsford"):
        assert f">{district}</th>" in dashboard.text
    forecast = next(r for r in reversed(AuditLog(app.state.settings.home).records())
                    if r["kind"] == "forecast.predict")
    assert client.get("/map").status_code == 200
    body = client.get(f"/api/v1/maps/forecasts/{forecast['run_id']}").json()
    names = [f["properties"]["name"] for f in body["outlines"]["features"]]
    assert len(names) == 25 and "District 17" in names
    assert body["outlines_from"] == "boundary file chicago_police_districts.geojson"
    flagged = [f for f in body["cells"]["features"]
               if f["properties"]["kind"] == "cell" and f["properties"]["flagged"]]
    assert len(flagged) == forecast["results"]["flagged_cells"] > 0
    assert body["forecast"]["dataset"] == "chicago-assaults"
    assert Path(forecast["parameters"]["boundary"]).parent == SAMPLE / "chicago"
