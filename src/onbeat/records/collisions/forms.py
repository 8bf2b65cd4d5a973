"""The collision report's staff form: field names, reading a posted form into the API's shape, and
turning any error (a wrong type, a broken rule) into a message beside the field it names.

Form inputs are named by their path in `CollisionIn` (`severity`, `vehicles.0.age_of_driver`,
`casualties.1.person.family_name`), the same names the API's errors use, so an error finds its field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import ValidationError

from onbeat.records.collisions import codes

# (name, label, code list or None for a number, required) in the order the form shows them.
COLLISION_FIELDS = {
    "Road": [
        ("first_road_class", "First road class", codes.ROAD_CLASS, True),
        ("first_road_number", "First road number (blank for C and unclassified roads)", None, False),
        ("road_type", "Road type", codes.ROAD_TYPE, True),
        ("speed_limit", "Speed limit", codes.SPEED_LIMIT, True),
        ("urban_or_rural_area", "Urban or rural", codes.URBAN_OR_RURAL_AREA, True),
        ("trunk_road_flag", "Trunk road", codes.TRUNK_ROAD_FLAG, False),
    ],
    "Junction": [
        ("junction_detail", "Junction detail", codes.JUNCTION_DETAIL, True),
        ("junction_control", "Junction control (at a junction)", codes.JUNCTION_CONTROL, False),
        ("second_road_class", "Second road class (at a junction)", codes.SECOND_ROAD_CLASS, False),
        ("second_road_number", "Second road number", None, False),
        ("pedestrian_crossing_human_control", "Pedestrian crossing: human control",
         codes.PEDESTRIAN_CROSSING_HUMAN_CONTROL, False),
        ("pedestrian_crossing_physical_facilities", "Pedestrian crossing: physical facilities",
         codes.PEDESTRIAN_CROSSING_PHYSICAL_FACILITIES, False),
    ],
    "Conditions": [
        ("light_conditions", "Light", codes.LIGHT_CONDITIONS, True),
        ("weather_conditions", "Weather", codes.WEATHER_CONDITIONS, True),
        ("road_surface_conditions", "Road surface", codes.ROAD_SURFACE_CONDITIONS, True),
        ("special_conditions_at_site", "Special conditions at the site", codes.SPECIAL_CONDITIONS_AT_SITE, False),
        ("carriageway_hazards", "Carriageway hazards", codes.CARRIAGEWAY_HAZARDS, False),
        ("police_attended", "Did a police officer attend the scene?", codes.POLICE_ATTENDED, True),
    ],
}

VEHICLE_FIELDS = [
    ("vehicle_type", "Vehicle type", codes.VEHICLE_TYPE, True),
    ("vehicle_manoeuvre", "Manoeuvre", codes.VEHICLE_MANOEUVRE, True),
    ("first_point_of_impact", "First point of impact", codes.FIRST_POINT_OF_IMPACT, True),
    ("junction_location", "Location at the junction", codes.JUNCTION_LOCATION, False),
    ("towing_and_articulation", "Towing and articulation", codes.TOWING_AND_ARTICULATION, False),
    ("vehicle_direction_from", "Travelling from", codes.DIRECTION, False),
    ("vehicle_direction_to", "Travelling to", codes.DIRECTION, False),
    ("vehicle_location_restricted_lane", "Restricted lane or away from the main carriageway",
     codes.VEHICLE_LOCATION_RESTRICTED_LANE, False),
    ("skidding_and_overturning", "Skidding and overturning", codes.SKIDDING_AND_OVERTURNING, False),
    ("hit_object_in_carriageway", "Hit object in the carriageway", codes.HIT_OBJECT_IN_CARRIAGEWAY, False),
    ("vehicle_leaving_carriageway", "Leaving the carriageway", codes.VEHICLE_LEAVING_CARRIAGEWAY, False),
    ("hit_object_off_carriageway", "Hit object off the carriageway", codes.HIT_OBJECT_OFF_CARRIAGEWAY, False),
    ("vehicle_left_hand_drive", "Left-hand drive", codes.LEFT_HAND_DRIVE, False),
    ("journey_purpose_of_driver", "Journey purpose", codes.JOURNEY_PURPOSE, True),
    ("sex_of_driver", "Driver's sex", codes.SEX_OF_DRIVER, True),
    ("age_of_driver", "Driver's age (-1 if not known)", None, True),
    ("engine_capacity_cc", "Engine capacity, cc (-1 if not known)", None, False),
    ("propulsion_code", "Propulsion", codes.PROPULSION, False),
    ("age_of_vehicle", "Vehicle's age in years (-1 if not known)", None, False),
]
VEHICLE_REF_FIELDS = [("vehicle.registration", "Registration"), ("vehicle.make", "Make"), ("vehicle.model", "Model")]

CASUALTY_FIELDS = [
    ("vehicle_reference", "Vehicle (the one they were in, or that struck them)", None, False),
    ("casualty_class", "Casualty class", codes.CASUALTY_CLASS, True),
    ("casualty_severity", "Severity", codes.SEVERITY, True),
    ("sex_of_casualty", "Sex", codes.SEX_OF_CASUALTY, True),
    ("age_of_casualty", "Age (-1 if not known)", None, True),
    ("pedestrian_location", "Pedestrian location (pedestrians only)", codes.PEDESTRIAN_LOCATION, False),
    ("pedestrian_movement", "Pedestrian movement (pedestrians only)", codes.PEDESTRIAN_MOVEMENT, False),
    ("car_passenger", "Car passenger", codes.CAR_PASSENGER, False),
    ("bus_or_coach_passenger", "Bus or coach passenger", codes.BUS_OR_COACH_PASSENGER, False),
    ("pedestrian_road_maintenance_worker", "Road maintenance worker (pedestrians only)",
     codes.ROAD_MAINTENANCE_WORKER, False),
    ("casualty_type", "Casualty type (worked out from the vehicle when left blank)", codes.CASUALTY_TYPE, False),
]
PERSON_FIELDS = [("given_name", "Given name"), ("family_name", "Family name"), ("date_of_birth", "Date of birth")]

MAX_VEHICLES, MAX_CASUALTIES = 30, 60
_INDEX = re.compile(r"^(vehicles|casualties)\.(\d+)\.")


def counts(form: Mapping[str, str]) -> tuple[int, int]:
    """How many vehicle and casualty blocks a posted form had."""
    seen = {"vehicles": -1, "casualties": -1}
    for key in form:
        if m := _INDEX.match(key):
            seen[m.group(1)] = max(seen[m.group(1)], int(m.group(2)))
    return seen["vehicles"] + 1, seen["casualties"] + 1


def to_body(form: Mapping[str, str], n_vehicles: int, n_casualties: int) -> dict:
    """The posted form as `CollisionIn` takes it: blanks left out, references numbered 1..n."""
    body: dict = {}
    lists: dict[str, list[dict]] = {"vehicles": [{} for _ in range(n_vehicles)],
                                    "casualties": [{} for _ in range(n_casualties)]}
    for key, value in form.items():
        value = value.strip() if isinstance(value, str) else value
        if key in ("csrf_token", "action") or value in ("", None):
            continue
        if m := _INDEX.match(key):
            group, i = m.group(1), int(m.group(2))
            if i < len(lists[group]):
                target = lists[group][i]
                *parents, leaf = key[m.end():].split(".")
                for p in parents:
                    target = target.setdefault(p, {})
                target[leaf] = value
        else:
            body[key] = value
    for item in lists["vehicles"] + lists["casualties"]:
        for ref in ("vehicle", "driver", "person"):
            # A linked entity's id, unless the officer typed details of another one.
            if isinstance(item.get(ref), dict) and "id" in item[ref] and len(item[ref]) > 1:
                del item[ref]["id"]
    for i, v in enumerate(lists["vehicles"]):
        v["vehicle_reference"] = i + 1
        v["escooter"] = v.get("escooter") == "on"
    for i, c in enumerate(lists["casualties"]):
        c["casualty_reference"] = i + 1
    return body | lists


def flatten(data: dict, prefix: str = "") -> dict[str, str]:
    """A stored report (as `CollisionIn` takes it) as form values, for the edit form."""
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= flatten(value, name + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                out |= flatten(item, f"{name}.{i}.")
        elif value is not None:
            out[name] = "on" if value is True else "" if value is False else str(value)
    return out


def errors_of(exc: ValidationError) -> dict[str, str]:
    """Field name -> message for a validation error, worded for a person."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if not str(p).startswith(("function-after", "int", "none"))]
        name = ".".join(loc) or "form"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "Give this: it is required."
        out.setdefault(name, message[0].upper() + message[1:])
    return out
