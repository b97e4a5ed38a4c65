"""The analysis pages, the hotspot map and its GeoJSON route, transparency pages and the run
log: each a shell over its use case (traced), with the signed-in caller in the run record,
and numbers hand-computed from the analysis tests' warehouse (see tests/analysis/conftest.py).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from analysis_world import PLAN, ROOT, built_home, record_forecast, settings
from fastapi import FastAPI
from service_world import World, client_for

from crimeplan.app import transparency
from crimeplan.app.actors import cli_actor
from crimeplan.app.registry import traced
from crimeplan.errors import BadInput
from crimeplan.provenance.filelog import AuditLog
from crimeplan.web.policy import Action, decide
from crimeplan.web.security import security_headers
from crimeplan.web.settings import Settings

__all__ = ["built_home", "settings"]


def table_rows(page: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as cell texts."""
    start = page.index(caption)
    body = page[page.index("<tbody", start):page.index("</tbody>", start)]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in
             re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_force_dashboard_shows_hand_computed_trends_and_rates_and_records_its_run(
        app: FastAPI, world: World) -> None:
    client = client_for(app, world, "analyst")
    with traced() as calls:
        got = client.get("/analysis", params={"force": "essex"})
    assert got.status_code == 200, got.text
    assert calls == ["analysis.dashboard"]
    trends = table_rows(got.text, "Records per month: all and the largest categories")
    # Essex month i (0..23 from 2017-01): burglary 10 + i, violence 5, shoplifting 2.
    assert trends[0] == ["2017-01", "17", "10", "5", "2"]
    assert trends[-1] == ["2018-12", "40", "33", "5", "2"]
    assert len(trends) == 24
    rates = table_rows(got.text, "Crimes per 1,000 residents by district")
    # Alpha: burglary 10+..+33 = 516 and violence 5 x 24 = 120 over 3,000 residents.
    assert rates == [["Alpha", "636", "3,000", "212"], ["Beta", "48", "1,500", "32"]]
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"',
                        got.text)
    assert len(images) == 2
    assert all(base64.b64decode(data).startswith(b"<svg") and alt for data, alt in images)
    run = AuditLog(app.state.settings.home).records()[-1]
    assert run["kind"] == "analysis.dashboard" and run["status"] == "ok"
    assert run["actor"]["user_id"] == world.personas["analyst"].actor.user_id
    assert run["actor"]["role"] == "analyst"
    assert run["command"] == ["GET", "/analysis?force=essex"]
    assert run["run_id"] in got.text


def test_an_area_and_months_narrow_the_dashboard(app: FastAPI, world: World) -> None:
    got = client_for(app, world, "pcc").get(
        "/analysis", params={"area": "E07000002", "from": "2018-01", "to": "2018-03"})
    assert got.status_code == 200, got.text
    assert table_rows(got.text, "Crimes per 1,000 residents by district") == [
        ["Beta", "6", "1,500", "4"]]  # shoplifting 2 a month, three months


def test_an_unknown_force_is_an_error_on_the_form(app: FastAPI, world: World) -> None:
    got = client_for(app, world, "analyst").get("/analysis", params={"force": "atlantis"})
    assert got.status_code == 400
    assert "There is a problem" in got.text and 'href="#force"' in got.text
    assert "atlantis" in got.text


def test_the_map_route_serves_the_forecast_and_the_areas_around_it(
        app: FastAPI, world: World) -> None:
    home = app.state.settings.home
    run_id = record_forecast(home, home / "outputs" / "plan.geojson")
    client = client_for(app, world, "analyst")
    listed = client.get("/api/v1/maps/forecasts")
    assert listed.status_code == 200
    assert [(f["run_id"], f["dataset"], f["model"], f["start"], f["horizon"], f["top_pct"])
            for f in listed.json()] == [(run_id, "essex", "kde", "2019-01-01", "1M", 1.0)]
    with traced() as calls:
        got = client.get(f"/api/v1/maps/forecasts/{run_id}")
    assert got.status_code == 200, got.text
    assert calls == ["maps.hotspots"]
    body = got.json()
    assert body["cells"]["features"] == json.loads(json.dumps(PLAN["features"]))
    # The cells lie in LSOA E01000001 only; its district Alpha is E01000001 + E01000002.
    outlines = body["outlines"]["features"]
    assert [(f["properties"]["layer"], f["properties"]["code"], f["properties"]["name"])
            for f in outlines] == [("district", "E07000001", "Alpha"),
                                   ("lsoa", "E01000001", "E01000001 name")]
    ring = outlines[0]["geometry"]["coordinates"][0]
    assert {tuple(p) for p in ring} == {(0, 0), (2, 0), (2, 1), (0, 1)}
    assert body["outlines_from"] == "reference data (LSOAs and districts)"


def test_a_point_data_forecast_is_outlined_by_its_boundary_file(
        app: FastAPI, world: World, tmp_path: Path) -> None:
    boundary = tmp_path / "districts.geojson"
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"dist_label": "1ST"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
        {"type": "Feature", "properties": {"dist_label": "2ND"},
         "geometry": {"type": "Polygon", "coordinates": [[[1, 0], [2, 0], [2, 1], [1, 0]]]}},
    ]}))
    home = app.state.settings.home
    run_id = record_forecast(home, home / "outputs" / "plan.geojson", boundary)
    body = client_for(app, world, "analyst").get(f"/api/v1/maps/forecasts/{run_id}").json()
    assert [(f["properties"]["layer"], f["properties"]["name"])
            for f in body["outlines"]["features"]] == [("boundary", "1ST"), ("boundary", "2ND")]
    assert body["outlines_from"] == "boundary file districts.geojson"


