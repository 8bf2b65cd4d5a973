"""What devices and fleet engineers send and get back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Text80 = Field(min_length=1, max_length=80)


def _unstorable(value) -> bool:
    """Text PostgreSQL cannot store: a NUL character, or a lone surrogate (not valid UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_unstorable(v) for v in value)
    return False


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        # PostgreSQL cannot store these in text or jsonb: refuse them here, naming the field.
        if _unstorable(value):
            raise ValueError("must not contain the NUL character (\\u0000) or unpaired surrogates")
        return value


# --- the device's side -------------------------------------------------------------------------

class EnrolIn(_In):
    code: str = Field(min_length=4, max_length=40, description="The one-time enrolment code (dashes and case ignored)")
    serial: str = Field(min_length=4, max_length=40, description="The serial number of the device enrolling")
    os_name: str | None = Field(None, max_length=60)
    os_version: str | None = Field(None, max_length=30)
    agent_version: str | None = Field(None, max_length=30)


class CredentialOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown once")
    expires_at: datetime


class EnrolOut(BaseModel):
    device_id: uuid.UUID
    reference: str
    credential: CredentialOut
    policy: dict
    next_checkin_seconds: int


class OsIn(_In):
    name: str = Field(min_length=1, max_length=60)
    version: str = Field(min_length=1, max_length=30, pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-+_]*$")


class BatteryIn(_In):
    percent: float = Field(ge=0, le=100)
    health_percent: float | None = Field(None, ge=0, le=100, description="Capacity left against new")
    charging: bool | None = None


class StorageIn(_In):
    total_gb: float = Field(gt=0, le=1_000_000)
    free_gb: float = Field(ge=0, le=1_000_000)

    @field_validator("free_gb")
    @classmethod
    def _not_more_than_total(cls, v: float, info):
        total = info.data.get("total_gb")
        if total is not None and v > total:
            raise ValueError("free space cannot be more than the disk's total size")
        return v


class NetworkIn(_In):
    name: str | None = Field(None, max_length=64, description="The Wi-Fi network or mobile carrier")
    vpn_connected: bool | None = None
    vpn_failures: int = Field(0, ge=0, le=1_000_000, description="VPN connection failures since the last check-in")


class AppIn(_In):
    name: str = Text80
    version: str = Field(min_length=1, max_length=40)


class ErrorIn(_In):
    app: str = Text80
    kind: Literal["crash", "error", "hang"] = "error"
    message: str = Field("", max_length=500)
    at: datetime | None = None


class AppliedIn(_In):
    """The policies the device says it is applying now."""
    profile_version: int | None = Field(None, ge=0, le=1_000_000)
    wrong_pin_limit: int | None = Field(None, ge=0, le=1000)
    auto_lock_minutes: int | None = Field(None, ge=0, le=10_000)


class CheckinIn(_In):
    os: OsIn
    agent_version: str | None = Field(None, max_length=30)
    battery: BatteryIn
    storage: StorageIn
    encrypted: bool
    wrong_unlocks: int = Field(0, ge=0, le=1_000_000, description="Wrong PINs or passwords since the last unlock")
    network: NetworkIn = NetworkIn()
    apps: list[AppIn] = Field([], max_length=300)
    errors: list[ErrorIn] = Field([], max_length=100, description="Errors and crashes since the last check-in")
    applied: AppliedIn = AppliedIn()


class CommandOut(BaseModel):
    id: uuid.UUID
    kind: str
    payload: dict
    expires_at: datetime


class CheckinOut(BaseModel):
    device_id: uuid.UUID
    received_at: datetime
    next_checkin_seconds: int
    commands: list[CommandOut]
    sign_in_blocked: bool
    credential: CredentialOut | None = Field(None, description="A new credential to use from now on (rotation)")


class AnswerIn(_In):
    outcome: Literal["acknowledged", "error", "not_now"]
    detail: str | None = Field(None, max_length=2000)
    result: dict | None = Field(None, description="What a collect-diagnostics command gathered")
    retry_after_seconds: int | None = Field(None, ge=60, le=86400, description="For not_now: when to offer it again")


class AnswerOut(BaseModel):
    command_id: uuid.UUID
    status: str


# --- the fleet engineer's side ------------------------------------------------------------------

class DeviceOut(BaseModel):
    id: uuid.UUID
    reference: str
    serial: str
    status: str
    model_id: uuid.UUID
    profile_id: uuid.UUID
    person_id: uuid.UUID | None
    request_id: uuid.UUID | None
    enrolled_at: datetime | None
    last_checkin_at: datetime | None
    os_name: str | None
    os_version: str | None
    battery_percent: float | None
    storage_free_percent: float | None
    encrypted: bool | None
    compliance: str
    compliance_issues: list[str]
    finding_codes: list[str]
    sign_in_blocked: bool

    @classmethod
    def of(cls, d) -> DeviceOut:
        return cls.model_validate(d, from_attributes=True)


class DevicePage(BaseModel):
    items: list[DeviceOut]
    page: int
    size: int
    total: int
    pages: int


class CommandIn(_In):
    kind: Literal["lock", "wipe", "restart_app", "collect_diagnostics", "push_configuration", "install_software",
                  "remove_software", "show_message"]
    payload: dict = Field({}, description="show_message: {message}; install/remove_software: {name, version?}; "
                                           "restart_app: {app?}; push_configuration: the settings")
    reason: str | None = Field(None, max_length=300)
    expires_in_hours: float | None = Field(None, gt=0, le=2160)


class QueuedOut(BaseModel):
    id: uuid.UUID
    device_id: uuid.UUID
    kind: str
    status: str
    payload: dict
    reason: str | None
    created_at: datetime
    created_by_label: str
    not_before: datetime
    expires_at: datetime
    delivered_at: datetime | None
    answered_at: datetime | None
    answer_detail: str | None

    @classmethod
    def of(cls, c, status: str | None = None) -> QueuedOut:
        out = cls.model_validate(c, from_attributes=True)
        if status:
            out.status = status
        return out


class CodeOut(BaseModel):
    code: str
    expires_at: datetime
    qr_uri: str


class LostIn(_In):
    kind: Literal["lost", "stolen"]
    circumstances: str = Field(min_length=3, max_length=1000, description="Where and when it was last seen")
    wipe_after_hours: float | None = Field(None, ge=0, le=720, description="Wipe this long after the report "
                                           "unless found (default 24 h; 0 wipes at once)")


class LostOut(BaseModel):
    id: uuid.UUID
    device_id: uuid.UUID
    kind: str
    reported_at: datetime
    wipe_at: datetime
    found_at: datetime | None
    lock_command_id: uuid.UUID | None
    wipe_command_id: uuid.UUID | None

    @classmethod
    def of(cls, r) -> LostOut:
        return cls.model_validate(r, from_attributes=True)


class FoundIn(_In):
    note: str | None = Field(None, max_length=500)


class RetireIn(_In):
    reason: str = Field(min_length=3, max_length=300)


class FindingOut(BaseModel):
    id: uuid.UUID
    device_id: uuid.UUID
    code: str
    summary: str
    evidence: dict
    raised_at: datetime
    cleared_at: datetime | None
    fix_command_id: uuid.UUID | None
    escalated_at: datetime | None

    @classmethod
    def of(cls, f) -> FindingOut:
        return cls.model_validate(f, from_attributes=True)


class FindingPage(BaseModel):
    items: list[FindingOut]
    page: int
    size: int
    total: int
    pages: int


class TimelineOut(BaseModel):
    at: datetime
    kind: str
    summary: str
    actor_label: str
