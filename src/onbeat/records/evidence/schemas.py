"""What the evidence API takes and gives."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from onbeat.core.time import utcnow
from onbeat.records.evidence.custody import CustodyEvent
from onbeat.records.evidence.models import EvidenceItem, EvidenceUpload

# A device's clock may run a little fast; more than this and the capture time is wrong.
CLOCK_SKEW = timedelta(minutes=10)


def clean_filename(value: str) -> str:
    """The file's own name: no folders, no control characters, at most 255 characters."""
    name = re.split(r"[\\/]", value.strip())[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if not name or name in (".", ".."):
        raise ValueError("give the file's name, e.g. IMG_0042.jpg")
    return name[:255]


def _not_future(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value > utcnow() + CLOCK_SKEW:
        raise ValueError("the capture time is in the future: check the device's clock")
    return value.astimezone(timezone.utc)


def _lower(value: str) -> str:
    return value.lower()


Filename = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(clean_filename)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256 of the file, 64 hex digits"),
                   AfterValidator(_lower)]
CapturedAt = Annotated[AwareDatetime | None, AfterValidator(_not_future),
                       Field(description="When the device captured it (with its time zone)")]
Device = Annotated[str | None, Field(max_length=200, description="The capturing device, e.g. its asset number")]


class Declaration(BaseModel):
    """What the client says about a file it is sending."""

    model_config = ConfigDict(extra="forbid")
    filename: Filename
    sha256: Sha256
    client_uuid: uuid.UUID = Field(description="Made by the device for this file; sending it again is harmless")
    record_id: uuid.UUID | None = Field(default=None, description="A record (any kind) to attach it to")
    captured_at: CapturedAt = None
    capture_device: Device = None


class UploadIn(Declaration):
    size: int = Field(gt=0, description="The file's size in bytes")


class EvidenceOut(BaseModel):
    id: uuid.UUID
    reference: str
    sha256: str
    size: int
    content_type: str
    original_filename: str
    captured_at: datetime | None
    capture_device: str | None
    captured_by_id: uuid.UUID
    uploaded_at: datetime
    record_ids: list[uuid.UUID] = []
    has_thumbnail: bool

    @classmethod
    def of(cls, item: EvidenceItem, record_ids: list[uuid.UUID] | None = None) -> EvidenceOut:
        return cls(id=item.id, reference=item.reference, sha256=item.sha256, size=item.size,
                   content_type=item.content_type, original_filename=item.original_filename,
                   captured_at=item.captured_at, capture_device=item.capture_device,
                   captured_by_id=item.captured_by_id, uploaded_at=item.uploaded_at,
                   record_ids=record_ids or [], has_thumbnail=item.thumbnail_key is not None)


class EvidencePage(BaseModel):
    items: list[EvidenceOut]
    page: int
    size: int
    total: int
    pages: int


class UploadOut(BaseModel):
    """Where an upload is. `offset` is the next byte to send; once complete, `evidence` is the item."""

    id: uuid.UUID
    offset: int
    size: int
    chunk_size: int = Field(description="Chunks but the last must end on a multiple of this")
    complete: bool
    expires_at: datetime | None = None
    evidence: EvidenceOut | None = None

    @classmethod
    def of_upload(cls, upload: EvidenceUpload, chunk_size: int) -> UploadOut:
        return cls(id=upload.id, offset=upload.received, size=upload.size, chunk_size=chunk_size, complete=False,
                   expires_at=upload.expires_at)

    @classmethod
    def of_item(cls, item: EvidenceOut, chunk_size: int) -> UploadOut:
        return cls(id=item.id, offset=item.size, size=item.size, chunk_size=chunk_size, complete=True, evidence=item)


class CustodyOut(BaseModel):
    seq: int
    event: str
    label: str
    summary: str
    at: datetime
    recorded_at: datetime
    by: str
    purpose: str | None
    detail: dict
    audit_hash: str

    @classmethod
    def of(cls, e: CustodyEvent) -> CustodyOut:
        return cls(seq=e.seq, event=e.event, label=e.label, summary=e.summary, at=e.at, recorded_at=e.recorded_at,
                   by=e.by, purpose=e.purpose, detail=e.detail, audit_hash=e.hash)


class CustodyPage(BaseModel):
    items: list[CustodyOut]
    page: int
    size: int
    total: int
    pages: int


class IntegrityOut(BaseModel):
    id: uuid.UUID
    reference: str
    size: int
    sha256_recorded: str
    sha256_now: str | None = Field(description="None if the stored file is missing")
    matches: bool
    checked_at: datetime


class AttachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_id: uuid.UUID


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: str = Field(min_length=3, max_length=500, description="Why it is disclosed, e.g. the case reference")
    recipient: str = Field(min_length=3, max_length=300, description="Who receives it, e.g. the CPS lawyer")
