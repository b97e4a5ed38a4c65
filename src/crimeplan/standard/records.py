"""Record types of the common data standard.

Field names are the warehouse's column names. Source readers map outside headers to these
names; the JSON Schema of each type is exported by ``crimeplan standard schema``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Located(_Record):
    longitude: float | None = Field(None, ge=-180, le=180, description="WGS84 longitude")
    latitude: float | None = Field(None, ge=-90, le=90, description="WGS84 latitude as published")
    x: float | None = Field(None, description="British National Grid easting (EPSG:27700), metres")
    y: float | None = Field(None, description="British National Grid northing (EPSG:27700), metres")
    mapped: bool = Field(description="True when the row has usable coordinates")


class StreetCrime(_Located):
    """One street-level crime or anti-social behaviour incident (data.police.uk 'street')."""

    crime_id: str | None = Field(None, description="Published crime ID; empty for ASB")
    month: dt.date = Field(description="First day of the month the crime was recorded in")
    force: str = Field(description="Force slug, e.g. 'essex'")
    reported_by: str
    falls_within: str
    location: str | None = Field(None, description="Anonymised 'On or near ...' map point")
    lsoa_code: str | None = Field(None, description="LSOA code as published (2011 or 2021)")
    lsoa_name: str | None = None
    lsoa11_code: str | None = Field(None, description="LSOA 2011 computed by point-in-polygon")
    pfa_code: str | None = Field(None, description="Police force area computed by point-in-polygon")
    crime_type: str = Field(description="Crime type label as published")
    category: str = Field(description="Crime category slug (crimeplan.standard.codes)")
    last_outcome_category: str | None = None
    context: str | None = None


class OutcomeRecord(_Located):
    """One outcome for a crime (data.police.uk 'outcomes')."""

    crime_id: str
    month: dt.date = Field(description="First day of the month the outcome was recorded in")
    force: str
    reported_by: str
    falls_within: str
    location: str | None = None
    lsoa_code: str | None = None
    lsoa_name: str | None = None
    lsoa11_code: str | None = None
    pfa_code: str | None = None
    outcome_type: str = Field(description="Outcome label as published")
    outcome: str | None = Field(None, description="Outcome slug (crimeplan.standard.codes)")


class StopSearchRecord(_Located):
    """One stop and search (data.police.uk 'stop-and-search')."""

    force: str
    month: dt.date = Field(description="First day of the month of the search")
    type: str = Field(description="Person search, Vehicle search, or Person and Vehicle search")
    date: dt.datetime
    part_of_a_policing_operation: bool | None = None
    policing_operation: str | None = None
    gender: str | None = None
    age_range: str | None = None
    self_defined_ethnicity: str | None = None
    officer_defined_ethnicity: str | None = None
    legislation: str | None = None
    object_of_search: str | None = None
    outcome: str | None = None
    outcome_linked_to_object_of_search: bool | None = None
    removal_of_more_than_just_outer_clothing: bool | None = None
    lsoa11_code: str | None = None
    pfa_code: str | None = None


class PointEvent(_Record):
    """A timestamped point event from any source (a force's export, another country's data)."""

    dataset: str = Field(description="Name given at ingest, e.g. 'chicago-assaults'")
    time: dt.datetime
    category: str | None = None
    source_x: float = Field(description="Coordinate as supplied, in source_crs")
    source_y: float
    source_crs: str = Field(description="CRS of the supplied coordinates, e.g. 'EPSG:4326'")
    longitude: float = Field(ge=-180, le=180)
    latitude: float = Field(ge=-90, le=90)


class CallForService(_Record):
    """One call for service from a force's command-and-control export (``ingest-calls``)."""

    dataset: str = Field(description="Name given at ingest, e.g. 'essex-control-room'")
    month: dt.date = Field(description="First day of the month of the call")
    time: dt.datetime = Field(description="Time of the call")
    call_type: str = Field(description="Call type as the export gives it")
    grade: str | None = Field(None, description="Grade (response priority) as given")
    caller_key: str | None = Field(
        None, description="Keyed pseudonym of the caller (HMAC-SHA256 with the workspace's "
                          "key, hex); never the caller's reference", pattern="^[0-9a-f]{64}$")
    lsoa_code: str | None = Field(None, description="LSOA code, where the export gives one")
    source_x: float | None = Field(None, description="Coordinate as supplied, in source_crs")
    source_y: float | None = None
    source_crs: str | None = None
    longitude: float | None = Field(None, ge=-180, le=180)
    latitude: float | None = Field(None, ge=-90, le=90)
    flags: list[str] = Field(description="Names of the yes/no flags set, e.g. mental_health")
    response_minutes: float | None = Field(None, ge=0, description="Minutes from call to "
                                                                     "arrival")


RECORD_TYPES: dict[str, type[BaseModel]] = {
    "street": StreetCrime,
    "outcomes": OutcomeRecord,
    "stop-and-search": StopSearchRecord,
    "points": PointEvent,
    "calls": CallForService,
}
