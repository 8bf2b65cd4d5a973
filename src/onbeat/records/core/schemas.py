"""What the API says about any record: its header, links, review history."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from onbeat.records.core.models import Record, RecordReview


class MarkerOut(BaseModel):
    kind: str
    label: str
    review_on: str | None = None


class EntityOut(BaseModel):
    """A POLE entity as named in a record: who or what, in what role, with its warning markers."""
    entity_type: str
    id: uuid.UUID
    role: str
    label: str
    markers: list[MarkerOut] = []


class ReviewOut(BaseModel):
    at: datetime
    by_id: uuid.UUID
    decision: str
    comment: str | None

    @classmethod
    def of(cls, r: RecordReview) -> ReviewOut:
        return cls(at=r.at, by_id=r.by_id, decision=r.decision, comment=r.comment)


class RecordOut(BaseModel):
    id: uuid.UUID
    client_uuid: uuid.UUID
    kind: str
    reference: str
    state: str
    version: int
    supersedes_id: uuid.UUID | None
    author_id: uuid.UUID
    occurred_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    place: str | None
    latitude: float | None
    longitude: float | None
    incident_number: str | None
    summary: str
    entities: list[EntityOut] = []

    @classmethod
    def of(cls, r: Record, entities: list[EntityOut] | None = None) -> RecordOut:
        return cls(id=r.id, client_uuid=r.client_uuid, kind=r.kind, reference=r.reference, state=r.state,
                   version=r.version, supersedes_id=r.supersedes_id, author_id=r.author_id,
                   occurred_at=r.occurred_at, submitted_at=r.submitted_at, decided_at=r.decided_at, place=r.place,
                   latitude=r.latitude, longitude=r.longitude, incident_number=r.incident_number,
                   summary=r.summary, entities=entities or [])


class RecordDetail(RecordOut):
    reviews: list[ReviewOut] = []


class RecordPage(BaseModel):
    items: list[RecordOut]
    page: int
    size: int
    total: int
    pages: int


class Decision(BaseModel):
    comment: str | None = Field(None, max_length=4000, description="Required when returning a record")


class Place(BaseModel):
    """Where something happened: a description and, from the device, WGS84 coordinates."""
    place: str | None = Field(None, max_length=300)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
