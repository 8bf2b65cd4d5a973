"""What the supply API takes and gives."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from onbeat.core.permissions import ROLES
from onbeat.fleet.supply.models import COMPLIANCE_ACTIONS, KINDS, PROOFS, RUN_STATES, STATES

Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
Role = Literal[tuple(ROLES)]  # type: ignore[valid-type]
State = Literal[tuple(STATES)]  # type: ignore[valid-type]
RunState = Literal[tuple(RUN_STATES)]  # type: ignore[valid-type]
Action = Literal[tuple(COMPLIANCE_ACTIONS)]  # type: ignore[valid-type]
Proof = Literal[tuple(PROOFS)]  # type: ignore[valid-type]
Text = Annotated[str, StringConstraints(max_length=120)]


class Paged(BaseModel):
    page: int
    size: int
    total: int
    pages: int


class ModelIn(BaseModel):
    code: Annotated[str, StringConstraints(min_length=2, max_length=30)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    kind: Kind
    manufacturer: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    operating_system: Annotated[str, StringConstraints(min_length=1, max_length=60)]


class ModelOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    manufacturer: str
    operating_system: str
    active: bool


class ModelPage(Paged):
    items: list[ModelOut]


class Software(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    version: Annotated[str, StringConstraints(max_length=30)] = ""


class ProfileFieldsIn(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    role: Role
    device_model_id: uuid.UUID
    is_default: bool = False
    software: list[Software] = Field(default_factory=list, max_length=100)
    settings: dict[str, Annotated[str, StringConstraints(max_length=500)] | int | bool] = Field(
        default_factory=dict, max_length=50)
    wrong_pin_limit: int = Field(10, ge=3, le=20, description="Wrong PINs before the device wipes itself")
    auto_lock_minutes: int = Field(5, ge=1, le=60)
    min_os_version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,3}$", max_length=30)]
    encryption_required: bool = True
    allowed_networks: list[Annotated[str, StringConstraints(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=50)
    vpn_required: bool = True
    vpn_profile: Annotated[str, StringConstraints(max_length=64)] | None = None
    checkin_fast_seconds: int = Field(60, ge=10, le=3600)
    checkin_slow_seconds: int = Field(300, ge=60, le=86400)
    fast_checkin_hours: int = Field(24, ge=0, le=720)
    compliance_grace_hours: int = Field(72, ge=0, le=720)
    compliance_action: Action = "notify"


class ProfileIn(ProfileFieldsIn):
    code: Annotated[str, StringConstraints(min_length=2, max_length=30)]


class ProfileOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    role: str
    is_default: bool
    device_model_id: uuid.UUID
    version: int
    updated_at: datetime
    policy: dict


class ProfilePage(Paged):
    items: list[ProfileOut]


class RequestIn(BaseModel):
    person_id: uuid.UUID
    role: Role | None = Field(None, description="Default: the recipient's role, or the profile's")
    profile_id: uuid.UUID | None = Field(None, description="Default: the role's default profile")
    device_model_id: uuid.UUID | None = Field(None, description="Default: the profile's model")
    needs: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        None, description="Personal needs: accessibility software, a larger screen...")
    extra_software: list[Annotated[str, StringConstraints(min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=20)
    urgent: bool = False
    delivery_address: Annotated[str, StringConstraints(max_length=300)] | None = None
    delivery_postcode: Annotated[str, StringConstraints(max_length=10)] | None = None


class HistoryOut(BaseModel):
    from_state: str | None
    to_state: str
    at: datetime
    actor_label: str
    note: str | None


class RequestOut(BaseModel):
    id: uuid.UUID
    reference: str
    state: State
    person_id: uuid.UUID
    person_name: str
    role: str
    profile_id: uuid.UUID
    device_model_id: uuid.UUID
    needs: str | None
    extra_software: list[str]
    urgent: bool
    station_id: uuid.UUID
    delivery_address: str
    delivery_postcode: str
    requested_at: datetime
    approved_at: datetime | None
    serial: str | None
    device_id: uuid.UUID | None
    run_id: uuid.UUID | None
    delivered_at: datetime | None
    received_by: str | None
    proof_kind: str | None
    problem: str | None
    allowed_next: list[str]
    ready_on: date | None = None
    history: list[HistoryOut] | None = None


class RequestPage(Paged):
    items: list[RequestOut]


class TransitionIn(BaseModel):
    to: State
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class BuiltIn(BaseModel):
    serial: Annotated[str, StringConstraints(min_length=1, max_length=60)]


class ImportIn(BaseModel):
    filename: Annotated[str, StringConstraints(max_length=200)] = "recipients.csv"
    csv: Annotated[str, StringConstraints(min_length=1, max_length=2_000_000)] = Field(
        description="The CSV text: a header row (number, role, profile, model, needs, extra_software, urgent, "
                    "delivery_address, delivery_postcode) and one row per recipient")


class ImportOut(BaseModel):
    id: uuid.UUID
    filename: str
    state: str
    total: int
    processed: int
    error: str | None
    created_at: datetime


class PlanItem(BaseModel):
    id: uuid.UUID
    reference: str
    state: str
    urgent: bool
    role: str
    device_model_id: uuid.UUID
    position: int
    ready_on: date


class DayLoad(BaseModel):
    day: date
    builds: int


class PlanOut(Paged):
    daily_capacity: int
    first_day: date
    free_first_day: int
    items: list[PlanItem]
    days: list[DayLoad]


class CapacityIn(BaseModel):
    daily_capacity: int = Field(ge=1, le=10000)


class StartIn(BaseModel):
    count: int = Field(ge=1, le=10000, description="How many of the queue to start building, from the front")


class RunsIn(BaseModel):
    run_date: date
    station_ids: list[uuid.UUID] | None = Field(None, max_length=100)
    driver_id: uuid.UUID | None = None
    max_stops: int = Field(40, ge=1, le=200)


class StopOut(BaseModel):
    request_id: uuid.UUID
    reference: str
    order: int | None
    state: str
    recipient: str
    delivery_address: str
    delivery_postcode: str
    serial: str | None
    received_by: str | None
    delivered_at: datetime | None


class RunOut(BaseModel):
    id: uuid.UUID
    reference: str
    station_id: uuid.UUID
    area: str
    run_date: date
    driver_id: uuid.UUID | None
    state: RunState
    counts: dict[str, int]
    stops: list[StopOut] | None = None


class RunPage(Paged):
    items: list[RunOut]


class DriverIn(BaseModel):
    driver_id: uuid.UUID


class DeliveredIn(BaseModel):
    received_by: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    proof_kind: Proof
    signature: Annotated[str, StringConstraints(max_length=20000)] | None = Field(
        None, description="The signature as an SVG path of straight strokes: 'M x y L x y ...'")
    code: Annotated[str, StringConstraints(max_length=20)] | None = None


class NotDeliveredIn(BaseModel):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]
