"""Bodies of the exchange API (extra fields refused)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from crimeplan.web.api.schemas import Strict, text

#: An event type prefix a subscription filters on: ``person``, ``case.task``, ``event.arrest``.
TypePrefix = Annotated[str, Field(max_length=120,
                                  pattern=r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$")]


class SubscriptionIn(Strict):
    url: str = text(400, 9, description="Where to POST events: https://, or http:// on "
                                        "loopback only")
    types: list[TypePrefix] = Field(default_factory=list, max_length=50,
                                    description="Event type prefixes; empty: every type")


class SubscriptionOut(BaseModel):
    id: str
    url: str
    types: list[str]
    purpose: str
    created_at: dt.datetime
    rotating_until: dt.datetime | None = Field(
        description="Until then the previous secret signs alongside the new one")


class SubscriptionSecret(SubscriptionOut):
    secret: str = Field(description="The signing secret (whsec_…): shown this once")


class DeadLetter(BaseModel):
    delivery_id: str
    subscription_id: str
    event_seq: int
    attempts: int
    last_status: int | None
    last_error: str | None
    dead_at: dt.datetime


class Received(BaseModel):
    id: str
    outcome: str = Field(description="applied, stale (a newer event about the subject was "
                                     "applied already), gone, or duplicate")
