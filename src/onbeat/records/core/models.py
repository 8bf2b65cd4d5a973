"""The record header every form shares, its review history and its links to the POLE store."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at as timestamp_now, uuid_pk
from onbeat.records.core.kinds import ENTITY_TYPES, KINDS, LINK_ROLES, STATES


def _one_of(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


class Record(Base):
    """One form of any kind. The kind's own table holds the rest, keyed by this id."""

    __tablename__ = "records"
    __table_args__ = (
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint(_one_of("state", STATES), name="state"),
        CheckConstraint("latitude between -90 and 90 and longitude between -180 and 180", name="coordinates"),
        Index("ix_records_kind_occurred", "kind", "occurred_at"),
        Index("ix_records_author_occurred", "author_id", "occurred_at"),
        Index("ix_records_lat_lon", "latitude", "longitude"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    # Made by the device that first wrote the record: sending it again returns this record.
    client_uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # A correction of a signed record is a new record that points at the one it corrects.
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("records.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp_now()
    updated_at: Mapped[datetime] = timestamp_now()
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # The command-and-control incident this record was made about (its log number).
    incident_number: Mapped[str | None] = mapped_column(String(20), index=True)
    summary: Mapped[str] = mapped_column(String(300), default="")


class RecordReview(Base):
    """Each step of a record's review: submitted, approved, returned (with the comments)."""

    __tablename__ = "record_reviews"
    id: Mapped[uuid.UUID] = uuid_pk()
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = timestamp_now()
    by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str | None] = mapped_column(Text)


class RecordLink(Base):
    """A person, object, location or event in a record, in a role (witness, suspect...)."""

    __tablename__ = "record_links"
    __table_args__ = (
        CheckConstraint(_one_of("entity_type", ENTITY_TYPES), name="entity_type"),
        CheckConstraint(_one_of("role", LINK_ROLES), name="role"),
        UniqueConstraint("record_id", "entity_type", "entity_id", "role", name="uq_record_links_once"),
        Index("ix_record_links_entity", "entity_type", "entity_id"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(10))
    entity_id: Mapped[uuid.UUID] = mapped_column()
    role: Mapped[str] = mapped_column(String(20))
