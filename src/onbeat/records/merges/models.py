"""Tables: merges proposed by deduplicating the store, waiting for a reviewer's decision."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at as timestamp_now, uuid_pk

STATES = ("open", "accepted", "rejected")


class MergeProposal(Base):
    """Two people the model thinks are one, with its probability and why. Each pair is proposed
    once: a decided pair (accepted or rejected) is never proposed again."""

    __tablename__ = "person_merge_proposals"
    __table_args__ = (
        CheckConstraint("person_a_id < person_b_id", name="ordered_pair"),
        CheckConstraint("state in ('open', 'accepted', 'rejected')", name="state"),
        CheckConstraint("probability between 0 and 1", name="probability"),
        CheckConstraint("(state = 'open') = (decided_at is null)", name="decided"),
        UniqueConstraint("person_a_id", "person_b_id", name="uq_person_merge_proposals_pair"),
        Index("ix_person_merge_proposals_queue", "probability", postgresql_where=text("state = 'open'")),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    person_a_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id"))
    person_b_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pole_persons.id"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSONB)
    # The cluster the batch run put both people in, and the model version that scored them.
    cluster_key: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = timestamp_now()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    # The merge an accepted proposal made (pole_person_merges.id).
    merge_id: Mapped[uuid.UUID | None] = mapped_column()
