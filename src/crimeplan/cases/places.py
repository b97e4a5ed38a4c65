"""Places: addresses and points where people live and events happen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crimeplan.cases.agencies import new_id
from crimeplan.cases.db import Base, UtcDateTime, utcnow

#: The fields of a location, in display order.
LOCATION_FIELDS = ("address", "postcode", "uprn", "longitude", "latitude", "lsoa11_code")


class Location(Base):
    """An address (with its UPRN when known) or a point, recorded by one agency."""

    __tablename__ = "locations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300), default=None)
    postcode: Mapped[str | None] = mapped_column(String(10), default=None, index=True)
    #: Unique Property Reference Number (OS AddressBase), the national key of an address.
    uprn: Mapped[str | None] = mapped_column(String(12), default=None, index=True)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    #: The LSOA (2011) the point lies in, as the warehouse's reference data place it.
    lsoa11_code: Mapped[str | None] = mapped_column(String(9), default=None, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
