"""Incident log numbers: `0042-21112026`, the 42nd incident of 21 November 2026 (UK date).

Each UK day has its own PostgreSQL sequence (`incident_log_20261121`), made on the day's first
incident. A sequence hands out numbers without a row lock held to the commit, so call handlers
opening incidents at the same moment never queue for a number. The price: a transaction that
rolls back after taking a number leaves a gap (numbers stay unique and rise through the day).

A day's sequence starts after the highest number already used that day, so incidents numbered
before this scheme (the old counter row) or a dropped sequence never see a number twice.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from onbeat.core.time import UK, uk, utcnow

# NULL (not an error) when the day's sequence does not exist yet.
NEXT_SQL = "nextval(to_regclass(:seq))"
_NEXT = text(f"select {NEXT_SQL.replace(':seq', ':name')}")


def sequence_name(day) -> str:
    return f"incident_log_{day:%Y%m%d}"


def format_number(number: int, day) -> str:
    return f"{number:04d}-{day:%d%m%Y}"


def _create(db: Session, day) -> int:
    """Make the day's sequence and take its first number, in a transaction of its own (so nobody
    waits on the caller's, and the number does not depend on when the caller's connection notices
    the new sequence)."""
    start_uk = datetime.combine(day, time(0), UK)
    end_uk = datetime.combine(day + timedelta(days=1), time(0), UK)
    name = sequence_name(day)
    engine = db.get_bind()
    engine = getattr(engine, "engine", engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        used = conn.execute(text(
            "select coalesce(max(split_part(log_number, '-', 1)::bigint), 0) from incidents "
            "where opened_at >= :a and opened_at < :b and log_number like :suffix"),
            {"a": start_uk, "b": end_uk, "suffix": f"%-{day:%d%m%Y}"}).scalar_one()
        try:
            conn.execute(text(f"create sequence if not exists {name} as bigint minvalue 1 start with {int(used) + 1}"))
        except DBAPIError as exc:
            # Another process made it at the same moment (a unique violation on the catalogue).
            if getattr(exc.orig, "sqlstate", None) != "23505":
                raise
        return conn.execute(text(f"select nextval('{name}')")).scalar_one()


def next_log_number(db: Session, at: datetime | None = None, taken: int | None = None) -> str:
    """The next log number of the UK day of `at` (now by default). `taken` is a number the caller
    already drew with `NEXT_SQL` in a statement of its own (None if the day had no sequence yet)."""
    day = uk(at or utcnow()).date()
    number = taken if taken is not None else db.execute(_NEXT, {"name": sequence_name(day)}).scalar_one()
    if number is None:
        number = _create(db, day)
    return format_number(number, day)


def uk_day(at: datetime):
    return uk(at).date()
