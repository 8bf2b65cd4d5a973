"""Time: stored in UTC, shown in UK time (Europe/London, GMT or BST)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def uk(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: OnBeat stores only aware UTC times")
    return moment.astimezone(UK)


def uk_today(moment: datetime | None = None) -> date:
    return uk(moment or utcnow()).date()


def format_uk(moment: datetime | None, with_seconds: bool = False) -> str:
    """'21/11/2026 14:05 GMT' — the way a UK reader expects it, with the zone named."""
    if moment is None:
        return ""
    local = uk(moment)
    pattern = "%d/%m/%Y %H:%M:%S %Z" if with_seconds else "%d/%m/%Y %H:%M %Z"
    return local.strftime(pattern)
