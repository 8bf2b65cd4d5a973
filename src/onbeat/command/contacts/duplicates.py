"""Possible duplicates: open incidents close in place and time to a new contact.

Several calls about one fight are one incident. A contact is offered the open incidents of the
same type (or, after those, the same category) opened within `duplicate_window_minutes` before
(or after) it, and within `duplicate_radius_m` of it on the earth's surface. Where the contact or
the incident has no coordinates, the same postcode counts as close.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from onbeat.command.incidents.catalogue import TYPES
from onbeat.command.incidents.models import Incident
from onbeat.command.incidents.settings import command_settings
from onbeat.core.time import utcnow

LIMIT = 10


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
