"""What the suggestion API returns."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from onbeat.records.core.schemas import MarkerOut


class Reason(BaseModel):
    """Why a candidate matched (or where it differs): `field` compared, `level` reached, in words."""
    field: str
    level: str
    text: str
    agrees: bool


class PersonCandidate(BaseModel):
    id: uuid.UUID = Field(description="Send as the person's `id` in a record to link the record to this person")
    label: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    address: str | None = Field(description="The current (or latest) address known")
    other_names: list[str]
    probability: float = Field(description="Match probability from the current match model, 0 to 1")
    reasons: list[Reason]
    markers: list[MarkerOut] = Field(description="Active warning markers")


class PersonSuggestions(BaseModel):
    items: list[PersonCandidate]
    fields_used: list[str]
    model_version: str | None = None


class VehicleCandidate(BaseModel):
    id: uuid.UUID = Field(description="Send as the vehicle's `id` in a record to link the record to this vehicle")
    label: str
    registration: str | None
    make: str | None
    model: str | None
    colour: str | None
    score: float
    reasons: list[str]


class VehicleSuggestions(BaseModel):
    items: list[VehicleCandidate]


class AddressCandidate(BaseModel):
    id: uuid.UUID = Field(description="Send as the location's `id` in a record to use this address")
    label: str
    address: str | None
    postcode: str | None
    score: float
    reasons: list[str]


class AddressSuggestions(BaseModel):
    items: list[AddressCandidate]
