"""What the incidents API takes and gives."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from onbeat.command.contacts.schemas import Reason, Thrive
from onbeat.command.incidents.catalogue import CLOSING_CODES, GRADES, TYPES
from onbeat.command.incidents.models import Incident

ClosingCode = Literal[tuple(CLOSING_CODES)]  # type: ignore[valid-type]


class TypeOut(BaseModel):
    code: str
    label: str
    category: str
    category_label: str
    base_grade: int
    weights: dict[str, int]
    required_skills: list[str]


class CodeOut(BaseModel):
    code: str
    label: str


class IncidentOut(BaseModel):
    id: uuid.UUID
    log_number: str
    incident_type: str
    type_label: str
    category: str
    status: Literal["open", "closed"]
    grade: int
    grade_label: str
    suggested_grade: int
    grade_reason: str | None
    urban: bool
    urban_basis: str
    station_id: uuid.UUID | None
    address: str | None
    postcode: str | None
    latitude: float | None
    longitude: float | None
    summary: str
    opened_at: datetime
    graded_at: datetime
    target_at: datetime | None
    first_arrival_at: datetime | None
    breached_at: datetime | None
    closed_at: datetime | None
    closing_code: str | None
    closing_note: str | None
    required_skills: list[str]

    @classmethod
    def of(cls, i: Incident) -> IncidentOut:
        t = TYPES[i.incident_type]
        return cls(**{f: getattr(i, f) for f in (
            "id", "log_number", "incident_type", "category", "status", "grade", "suggested_grade", "grade_reason",
            "urban", "urban_basis", "station_id", "address", "postcode", "latitude", "longitude", "summary",
            "opened_at", "graded_at", "target_at", "first_arrival_at", "breached_at", "closed_at", "closing_code",
            "closing_note")}, type_label=t.label, grade_label=GRADES[i.grade], required_skills=sorted(t.skills))


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    page: int
    size: int
    total: int
    pages: int


class RecordRef(BaseModel):
    id: uuid.UUID
    reference: str
    kind: str
    kind_label: str
    state: str
    occurred_at: datetime
    incident_number: str | None
    path: str


class IncidentDetail(IncidentOut):
    contacts: int = Field(description="How many contacts are linked (see /contacts for them)")
    records: list[RecordRef]


class LogEntryOut(BaseModel):
    id: int
    at: datetime
    actor_label: str
    kind: str
    text: str
    detail: dict


class LogPage(BaseModel):
    items: list[LogEntryOut]
    page: int
    size: int
    total: int
    pages: int


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class GradeIn(BaseModel):
    grade: int = Field(ge=1, le=4)
    reason: str = Field(min_length=1, max_length=2000, description="Why the grade changes (always required)")
    thrive: Thrive | None = Field(None, description="New THRIVE answers (re-THRIVE): the suggestion is logged")


class Suggested(BaseModel):
    grade: int
    label: str
    score: int
    reasons: list[Reason]


class GradeOut(BaseModel):
    incident: IncidentOut
    suggestion: Suggested | None


class CloseIn(BaseModel):
    closing_code: ClosingCode
    closing_note: str = Field(min_length=1, max_length=5000)


class RecordLinkIn(BaseModel):
    reference: str = Field(min_length=3, max_length=20, description="e.g. CRI/000123/26")


class GradeFigures(BaseModel):
    grade: int
    label: str
    incidents: int
    arrived: int
    median_minutes: float | None
    p90_minutes: float | None
    judged: int = Field(description="Incidents that can be judged: arrived, or target passed unattended")
    within_target: int
    within_target_pct: float | None
    has_target: bool


class AnsweringFigures(BaseModel):
    calls_999: int
    answered: int
    target_seconds: int
    within_target: int
    within_target_pct: float | None


class Figures(BaseModel):
    date_from: date
    date_to: date
    grades: list[GradeFigures]
    answering: AnsweringFigures


class BreachOut(BaseModel):
    checked_at: datetime
    breached: list[IncidentOut]

