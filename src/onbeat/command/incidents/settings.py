"""Command-and-control settings, from the environment (prefix ONBEAT_COMMAND_).

Attendance targets per grade, the urban/rural rule and the duplicate-contact window.
Grade 4 (resolved without deployment) has no attendance target.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommandSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONBEAT_COMMAND_", extra="ignore")

    grade1_urban_minutes: int = Field(15, ge=1)
    grade1_rural_minutes: int = Field(20, ge=1)
    grade2_minutes: int = Field(60, ge=1)
    grade3_minutes: int = Field(48 * 60, ge=1)
    # A place within this distance of one of the force's stations is urban; further out, rural.
    urban_radius_km: float = Field(5.0, gt=0)
    # A new contact this close in place and time to an open incident of the same type is offered as a duplicate.
    duplicate_radius_m: float = Field(300.0, gt=0)
    duplicate_window_minutes: int = Field(60, ge=1)
    # 999 calls should be answered within this many seconds (90% target).
    answer_target_seconds: int = Field(10, ge=1)

    def target(self, grade: int, urban: bool) -> timedelta | None:
        """How long the force has to attend an incident of this grade; None for grade 4."""
        minutes = {1: self.grade1_urban_minutes if urban else self.grade1_rural_minutes,
                   2: self.grade2_minutes, 3: self.grade3_minutes}.get(grade)
        return None if minutes is None else timedelta(minutes=minutes)


def command_settings() -> CommandSettings:
    """Read afresh each time (cheap), so a changed environment takes effect without a restart of tests."""
    return CommandSettings()
