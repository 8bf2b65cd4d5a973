"""The build queue and its plan: when each request will be built at the current daily capacity.

The queue is every request being built, then every approved one, urgent first, then in order of
approval. The build room works on working days (Monday to Friday, not a bank holiday in England
and Wales, from the data bundled with `govuk-bank-holidays`, so no network call); today's slots
are the daily capacity less the devices already built today. Request number n in the queue
(from 0) is ready on the day its slot falls: when today is full, the plan moves to the next working
day. The plan is worked out each time from the queue, never stored, so a change of capacity or an
urgent request moves every date at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from govuk_bank_holidays.bank_holidays import BankHolidays
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.errors import BadRequest
from onbeat.core.time import UK, uk_today, utcnow
from onbeat.fleet.supply.models import DeviceRequest, RequestEvent, SupplySettings

DEFAULT_CAPACITY = 100


@lru_cache(maxsize=1)
def _bank_holidays() -> frozenset[date]:
    calendar = BankHolidays(use_cached_holidays=True)
    return frozenset(h["date"] for h in calendar.get_holidays(division=BankHolidays.ENGLAND_AND_WALES))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays()


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the first one after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_after(day: date, count: int) -> date:
    """The `count`-th working day after the working day `day` (0: `day` itself)."""
    while count > 0:
        day = next_working_day(day + timedelta(days=1))
        count -= 1
    return day


# --- capacity ----------------------------------------------------------------------------------

def settings(db: Session) -> SupplySettings:
    row = db.get(SupplySettings, 1)
    if row is None:
        row = SupplySettings(id=1, daily_capacity=DEFAULT_CAPACITY, updated_at=utcnow())
        db.add(row)
        db.flush()
    return row


def capacity(db: Session) -> int:
    row = db.get(SupplySettings, 1)
    return row.daily_capacity if row else DEFAULT_CAPACITY


def set_capacity(db: Session, actor: Actor, value: int) -> SupplySettings:
    if not 1 <= value <= 10000:
        raise BadRequest(f"The daily capacity must be from 1 to 10,000 devices, not {value}.", field="daily_capacity")
    row = settings(db)
    before = row.daily_capacity
    row.daily_capacity, row.updated_at, row.updated_by = value, utcnow(), actor.id
    audit(db, actor, "alter", "fleet.capacity.changed", "fleet_settings", 1, detail={"from": before, "to": value})
    db.flush()
    return row


def built_on(db: Session, day: date) -> int:
    """Devices marked built on this UK day."""
    start = datetime.combine(day, datetime.min.time(), UK)
    return db.execute(select(func.count()).select_from(RequestEvent).where(
        RequestEvent.to_state == "built", RequestEvent.at >= start,
        RequestEvent.at < start + timedelta(days=1))).scalar_one()


# --- the queue and the plan --------------------------------------------------------------------

def queue() -> Select:
    """Requests waiting to be built, in the order they will be: building, then approved (urgent first)."""
    return (select(DeviceRequest).where(DeviceRequest.state.in_(("building", "approved")))
            .order_by(case((DeviceRequest.state == "building", 0), else_=1), DeviceRequest.urgent.desc(),
                      DeviceRequest.approved_at, DeviceRequest.reference))


@dataclass(frozen=True)
class Slots:
    """Today's (or the first working day's) free slots, then `capacity` a working day."""

    first_day: date
    free_first_day: int
    capacity: int

    def ready_on(self, position: int) -> date:
        """The day the request at `position` (0-based) in the queue is built."""
        if position < self.free_first_day:
            return self.first_day
        return working_day_after(self.first_day, 1 + (position - self.free_first_day) // self.capacity)


def slots(db: Session, today: date | None = None) -> Slots:
    today = today or uk_today()
    cap = capacity(db)
    first = next_working_day(today)
    free = max(0, cap - built_on(db, today)) if first == today else cap
    return Slots(first, free, cap)


@dataclass(frozen=True)
class Planned:
    request: DeviceRequest
    position: int
    ready_on: date


def plan(db: Session, page: int = 1, size: int = 50, today: date | None = None) -> tuple[list[Planned], int, Slots]:
    """One page of the plan, the queue's length and the slots it was worked out with."""
    s = slots(db, today)
    total = db.execute(select(func.count()).select_from(queue().order_by(None).subquery())).scalar_one()
    offset = (page - 1) * size
    rows = db.execute(queue().limit(size).offset(offset)).scalars().all()
    return [Planned(r, offset + i, s.ready_on(offset + i)) for i, r in enumerate(rows)], total, s


def ready_on(db: Session, request_id: uuid.UUID, today: date | None = None) -> date | None:
    """When this request will be built, if it is in the queue (None otherwise)."""
    ids = db.execute(queue().with_only_columns(DeviceRequest.id)).scalars().all()
    try:
        position = ids.index(request_id)
    except ValueError:
        return None
    return slots(db, today).ready_on(position)


def by_day(db: Session, days: int = 10, today: date | None = None) -> list[tuple[date, int]]:
    """How many of the queue are built on each of the next working days (for the summary)."""
    s = slots(db, today)
    total = db.execute(select(func.count()).select_from(queue().order_by(None).subquery())).scalar_one()
    out: list[tuple[date, int]] = []
    position = 0
    while position < total and len(out) < days:
        day = s.ready_on(position)
        room = s.free_first_day if day == s.first_day else s.capacity
        count = min(room, total - position)
        out.append((day, count))
        position += count
    return out