def test_a_forecast_changed_after_its_run_is_refused(app: FastAPI, world: World) -> None:
    home = app.state.settings.home
    plan = home / "outputs" / "plan.geojson"
    run_id = record_forecast(home, plan)
    plan.write_text(plan.read_text().replace('"expected": 3.5', '"expected": 9.5'))
    client = client_for(app, world, "analyst")
    got = client.get(f"/api/v1/maps/forecasts/{run_id}")
    assert got.status_code == 422
    assert "changed afterwards" in got.json()["detail"]
    assert client.get(f"/map?run={run_id}").status_code == 400
    assert client.get("/api/v1/maps/forecasts/20990101T000000Z-00000000").status_code == 404


def test_the_map_page_lists_the_patrol_areas_and_loads_no_tiles_by_default(
        app: FastAPI, world: World) -> None:
    home = app.state.settings.home
    client = client_for(app, world, "pcc")
    empty = client.get("/map")
    assert empty.status_code == 200 and "No forecast has been written" in empty.text
    run_id = record_forecast(home, home / "outputs" / "plan.geojson")
    with traced() as calls:
        got = client.get("/map")
    assert calls == ["maps.forecasts", "maps.hotspots"]
    assert table_rows(got.text, "Patrol areas") == [["1", "2", "3.50", "0.125"]]
    assert f'data-geojson="/api/v1/maps/forecasts/{run_id}"' in got.text
    assert 'data-tiles=""' in got.text
    assert "img-src 'self' data:;" in got.headers["content-security-policy"]


def test_a_tile_server_is_a_setting_and_the_only_other_origin_allowed(tmp_path: Path) -> None:
    tiles = Settings(home=tmp_path, tile_url="https://tiles.example.org/{z}/{x}/{y}.png")
    csp = security_headers(tiles)["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example.org;" in csp
    assert "connect-src 'self';" in csp and "script-src 'self';" in csp
    for bad in ("ftp://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org/a.png",
                "https://{s}.tiles.example.org/{z}/{x}/{y}.png"):
        with pytest.raises(BadInput, match="tile server"):
            Settings(home=tmp_path, tile_url=bad)


def test_transparency_records_are_readable_pages_checked_against_their_run(
        app: FastAPI, world: World) -> None:
    home = app.state.settings.home
    described = record_forecast(home, home / "outputs" / "plan.geojson")
    written = transparency.write(cli_actor("publication"), home, described,
                                 ROOT / "docs" / "owner-example.yaml",
                                 home / "outputs" / "transparency")
    client = client_for(app, world, "pcc")
    listing = client.get("/transparency")
    assert listing.status_code == 200
    assert f'href="/transparency/{written.run_id}"' in listing.text
    with traced() as calls:
        got = client.get(f"/transparency/{written.run_id}")
    assert got.status_code == 200 and calls == ["transparency.read"]
    assert "Tier 1: overview" in got.text and described in got.text
    written.files.json.write_text(written.files.json.read_text().replace("kde", "oracle"))
    refused = client.get(f"/transparency/{written.run_id}")
    assert refused.status_code == 400 and "changed afterwards" in refused.text
    assert client.get(f"/transparency/{described}").status_code == 404


def test_the_dpo_sees_who_ran_what_through_which_request(app: FastAPI, world: World) -> None:
    client_for(app, world, "analyst").get("/analysis", params={"force": "essex"})
    run = AuditLog(app.state.settings.home).records()[-1]
    dpo = client_for(app, world, "dpo")
    with traced() as calls:
        got = dpo.get("/dpo/runs")
    assert got.status_code == 200 and calls == ["audit.log"]
    assert "1 run; the hash chain is unbroken" in got.text
    row = table_rows(got.text, "latest runs")[0]
    assert row[0] == run["run_id"][:8] and row[2] == "analysis.dashboard"
    assert row[3] == f"{run['user']} (analyst)" and row[4] == "none given"
    assert row[5] == "GET /analysis?force=essex" and row[6] == "ok"
    detail = dpo.get(f"/dpo/runs/{run['run_id']}")
    assert detail.status_code == 200 and "warehouse selection" in detail.text
    assert dpo.get("/dpo/runs/20990101T000000Z-00000000").status_code == 404
    assert dpo.get("/dpo/runs?kind=forecast.predict").status_code == 200


def test_record_pages_follow_the_policy_for_every_persona(app: FastAPI, world: World) -> None:
    home = app.state.settings.home
    described = record_forecast(home, home / "outputs" / "plan.geojson")
    written = transparency.write(cli_actor("publication"), home, described,
                                 ROOT / "docs" / "owner-example.yaml",
                                 home / "outputs" / "transparency")
    pages = {f"/dpo/runs/{described}": Action.RUNS_READ,
             f"/transparency/{written.run_id}": Action.TRANSPARENCY_READ,
             "/analysis?force=essex": Action.ANALYSIS_READ, f"/map?run={described}":
             Action.HOTSPOTS_READ}
    seen = set()
    for name, persona in world.personas.items():
        if persona.actor.client_id:
            continue
        client = client_for(app, world, name)
        for path, action in pages.items():
            got = client.get(path, follow_redirects=False)
            if persona.actor.anonymous:
                assert (got.status_code, got.headers["location"]) == (303, "/sign-in"), path
                continue
            want = 200 if decide(persona.actor, action).allowed else 404
            assert got.status_code == want, f"{name} {path}"
            seen.add(want)
    assert seen == {200, 404}
