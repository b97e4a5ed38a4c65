"""The change event: a thin CloudEvents 1.0 envelope (structured JSON mode).

An event says *that* a record changed, what kind of record, which people it concerns (by their
record ids, in the style of the HMPPS domain events' ``personReference``) and where to fetch it
(``detailurl``): never the personal data itself. A receiver fetches the detail as an OAuth2
client of the sender, so the sender's access policy, redaction and s.62 log apply to what it
learns. Extension attribute names follow CloudEvents (lower-case letters and digits only).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: The media type of one event in structured mode, and of a batch.
MEDIA_TYPE = "application/cloudevents+json"
BATCH_MEDIA_TYPE = "application/cloudevents-batch+json"
#: The identifier type of a person record id in ``personreference``.
PERSON_RECORD = "crimeplan-person"
#: Event types: ``<record type>[.<part>].<change>``, lower case, dot separated.
TYPE_PATTERN = r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$"
SUBJECT_PATTERN = r"^[a-z][a-z0-9-]*/[A-Za-z0-9-]{1,36}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonIdentifier(Strict):
    """One identifier of a person: its type (a code list id) and value."""

    type: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9-]*$")
    value: str = Field(min_length=1, max_length=60)


class PersonReference(Strict):
    """The people an event concerns, as identifiers only (HMPPS ``personReference``)."""

    identifiers: list[PersonIdentifier] = Field(default_factory=list, max_length=200)


class ChangeData(Strict):
    """What changed, without values: the record, the change and the names of the fields."""

    recordtype: str = Field(min_length=1, max_length=40)
    recordid: str = Field(min_length=1, max_length=36)
    change: Literal["created", "updated", "deleted"]
    fields: list[str] = Field(default_factory=list, max_length=100)


class ChangeEvent(Strict):
    """One change event, as published in the feed and delivered by webhook."""

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=36, description="Unique per source")
    source: str = Field(min_length=1, max_length=300,
                        description="The sending system (a URI reference)")
    type: str = Field(max_length=120, pattern=TYPE_PATTERN,
                      description="e.g. person.updated, event.arrest.created")
    subject: str = Field(max_length=80, pattern=SUBJECT_PATTERN,
                         description="The record the event is about: <type>/<id>")
    time: dt.datetime
    datacontenttype: Literal["application/json"] = "application/json"
    detailurl: str = Field(min_length=1, max_length=400,
                           description="Where the subject's record is fetched, with the "
                                       "receiver's own credentials")
    personreference: PersonReference
    sequence: int = Field(ge=1, description="Position of the event among the events about "
                                            "its subject, from 1, without gaps")
    data: ChangeData

    def person_ids(self) -> list[str]:
        """The person record ids the event concerns."""
        return [i.value for i in self.personreference.identifiers if i.type == PERSON_RECORD]


class FeedPage(BaseModel):
    """One page of the pull feed: events after the cursor, and the cursor to ask after next."""

    events: list[ChangeEvent]
    next: int = Field(ge=0, description="Give it as ?after= to continue")
