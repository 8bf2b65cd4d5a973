"""Tables: the versioned match models (the m and u probabilities of every comparison level, and the
prior), one row per trained version. The newest version is the one both halves of matching use."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at as timestamp_now, uuid_pk


class MatchModelVersion(Base):
    """One trained match model. Never updated: training again adds a version."""

    __tablename__ = "match_models"
    __table_args__ = (
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("prior > 0 and prior < 1", name="prior_probability"),
        CheckConstraint("threshold > 0 and threshold < 1", name="threshold_probability"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    version: Mapped[int] = mapped_column(Integer, unique=True)
    # {"comparisons": {name: [[level_key, m, u], ...]}, "prior": p, "threshold": t, ...}: MatchModel.to_json()
    parameters: Mapped[dict] = mapped_column(JSONB)
    prior: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    # What it was trained on, in words ("the store: 48,210 people"; "file legacy.csv").
    trained_on: Mapped[str] = mapped_column(Text)
    record_count: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = timestamp_now()
