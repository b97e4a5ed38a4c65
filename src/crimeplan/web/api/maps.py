"""The hotspot map's data: recorded forecasts, and one forecast's cells and patrol areas with
the outlines of the areas around them, as WGS84 GeoJSON (aggregates only)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from crimeplan.app import maps
from crimeplan.cases.actor import Actor
from crimeplan.web.api.schemas import RecordId
from crimeplan.web.deps import Authorise, acting, get_settings
from crimeplan.web.policy import Action

router = APIRouter(prefix="/maps", tags=["maps"])
Reader = Annotated[Actor, Depends(Authorise(Action.HOTSPOTS_READ))]


class ForecastOut(BaseModel):
    run_id: str
    dataset: str
    model: str
    start: str
    horizon: str
    top_pct: float
    finished_at: str


class Feature(BaseModel):
    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946), coordinates in WGS84."""

    type: Literal["FeatureCollection"]
    features: list[Feature]


class HotspotMapOut(BaseModel):
    forecast: ForecastOut
    cells: FeatureCollection
    outlines: FeatureCollection
    outlines_from: str


@router.get("/forecasts", response_model=list[ForecastOut])
def forecasts(request: Request, actor: Reader) -> list[ForecastOut]:
    """Forecasts written as GeoJSON in the workspace, newest first."""
    return [ForecastOut(**vars(f)) for f in
            maps.forecasts(acting(request, actor), get_settings(request).home)]


@router.get("/forecasts/{run_id}", response_model=HotspotMapOut)
def forecast(run_id: RecordId, request: Request, actor: Reader) -> HotspotMapOut:
    """One forecast's flagged cells, patrol areas and hot spots (``properties.kind``: cell or
    patrol_area), and the outlines of the areas around them (``properties.layer``: district,
    lsoa or boundary; ``name``, ``code``)."""
    shown = maps.hotspots(acting(request, actor), get_settings(request).home, run_id)
    return HotspotMapOut(forecast=ForecastOut(**vars(shown.forecast)),
                         cells=FeatureCollection(**shown.cells),
                         outlines=FeatureCollection(**shown.outlines),
                         outlines_from=shown.outlines_from)
