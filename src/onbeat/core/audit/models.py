from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base

# The six kinds of processing that DPA 2018 s62(1) requires a log of.
ACTIONS = ("collect", "alter", "consult", "disclose", "combine", "erase")


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("action in (" + ", ".join(f"'{a}'" for a in ACTIONS) + ")", name="dpa_action"),
        Index("ix_audit_log_subject", "subject_type", "subject_id"),
        Index("ix_audit_log_actor_id", "actor_id"),
        Index("ix_audit_log_occurred_at", "occurred_at"),
    )
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    # Who, in words, as at the time (the account may later change): "PC Jane Doe (1234)", "system".
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10))
    # What happened in this system's terms, e.g. "auth.lockout", "user.create".
    event: Mapped[str] = mapped_column(String(80))
    subject_type: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[str | None] = mapped_column(String(80))
    purpose: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSONB, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
    source_address: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
