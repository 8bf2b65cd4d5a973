"""Settings of collision reports, from the environment (prefix ONBEAT_COLLISIONS_)."""

from __future__ import annotations

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from onbeat.records.collisions.codes import POLICE_FORCE


class CollisionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONBEAT_COLLISIONS_", extra="ignore")

    # The force's STATS19 police_force code (43 Thames Valley): the first two digits of every
    # collision reference sent to the Department for Transport.
    force_code: int = 43

    @field_validator("force_code")
    @classmethod
    def _known(cls, value: int) -> int:
        if value not in POLICE_FORCE:
            raise ValueError(f"{value} is not a STATS19 police_force code")
        return value


def collision_settings() -> CollisionSettings:
    """Read each time: cheap, and a test that changes the environment sees its change."""
    return CollisionSettings()
