"""Property tests: any consistent collision report passes every rule; changing its severity to
anything but the worst casualty's is always refused."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from onbeat.core.time import UK
from onbeat.records.collisions import codes, rules
from onbeat.records.collisions.schemas import CollisionIn

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
VEHICLE_TYPES = sorted(k for k in codes.VEHICLE_TYPE if k not in (-1, 99))
AT_JUNCTION = [k for k in codes.JUNCTION_DETAIL if k not in (0, -1, 99)]


def _pick(draw, mapping: dict, *, exclude=(-1,)) -> int:
    return draw(st.sampled_from(sorted(k for k in mapping if k not in exclude)))


@st.composite
def consistent_reports(draw) -> dict:
    n_vehicles = draw(st.integers(1, 4))
    at_junction = draw(st.booleans())
    vehicles = []
    for ref in range(1, n_vehicles + 1):
        kind = draw(st.sampled_from(VEHICLE_TYPES))
        vehicles.append({
            "vehicle_reference": ref, "vehicle_type": kind,
            "escooter": kind == codes.OTHER_VEHICLE and draw(st.booleans()),
            "vehicle_manoeuvre": _pick(draw, codes.VEHICLE_MANOEUVRE),
            "first_point_of_impact": _pick(draw, codes.FIRST_POINT_OF_IMPACT),
            "journey_purpose_of_driver": _pick(draw, codes.JOURNEY_PURPOSE),
            "sex_of_driver": _pick(draw, codes.SEX_OF_DRIVER),
            "age_of_driver": draw(st.integers(-1, 120)),
            "junction_location": _pick(draw, codes.JUNCTION_LOCATION, exclude=(-1, 9)) if at_junction else 0})
    casualties, drivers = [], set()
    for ref in range(1, draw(st.integers(1, 6)) + 1):
        vehicle = draw(st.sampled_from(vehicles))
        has_driver = vehicle["vehicle_reference"] in drivers
        classes = [codes.PASSENGER, codes.PEDESTRIAN] + ([] if has_driver else [codes.DRIVER])
        kind = draw(st.sampled_from(classes))
        c = {"casualty_reference": ref, "vehicle_reference": vehicle["vehicle_reference"], "casualty_class": kind,
             "sex_of_casualty": _pick(draw, codes.SEX_OF_CASUALTY), "age_of_casualty": draw(st.integers(-1, 120)),
             "casualty_severity": draw(st.sampled_from([1, 2, 3]))}
        if kind == codes.DRIVER:
            drivers.add(vehicle["vehicle_reference"])
        if kind == codes.PEDESTRIAN:
            c.update(pedestrian_location=draw(st.integers(1, 10)), pedestrian_movement=draw(st.integers(1, 9)),
                     pedestrian_road_maintenance_worker=draw(st.sampled_from([0, 1, 2])))
        elif kind == codes.PASSENGER and vehicle["vehicle_type"] in codes.CARS:
            c["car_passenger"] = draw(st.sampled_from([1, 2]))
        elif kind == codes.PASSENGER and vehicle["vehicle_type"] in codes.BUSES:
            c["bus_or_coach_passenger"] = draw(st.sampled_from([1, 2, 3, 4]))
        casualties.append(c)
    road_class = _pick(draw, codes.ROAD_CLASS)
    when = (NOW - timedelta(minutes=draw(st.integers(6, 10 * 365 * 24 * 60)))).astimezone(UK)
    body = {
        "client_uuid": str(uuid.uuid4()), "date": when.date().isoformat(), "time": when.strftime("%H:%M"),
        "place": "Somewhere in Great Britain", "severity": min(c["casualty_severity"] for c in casualties),
        "first_road_class": road_class,
        "first_road_number": draw(st.integers(1, 9999)) if road_class in codes.NUMBERED_ROAD_CLASSES else None,
        "road_type": _pick(draw, codes.ROAD_TYPE), "speed_limit": draw(st.sampled_from(codes.SPEED_LIMITS)),
        "junction_detail": draw(st.sampled_from(AT_JUNCTION)) if at_junction else 0,
        "light_conditions": _pick(draw, codes.LIGHT_CONDITIONS),
        "weather_conditions": _pick(draw, codes.WEATHER_CONDITIONS),
        "road_surface_conditions": _pick(draw, codes.ROAD_SURFACE_CONDITIONS),
        "urban_or_rural_area": _pick(draw, codes.URBAN_OR_RURAL_AREA),
        "police_attended": _pick(draw, codes.POLICE_ATTENDED),
        "vehicles": vehicles, "casualties": casualties,
    }
    if at_junction:
        second = _pick(draw, codes.SECOND_ROAD_CLASS, exclude=(-1, 0, 9))
        body.update(junction_control=_pick(draw, codes.JUNCTION_CONTROL, exclude=(-1, 0, 9)), second_road_class=second,
                    second_road_number=draw(st.integers(1, 9999)) if second in codes.NUMBERED_ROAD_CLASSES else None)
    if draw(st.booleans()):
        body.update(easting=draw(st.integers(150_000, 650_000)), northing=draw(st.integers(50_000, 1_000_000)))
    else:
        body.update(latitude=draw(st.floats(50.3, 58.5)), longitude=draw(st.floats(-5.0, 1.5)))
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_reports())
def test_consistent_reports_are_always_accepted(body):
    outcome = rules.evaluate(CollisionIn.model_validate(body), NOW)
    assert outcome.errors == []
    assert len(outcome.vehicles) == len(body["vehicles"]) and len(outcome.casualties) == len(body["casualties"])
    assert {"easting", "northing", "latitude", "longitude"} <= set(outcome.collision)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_reports(), st.sampled_from([1, 2, 3]))
def test_any_other_severity_is_always_refused(body, severity):
    worst = body["severity"]
    body["severity"] = severity
    outcome = rules.evaluate(CollisionIn.model_validate(body), NOW)
    if severity == worst:
        assert outcome.errors == []
    else:
        assert [e["field"] for e in outcome.errors] == ["severity"]
