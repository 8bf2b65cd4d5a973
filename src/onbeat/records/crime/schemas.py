"""What the crime API accepts and returns: the report, its people and property, the outcome,
and victim updates with their right-6 deadlines."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from onbeat.records.core.schemas import RecordOut
from onbeat.records.crime.codes import CONTACT_METHODS, ENHANCED_REASONS, PROPERTY_STATUSES, VICTIM_EVENTS
from onbeat.records.pole.schemas import LocationRef, PersonRef

EnhancedReason = Literal[tuple(ENHANCED_REASONS)]  # type: ignore[valid-type]
ContactMethod = Literal[tuple(CONTACT_METHODS)]  # type: ignore[valid-type]
EventCode = Literal[tuple(VICTIM_EVENTS)]  # type: ignore[valid-type]
PropertyStatus = Literal[tuple(PROPERTY_STATUSES)]  # type: ignore[valid-type]


def _blank_to_none(v):
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _upper(v):
    return v.strip().upper() if isinstance(v, str) else v


Code = Annotated[str, BeforeValidator(_upper), Field(min_length=1, max_length=8)]
Narrative = Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v), Field(max_length=4000)]


class VictimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: PersonRef
    enhanced_rights: bool = Field(False, description="Entitled to enhanced rights under the Victims' Code "
                                                     "(told within 1 working day instead of 5)")
    enhanced_reason: Annotated[EnhancedReason | None, BeforeValidator(_blank_to_none)] = Field(
        None, description="Why: required with enhanced_rights; a victim of an offence marked most serious "
                          "is given enhanced rights for that reason automatically")
    preferred_contact: Annotated[ContactMethod | None, BeforeValidator(_blank_to_none)] = None


class SuspectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: PersonRef | None = Field(None, description="The suspect, when identified")
    description: Annotated[str | None, BeforeValidator(_blank_to_none), Field(max_length=2000)] = Field(
        None, description="What is known of a suspect whose name is not: appearance, clothing, manner")

    @model_validator(mode="after")
    def _someone(self):
        if self.person is None and not self.description:
            raise ValueError("name the suspect (person) or describe them (description)")
        return self


class PropertyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
                           Field(min_length=2, max_length=500)]
    status: PropertyStatus
    value: Decimal | None = Field(None, ge=0, le=100_000_000, decimal_places=2, description="In pounds")
    quantity: int = Field(1, ge=1, le=100_000)
    serial_number: Annotated[str | None, BeforeValidator(_blank_to_none), Field(max_length=50)] = None


class Parties(BaseModel):
    """People and property to add to a crime report."""
    model_config = ConfigDict(extra="forbid")
    victims: list[VictimIn] = Field([], max_length=50)
    suspects: list[SuspectIn] = Field([], max_length=50)
    witnesses: list[PersonRef] = Field([], max_length=50)
    property: list[PropertyIn] = Field([], max_length=200)


class CrimeIn(Parties):
    client_uuid: uuid.UUID = Field(description="Made by the device; sending the same report again returns it")
    offence_code: Code = Field(description="Home Office Counting Rules classification, e.g. 28E")
    committed_from: AwareDatetime = Field(description="When the crime was committed, or the start of the window")
    committed_to: AwareDatetime | None = Field(None, description="The end of the window, when not known exactly")
    location: LocationRef = Field(description="Where it was committed")
    incident_number: Annotated[str | None, BeforeValidator(_blank_to_none), Field(max_length=20)] = None
    summary: Annotated[str | None, BeforeValidator(_blank_to_none), Field(max_length=300)] = None
    mo_text: Narrative = ""
    mo_keywords: list[str] = Field([], max_length=40)


class CrimeChange(BaseModel):
    """The report's details to change while it is a draft or returned: only the fields sent change."""
    model_config = ConfigDict(extra="forbid")
    offence_code: Code | None = None
    committed_from: AwareDatetime | None = None
    committed_to: AwareDatetime | None = None
    summary: Annotated[str | None, Field(max_length=300)] = None
    mo_text: Narrative | None = None
    mo_keywords: list[str] | None = Field(None, max_length=40)


class FinaliseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome_code: Code = Field(description="Home Office outcome, 1 to 22")
    rationale: Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
                         Field(min_length=10, max_length=4000, description="Why this outcome")]


class VictimEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_uuid: uuid.UUID | None = None
    event: EventCode
    occurred_at: AwareDatetime
    detail: Narrative = ""
    victim_ids: list[uuid.UUID] | None = Field(None, max_length=50, description="Person ids of the victims "
                                               "concerned; every victim on the crime when left out")


class VictimUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_uuid: uuid.UUID | None = None
    victim_id: uuid.UUID = Field(description="The person id of a victim on this crime")
    event_id: uuid.UUID | None = Field(None, description="The recorded event the victim was told of")
    event: EventCode | None = Field(None, description="What the victim was told of, when it is not recorded yet")
    event_at: AwareDatetime | None = Field(None, description="When that happened (with `event`)")
    told_at: AwareDatetime
    method: ContactMethod
    told_by_id: uuid.UUID | None = Field(None, description="The officer who told them; you, when left out")
    note: Narrative = ""

    @model_validator(mode="after")
    def _what(self):
        if self.event_id is None and (self.event is None or self.event_at is None):
            raise ValueError("give event_id (a recorded event), or event and event_at")
        if self.event_id is not None and (self.event is not None or self.event_at is not None):
            raise ValueError("give event_id, or event and event_at, not both")
        return self


# --- out -----------------------------------------------------------------------------------------

class Labelled(BaseModel):
    code: str
    label: str


class OffenceOut(Labelled):
    group: str


class VictimOut(BaseModel):
    person_id: uuid.UUID
    label: str
    enhanced_rights: bool
    enhanced_reason: str | None
    preferred_contact: str | None


class SuspectOut(BaseModel):
    person_id: uuid.UUID | None
    label: str | None
    description: str | None


class PersonOut(BaseModel):
    person_id: uuid.UUID
    label: str


class PropertyOut(BaseModel):
    object_id: uuid.UUID | None
    description: str
    status: str
    value: Decimal | None
    quantity: int
    serial_number: str | None


class OutcomeOut(Labelled):
    rationale: str
    finalised_at: datetime
    finalised_by_id: uuid.UUID


class DutyOut(BaseModel):
    """One victim to be told of one event by a UK date."""
    id: uuid.UUID
    crime_id: uuid.UUID
    reference: str
    victim_id: uuid.UUID
    victim: str
    enhanced_rights: bool
    event_id: uuid.UUID
    event: str
    event_label: str
    occurred_at: datetime
    due_on: date
    working_days: int
    status: Literal["due", "overdue", "met", "met_late"]
    days_overdue: int
    told_at: datetime | None


class UpdateOut(BaseModel):
    id: uuid.UUID
    victim_id: uuid.UUID
    event_id: uuid.UUID
    event: str
    told_at: datetime
    method: str
    told_by_id: uuid.UUID
    note: str
    duty: DutyOut | None


class EventOut(BaseModel):
    id: uuid.UUID
    event: str
    label: str
    occurred_at: datetime
    detail: str
    duties: list[DutyOut]


class CrimeOut(BaseModel):
    record: RecordOut
    offence: OffenceOut
    committed_from: datetime
    committed_to: datetime | None
    mo_text: str
    mo_keywords: list[Labelled]
    victims: list[VictimOut]
    suspects: list[SuspectOut]
    witnesses: list[PersonOut]
    property: list[PropertyOut]
    outcome: OutcomeOut | None
    events: list[EventOut]
    updates: list[UpdateOut]


class CrimeSummary(BaseModel):
    id: uuid.UUID
    reference: str
    state: str
    offence: OffenceOut
    committed_from: datetime
    outcome_code: str | None


class CrimePage(BaseModel):
    items: list[CrimeSummary]
    page: int
    size: int
    total: int
    pages: int


class DutyPage(BaseModel):
    items: list[DutyOut]
    page: int
    size: int
    total: int
    pages: int
