"""Command-and-control settings, from the environment (prefix ONBEAT_COMMAND_).

Attendance targets per grade, the urban/rural rule and the duplicate-contact window.
Grade 4 (resolved without deployment) has no attendance target.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)


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
    # The board's base map: a tile server (XYZ, Web Mercator, 256 px), e.g. a force's own
    # https://tiles.example.police.uk/{z}/{x}/{y}.png. Empty: the outline generated from the
    # force's stations, shipped with OnBeat, which needs no network at all.
    tile_url: str = ""
    # Shown under the map when tiles are drawn (most tile licences require it).
    tile_attribution: str = ""

    @field_validator("tile_url")
    @classmethod
    def _tile_template(cls, value: str) -> str:
        """An unusable tile URL is ignored (with a warning in the log): a mistyped map setting
        must never stop incidents being opened, and the generated map works anyway."""
        value = value.strip()
        if not value:
            return value
        problem = None
        if not (value.startswith(("http://", "https://")) or value.startswith("/")):
            problem = "it must be an http(s) URL or a path on this server"
        elif missing := [p for p in ("{z}", "{x}", "{y}") if p not in value]:
            problem = f"it lacks {', '.join(missing)} (e.g. https://tiles.example/{{z}}/{{x}}/{{y}}.png)"
        if problem:
            log.warning("ONBEAT_COMMAND_TILE_URL ignored, the generated map is drawn instead: %s", problem)
            return ""
        return value

    def target(self, grade: int, urban: bool) -> timedelta | None:
        """How long the force has to attend an incident of this grade; None for grade 4."""
        minutes = {1: self.grade1_urban_minutes if urban else self.grade1_rural_minutes,
                   2: self.grade2_minutes, 3: self.grade3_minutes}.get(grade)
        return None if minutes is None else timedelta(minutes=minutes)


_cache: dict[tuple, CommandSettings] = {}


def command_settings() -> CommandSettings:
    """The settings for the environment as it is now: read again whenever an ONBEAT_COMMAND_ variable
    changes (so a changed environment takes effect without a restart), otherwise from a cache
    (reading and validating them costs about a millisecond, too much for every incident)."""
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("ONBEAT_COMMAND_")))
    found = _cache.get(key)
    if found is None:
        if len(_cache) > 32:
            _cache.clear()
        found = _cache[key] = CommandSettings()
    return found
