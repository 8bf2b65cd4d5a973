"""Contacts: each call, online report, walk-in or radio message, with its THRIVE assessment and grade."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.command.incidents.catalogue import GRADES, TYPES
from onbeat.command.incidents.models import _one_of
from onbeat.db import Base, created_at, uuid_pk

CHANNELS: dict[str, str] = {
    "999": "999 emergency",
    "101": "101 non-emergency",
    "online": "Online report",
    "walk_in": "Walk-in at a front counter",
    "radio": "Radio (officer or partner agency)",
}


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(_one_of("incident_type", TYPES), name="incident_type"),
        CheckConstraint(_one_of("grade", GRADES), name="grade"),
        CheckConstraint(_one_of("suggested_grade", GRADES), name="suggested_grade"),
        CheckConstraint("latitude between -90 and 90 and longitude between -180 and 180", name="coordinates"),
        CheckConstraint("answered_at is null or answered_at >= received_at", name="answered_after_received"),
        Index("ix_contacts_received_at", "received_at"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Personal data: reading these is audited with a purpose.
    caller_name: Mapped[str | None] = mapped_column(String(200))
    callback_number: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text)
    incident_type: Mapped[str] = mapped_column(String(40))
    # {"threat": {"level": "high", "notes": "..."}, ...} for the six THRIVE elements.
    thrive: Mapped[dict] = mapped_column(JSONB)
    vulnerability_factors: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    suggested_grade: Mapped[int] = mapped_column(Integer)
    # The suggestion's explanation: which answers set or raised it.
    suggestion: Mapped[dict] = mapped_column(JSONB)
    grade: Mapped[int] = mapped_column(Integer)
    grade_reason: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    handler_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at()
