from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onbeat.db import Base, uuid_pk

UNIT_TYPES = {
    "response_car": "Response car",
    "foot_patrol": "Foot patrol",
    "neighbourhood": "Neighbourhood team",
    "dog": "Dog unit",
    "arv": "Armed response vehicle",
    "roads_policing": "Roads policing",
    "cid": "CID car",
    "van": "Personnel carrier",
}
SKILLS = ("taser", "firearms", "dog", "advanced_driver", "public_order", "first_aid", "tpac")
STATUSES = ("available", "assigned", "en_route", "at_scene", "busy", "refreshment", "off_duty")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("unit_type in (" + ", ".join(f"'{t}'" for t in UNIT_TYPES) + ")", name="unit_type"),
        CheckConstraint("status in (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status"),
        CheckConstraint("latitude between -90 and 90 and longitude between -180 and 180", name="unit_coordinates"),
        Index("ix_units_status", "status"),
        Index("ix_units_skills", "skills", postgresql_using="gin"),
        Index("ix_units_lat_lon", "latitude", "longitude"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    call_sign: Mapped[str] = mapped_column(String(20), unique=True)
    unit_type: Mapped[str] = mapped_column(String(20))
    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stations.id"))
    skills: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list)
    equipment: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    status: Mapped[str] = mapped_column(String(20), default="off_duty")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When that position reached us: the live map announces the units moved in the last seconds.
    location_received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The latest fix from the crew's device: accuracy (m), heading (degrees from north), speed (m/s).
    location_accuracy: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    crew: Mapped[list[UnitCrew]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class UnitLocation(Base):
    """Every fix a unit's device sent, kept as sent (a trigger refuses UPDATE, DELETE and TRUNCATE).

    The unit's own row holds only the newest position; this is its track: "where was unit X
    between t1 and t2" reads the primary key's range (unit, time). A fix sent twice (a device
    re-sending a batch whose answer it did not get) is kept once."""

    __tablename__ = "unit_locations"
    __table_args__ = (
        CheckConstraint("latitude between -90 and 90 and longitude between -180 and 180", name="coordinates"),
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class UnitCrew(Base):
    __tablename__ = "unit_crew"
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


# The command package's other tables, so Alembic and the tests see them.
from onbeat.command.incidents import models as _incidents  # noqa: E402,F401
from onbeat.command.contacts import models as _contacts  # noqa: E402,F401
from onbeat.command.dispatch import models as _dispatch  # noqa: E402,F401
