"""Assignments: which unit was sent to which incident, by whom, and how far it has got."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at, uuid_pk

STAGES = ("assigned", "en_route", "at_scene", "cleared")


class Assignment(Base):
    """One unit sent to one incident. A unit has at most one assignment not yet cleared."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("stage in (" + ", ".join(f"'{s}'" for s in STAGES) + ")", name="stage"),
        CheckConstraint("(stage = 'cleared') = (cleared_at is not null)", name="cleared"),
        Index("ix_assignments_active_unit", "unit_id", unique=True, postgresql_where=text("cleared_at is null")),
        Index("ix_assignments_incident", "incident_id", "stage"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"))
    stage: Mapped[str] = mapped_column(String(10), default="assigned")
    assigned_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    assigned_by_label: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[datetime] = created_at()
    en_route_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    at_scene_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
