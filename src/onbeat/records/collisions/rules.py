"""The rules between a collision report's fields, and the values derived from them.

`evaluate(report, now)` checks every rule and returns all the problems at once (each names the
field, as `vehicles.0.age_of_driver`, and says the rule and what to do) together with the values
to store: both coordinate pairs, the road numbers and junction fields made explicit, each
pedestrian's vehicle and each casualty's type. Nothing is stored unless the list is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from onbeat.core.time import UK
from onbeat.records.collisions import codes, geo
from onbeat.records.collisions.schemas import CasualtyIn, CollisionIn, VehicleIn

# A device's clock may run a little fast: a collision up to this far ahead of the server is accepted.
CLOCK_SKEW = timedelta(minutes=5)
# Given both pairs of coordinates, they must name the same place to within this.
COORDINATES_AGREE_M = 100.0
UNKNOWN_JUNCTION = (-1, 99)
_NUMBERED = {1: "A motorway", 2: "An A(M) road", 3: "An A road", 4: "A B road"}


@dataclass
class Outcome:
    errors: list[dict] = field(default_factory=list)
    collision: dict = field(default_factory=dict)
    vehicles: list[dict] = field(default_factory=list)
    casualties: list[dict] = field(default_factory=list)
    occurred_at: datetime | None = None

    def fail(self, where: str, message: str) -> None:
        self.errors.append({"field": where, "message": message})


def occurred_at(report: CollisionIn) -> datetime:
    """The UK date and time of the collision as an aware datetime."""
    return datetime.combine(report.date, report.time.replace(second=0, microsecond=0), tzinfo=UK)


def evaluate(report: CollisionIn, now: datetime) -> Outcome:
    out = Outcome()
    out.occurred_at = occurred_at(report)
    if out.occurred_at > now + CLOCK_SKEW:
        where = "time" if out.occurred_at.date() == now.astimezone(UK).date() else "date"
        out.fail(where, "The collision's date and time cannot be in the future: give when it happened.")
    _location(report, out)
    _roads(report, out)
    _parties(report, out)
    return out


# --- the collision ---------------------------------------------------------------------------

def _location(r: CollisionIn, out: Outcome) -> None:
    grid = r.easting is not None or r.northing is not None
    wgs = r.latitude is not None or r.longitude is not None
    for a, b in (("easting", "northing"), ("northing", "easting"), ("latitude", "longitude"),
                 ("longitude", "latitude")):
        if getattr(r, a) is not None and getattr(r, b) is None:
            out.fail(b, f"Give the {b} with the {a}: a location needs both.")
            return
    if not grid and not wgs:
        out.fail("easting", "Give the location: easting and northing, or latitude and longitude.")
        return
    if wgs:
        easting, northing = geo.to_grid(r.latitude, r.longitude)
        if not geo.on_grid(easting, northing):
            out.fail("latitude", "The latitude and longitude are outside Great Britain's National Grid: "
                                 "check them (latitude about 50 to 61, longitude about -8 to 2).")
            return
    if grid:
        if not geo.on_grid(r.easting, r.northing):
            out.fail("easting", "The easting and northing are outside Great Britain's National Grid "
                                "(easting 0 to 699999, northing 0 to 1299999 metres): check them.")
            return
        if wgs and ((easting - r.easting) ** 2 + (northing - r.northing) ** 2) ** 0.5 > COORDINATES_AGREE_M:
            out.fail("latitude", "The latitude and longitude and the easting and northing are more than "
                                 f"{COORDINATES_AGREE_M:.0f} m apart: give one pair, or correct one.")
            return
        easting, northing = r.easting, r.northing
    latitude, longitude = (r.latitude, r.longitude) if wgs else geo.to_wgs84(easting, northing)
    out.collision.update(easting=easting, northing=northing, latitude=latitude, longitude=longitude)


def _road_number(out: Outcome, where: str, road_class: int, number: int | None) -> int:
    """A numbered road (M, A(M), A, B) needs its number; C and unclassified roads are 0."""
    if road_class in codes.NUMBERED_ROAD_CLASSES:
        if not number:
            out.fail(where, f"{_NUMBERED[road_class]} has a number: give it (1 to 9999).")
        return number or 0
    if road_class == -1:
        return -1 if number is None else number
    if number:
        out.fail(where, "C roads and unclassified roads have no official number: leave it blank or give 0.")
    return 0


def _roads(r: CollisionIn, out: Outcome) -> None:
    c = out.collision
    c["first_road_number"] = _road_number(out, "first_road_number", r.first_road_class, r.first_road_number)
    detail = r.junction_detail
    if detail == codes.NOT_AT_JUNCTION:
        if r.junction_control not in (None, 0, -1):
            out.fail("junction_control", "Not at a junction (junction detail 0): junction control must be "
                                         "0 (not at junction) or -1.")
        if r.second_road_class not in (None, 0, -1) or r.second_road_number:
            where = "second_road_class" if r.second_road_class not in (None, 0, -1) else "second_road_number"
            out.fail(where, "Not at a junction (junction detail 0): there is no second road; leave it blank.")
        c.update(junction_control=0 if r.junction_control is None else r.junction_control,
                 second_road_class=0 if r.second_road_class is None else r.second_road_class, second_road_number=0)
        return
    if detail in UNKNOWN_JUNCTION:
        control = -1 if r.junction_control is None else r.junction_control
        second = -1 if r.second_road_class is None else r.second_road_class
    else:
        control, second = r.junction_control, r.second_road_class
        if control is None or control == 0:
            out.fail("junction_control", "At a junction: say how it is controlled (authorised person, signals, "
                                         "stop sign, give way or uncontrolled).")
        if second is None or second == 0:
            if detail == codes.PRIVATE_DRIVE and second is None:
                second = -1
            else:
                out.fail("second_road_class", "At a junction: give the class of the second road.")
    c["junction_control"] = -1 if control is None else control
    c["second_road_class"] = -1 if second is None else second
    c["second_road_number"] = _road_number(out, "second_road_number", c["second_road_class"], r.second_road_number) \
        if c["second_road_class"] not in (0, 9) else 0


# --- vehicles and casualties ---------------------------------------------------------------------

def _references(out: Outcome, items: list, name: str, what: str, group: str) -> None:
    """References must be 1..n, each once."""
    seen: set[int] = set()
    for i, item in enumerate(items):
        ref = getattr(item, name)
        if ref in seen:
            out.fail(f"{group}.{i}.{name}", f"{what.capitalize()} {ref} is numbered twice: number the "
                                            f"{group} 1, 2, 3... once each.")
        seen.add(ref)
    if seen and seen == set(range(1, len(seen) + 1)) and len(seen) == len(items):
        return
    for i, item in enumerate(items):
        ref = getattr(item, name)
        if ref > len(items):
            out.fail(f"{group}.{i}.{name}", f"There are {len(items)} {group}, so {what} references run from 1 "
                                            f"to {len(items)}; {ref} is out of that range.")


def _age(out: Outcome, where: str, age: int) -> None:
    if age != -1 and not 0 <= age <= codes.MAX_AGE:
        out.fail(where, f"An age is 0 to {codes.MAX_AGE} years, or -1 when it is not known; {age} is neither.")


def _parties(r: CollisionIn, out: Outcome) -> None:
    if not r.vehicles:
        out.fail("vehicles", "A collision report needs at least one vehicle: add the vehicles involved.")
    if not r.casualties:
        out.fail("casualties", "A STATS19 collision has at least one casualty: add the people injured.")
    _references(out, r.vehicles, "vehicle_reference", "vehicle", "vehicles")
    _references(out, r.casualties, "casualty_reference", "casualty", "casualties")
    at_junction = r.junction_detail != codes.NOT_AT_JUNCTION
    by_ref: dict[int, VehicleIn] = {}
    for i, v in enumerate(r.vehicles):
        by_ref.setdefault(v.vehicle_reference, v)
        out.vehicles.append(_vehicle(out, f"vehicles.{i}", v, at_junction, r.junction_detail))
    drivers: dict[int, int] = {}
    for i, cas in enumerate(r.casualties):
        out.casualties.append(_casualty(out, f"casualties.{i}", cas, by_ref, drivers))
    if r.casualties:
        worst = min(c.casualty_severity for c in r.casualties)
        if r.severity != worst:
            out.fail("severity", f"The collision's severity must be its worst casualty's: a casualty is "
                                 f"{codes.SEVERITY[worst].lower()} ({worst}), so the collision is "
                                 f"{codes.SEVERITY[worst].lower()} ({worst}), not "
                                 f"{codes.SEVERITY[r.severity].lower()} ({r.severity}).")


def _vehicle(out: Outcome, at: str, v: VehicleIn, at_junction: bool, detail: int) -> dict:
    _age(out, f"{at}.age_of_driver", v.age_of_driver)
    location = v.junction_location
    if not at_junction and location not in (None, 0, -1):
        out.fail(f"{at}.junction_location", "The collision is not at a junction (junction detail 0): the "
                                             "vehicle's junction location must be 0 (not at or near a junction).")
    if at_junction and detail not in UNKNOWN_JUNCTION and location is None:
        out.fail(f"{at}.junction_location", "The collision is at a junction: say where this vehicle was in it.")
    if location is None:
        location = 0 if not at_junction else -1
    if v.escooter and v.vehicle_type != codes.OTHER_VEHICLE:
        out.fail(f"{at}.vehicle_type", "An e-scooter is recorded as vehicle type 90 (other vehicle).")
    if (v.vehicle_direction_from == 0) != (v.vehicle_direction_to == 0):
        out.fail(f"{at}.vehicle_direction_to", "A parked vehicle's direction is 0 both from and to; a moving "
                                               "vehicle's is a compass point both ways.")
    values = v.model_dump(exclude={"vehicle", "driver"})
    values.update(junction_location=location, age_band_of_driver=codes.age_band(v.age_of_driver),
                  registration=v.vehicle.registration if v.vehicle else None)
    return values


def _casualty(out: Outcome, at: str, c: CasualtyIn, vehicles: dict[int, VehicleIn], drivers: dict[int, int]) -> dict:
    _age(out, f"{at}.age_of_casualty", c.age_of_casualty)
    pedestrian = c.casualty_class == codes.PEDESTRIAN
    ref = c.vehicle_reference
    if ref is None:
        if pedestrian and len(vehicles) == 1:
            ref = next(iter(vehicles))
        elif pedestrian:
            out.fail(f"{at}.vehicle_reference", "There are several vehicles: give the one that struck the "
                                                "pedestrian.")
        else:
            out.fail(f"{at}.vehicle_reference", "A driver, rider or passenger was in or on a vehicle: give its "
                                                "vehicle reference.")
    elif ref not in vehicles:
        out.fail(f"{at}.vehicle_reference", f"There is no vehicle {ref} in this collision: use the reference of "
                                            "one of its vehicles.")
    vehicle = vehicles.get(ref) if ref is not None else None
    if pedestrian:
        for name, code in (("pedestrian_location", c.pedestrian_location),
                           ("pedestrian_movement", c.pedestrian_movement)):
            if code in (0, -1):
                out.fail(f"{at}.{name}", f"A pedestrian casualty needs their {name.replace('_', ' ')} "
                                         "(use 'unknown or other' if it is not known).")
        for name in ("car_passenger", "bus_or_coach_passenger"):
            if getattr(c, name) != 0:
                out.fail(f"{at}.{name}", f"A pedestrian was not in a vehicle: {name.replace('_', ' ')} must be 0.")
        expected = codes.PEDESTRIAN_CASUALTY_TYPE
    else:
        for name in ("pedestrian_location", "pedestrian_movement"):
            if getattr(c, name) != 0:
                out.fail(f"{at}.{name}", f"Only a pedestrian has a {name.replace('_', ' ')}: it must be 0 for a "
                                         "driver, rider or passenger.")
        if c.pedestrian_road_maintenance_worker not in (0, -1):
            out.fail(f"{at}.pedestrian_road_maintenance_worker", "Only a pedestrian can be a road maintenance "
                                                                 "worker on foot: it must be 0.")
        expected = codes.CASUALTY_TYPE_FOR_VEHICLE.get(vehicle.vehicle_type) if vehicle else None
        _occupant(out, at, c, vehicle, drivers, ref)
    if c.casualty_type is not None and expected is not None and c.casualty_type != expected:
        out.fail(f"{at}.casualty_type", f"The casualty type must match: "
                                        f"{codes.label('casualty_type', expected)} ({expected}) for this casualty, "
                                        f"not {codes.label('casualty_type', c.casualty_type)} ({c.casualty_type}).")
    values = c.model_dump(exclude={"person"})
    values.update(vehicle_reference=ref, age_band_of_casualty=codes.age_band(c.age_of_casualty),
                  casualty_type=expected if expected is not None else c.casualty_type)
    return values


def _occupant(out: Outcome, at: str, c: CasualtyIn, vehicle: VehicleIn | None, drivers: dict[int, int],
              ref: int | None) -> None:
    """Car and bus passenger fields fit the casualty's class and vehicle; one driver per vehicle."""
    passenger = c.casualty_class == codes.PASSENGER
    in_car = vehicle is not None and vehicle.vehicle_type in codes.CARS
    in_bus = vehicle is not None and vehicle.vehicle_type in codes.BUSES
    if c.car_passenger != 0 and not (passenger and in_car):
        out.fail(f"{at}.car_passenger", "Car passenger applies only to a passenger in a car or taxi: it must be 0.")
    elif passenger and in_car and c.car_passenger == 0:
        out.fail(f"{at}.car_passenger", "A passenger in a car or taxi: say whether in a front or rear seat.")
    if c.bus_or_coach_passenger != 0 and not (passenger and in_bus):
        out.fail(f"{at}.bus_or_coach_passenger", "Bus or coach passenger applies only to a passenger in a bus, "
                                                 "coach or minibus: it must be 0.")
    elif passenger and in_bus and c.bus_or_coach_passenger == 0:
        out.fail(f"{at}.bus_or_coach_passenger", "A passenger in a bus, coach or minibus: say whether boarding, "
                                                 "alighting, standing or seated.")
    if c.casualty_class == codes.DRIVER and ref is not None:
        if ref in drivers:
            out.fail(f"{at}.casualty_class", f"Vehicle {ref} already has a driver or rider (casualty "
                                             f"{drivers[ref]}): another person in it is a passenger.")
        drivers.setdefault(ref, c.casualty_reference)
