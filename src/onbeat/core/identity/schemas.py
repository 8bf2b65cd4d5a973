from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=256)
    totp_code: str | None = Field(default=None, max_length=10)
    name: str = Field(default="api", max_length=120, description="What the token is for, e.g. a device name")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    username: str
    collar_number: str | None
    staff_number: str | None
    given_name: str
    family_name: str
    rank: str
    team: str | None = None
    station: str | None = None
    roles: list[str]
    totp_enabled: bool
    locked_until: datetime | None = None

    @classmethod
    def of(cls, user) -> UserOut:
        return cls(id=user.id, username=user.username, collar_number=user.collar_number,
                   staff_number=user.staff_number, given_name=user.given_name, family_name=user.family_name,
                   rank=user.rank, team=user.team.name if user.team else None,
                   station=user.station.name if user.station else None, roles=sorted(user.role_names),
                   totp_enabled=user.totp_enabled, locked_until=user.locked_until)


class MeOut(UserOut):
    permissions: list[str]


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=12, max_length=256)
    given_name: str = Field(min_length=1, max_length=80)
    family_name: str = Field(min_length=1, max_length=80)
    rank: str = Field(min_length=1, max_length=60)
    roles: list[str] = Field(min_length=1, max_length=11)
    collar_number: str | None = Field(default=None, max_length=12)
    staff_number: str | None = Field(default=None, max_length=12)
    email: str | None = Field(default=None, max_length=200)


class UserPage(BaseModel):
    items: list[UserOut]
    page: int
    size: int
    total: int
    pages: int
