"""Making incidents and contacts for the tests, through the service functions."""

from __future__ import annotations

from datetime import datetime

from onbeat.command.incidents import service
from onbeat.core.audit.service import Actor
from onbeat.core.identity.models import Station
from onbeat.demo.force import STATIONS

# Reading station (Castle Street) and a point about 12 km out, beyond the urban radius.
TOWN = (STATIONS[0].latitude, STATIONS[0].longitude)
COUNTRY = (51.50, -1.12)
HANDLER = Actor(None, "test handler")

QUIET = {e: {"level": "none", "notes": ""} for e in
         ("threat", "harm", "risk", "investigation", "vulnerability", "engagement")}


def thrive(factors: tuple[str, ...] = (), **levels: str) -> dict:
    answers = {e: {"level": levels.get(e, "none"), "notes": ""} for e in QUIET}
    answers["vulnerability"]["factors"] = list(factors)
    return answers


def open_incident(db, *, incident_type: str = "violence", grade: int = 1, at: datetime | None = None,
                  place: tuple[float, float] | None = TOWN, urban: bool | None = None, **extra):
    lat, lon = place if place else (None, None)
    return service.open_incident(db, HANDLER, incident_type=incident_type, grade=grade,
                                 suggested_grade=extra.pop("suggested_grade", grade),
                                 grade_reason=extra.pop("grade_reason", None),
                                 summary=extra.pop("summary", "test incident"), address=extra.pop("address", "High St"),
                                 latitude=lat, longitude=lon, urban=urban, at=at, **extra)


def stations(db) -> None:
    """The demo force's three stations (the areas, and the urban rule's centres), committed."""
    for spec in STATIONS:
        db.add(Station(**spec.__dict__))
    db.commit()
