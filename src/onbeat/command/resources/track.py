"""A unit's track (every fix its devices sent): the JSON API and the unit's page that shows it.

Where officers were is their personal data: each read needs a stated reason and is written to the
audit log (who, which unit, which period, why), like any other consultation."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from onbeat.command.dispatch import board_map
from onbeat.command.models import UNIT_TYPES, Unit
from onbeat.command.resources import service
from onbeat.command.resources.service import STATUS_LABELS, TRACK_LIMIT
from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, problems
from onbeat.core.identity.models import Station
from onbeat.core.identity.service import station_names
from onbeat.core.security import Principal, Purpose, Requires
from onbeat.core.time import UK, format_uk, utcnow
from onbeat.db import get_db
from onbeat.web.render import page

router = APIRouter(tags=["command"])
pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
DEFAULT_HOURS = 2


class FixOut(BaseModel):
    at: datetime
    latitude: float
    longitude: float
    accuracy: float | None
    heading: float | None
    speed: float | None
    received_at: datetime


class TrackOut(BaseModel):
    unit_id: uuid.UUID
    call_sign: str
    start: datetime
    end: datetime
    fixes: list[FixOut] = Field(description="Oldest first")
    truncated: bool = Field(description=f"True if the period holds more than {TRACK_LIMIT} fixes: ask for a "
                                        "shorter one (from the last fix's time) for the rest")


def read_track(db: Session, me: Principal, unit: Unit, start: datetime | None, end: datetime | None,
               purpose: str) -> tuple[datetime, datetime, list, bool]:
    """The unit's fixes in the period (default: the last two hours), audited as a consultation."""
    end = end or utcnow()
    start = start or end - timedelta(hours=DEFAULT_HOURS)
    fixes = service.track(db, unit.id, start, end, TRACK_LIMIT + 1)
    truncated = len(fixes) > TRACK_LIMIT
    del fixes[TRACK_LIMIT:]
    audit(db, me.actor, "consult", "command.unit.track_viewed", "unit", unit.id, purpose=purpose,
          detail={"call_sign": unit.call_sign, "start": start.isoformat(), "end": end.isoformat(),
                  "fixes": len(fixes)})
    return start, end, fixes, truncated


@router.get("/api/units/{unit_id}/track", response_model=TrackOut, responses=problems(400, 404))
def unit_track(me: Requires("units.read"), db: DB, purpose: Purpose, unit_id: uuid.UUID,
               start: Annotated[datetime | None, Query(description="From (ISO 8601 with an offset); "
                                                                    "default two hours before the end")] = None,
               end: Annotated[datetime | None, Query(description="To (ISO 8601 with an offset); default now")] = None
               ) -> TrackOut:
    """Where the unit was between two times: every fix its crew's devices sent, oldest first.
    Needs a reason (X-Purpose header or `purpose`), recorded in the audit log."""
    unit = service.get(db, unit_id)
    start, end, fixes, truncated = read_track(db, me, unit, start, end, purpose)
    db.commit()
    return TrackOut(unit_id=unit.id, call_sign=unit.call_sign, start=start, end=end, truncated=truncated,
                    fixes=[FixOut(at=f.at, latitude=f.latitude, longitude=f.longitude, accuracy=f.accuracy,
                                  heading=f.heading, speed=f.speed, received_at=f.received_at) for f in fixes])


# --- the unit's page ---------------------------------------------------------------------------

def _local(value: str, field: str, errors: dict) -> datetime | None:
    """A datetime-local field (UK time) as an aware datetime."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UK)
    except ValueError:
        errors[field] = "Enter a date and time, for example 21/11/2026 14:00."
        return None


@pages.get("/units/{unit_id}")
def unit_page(request: Request, me: Requires("units.read"), db: DB, unit_id: uuid.UUID,
              start: Annotated[str, Query(max_length=40)] = "", end: Annotated[str, Query(max_length=40)] = "",
              purpose: Annotated[str, Query(max_length=500)] = "") -> Response:
    """The unit (status, crew, skills, last position) and, given a reason, its track over a period."""
    unit = service.get(db, unit_id)
    errors: dict[str, str] = {}
    now = utcnow()
    start_at, end_at = _local(start, "start", errors), _local(end, "end", errors)
    if end_at is not None and len(end.strip()) <= 16:
        # "To 14:10" (a minute, as the form gives it) means up to the end of that minute.
        end_at += timedelta(minutes=1, microseconds=-1)
    form = {"start": start or (now - timedelta(hours=DEFAULT_HOURS)).astimezone(UK).strftime("%Y-%m-%dT%H:%M"),
            "end": end or now.astimezone(UK).strftime("%Y-%m-%dT%H:%M"), "purpose": purpose.strip()}
    shown = None
    if purpose and len(purpose.strip()) < 3:
        errors["purpose"] = ("Say why you need where this unit's crew was "
                             "(for example a complaint or incident reference).")
    if purpose and not errors:
        try:
            t0, t1, fixes, truncated = read_track(db, me, unit, start_at or now - timedelta(hours=DEFAULT_HOURS),
                                                  end_at or now, purpose.strip())
            db.commit()
            shown = {"start": t0, "end": t1, "fixes": fixes, "truncated": truncated}
        except BadRequest as exc:
            db.rollback()
            errors[exc.field or "start"] = exc.detail
    stations = db.execute(Station.__table__.select().order_by(Station.name)).all()
    points = [(s.latitude, s.longitude) for s in stations]
    proj = board_map.projection(points)
    map_ = {"outline": board_map.outline(proj, points), "width": board_map.WIDTH, "height": board_map.HEIGHT,
            "stations": [{"name": s.name, "xy": proj.xy(s.latitude, s.longitude)} for s in stations]}
    if shown and shown["fixes"]:
        map_["track"] = " ".join(f"{x},{y}" for x, y in (proj.xy(f.latitude, f.longitude) for f in shown["fixes"]))
        map_["first"] = proj.xy(shown["fixes"][0].latitude, shown["fixes"][0].longitude)
        map_["last"] = proj.xy(shown["fixes"][-1].latitude, shown["fixes"][-1].longitude)
    return page(request, "command/unit.html", {
        "unit": unit, "type_label": UNIT_TYPES[unit.unit_type], "status_label": STATUS_LABELS[unit.status],
        "station": station_names(db).get(unit.station_id, ""), "crew_size": len(unit.crew), "form": form,
        "errors": errors, "shown": shown, "map": map_, "format_uk": format_uk}, status_code=400 if errors else 200)
