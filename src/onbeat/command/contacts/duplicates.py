"""Possible duplicates: open incidents close in place and time to a new contact.

Several calls about one fight are one incident. A contact is offered the open incidents of the
same type (or, after those, the same category) opened within `duplicate_window_minutes` before
(or after) it, and within `duplicate_radius_m` of it on the earth's surface. Where the contact or
the incident has no coordinates, the same postcode counts as close.
"""

from __future__ import annotations

import math
import zlib
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from onbeat.command.incidents.catalogue import TYPES
from onbeat.command.incidents.models import Incident
from onbeat.command.incidents.settings import command_settings
from onbeat.core.time import utcnow

LIMIT = 10
# First key of the two-key advisory locks taken while checking for duplicates (the audit chain's
# lock is a one-key lock: the two never meet).
LOCK_SPACE = 0x0C0D_0A7E


def _cell_keys(category: str, latitude: float, longitude: float, radius_m: float) -> set[int]:
    """Keys of the grid cells that the duplicate search square around a place touches.

    Cells are squares of twice the search radius, in rows of latitude; each row's cells are as
    wide in degrees of longitude as the radius needs at the row's middle. Two contacts close
    enough to be duplicates of each other always share a cell: each one's square holds the other's
    place, so each locks the cell the other's place is in, and its own."""
    size = 2 * radius_m / 111_320
    dlat = radius_m / 111_320
    keys = set()
    for row in range(math.floor((latitude - dlat) / size), math.floor((latitude + dlat) / size) + 1):
        width = size / max(0.01, math.cos(math.radians((row + 0.5) * size)))
        dlon = dlat / max(0.01, math.cos(math.radians(latitude)))
        for col in range(math.floor((longitude - dlon) / width), math.floor((longitude + dlon) / width) + 1):
            keys.add(_key(f"{category}:{row}:{col}"))
    return keys


def _key(name: str) -> int:
    return zlib.crc32(name.encode()) - 2**31  # a signed 32-bit int, as pg_advisory_xact_lock(int, int) wants


def lock_area(db: Session, incident_type: str, *, latitude: float | None, longitude: float | None,
              postcode: str | None) -> int:
    """Take, until the transaction ends, the locks that make "check for duplicates, then open a new
    incident" safe against a second handler doing the same at the same moment about the same
    event: one per grid cell the search touches (and one for the postcode), for the type's category
    (duplicates are offered across a category). The second handler waits here, then its check
    sees the first one's incident. Locks are taken in key order, so two handlers never deadlock.
    Returns how many were taken."""
    category = TYPES[incident_type].category
    keys: set[int] = set()
    if latitude is not None and longitude is not None:
        keys |= _cell_keys(category, latitude, longitude, command_settings().duplicate_radius_m)
    if postcode:
        keys.add(_key(f"{category}:postcode:{postcode.replace(' ', '').upper()}"))
    for key in sorted(keys):
        db.execute(text("select pg_advisory_xact_lock(:space, :key)"), {"space": LOCK_SPACE, "key": key})
    return len(keys)


def candidates(db: Session, incident_type: str, *, latitude: float | None, longitude: float | None,
               postcode: str | None, at: datetime | None = None) -> list[dict]:
    """Open incidents that may be what this contact is about, same type first, then nearest."""
    settings = command_settings()
    at = at or utcnow()
    window = timedelta(minutes=settings.duplicate_window_minutes)
    t = TYPES[incident_type]
    place = []
    distance = None
    if latitude is not None and longitude is not None:
        radius = settings.duplicate_radius_m
        dlat = radius / 111_320
        dlon = dlat / max(0.01, math.cos(math.radians(latitude)))
        distance = func.earth_distance(func.ll_to_earth(latitude, longitude),
                                       func.ll_to_earth(Incident.latitude, Incident.longitude))
        place.append(and_(Incident.latitude.between(latitude - dlat, latitude + dlat),
                          Incident.longitude.between(longitude - dlon, longitude + dlon),
                          distance <= radius))
    if postcode:
        same_postcode = Incident.postcode == postcode
        place.append(and_(same_postcode, Incident.latitude.is_(None)) if distance is not None else same_postcode)
    if not place:
        return []
    same_type = Incident.incident_type == t.code
    stmt = (select(Incident, distance if distance is not None else func.cast(None, Incident.latitude.type))
            .where(Incident.status == "open", or_(same_type, Incident.category == t.category),
                   Incident.opened_at.between(at - window, at + window), or_(*place))
            .order_by(case((same_type, 0), else_=1), distance if distance is not None else Incident.opened_at.desc())
            .limit(LIMIT))
    found = []
    for incident, metres in db.execute(stmt):
        found.append({"incident_id": incident.id, "log_number": incident.log_number,
                      "incident_type": incident.incident_type, "type_label": TYPES[incident.incident_type].label,
                      "match": "type" if incident.incident_type == t.code else "category",
                      "grade": incident.grade, "address": incident.address, "postcode": incident.postcode,
                      "distance_m": None if metres is None else round(metres),
                      "minutes": round(abs((at - incident.opened_at).total_seconds()) / 60)})
    return found
