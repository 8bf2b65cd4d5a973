"""What the merge API accepts and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from onbeat.records.core.schemas import MarkerOut
from onbeat.records.pole.responses import AddressOut, AliasOut, IdentifierOut


class Reason(BaseModel):
    field: str
    level: str
    text: str
    weight: float


class Side(BaseModel):
    """One of the two people of a proposal, as the reviewer compares them."""
    id: uuid.UUID
    label: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    aliases: list[AliasOut]
    addresses: list[AddressOut]
    phones: list[str]
    identifiers: list[IdentifierOut]
    markers: list[MarkerOut]
    sources: list[str] = Field(description="Legacy systems and ids, as 'source:id'")
    records: int = Field(description="How many records name this person")
    created_at: datetime
    merged_into_id: uuid.UUID | None


class ProposalOut(BaseModel):
    id: uuid.UUID
    state: str
    probability: float
    reasons: list[Reason]
    model_version: str | None
    created_at: datetime
    decided_at: datetime | None
    note: str | None
    merge_id: uuid.UUID | None
    a: Side
    b: Side
    suggested_survivor_id: uuid.UUID = Field(description="The one kept if Accept names no survivor: the person "
                                                         "on more records, else the one known longer")


class ProposalPage(BaseModel):
    items: list[ProposalOut]
    page: int
    size: int
    total: int
    pages: int


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=2000)


class Accept(Decision):
    survivor_id: uuid.UUID | None = Field(None, description="Which of the two is kept (default: the suggested one)")


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    survivor_id: uuid.UUID = Field(description="The person kept")
    merged_id: uuid.UUID = Field(description="The person merged into the survivor (kept, marked as merged)")
    reason: str = Field(min_length=3, max_length=2000, description="Why they are the same person")


class MergeOut(BaseModel):
    id: uuid.UUID
    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    reason: str | None
    merged_at: datetime
    undone_at: datetime | None
    moved: dict[str, int] = Field(description="How many of each thing moved to the survivor")
