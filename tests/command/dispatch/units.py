"""Making units for the dispatch and resources tests."""

from __future__ import annotations

import math

from sqlalchemy import select

from onbeat.command.models import Unit, UnitCrew
from onbeat.core.identity.models import Station
from tests.command.incidents.factory import TOWN, stations


def offset(place: tuple[float, float], km_north: float = 0.0, km_east: float = 0.0) -> tuple[float, float]:
    lat, lon = place
    return lat + km_north / 111.195, lon + km_east / (111.195 * math.cos(math.radians(lat)))


def make_unit(db, call_sign: str, *, unit_type: str = "response_car", skills=("first_aid",), status: str = "available",
              place: tuple[float, float] | None = TOWN, crew=()) -> Unit:
    station = db.execute(select(Station).order_by(Station.code)).scalars().first()
    if station is None:
        stations(db)
        station = db.execute(select(Station).order_by(Station.code)).scalars().first()
    lat, lon = place if place else (None, None)
    unit = Unit(call_sign=call_sign, unit_type=unit_type, station_id=station.id, skills=list(skills), equipment=[],
                status=status, latitude=lat, longitude=lon)
    for user in crew:
        unit.crew.append(UnitCrew(user_id=user.id))
    db.add(unit)
    db.commit()
    return unit
