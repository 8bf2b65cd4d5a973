"""Units: the status machine, the crew's own unit, and live locations from devices.

Statuses: available, assigned, en_route, at_scene, busy, refreshment, off_duty. `assigned`,
`en_route` and `at_scene` belong to an assignment (see `onbeat.command.dispatch.service`): a unit
gets there only through `assign` and its device's or a dispatcher's status updates, and leaves by
being booked clear. The others are set by hand from the device or by a dispatcher.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session, lazyload

from onbeat.command.models import STATUSES, UNIT_TYPES, Unit, UnitCrew, UnitLocation
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.events.service import emit

STATUS_LABELS = {"available": "Available", "assigned": "Assigned", "en_route": "En route", "at_scene": "At scene",
                 "busy": "Busy", "refreshment": "Refreshment", "off_duty": "Off duty"}
# Where each status may go next. The assignment statuses are reached only through dispatch.
TRANSITIONS: dict[str, frozenset[str]] = {
    "available": frozenset({"assigned", "busy", "refreshment", "off_duty"}),
    "assigned": frozenset({"en_route", "at_scene", "available"}),
    "en_route": frozenset({"at_scene", "available"}),
    "at_scene": frozenset({"available"}),
    "busy": frozenset({"available", "refreshment", "off_duty"}),
    "refreshment": frozenset({"available", "busy", "off_duty"}),
    "off_duty": frozenset({"available"}),
}
ASSIGNMENT_STATUSES = frozenset({"assigned", "en_route", "at_scene"})
EVENT_PERMISSION = "incidents.read"
assert set(TRANSITIONS) == set(STATUSES)


def check_transition(unit: Unit, new: str) -> None:
    if new not in STATUSES:
        raise BadRequest(f"{new!r} is not a unit status.", field="status", hint="Use one of: " + ", ".join(STATUSES) + ".")
    if new == unit.status:
        raise Conflict(f"{unit.call_sign} is already {STATUS_LABELS[new].lower()}.", field="status")
    if new not in TRANSITIONS[unit.status]:
        allowed = ", ".join(sorted(TRANSITIONS[unit.status]))
        raise Conflict(f"{unit.call_sign} cannot go from {STATUS_LABELS[unit.status].lower()} to "
                       f"{STATUS_LABELS[new].lower()}.", field="status", hint=f"From {unit.status} it may go to: {allowed}.")


def get(db: Session, unit_id: uuid.UUID, lock: bool = False) -> Unit:
    stmt = select(Unit).where(Unit.id == unit_id)
    if lock:
        stmt = stmt.with_for_update()
    unit = db.execute(stmt).scalar_one_or_none()
    if unit is None:
        raise NotFound(f"There is no unit with id {unit_id}.", field="unit_id", hint="Pick a unit from GET /api/units.")
    return unit


def units_of(db: Session, user_id: uuid.UUID) -> list[Unit]:
    return list(db.execute(select(Unit).join(UnitCrew).where(UnitCrew.user_id == user_id)
                           .order_by(Unit.call_sign).options(lazyload(Unit.crew))).scalars())


def my_unit(db: Session, user_id: uuid.UUID, unit_id: uuid.UUID | None = None, lock: bool = False) -> Unit:
    """The unit the user crews (the one named, which must be theirs, if they crew several)."""
    from onbeat.core.errors import Forbidden

    mine = units_of(db, user_id)
    if unit_id is not None:
        if unit_id not in {u.id for u in mine}:
            raise Forbidden("You are not in this unit's crew.", field="unit_id",
                            hint="A device reports only for the unit its officer crews; ask the dispatcher to add you.")
        chosen = unit_id
    elif len(mine) == 1 and not lock:
        return mine[0]  # already read: no second look-up
    elif len(mine) == 1:
        chosen = mine[0].id
    elif not mine:
        raise Conflict("You are not in any unit's crew.",
                        hint="Ask the dispatcher or your supervisor to book you on to a unit.")
    else:
        raise BadRequest("You crew more than one unit: say which.", field="unit_id",
                         hint="Send unit_id, one of: " + ", ".join(f"{u.call_sign} {u.id}" for u in mine) + ".")
    return get(db, chosen, lock=lock)


def board_view(unit: Unit) -> dict:
    """What the board shows of a unit (the `command.unit_updated` payload)."""
    return {"id": str(unit.id), "call_sign": unit.call_sign, "type": unit.unit_type,
            "type_label": UNIT_TYPES[unit.unit_type], "status": unit.status,
            "status_label": STATUS_LABELS[unit.status], "skills": list(unit.skills or []),
            "station_id": str(unit.station_id), "lat": unit.latitude, "lon": unit.longitude,
            "location_at": unit.location_at.isoformat() if unit.location_at else None,
            "heading": unit.heading, "speed": unit.speed}


def unit_updated(db: Session, unit: Unit, change: str, **extra) -> None:
    emit(db, "command", "unit_updated", {**board_view(unit), "change": change, **extra}, permission=EVENT_PERMISSION)


# --- live location ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Fix:
    latitude: float
    longitude: float
    at: datetime
    accuracy: float | None = None
    heading: float | None = None
    speed: float | None = None


def check_fix(fix: Fix, index: int | None = None) -> None:
    where = "" if index is None else f"fixes[{index}]."
    if not -90 <= fix.latitude <= 90:
        raise BadRequest(f"Latitude {fix.latitude} is out of range.", field=where + "latitude",
                         hint="Latitude is between -90 and 90 (WGS84 decimal degrees).")
    if not -180 <= fix.longitude <= 180:
        raise BadRequest(f"Longitude {fix.longitude} is out of range.", field=where + "longitude",
                         hint="Longitude is between -180 and 180 (WGS84 decimal degrees).")
    if fix.at.tzinfo is None:
        raise BadRequest("The fix's time has no time zone.", field=where + "at",
                         hint="Send ISO 8601 with an offset, e.g. 2026-11-21T14:03:00Z.")


_APPLY = text(
    "with history as (insert into unit_locations (unit_id, at, latitude, longitude, accuracy, heading, speed) "
    "values (:id, :at, :lat, :lon, :acc, :heading, :speed) on conflict do nothing) "
    "update units set latitude = :lat, longitude = :lon, location_at = :at, location_received_at = now(), location_accuracy = :acc, "
    "heading = :heading, speed = :speed where id = :id and (location_at is null or location_at < :at)")


def apply_fix(db: Session, unit_id: uuid.UUID, fix: Fix) -> bool:
    """Keep the fix in the history; make it the unit's position unless the unit already has one as new
    or newer; True if it was.
    One statement: two batches racing each other can never put an older fix over a newer one."""
    result = db.execute(_APPLY, {"id": unit_id, "lat": fix.latitude, "lon": fix.longitude,
                                 "at": fix.at.astimezone(timezone.utc), "acc": fix.accuracy,
                                 "heading": fix.heading, "speed": fix.speed})
    return result.rowcount == 1


# One statement: every fix into the history (in the order sent; a fix sent twice is kept once),
# and the newest onto the unit unless it already has one as new or newer, read under the row lock
# the update takes. The batch travels as one JSON array (much cheaper to send than six arrays).
_APPLY_NEWEST = text(
    "with history as (insert into unit_locations (unit_id, at, latitude, longitude, accuracy, heading, speed) "
    "select :id, f.at, f.lat, f.lon, f.acc, f.heading, f.speed "
    "from rows from (jsonb_to_recordset(cast(:fixes as jsonb)) as (at timestamptz, lat float8, lon float8, "
    "acc float8, heading float8, speed float8)) with ordinality as f(at, lat, lon, acc, heading, speed, n) "
    "order by f.n on conflict do nothing), "
    "prev as (select location_at from units where id = :id for update) "
    "update units set latitude = :lat, longitude = :lon, location_at = :at, location_received_at = now(), location_accuracy = :acc, "
    "heading = :heading, speed = :speed from prev "
    "where units.id = :id and (prev.location_at is null or prev.location_at < :at) returning prev.location_at")


def apply_fixes(db: Session, unit: Unit, fixes: list[Fix]) -> tuple[int, list[int]]:
    """Apply a device's batch in order (validated first: nothing is stored if one is bad).
    Returns how many were applied and the indexes of those ignored as stale.

    Every fix goes into the unit's history (`unit_locations`), late ones too: the track is what the
    device saw. Applying fixes one after another to the unit's current position, each only if newer
    than the unit's latest, ends with the batch's newest fix stored, and applies exactly those newer
    than everything before them. So one statement stores the newest (if it is newer than the unit's
    latest, read under the row lock it takes) and the rest is worked out from the time it replaced."""
    for i, fix in enumerate(fixes):
        check_fix(fix, i)
    times = [f.at.astimezone(timezone.utc) for f in fixes]
    newest = max(range(len(fixes)), key=lambda i: (times[i], -i))
    fix = fixes[newest]
    batch = json.dumps([{"at": t.isoformat(), "lat": f.latitude, "lon": f.longitude, "acc": f.accuracy,
                         "heading": f.heading, "speed": f.speed} for f, t in zip(fixes, times)])
    row = db.execute(_APPLY_NEWEST, {"id": unit.id, "lat": fix.latitude, "lon": fix.longitude, "at": times[newest],
                                     "acc": fix.accuracy, "heading": fix.heading, "speed": fix.speed,
                                     "fixes": batch}).first()
    if row is None:
        return 0, list(range(len(fixes)))
    latest, applied, ignored = row[0], 0, []
    for i, at in enumerate(times):
        if latest is None or at > latest:
            latest, applied = at, applied + 1
        else:
            ignored.append(i)
    return applied, ignored


# --- the live map ------------------------------------------------------------------------------

# Units whose position changed this recently are announced (windows overlap, so a batch whose
# transaction commits a moment after the announcement is still caught; moving a marker twice to
# the same place is harmless).
ANNOUNCE_WINDOW_S = 3

_MOVED = text(
    "select id, call_sign, status, latitude, longitude, location_at, heading, speed from units "
    "where location_received_at > now() - make_interval(secs => :window) order by call_sign")


def announce_moves(db: Session, window_s: float = ANNOUNCE_WINDOW_S) -> dict[str, int]:
    """One `command.units_moved` event with every unit whose position changed in the last few
    seconds (a periodic job, each second). Location batches emit no event of their own: at
    thousands of fixes a second an event each would queue every batch for the outbox's ordering
    lock, beside incidents being opened; a control-room map needs positions once a second."""
    moved = [{"id": str(r.id), "call_sign": r.call_sign, "status": r.status, "lat": r.latitude, "lon": r.longitude,
              "location_at": r.location_at.isoformat(), "heading": r.heading, "speed": r.speed}
             for r in db.execute(_MOVED, {"window": window_s})]
    if moved:
        emit(db, "command", "units_moved", {"units": moved}, permission=EVENT_PERMISSION)
    return {"units_moved": len(moved)}


# --- location history ------------------------------------------------------------------------

TRACK_LIMIT = 5000


def track(db: Session, unit_id: uuid.UUID, start: datetime, end: datetime,
          limit: int = TRACK_LIMIT) -> list[UnitLocation]:
    """Where the unit was between `start` and `end` (fix times), oldest first, at most `limit` fixes."""
    if start.tzinfo is None or end.tzinfo is None:
        raise BadRequest("Give times with a time zone.", field="start" if start.tzinfo is None else "end",
                         hint="Send ISO 8601 with an offset, e.g. 2026-11-21T14:03:00Z.")
    if end < start:
        raise BadRequest("The end of the period is before its start.", field="end",
                         hint="Give a start no later than the end.")
    return list(db.execute(select(UnitLocation).where(UnitLocation.unit_id == unit_id, UnitLocation.at >= start,
                                                      UnitLocation.at <= end)
                           .order_by(UnitLocation.at).limit(limit)).scalars())
