"""Request and response bodies of the dispatch and device APIs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from onbeat.command.dispatch.service import REQUESTABLE


class RecommendedUnit(BaseModel):
    unit_id: uuid.UUID
    call_sign: str
    unit_type: str
    status: str
    skills: list[str]
    distance_m: float
    eta_seconds: float
    location_at: datetime | None
    reason: str


class LeftOut(BaseModel):
    unit_id: uuid.UUID
    call_sign: str
    status: str
    why: str
    distance_m: float | None


class RecommendationOut(BaseModel):
    incident_id: uuid.UUID
    log_number: str
    required_skills: list[str]
    urban: bool
    units: list[RecommendedUnit] = Field(description="Suitable available units, quickest first")
    excluded: list[LeftOut] = Field(description="The nearest units left out, each with why")
    excluded_counts: dict[str, int] = Field(description="All units left out, counted by reason: a status, "
                                            "missing_skill, no_location or too_far")


class AssignIn(BaseModel):
    unit_id: uuid.UUID


class AssignmentOut(BaseModel):
    id: uuid.UUID
    incident_id: uuid.UUID
    unit_id: uuid.UUID
    call_sign: str
    stage: str
    assigned_by: str
    assigned_at: datetime
    en_route_at: datetime | None
    at_scene_at: datetime | None
    cleared_at: datetime | None

    @classmethod
    def of(cls, a, call_sign: str) -> AssignmentOut:
        return cls(id=a.id, incident_id=a.incident_id, unit_id=a.unit_id, call_sign=call_sign, stage=a.stage,
                   assigned_by=a.assigned_by_label, assigned_at=a.assigned_at, en_route_at=a.en_route_at,
                   at_scene_at=a.at_scene_at, cleared_at=a.cleared_at)


class StatusIn(BaseModel):
    status: Literal[REQUESTABLE]  # type: ignore[valid-type]


class DeviceStatusIn(StatusIn):
    unit_id: uuid.UUID | None = Field(None, description="Needed only if you crew more than one unit")


class FixIn(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    at: datetime = Field(description="When the device took the fix (ISO 8601 with an offset)")
    accuracy: float | None = Field(None, ge=0, le=100_000, description="Metres")
    heading: float | None = Field(None, ge=0, lt=360, description="Degrees clockwise from true north")
    speed: float | None = Field(None, ge=0, le=150, description="Metres per second")


class FixesIn(BaseModel):
    unit_id: uuid.UUID | None = Field(None, description="Needed only if you crew more than one unit")
    fixes: list[FixIn] = Field(min_length=1, max_length=500, description="Oldest first; applied in order")


class FixesOut(BaseModel):
    unit_id: uuid.UUID
    call_sign: str
    applied: int
    ignored: list[int] = Field(description="Indexes of fixes not applied: older than the unit's latest location")


class DeviceAssignmentOut(BaseModel):
    unit_id: uuid.UUID
    call_sign: str
    status: str
    assignment: AssignmentOut | None
    incident: dict | None


class UnitStateOut(BaseModel):
    """A unit as the board shows it, after a status change."""

    id: uuid.UUID
    call_sign: str
    type: str
    type_label: str
    status: str
    status_label: str
    skills: list[str]
    station_id: uuid.UUID
    lat: float | None
    lon: float | None
    location_at: datetime | None
    heading: float | None
    speed: float | None
