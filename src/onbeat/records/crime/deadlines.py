"""Victims' Code right 6 deadlines, in UK working days.

A victim must be told of an arrest, interview, charge, release, bail change or a decision not to
investigate or to take no further action within 5 working days of it (1 working day for a victim
entitled to enhanced rights). Days are counted from the UK date of the event: the first working
day after that date is day 1, so an event on a Friday evening is due the next Friday, and bank
holidays are skipped.

Bank holidays come from `govuk-bank-holidays`, using the data bundled with the package (no
network call): GOV.UK publishes them a year or two ahead, so past the last bundled year only
weekends are skipped until the package is upgraded. The division (England and Wales by default)
is a setting: `ONBEAT_VICTIMS_BANK_HOLIDAY_DIVISION` = england-and-wales, scotland or
northern-ireland.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

from govuk_bank_holidays.bank_holidays import BankHolidays
from pydantic_settings import BaseSettings, SettingsConfigDict

from onbeat.core.time import uk

STANDARD_DAYS = 5
ENHANCED_DAYS = 1

Division = Literal["england-and-wales", "scotland", "northern-ireland"]


class DeadlineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONBEAT_VICTIMS_", extra="ignore")

    bank_holiday_division: Division = BankHolidays.ENGLAND_AND_WALES


def division() -> str:
    return DeadlineSettings().bank_holiday_division


@lru_cache(maxsize=1)
def _calendar() -> BankHolidays:
    return BankHolidays(use_cached_holidays=True)


@lru_cache(maxsize=4)
def _holidays(division_name: str) -> frozenset[date]:
    return frozenset(h["date"] for h in _calendar().get_holidays(division=division_name))


def is_working_day(day: date, division_name: str | None = None) -> bool:
    return day.weekday() < 5 and day not in _holidays(division_name or division())


def add_working_days(start: date, days: int, division_name: str | None = None) -> date:
    """The `days`-th working day after `start` (start itself is never counted)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    name = division_name or division()
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, name):
            counted += 1
    return day


def working_days_allowed(enhanced: bool) -> int:
    return ENHANCED_DAYS if enhanced else STANDARD_DAYS


def due_on(event_at: datetime, enhanced: bool, division_name: str | None = None) -> date:
    """The last UK day on which the victim may be told of an event that happened at `event_at`."""
    return add_working_days(uk(event_at).date(), working_days_allowed(enhanced), division_name)
