"""A valid collision report to start each test from, and small helpers to post it."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta

from onbeat.core.time import UK

API = "/api/records/collisions"
# Reading, Oxford Road: a point in Thames Valley.
EASTING, NORTHING = 470_000, 173_500


def vehicle(ref: int = 1, **extra) -> dict:
    return {"vehicle_reference": ref, "vehicle_type": 9, "vehicle_manoeuvre": 18, "first_point_of_impact": 1,
            "journey_purpose_of_driver": 2, "sex_of_driver": 1, "age_of_driver": 34, **extra}


def casualty(ref: int = 1, vehicle_ref: int | None = 1, **extra) -> dict:
    out = {"casualty_reference": ref, "vehicle_reference": vehicle_ref, "casualty_class": 1, "sex_of_casualty": 1,
           "age_of_casualty": 34, "casualty_severity": 3}
    out.update(extra)
    return out


def pedestrian(ref: int, vehicle_ref: int | None = 1, **extra) -> dict:
    return casualty(ref, vehicle_ref, **({"casualty_class": 3, "pedestrian_location": 5, "pedestrian_movement": 1,
                                          "sex_of_casualty": 2, "age_of_casualty": 9} | extra))


def report(**extra) -> dict:
    """A slight collision on the A4 at a T junction yesterday: one car, its driver slightly hurt."""
    when = datetime.now(UK) - timedelta(days=1)
    body = {
        "client_uuid": str(uuid.uuid4()), "date": when.date().isoformat(), "time": when.strftime("%H:%M"),
        "place": "Oxford Road near Cranbury Road, Reading", "easting": EASTING, "northing": NORTHING,
        "severity": 3, "first_road_class": 3, "first_road_number": 4, "road_type": 6, "speed_limit": 30,
        "junction_detail": 3, "junction_control": 4, "second_road_class": 6, "light_conditions": 1,
        "weather_conditions": 1, "road_surface_conditions": 1, "urban_or_rural_area": 1, "police_attended": 1,
        "vehicles": [vehicle(1, junction_location=1)], "casualties": [casualty(1)],
    }
    body.update(copy.deepcopy(extra))
    return body


def fields(response) -> dict[str, str]:
    """field -> message from a problem+json answer."""
    return {e["field"]: e["message"] for e in response.json().get("errors", [])}
