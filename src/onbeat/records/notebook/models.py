"""Tables of records.notebook: the officer's pocket notebook, one hash-chained entry per row.

Entries are numbered 1, 2, 3... per officer without gaps; each holds the SHA-256 of the entry
before it and of its own canonical form (`chain.py`). The table is append-only: a trigger (see
migration 0005) refuses UPDATE, DELETE and TRUNCATE. A correction is a new entry that points at
the entry it corrects.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, uuid_pk


class NotebookEntry(Base):
    __tablename__ = "notebook_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "number", name="uq_notebook_entries_user_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("latitude between -90 and 90 and longitude between -180 and 180", name="coordinates"),
        Index("ix_notebook_entries_corrects_id", "corrects_id"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    # Made by the device that wrote the entry: sending it again returns this entry.
    client_uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # The officer's collar number when the entry was written (it is part of the hashed form).
    collar_number: Mapped[str] = mapped_column(String(12))
    number: Mapped[int] = mapped_column(Integer)
    # Server time of writing; the officer's own time of the event is occurred_at.
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    incident_number: Mapped[str | None] = mapped_column(String(20))
    record_references: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notebook_entries.id"))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
