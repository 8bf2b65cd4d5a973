"""What the interview API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints,
                      model_validator)

from onbeat.records.core.schemas import RecordOut
from onbeat.records.interviews.codes import CAUTIONS, PRESENT_ROLES, SIGNERS
from onbeat.records.core.signatures import MAX_STROKES
from onbeat.records.notebook.schemas import clean_incident_number
from onbeat.records.pole.schemas import PersonRef

CautionCode = Literal[tuple(CAUTIONS)]  # type: ignore[valid-type]
PresentRole = Literal[tuple(PRESENT_ROLES)]  # type: ignore[valid-type]
Signer = Literal[tuple(SIGNERS)]  # type: ignore[valid-type]


def _tidy(value):
    """Strip surrounding space and make \\r\\n one line ending; blank becomes None."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").strip()
        return value or None
    return value


def _strip(value):
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


Line = Annotated[str, BeforeValidator(_strip)]


def optional_text(max_length: int):
    """Text that may be left out: blank is None. The length limit sits on the text, not on None."""
    return Annotated[Annotated[str, StringConstraints(max_length=max_length)] | None, BeforeValidator(_tidy)]


OptionalText = optional_text(4000)


class AttendeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: PresentRole
    name: Annotated[Line, Field(min_length=1, max_length=160)]
    detail: optional_text(200) = Field(None, description="Firm, collar number, language interpreted...")


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    asked_at: AwareDatetime = Field(description="When the question was asked, within the interview's times")
    question: Annotated[Line, Field(min_length=1, max_length=10_000)]
    answer: Annotated[Line, Field(min_length=1, max_length=20_000,
                      description="As said; write 'No comment' or 'No reply' when that was the answer")]


class _Details(BaseModel):
    """Fields a create and an edit share."""
    model_config = ConfigDict(extra="forbid")
    place: optional_text(300) = Field(None, description="Where the interview took place")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    incident_number: Annotated[optional_text(20), AfterValidator(clean_incident_number)] = Field(
        None, description="Command-and-control log number, e.g. 0042-21112026")
    suspect: bool | None = Field(None, description="Interviewed as a suspect (linked as suspect too); default true")
    caution_code: CautionCode | None = Field(None, description="Which caution was given: " + "; ".join(
        f"{k} = {c.label}" for k, c in CAUTIONS.items()))
    caution_given: bool | None = None
    caution_understood: bool | None = Field(None, description="Only when the caution was given; null if not asked")
    caution_notes: OptionalText = Field(None, description="How the caution was explained, if it had to be")
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = Field(None, description="After started_at; needed before anyone signs")
    present: list[AttendeeIn] | None = Field(None, max_length=20, description="Everyone present besides the "
                                                                               "interviewee, in order")
    exchanges: list[ExchangeIn] | None = Field(None, max_length=500, description="Questions and answers in order")
    offered_to_read: bool | None = Field(None, description="Whether the interviewee was offered the record to "
                                                           "read and correct")
    interviewee_comments: OptionalText = Field(None, description="Corrections or comments they made on reading it")

    @model_validator(mode="after")
    def _both_coordinates(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


class InterviewIn(_Details):
    """A new written interview record. Sending the same client UUID again returns the record already
    made (200) and changes nothing."""
    client_uuid: uuid.UUID
    interviewee: PersonRef = Field(description="The person interviewed: a known person's id, or their details")
    place: Annotated[str, BeforeValidator(_tidy), Field(min_length=1, max_length=300)]
    caution_code: CautionCode
    caution_given: bool
    started_at: AwareDatetime
    supersedes_id: uuid.UUID | None = Field(None, description="The sealed interview record this one corrects")


class InterviewUpdate(_Details):
    """The fields to change (only those sent). Lists sent replace the whole list."""
    interviewee: PersonRef | None = None
    discard_signatures: bool = Field(False, description="Changing a record that has been signed by one side "
                                                        "removes the signatures given so far: send true to confirm")


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: float = Field(allow_inf_nan=False)
    y: float = Field(allow_inf_nan=False)
    t: float = Field(allow_inf_nan=False, description="Milliseconds since the first touch")


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signer: Signer
    width: int = Field(ge=50, le=4000, description="The signature box's width in the pad's units")
    height: int = Field(ge=20, le=4000, description="The signature box's height in the pad's units")
    strokes: list[Annotated[list[Point], Field(max_length=2000)]] = Field(max_length=MAX_STROKES)


class RefusalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[Line, Field(min_length=3, max_length=1000, description="Why the interviewee would not sign, "
                                                                             "in their words if they gave any")]


class CautionOut(BaseModel):
    code: str
    label: str
    text: str
    inferences: bool


class AttendeeOut(BaseModel):
    role: str
    role_label: str
    name: str
    detail: str | None


class ExchangeOut(BaseModel):
    number: int
    asked_at: datetime
    question: str
    answer: str


class SignatureOut(BaseModel):
    signer: str
    signed_at: datetime
    svg: str | None
    refused: bool
    refused_reason: str | None


class InterviewOut(BaseModel):
    record: RecordOut
    interviewee_id: uuid.UUID
    interviewee: str = Field(description="The interviewee's name as the POLE store shows it")
    suspect: bool
    caution: CautionOut
    caution_given: bool
    caution_understood: bool | None
    caution_notes: str | None
    started_at: datetime
    ended_at: datetime | None
    present: list[AttendeeOut]
    exchanges: list[ExchangeOut]
    offered_to_read: bool
    interviewee_comments: str | None
    signatures: list[SignatureOut]
    sealed: bool
    sealed_at: datetime | None
    sealed_hash: str | None
    hash_verified: bool | None = Field(description="Whether the stored record still matches sealed_hash")
    missing: list[str] = Field(description="What is still needed before it can be submitted")


class InterviewPage(BaseModel):
    items: list[InterviewOut]
    page: int
    size: int
    total: int
    pages: int


class CodesOut(BaseModel):
    cautions: list[CautionOut]
    present_roles: dict[str, str]
    signers: dict[str, str]
