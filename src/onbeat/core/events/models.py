from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at


class OutboxEvent(Base):
    __tablename__ = "event_outbox"
    __table_args__ = (
        Index("ix_event_outbox_unpublished", "id", postgresql_where=text("published_at is null")),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # The de-duplication id sent as Nats-Msg-Id: a re-sent event is recognised, not doubled.
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    subject: Mapped[str] = mapped_column(String(200))  # onbeat.<module>.<event>
    # Who may see it on a live page: the permission a stream's user must hold.
    permission: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at()
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
