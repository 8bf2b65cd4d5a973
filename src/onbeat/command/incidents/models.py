"""Incidents, their append-only log and their explicit links to records."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Identity, Index, Integer,
                        String, Text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.command.incidents.catalogue import CATEGORIES, CLOSING_CODES, GRADES, LOG_KINDS, TYPES
from onbeat.db import Base, created_at, uuid_pk

STATUSES = ("open", "closed")
URBAN_BASES = ("handler", "station", "default")


def _one_of(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values) + ")"


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(_one_of("incident_type", TYPES), name="incident_type"),
        CheckConstraint(_one_of("category", CATEGORIES), name="category"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(_one_of("grade", GRADES), name="grade"),
        CheckConstraint(_one_of("suggested_grade", GRADES), name="suggested_grade"),
        CheckConstraint(_one_of("urban_basis", URBAN_BASES), name="urban_basis"),
        CheckConstraint("closing_code is null or " + _one_of("closing_code", CLOSING_CODES), name="closing_code"),
        CheckConstraint("(status = 'closed') = (closed_at is not null and closing_code is not null)", name="closed"),
        CheckConstraint("latitude between -90 and 90 and longitude between -180 and 180", name="coordinates"),
        Index("ix_incidents_status_grade", "status", "grade"),
        Index("ix_incidents_opened_at", "opened_at"),
        Index("ix_incidents_lat_lon", "latitude", "longitude"),
        Index("ix_incidents_open_target", "target_at", postgresql_where="status = 'open' and first_arrival_at is null "
                                                                         "and breached_at is null"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    log_number: Mapped[str] = mapped_column(String(16), unique=True)
    incident_type: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(8), default="open")
    grade: Mapped[int] = mapped_column(Integer)
    suggested_grade: Mapped[int] = mapped_column(Integer)
    grade_reason: Mapped[str | None] = mapped_column(Text)
    # Urban or rural sets the grade 1 target: said by the handler, or within the radius of a station.
    urban: Mapped[bool] = mapped_column(Boolean)
    urban_basis: Mapped[str] = mapped_column(String(8))
    # The area: the station nearest the incident (or the one the handler named).
    station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stations.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text, default="")
    opened_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The attendance target is counted from when the current grade was given; none for grade 4.
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    target_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_arrival_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the target passed without an arrival (set when first seen, or at a late arrival).
    breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closing_code: Mapped[str | None] = mapped_column(String(30))
    closing_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = created_at()


class IncidentLogEntry(Base):
    """One line of an incident's log. A trigger refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "incident_log"
    __table_args__ = (
        CheckConstraint(_one_of("kind", LOG_KINDS), name="kind"),
        Index("ix_incident_log_incident", "incident_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[datetime] = created_at()
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSONB, default=dict)


class IncidentRecord(Base):
    """A record (statement, crime report...) linked to an incident by hand, beside those carrying its number."""

    __tablename__ = "incident_records"
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    linked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime] = created_at()
