"""Human references: something a person can read out on the phone.

An incident log number per UK day (`0042-21112026`), otherwise `PREFIX/000123/26` per year.
Numbers come from a counter row updated in the caller's transaction: concurrent creators queue on
the row lock, so numbers are unique, and a rolled-back creation gives its number back (gap-free).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import BigInteger, String, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from onbeat.core.time import uk, utcnow
from onbeat.db import Base

_PREFIX = re.compile(r"^[A-Z]{2,6}$")


class ReferenceCounter(Base):
    __tablename__ = "reference_counters"
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def _next(db: Session, scope: str, period: str) -> int:
    return db.execute(text(
        "insert into reference_counters (scope, period, value) values (:s, :p, 1) "
        "on conflict (scope, period) do update set value = reference_counters.value + 1 returning value"),
        {"s": scope, "p": period}).scalar_one()


def incident_log_number(db: Session, at: datetime | None = None) -> str:
    """`0042-21112026`: the 42nd incident of 21 November 2026 (UK date)."""
    day = uk(at or utcnow()).date()
    number = _next(db, "incident", day.strftime("%Y%m%d"))
    return f"{number:04d}-{day.strftime('%d%m%Y')}"


def next_reference(db: Session, prefix: str, at: datetime | None = None) -> str:
    """`CRI/000123/26`: the 123rd record with this prefix in the (UK) year 2026."""
    if not _PREFIX.fullmatch(prefix):  # not match(): `$` would let a trailing newline through
        raise ValueError("a reference prefix is 2 to 6 capital letters")
    year = uk(at or utcnow()).year
    number = _next(db, prefix, str(year))
    return f"{prefix}/{number:06d}/{year % 100:02d}"
