"""What the contacts API takes and gives: a contact, its THRIVE answers, suggestions and duplicates."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from onbeat.command.contacts.models import CHANNELS
from onbeat.command.contacts.phone import normalise_uk_phone
from onbeat.command.incidents.catalogue import LEVELS, TYPES, VULNERABILITY_FACTORS

Level = Literal[tuple(LEVELS)]  # type: ignore[valid-type]
Channel = Literal[tuple(CHANNELS)]  # type: ignore[valid-type]
Factor = Literal[tuple(VULNERABILITY_FACTORS)]  # type: ignore[valid-type]
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})$")


def normalise_postcode(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    m = _POSTCODE.match(value.strip().upper())
    if not m:
        raise ValueError("not a UK postcode: write it like RG1 7TH")
    return f"{m.group(1)} {m.group(2)}"


def known_type(value: str) -> str:
    if value not in TYPES:
        raise ValueError(f"unknown incident type {value!r}: use a code from GET /api/incidents/types")
    return value


class ThriveAnswer(BaseModel):
    level: Level = Field(description="none, low, medium or high")
    notes: str = Field("", max_length=2000)


class VulnerabilityAnswer(ThriveAnswer):
    factors: list[Factor] = Field(default_factory=list, max_length=len(VULNERABILITY_FACTORS))


class Thrive(BaseModel):
    """Threat, Harm, Risk, Investigation, Vulnerability, Engagement: each a level and notes."""
    threat: ThriveAnswer
    harm: ThriveAnswer
    risk: ThriveAnswer
    investigation: ThriveAnswer
    vulnerability: VulnerabilityAnswer
    engagement: ThriveAnswer

    def answers(self) -> dict:
        return {k: {"level": v.level, "notes": v.notes.strip()} for k, v in self}

    @property
    def factors(self) -> list[str]:
        return list(dict.fromkeys(self.vulnerability.factors))


class SuggestIn(BaseModel):
    incident_type: str
    thrive: Thrive

    _type = field_validator("incident_type")(known_type)


class Reason(BaseModel):
    source: str
    answer: str | None
    grade: int
    text: str
    decisive: bool


class Suggestion(BaseModel):
    grade: int
    label: str
    score: int
    reasons: list[Reason]


class Place(BaseModel):
    address: str | None = Field(None, max_length=300)
    postcode: str | None = Field(None, max_length=10)
    latitude: float | None = Field(None, ge=-90, le=90, description="WGS84 decimal degrees")
    longitude: float | None = Field(None, ge=-180, le=180, description="WGS84 decimal degrees")

    _postcode = field_validator("postcode")(normalise_postcode)

    @field_validator("address")
    @classmethod
    def _blank(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


class DuplicatesIn(Place):
    incident_type: str
    received_at: AwareDatetime | None = None

    _type = field_validator("incident_type")(known_type)


class DuplicateOut(BaseModel):
    incident_id: uuid.UUID
    log_number: str
    incident_type: str
    type_label: str
    match: Literal["type", "category"]
    grade: int
    address: str | None
    postcode: str | None
    distance_m: int | None = Field(description="None when matched by postcode (no coordinates)")
    minutes: int = Field(description="Minutes between the incident's opening and this contact")


class ContactIn(Place):
    channel: Channel
    received_at: AwareDatetime | None = Field(None, description="When the contact came in; now if not given")
    answered_at: AwareDatetime | None = None
    caller_name: str | None = Field(None, max_length=200)
    callback_number: str | None = Field(None, max_length=30, description="A UK number")
    description: str = Field(min_length=3, max_length=10_000, description="What happened")
    incident_type: str
    thrive: Thrive
    grade: int | None = Field(None, ge=1, le=4, description="The grade given; the suggestion if not given")
    grade_reason: str | None = Field(None, max_length=2000, description="Required when the grade differs "
                                     "from the suggested one")
    urban: bool | None = Field(None, description="Urban or rural, if the handler knows; otherwise from the "
                               "distance to the nearest station")
    link_to: uuid.UUID | None = Field(None, description="Attach the contact to this open incident (a duplicate)")
    open_new: bool = Field(False, description="Open a new incident even though possible duplicates exist")

    _type = field_validator("incident_type")(known_type)

    @field_validator("callback_number")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return normalise_uk_phone(value)

    @field_validator("caller_name", "grade_reason")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


class LinkIn(BaseModel):
    incident_id: uuid.UUID


class ContactSummary(BaseModel):
    """A contact without the caller's personal details."""
    id: uuid.UUID
    reference: str
    channel: str
    received_at: datetime
    answered_at: datetime | None
    answer_seconds: float | None
    answered_within_target: bool | None = Field(description="999 calls: answered within the target (10 s)")
    address: str | None
    postcode: str | None
    latitude: float | None
    longitude: float | None
    description: str
    incident_type: str
    thrive: dict
    vulnerability_factors: list[str]
    suggested_grade: int
    suggestion: dict
    grade: int
    grade_reason: str | None
    incident_id: uuid.UUID
    created_at: datetime


class ContactOut(ContactSummary):
    caller_name: str | None
    callback_number: str | None


class ContactTaken(BaseModel):
    contact: ContactOut
    incident_id: uuid.UUID
    log_number: str
    linked: bool = Field(description="True when the contact was attached to an existing incident")
    duplicates: list[DuplicateOut] = Field(description="Possible duplicates seen when the contact was taken")


class ContactPage(BaseModel):
    items: list[ContactOut]
    page: int
    size: int
    total: int
    pages: int
