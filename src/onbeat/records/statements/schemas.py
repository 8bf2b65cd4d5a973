"""What the statements API accepts and returns."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from onbeat.records.core.schemas import RecordOut
from onbeat.records.pole import formats
from onbeat.records.pole.schemas import PersonRef
from onbeat.records.statements.codes import SPECIAL_MEASURES
from onbeat.records.core.signatures import MAX_POINTS_PER_STROKE, MAX_STROKES

StatementKind = Literal["witness_statement", "officer_statement"]
SpecialMeasure = Literal[tuple(SPECIAL_MEASURES)]  # type: ignore[valid-type]


def _blank_to_none(v):
    if isinstance(v, str):
        return v.strip() or None
    return v


def _urn(v: str | None) -> str | None:
    """A case file's Unique Reference Number: force code, station code, year, number (e.g. 43 AB 1234526)."""
    if v is None:
        return None
    v = " ".join(v.upper().split())
    if not all(c.isalnum() or c in " /-" for c in v):
        raise ValueError("a URN holds only letters, digits, spaces, / and -")
    return v


Urn = Annotated[Annotated[str, Field(max_length=20), AfterValidator(_urn)] | None, BeforeValidator(_blank_to_none),
                Field(None, description="The case's Unique Reference Number, once known")]
Occupation = Annotated[Annotated[str, Field(max_length=100)] | None, BeforeValidator(_blank_to_none), Field(None)]
Age = Annotated[int | None, Field(None, ge=0, le=17, description="Only if under 18; leave out for 'Over 18'")]
Body = Annotated[Annotated[str, Field(max_length=100_000)] | None, Field(None, description=(
    "The statement's text as one body. The server divides it into the PDF's pages (see `pages`); "
    "each page must then be signed"))]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(v: str) -> str:
    if v and not _EMAIL.match(v):
        raise ValueError(f"{v!r} is not an email address (name@example.org)")
    return v


Email = Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v), AfterValidator(_email),
                  Field("", max_length=254)]
Phone = Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
                  AfterValidator(lambda v: v and formats.phone(v)), Field("", max_length=30)]
Postcode = Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
                     AfterValidator(lambda v: v and formats.postcode(v)), Field("", max_length=10)]


class DateRange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: date
    end: date
    reason: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"the range ends ({self.end}) before it starts ({self.start})")
        return self


class WitnessPrivateIn(BaseModel):
    """The MG11's reverse: never disclosed with the statement."""
    model_config = ConfigDict(extra="forbid")
    address: str = Field("", max_length=300)
    postcode: Postcode = ""
    home_phone: Phone = ""
    mobile_phone: Phone = ""
    work_phone: Phone = ""
    email: Email = ""
    preferred_contact: str = Field("", max_length=200, description="When and how the witness prefers to be contacted")
    dates_to_avoid: list[DateRange] = Field([], max_length=50)
    special_measures: list[SpecialMeasure] = Field([], max_length=len(SPECIAL_MEASURES))
    consent_witness_care: bool | None = None
    consent_other_proceedings: bool | None = None
    consent_medical_records: bool | None = None
    vps_offered: bool | None = None


class WitnessPrivateOut(WitnessPrivateIn):
    updated_at: datetime
    updated_by_id: uuid.UUID


class StatementIn(BaseModel):
    """A new statement (a draft). Sending the same client_uuid again returns the first one."""
    model_config = ConfigDict(extra="forbid")
    kind: StatementKind
    client_uuid: uuid.UUID
    occurred_at: datetime | None = Field(None, description="When the statement is taken (default: now)")
    place: str | None = Field(None, max_length=300)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    incident_number: str | None = Field(None, max_length=20)
    urn: Urn = None
    witness: PersonRef | None = Field(None, description="The maker of a witness statement (not of an officer's)")
    age: Age = None
    occupation: Occupation = None
    text: Body = None
    witness_private: WitnessPrivateIn | None = None


class StatementUpdate(BaseModel):
    """The fields to change in a draft; fields not sent stay as they are."""
    model_config = ConfigDict(extra="forbid")
    occurred_at: datetime | None = None
    place: str | None = Field(None, max_length=300)
    incident_number: str | None = Field(None, max_length=20)
    urn: Urn = None
    witness: PersonRef | None = None
    age: Age = None
    occupation: Occupation = None
    text: Body = None
    discard_signatures: bool = Field(False, description=(
        "Changing the text or header once signing has begun removes the signatures given so far: "
        "send true to confirm that the maker will sign every page again"))


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: float = Field(allow_inf_nan=False)
    y: float = Field(allow_inf_nan=False)
    t: float = Field(allow_inf_nan=False, description="Milliseconds since the first touch")


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page: int | Literal["declaration"] = Field(description="The page signed (from 1), or 'declaration'")
    signer: Literal["witness", "officer"]
    width: int = Field(ge=50, le=4000, description="The signature box's width in the pad's units")
    height: int = Field(ge=20, le=4000, description="The signature box's height in the pad's units")
    strokes: list[Annotated[list[Point], Field(max_length=MAX_POINTS_PER_STROKE)]] = Field(max_length=MAX_STROKES)
    signed_at: datetime | None = Field(None, description="When it was signed on the device (default: now)")


class SignatureOut(BaseModel):
    page: int | Literal["declaration"]
    signer: str
    signer_name: str
    signed_at: datetime
    svg: str


class PageOut(BaseModel):
    number: int
    text: str
    signed: bool


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_uuid: uuid.UUID


class StatementOut(BaseModel):
    record: RecordOut
    urn: str | None
    witness_id: uuid.UUID | None
    statement_of: str
    age: int | None
    age_text: str
    occupation: str
    text: str
    declaration: str
    page_count: int
    pages: list[PageOut]
    signatures: list[SignatureOut]
    sealed: bool
    sealed_at: datetime | None
    sealed_hash: str | None
    hash_verified: bool | None = Field(description="Whether the stored content still matches sealed_hash")
    corrected_by_id: uuid.UUID | None = Field(None, description="The newer version that corrects this one")
    has_witness_private: bool


class StatementPage(BaseModel):
    items: list[StatementOut]
    page: int
    size: int
    total: int
    pages: int
