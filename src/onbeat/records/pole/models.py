"""Tables of the POLE store: people (names, aliases, addresses over time, phones, identifiers,
warning markers), objects (vehicles, property, weapons, drugs), locations, events, and the links
between them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Numeric, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at as timestamp_now, uuid_pk
from onbeat.records.pole.codes import ENTITY_ROLES, ETHNICITIES, GENDERS, IDENTIFIER_KINDS, MARKER_KINDS, OBJECT_KINDS

POLE_TYPES = ("person", "object", "location", "event")


def _one_of(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


class Person(Base):
    __tablename__ = "pole_persons"
    __table_args__ = (
        CheckConstraint(_one_of("gender", GENDERS), name="gender"),
        CheckConstraint(_one_of("ethnicity", ETHNICITIES), name="ethnicity"),
        # Lower-case, accent-free names and aliases, space-separated: what the name search matches.
        Index("ix_pole_persons_search_name", "search_name", postgresql_using="gin",
              postgresql_ops={"search_name": "gin_trgm_ops"}),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    gender: Mapped[str | None] = mapped_column(String(12))
    ethnicity: Mapped[str | None] = mapped_column(String(2))
    search_name: Mapped[str] = mapped_column(Text, default="")
    # Set when this person was found to be someone else already known: the person is kept (never
    # deleted) and everything about them moved to the survivor; an unmerge moves it back.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pole_persons.id"), index=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp_now()
    updated_at: Mapped[datetime] = timestamp_now()


class PersonAlias(Base):
    """Another name a person uses or has used."""

    __tablename__ = "pole_person_aliases"
    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id", ondelete="CASCADE"), index=True)
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = timestamp_now()


class PersonAddress(Base):
    """Where a person lived, from and to (either may be unknown)."""

    __tablename__ = "pole_person_addresses"
    __table_args__ = (CheckConstraint("to_date is null or from_date is null or to_date >= from_date", name="dates"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_locations.id"), index=True)
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = timestamp_now()


class PersonPhone(Base):
    __tablename__ = "pole_person_phones"
    __table_args__ = (UniqueConstraint("person_id", "number", name="uq_pole_person_phones_once"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = timestamp_now()


class PersonIdentifier(Base):
    """A PNC ID, passport or driving licence number: each names one person only."""

    __tablename__ = "pole_person_identifiers"
    __table_args__ = (
        CheckConstraint(_one_of("kind", IDENTIFIER_KINDS), name="kind"),
        UniqueConstraint("kind", "value", name="uq_pole_person_identifiers_value"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = timestamp_now()


class Marker(Base):
    """A warning marker on a person. Expired markers are kept (hidden from everyday views)."""

    __tablename__ = "pole_markers"
    __table_args__ = (
        CheckConstraint(_one_of("kind", MARKER_KINDS), name="kind"),
        CheckConstraint("review_on >= marked_on", name="review_after_marked"),
        CheckConstraint("expires_on is null or expires_on > marked_on", name="expires_after_marked"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    marked_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp_now()
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expired_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    expiry_reason: Mapped[str | None] = mapped_column(Text)


class PersonSource(Base):
    """Where a person came from outside OnBeat: a legacy system and the id it gave them. Importing
    the same legacy file again finds these and adds nobody twice."""

    __tablename__ = "pole_person_sources"
    __table_args__ = (UniqueConstraint("source", "source_id", name="uq_pole_person_sources_once"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(50))
    source_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = timestamp_now()


class PersonMerge(Base):
    """One person merged into another, with everything that moved (row ids by table), so that an
    unmerge puts back exactly what the merge took. At most one merge of a person is in force."""

    __tablename__ = "pole_person_merges"
    __table_args__ = (
        CheckConstraint("survivor_id <> merged_id", name="two_people"),
        CheckConstraint("(undone_at is null) = (undone_by_id is null)", name="undone_by"),
        Index("uq_pole_person_merges_in_force", "merged_id", unique=True, postgresql_where=text("undone_at is null")),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    survivor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id"), index=True)
    merged_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    moved: Mapped[dict] = mapped_column(JSONB)
    merged_at: Mapped[datetime] = timestamp_now()
    merged_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class PoleObject(Base):
    """A vehicle, an item of property, a weapon or drugs."""

    __tablename__ = "pole_objects"
    __table_args__ = (
        CheckConstraint(_one_of("kind", OBJECT_KINDS), name="kind"),
        CheckConstraint("registration is null or kind = 'vehicle'", name="registration_vehicle"),
        # One vehicle per registration: a registration typed in any record finds the same vehicle.
        Index("uq_pole_objects_registration", "registration", unique=True,
              postgresql_where=text("registration is not null")),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[str] = mapped_column(String(10))
    registration: Mapped[str | None] = mapped_column(String(10))
    vin: Mapped[str | None] = mapped_column(String(17))
    make: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(50))
    colour: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(String(500))
    serial_number: Mapped[str | None] = mapped_column(String(50))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    unit: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp_now()


class Location(Base):
    """An address, a described place, or a point: WGS84 and British National Grid together."""

    __tablename__ = "pole_locations"
    __table_args__ = (
        CheckConstraint("latitude between -90 and 90 and longitude between -180 and 180", name="coordinates"),
        Index("ix_pole_locations_postcode", "postcode"),
        Index("ix_pole_locations_lat_lon", "latitude", "longitude"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(8))
    place: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    easting: Mapped[float | None] = mapped_column(Float)
    northing: Mapped[float | None] = mapped_column(Float)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp_now()


class PoleEvent(Base):
    """An occurrence: what happened, when, and where."""

    __tablename__ = "pole_events"
    __table_args__ = (CheckConstraint("ended_at is null or ended_at >= occurred_at", name="times"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    what: Mapped[str] = mapped_column(String(300))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pole_locations.id"), index=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp_now()


class EntityLink(Base):
    """Two POLE entities linked in a role: a person owns a vehicle, lives at a location..."""

    __tablename__ = "pole_links"
    __table_args__ = (
        CheckConstraint(_one_of("from_type", POLE_TYPES), name="from_type"),
        CheckConstraint(_one_of("to_type", POLE_TYPES), name="to_type"),
        CheckConstraint(_one_of("role", ENTITY_ROLES), name="role"),
        CheckConstraint("to_date is null or from_date is null or to_date >= from_date", name="dates"),
        UniqueConstraint("from_type", "from_id", "to_type", "to_id", "role", name="uq_pole_links_once"),
        Index("ix_pole_links_to", "to_type", "to_id"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    from_type: Mapped[str] = mapped_column(String(10))
    from_id: Mapped[uuid.UUID] = mapped_column()
    to_type: Mapped[str] = mapped_column(String(10))
    to_id: Mapped[uuid.UUID] = mapped_column()
    role: Mapped[str] = mapped_column(String(20))
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp_now()
