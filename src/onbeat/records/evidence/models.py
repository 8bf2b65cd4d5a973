"""Tables of records.evidence: evidence items (never changed once stored), the records each is
attached to, and resumable uploads still being received."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at as timestamp_now, uuid_pk

BACKENDS = ("local", "s3")


class EvidenceItem(Base):
    """One file as received: its bytes, hash and type never change (a trigger refuses updates and
    deletes). Different bytes are a different item."""

    __tablename__ = "evidence_items"
    __table_args__ = (
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("storage_backend in ('local', 's3')", name="storage_backend"),
        Index("ix_evidence_items_uploaded_at", "uploaded_at"),
    )
    # The resumable upload's id when it came that way, so a client knows the item's id in advance.
    id: Mapped[uuid.UUID] = uuid_pk()
    # Made by the device for this file: sending it again returns this item.
    client_uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # Sniffed from the bytes (never the name or what the client said).
    content_type: Mapped[str] = mapped_column(String(120))
    original_filename: Mapped[str] = mapped_column(String(255))
    # As the capturing device declared them.
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    capture_device: Mapped[str | None] = mapped_column(String(200))
    captured_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = timestamp_now()
    storage_backend: Mapped[str] = mapped_column(String(10))
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(300))


class EvidenceAttachment(Base):
    """An evidence item attached to a record (of any kind)."""

    __tablename__ = "evidence_attachments"
    __table_args__ = (Index("ix_evidence_attachments_record", "record_id", "attached_at"),)
    evidence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence_items.id"), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    attached_at: Mapped[datetime] = timestamp_now()
    attached_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class EvidenceUpload(Base):
    """A resumable upload: what the client declared and how much has been received. The row goes
    once the item is stored or the upload is refused or expires."""

    __tablename__ = "evidence_uploads"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("received between 0 and size", name="received_within_size"),
        CheckConstraint("storage_backend in ('local', 's3')", name="storage_backend"),
    )
    # Becomes the evidence item's id.
    id: Mapped[uuid.UUID] = uuid_pk()
    client_uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp_now()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("records.id"))
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    capture_device: Mapped[str | None] = mapped_column(String(200))
    storage_backend: Mapped[str] = mapped_column(String(10))
    storage_key: Mapped[str] = mapped_column(String(300))
    # Backend state between chunks (an S3 multipart upload id and its parts).
    storage_state: Mapped[dict] = mapped_column(JSONB, default=dict)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    # The first bytes received (for sniffing the type) and, once known, the type.
    head: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    content_type: Mapped[str | None] = mapped_column(String(120))
