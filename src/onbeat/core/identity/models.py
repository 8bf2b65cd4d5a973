from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onbeat.core.permissions import ROLES
from onbeat.db import Base, created_at, uuid_pk


class Station(Base):
    __tablename__ = "stations"
    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(120), unique=True)
    station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stations.id"))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("collar_number is not null or staff_number is not null", name="has_number"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    # What the person types to sign in: the collar number for officers, the staff number for staff.
    username: Mapped[str] = mapped_column(String(40), unique=True)
    collar_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    staff_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    given_name: Mapped[str] = mapped_column(String(80))
    family_name: Mapped[str] = mapped_column(String(80))
    rank: Mapped[str] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stations.id"))
    password_hash: Mapped[str] = mapped_column(Text)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The 30-second step of the last code accepted: a code is good once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at()

    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    team: Mapped[Team | None] = relationship(lazy="joined")
    station: Mapped[Station | None] = relationship(lazy="joined")

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    @property
    def display_name(self) -> str:
        number = self.collar_number or self.staff_number
        return f"{self.rank} {self.given_name} {self.family_name} ({number})"


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint("role in (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="known_role"),)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)


class WebSession(Base):
    """A browser sign-in. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"
    id: Mapped[uuid.UUID] = uuid_pk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # True between the password and the TOTP code: the session can do nothing else yet.
    second_factor_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ApiToken(Base):
    """A bearer token for a device or an integration. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[uuid.UUID] = uuid_pk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The device the token is bound to (set by the fleet module at enrolment); null for integrations.
    device_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
