"""Request and response bodies of the API (extra fields are refused, not ignored)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

AgencyKindId = Literal["police-force", "probation", "local-authority", "health",
                       "housing-provider", "drug-alcohol-treatment", "youth-justice",
                       "victim-service", "pcc-office"]
RoleId = Literal["system-admin", "agency-admin", "analyst", "case-worker", "dpo", "pcc-viewer"]
ScopeId = Literal["people:read", "people:write", "stats:read"]
SubjectCategory = Literal["suspect", "convicted", "victim", "witness", "other"]
Sensitivity = Literal["standard", "restricted"]
#: Printable text only: control characters (NUL above all) are refused at the edge.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


#: An id in a URL path.
RecordId = Annotated[str, Path(min_length=1, max_length=36, pattern=PRINTABLE)]


def text(max_length: int, min_length: int = 0, **kwargs: Any) -> Any:
    """A text field of printable characters within the given lengths."""
    return Field(min_length=min_length, max_length=max_length, pattern=PRINTABLE, **kwargs)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignIn(Strict):
    email: str = text(254, 3)
    password: str = text(200, 1)
    code: str = text(10, default="", description="The 6-digit code from the "
                      "authenticator app (required for roles that see personal data)")


class SignedIn(BaseModel):
    user_id: str
    csrf_token: str = Field(description="Send it as X-CSRF-Token on every unsafe request")


class Token(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    scope: str


class Me(BaseModel):
    user_id: str | None
    client_id: str | None
    agency_id: str | None
    role: str | None
    scopes: list[str]


class AgencyIn(Strict):
    name: str = text(200, 1)
    kind: AgencyKindId


class AgencyOut(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str


class UserIn(Strict):
    agency_id: str = text(36, 1)
    email: str = text(254, 3)
    name: str = text(200, 1)
    role: RoleId


class UserOut(BaseModel):
    id: str
    agency_id: str
    email: str
    name: str
    role: str
    mfa_enrolled: bool


class UserCreated(UserOut):
    password: str = Field(description="The first password: shown this once")


class ClientIn(Strict):
    agency_id: str = text(36, 1)
    name: str = text(200, 1)
    scopes: list[ScopeId] = Field(max_length=3)


class ClientOut(BaseModel):
    id: str
    agency_id: str
    name: str
    scopes: list[str]


class ClientCreated(ClientOut):
    secret: str = Field(description="The client secret: shown this once")


class PersonIn(Strict):
    given_name: str = text(100, 1)
    family_name: str = text(100, 1)
    date_of_birth: dt.date | None = None
    pnc_id: str | None = text(20, default=None)
    category: SubjectCategory = "other"
    sensitivity: Sensitivity = "standard"


class PersonChanges(Strict):
    given_name: str | None = text(100, 1, default=None)
    family_name: str | None = text(100, 1, default=None)
    date_of_birth: dt.date | None = None
    pnc_id: str | None = text(20, default=None)
    category: SubjectCategory | None = None
    sensitivity: Sensitivity | None = None


    @field_validator("given_name", "family_name", "category", "sensitivity")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Absent means unchanged; these fields cannot be emptied with null."""
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep it")
        return value


class PersonOut(BaseModel):
    id: str
    agency_id: str
    given_name: str | None
    family_name: str | None
    date_of_birth: dt.date | None
    pnc_id: str | None
    category: str | None
    sensitivity: str | None
    redacted: list[str] = Field(description="Fields withheld from this caller")


class PersonSummary(BaseModel):
    id: str
    agency_id: str


class ShareIn(Strict):
    agency_id: str = text(36, 1)


class LinkIn(Strict):
    other_id: str = text(36, 1)


class Processing(BaseModel):
    seq: int
    logged_at: str
    category: str | None
    actor: dict[str, str | None]
    purpose: str | None
    justification: str | None
    fields: list[str] | None
    recipients: list[dict[str, str | None]] | None


class Verified(BaseModel):
    ok: bool
    entries: int
    first_bad: int | None
    problem: str | None
    head: str


class CountRow(BaseModel):
    agency_kind: str
    category: str
    count: int | None = Field(description="null when suppressed (fewer than 5)")
    suppressed: bool


class CodeItem(BaseModel):
    id: str
    label: str
