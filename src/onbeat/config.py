"""Settings, read once from the environment (prefix ONBEAT_, plus DATABASE_URL and NATS_URL)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONBEAT_", extra="ignore")

    # Where the embedded PostgreSQL keeps its files, when DATABASE_URL is not set.
    data_dir: Path = Field(default=Path("var"), validation_alias=AliasChoices("ONBEAT_DATA", "ONBEAT_DATA_DIR"))
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "ONBEAT_DATABASE_URL"))
    database_name: str = "onbeat"
    nats_url: str | None = Field(default=None, validation_alias=AliasChoices("NATS_URL", "ONBEAT_NATS_URL"))

    # Demo mode: the demo force's logins and relaxed TOTP for admin.
    demo: bool = False

    lockout_threshold: int = 5
    lockout_minutes: int = 15
    session_hours: int = 12
    # How long a sign-in may wait between the password and the two-step code.
    second_factor_minutes: int = 10
    token_hours: int = 24
    # Roles that must use TOTP. Default: admin, except in the demo.
    totp_required_roles: list[str] | None = None

    json_logs: bool = False
    log_level: str = "INFO"
    # Run the periodic jobs (attendance-target breaches, device command expiry...) in this process.
    jobs: bool = True
    # Pool per process; keep (processes x pool) under the server's max_connections.
    db_pool_size: int = 10

    @field_validator("totp_required_roles", mode="before")
    @classmethod
    def _split_roles(cls, value):
        if isinstance(value, str):
            return [r.strip() for r in value.split(",") if r.strip()]
        return value

    @property
    def totp_roles(self) -> set[str]:
        if self.totp_required_roles is not None:
            return set(self.totp_required_roles)
        return set() if self.demo else {"admin"}


@lru_cache
def get_settings() -> Settings:
    return Settings()
