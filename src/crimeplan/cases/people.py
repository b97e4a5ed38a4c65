"""People: one agency's record of a person, with identifiers, aliases, addresses and family.

A record carries what the access policy needs: the owning agency, the category of data
subject (DPA 2018 s.38), a sensitivity, the workers allocated to the person and the agencies it
is shared with. Records of one person held by different agencies stay separate: a confirmed
match is a ``Link`` between them (a combination under s.62), never a merge.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crimeplan.cases.agencies import new_id
from crimeplan.cases.db import Base, UtcDateTime, utcnow

#: Categories of data subject (DPA 2018 s.38(3)), by stable id.
SUBJECT_CATEGORIES = ("suspect", "convicted", "victim", "witness", "other")

#: How closely a record is held: restricted records are seen only by allocated workers.
SENSITIVITIES = ("standard", "restricted")

#: The identifier columns of a person record (``standard.pole.IDENTIFIER_TYPES``).
IDENTIFIER_FIELDS = ("pnc_id", "cro_number", "probation_crn", "nhs_number", "prison_number",
                     "local_reference")

#: The fields of a person record that carry personal data, in display order.
PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "sex", *IDENTIFIER_FIELDS,
                 "category", "sensitivity")


class Person(Base):
    """A person known to one agency."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date, default=None)
    sex: Mapped[str | None] = mapped_column(String(20), default=None)
    pnc_id: Mapped[str | None] = mapped_column(String(20), default=None, index=True)
    cro_number: Mapped[str | None] = mapped_column(String(20), default=None)
    probation_crn: Mapped[str | None] = mapped_column(String(20), default=None, index=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), default=None)
    prison_number: Mapped[str | None] = mapped_column(String(20), default=None)
    local_reference: Mapped[str | None] = mapped_column(String(40), default=None)
    category: Mapped[str] = mapped_column(String(20), default="other")
    sensitivity: Mapped[str] = mapped_column(String(20), default="standard")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    allocations: Mapped[list[Allocation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    shares: Mapped[list[Share]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    aliases: Mapped[list[Alias]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    addresses: Mapped[list[Address]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Address.from_date")


class Allocation(Base):
    """A worker allocated to a person (the closest relationship to a record)."""

    __tablename__ = "allocations"
    __table_args__ = (UniqueConstraint("person_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Share(Base):
    """A person record shared with another agency (a disclosure under a sharing agreement)."""

    __tablename__ = "shares"
    __table_args__ = (UniqueConstraint("person_id", "agency_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    shared_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Link(Base):
    """Two records judged to be the same person (a combination of personal data)."""

    __tablename__ = "person_links"
    __table_args__ = (UniqueConstraint("person_id", "other_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    other_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                          index=True)
    linked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Alias(Base):
    """Another name the person is or was known by."""

    __tablename__ = "person_aliases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))


class Address(Base):
    """Where the person lived, from one date to another (``to_date`` None: still there)."""

    __tablename__ = "person_addresses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id"), index=True)
    from_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    to_date: Mapped[dt.date | None] = mapped_column(Date, default=None)


class Relation(Base):
    """Family or household: ``person`` is ``kind`` of ``other`` (``standard.pole.
    RELATION_KINDS``), as one agency records it. Both directions are stored."""

    __tablename__ = "person_relations"
    __table_args__ = (UniqueConstraint("person_id", "other_id", "kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    other_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(30))
