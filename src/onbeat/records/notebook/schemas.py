"""What the notebook API takes and gives: an entry to write, entries as stored, the court export and
the answer of an export's verification."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator, model_validator

INCIDENT_NUMBER = re.compile(r"^\d{4}-\d{8}$")
RECORD_REFERENCE = re.compile(r"^[A-Z]{2,6}/\d{6}/\d{2}$")
TEXT_MAX = 20_000


def clean_text(value: str) -> str:
    """One line ending (\\n), no surrounding blank space, and only characters PostgreSQL and UTF-8 can hold."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains characters that are not valid Unicode") from None
    return value


def clean_incident_number(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not INCIDENT_NUMBER.fullmatch(value):
        raise ValueError("an incident log number looks like 0042-21112026 (number, then the date as DDMMYYYY)")
    return value


def clean_references(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        ref = raw.strip().upper()
        if not ref:
            continue
        if not RECORD_REFERENCE.fullmatch(ref):
            raise ValueError(f"{raw!r} is not a record reference: they look like CRI/000123/26")
        if ref not in out:
            out.append(ref)
    return out


class EntryIn(BaseModel):
    """One new entry. Entries are never changed: to put one right, write a new entry with
    `corrects` set to the number of the entry it corrects."""
    model_config = ConfigDict(extra="forbid")
    client_uuid: uuid.UUID = Field(description="Made by the device for this entry; sending it again returns the "
                                               "entry already written, never a second one")
    occurred_at: AwareDatetime = Field(description="When what the entry records happened, by the officer's clock "
                                                  "(with its time zone); the server adds its own time of writing")
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    place: str | None = Field(None, max_length=300)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    incident_number: str | None = Field(None, max_length=20, description="Command-and-control log number, "
                                                                         "e.g. 0042-21112026")
    record_references: list[str] = Field(default_factory=list, max_length=20,
                                         description="References of records this entry is about, e.g. CRI/000123/26")
    corrects: int | None = Field(None, ge=1, le=10_000_000,
                                 description="The number of your own entry this one corrects")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise ValueError("write something: the entry is empty")
        return value

    @field_validator("place")
    @classmethod
    def _place(cls, value: str | None) -> str | None:
        return (clean_text(value) or None) if value is not None else None

    @field_validator("incident_number")
    @classmethod
    def _incident(cls, value: str | None) -> str | None:
        return clean_incident_number(value)

    @field_validator("record_references")
    @classmethod
    def _references(cls, value: list[str]) -> list[str]:
        return clean_references(value)

    @model_validator(mode="after")
    def _both_coordinates(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


class EntryOut(BaseModel):
    id: uuid.UUID
    client_uuid: uuid.UUID
    officer_id: uuid.UUID
    collar_number: str
    number: int
    written_at: datetime
    occurred_at: datetime
    text: str
    place: str | None
    latitude: float | None
    longitude: float | None
    incident_number: str | None
    record_references: list[str]
    corrects: int | None = Field(description="The number of the entry this one corrects")
    corrected_by: list[int] = Field(description="Numbers of the later entries that correct this one")
    prev_hash: str
    hash: str


class EntryPage(BaseModel):
    items: list[EntryOut]
    page: int
    size: int
    total: int
    pages: int


class ChainOut(BaseModel):
    """The result of checking a notebook's hash chain."""
    valid: bool
    entries_checked: int = Field(description="Entries found intact before the first problem (all, when valid)")
    head_hash: str = Field(description="The hash of the last intact entry (64 zeros when there is none)")
    first_bad_entry: int | None = Field(None, description="The number of the first entry that does not hold")
    reason: str | None = None

    @classmethod
    def of(cls, result) -> ChainOut:
        """From a chain.ChainResult."""
        return cls(valid=result.ok, entries_checked=result.checked, head_hash=result.head_hash,
                   first_bad_entry=result.broken_number, reason=result.reason)


# --- the court export ---------------------------------------------------------------------------

class ExportEntry(BaseModel):
    """One entry exactly as hashed (see the export's verification note), plus its hash. Values are
    taken as written: a number sent as a string, say, is refused rather than quietly converted."""
    model_config = ConfigDict(extra="allow")
    client_uuid: StrictStr = Field(max_length=64)
    collar_number: StrictStr = Field(max_length=12)
    corrects_id: StrictStr | None = Field(max_length=64)
    id: StrictStr = Field(max_length=64)
    incident_number: StrictStr | None = Field(max_length=20)
    latitude: StrictStr | None = Field(max_length=16)
    longitude: StrictStr | None = Field(max_length=16)
    number: StrictInt = Field(ge=1, le=10_000_000)
    occurred_at: StrictStr = Field(max_length=40)
    officer_id: StrictStr = Field(max_length=64)
    place: StrictStr | None = Field(max_length=300)
    prev_hash: StrictStr = Field(max_length=64)
    record_references: list[StrictStr] = Field(max_length=20)
    text: StrictStr = Field(max_length=TEXT_MAX)
    written_at: StrictStr = Field(max_length=40)
    hash: StrictStr = Field(max_length=64)


class ExportOfficer(BaseModel):
    id: str
    collar_number: str
    name: str


class NotebookExport(BaseModel):
    """A pocket notebook for court: every entry with its hashes, and how to check them by hand."""
    format: str = "onbeat-pocket-notebook/1"
    officer: ExportOfficer
    exported_at: datetime
    exported_by: str
    purpose: str
    entry_count: int
    genesis_hash: str
    head_hash: str
    verification_note: list[str] = Field(description="How to recompute every hash independently, with a worked "
                                                     "example; one paragraph or line per item")
    entries: list[ExportEntry]


class ExportToCheck(BaseModel):
    """An exported notebook to check. Only `entries` is needed; `entry_count` and `head_hash`, when
    present, must agree with them."""
    model_config = ConfigDict(extra="ignore")
    officer: dict | None = None
    entry_count: StrictInt | None = Field(None, ge=0, le=1_000_000)
    head_hash: StrictStr | None = Field(None, max_length=64)
    entries: list[ExportEntry] = Field(max_length=200_000)
