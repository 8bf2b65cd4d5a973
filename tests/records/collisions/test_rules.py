"""Every rule between a collision report's fields: each broken rule is refused with an error naming
the field and the rule, and nothing at all is stored."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.core.time import UK
from onbeat.records.core.models import Record
from tests.conftest import bearer
from tests.records.collisions.helpers import API, casualty, fields, pedestrian, report, vehicle

TOMORROW = (datetime.now(UK) + timedelta(days=1)).date().isoformat()
LATER_TODAY = (datetime.now(UK) + timedelta(hours=2))

BROKEN = {
    "severity above the worst casualty": (
        report(severity=3, casualties=[casualty(1, casualty_severity=2)]), "severity", "worst casualty"),
    "severity below the worst casualty": (
        report(severity=1, casualties=[casualty(1, casualty_severity=3)]), "severity", "worst casualty"),
    "no vehicle": (report(vehicles=[], casualties=[pedestrian(1, None)]), "vehicles", "at least one vehicle"),
    "no casualty": (report(casualties=[]), "casualties", "at least one casualty"),
    "pedestrian without location": (
        report(casualties=[casualty(1), pedestrian(2, pedestrian_location=0)]), "casualties.1.pedestrian_location",
        "pedestrian casualty needs"),
    "pedestrian without movement": (
        report(casualties=[casualty(1), pedestrian(2, pedestrian_movement=0)]), "casualties.1.pedestrian_movement",
        "pedestrian casualty needs"),
    "pedestrian as a car passenger": (
        report(casualties=[casualty(1), pedestrian(2, car_passenger=1)]), "casualties.1.car_passenger",
        "not in a vehicle"),
    "pedestrian as a bus passenger": (
        report(casualties=[casualty(1), pedestrian(2, bus_or_coach_passenger=4)]),
        "casualties.1.bus_or_coach_passenger", "not in a vehicle"),
    "driver with a pedestrian location": (
        report(casualties=[casualty(1, pedestrian_location=5)]), "casualties.0.pedestrian_location",
        "Only a pedestrian"),
    "driver with a pedestrian movement": (
        report(casualties=[casualty(1, pedestrian_movement=3)]), "casualties.0.pedestrian_movement",
        "Only a pedestrian"),
    "occupant without a vehicle": (
        report(casualties=[casualty(1, None)]), "casualties.0.vehicle_reference", "give its vehicle reference"),
    "vehicle reference that does not exist": (
        report(casualties=[casualty(1, 2)]), "casualties.0.vehicle_reference", "no vehicle 2"),
    "pedestrian naming a missing vehicle": (
        report(casualties=[casualty(1), pedestrian(2, 3)]), "casualties.1.vehicle_reference", "no vehicle 3"),
    "pedestrian with several vehicles and none named": (
        report(vehicles=[vehicle(1, junction_location=1), vehicle(2, junction_location=1)],
               casualties=[pedestrian(1, None)]), "casualties.0.vehicle_reference", "struck the pedestrian"),
    "vehicle numbered twice": (
        report(vehicles=[vehicle(1, junction_location=1), vehicle(1, junction_location=1)]),
        "vehicles.1.vehicle_reference", "numbered twice"),
    "vehicles not numbered from 1": (
        report(vehicles=[vehicle(2, junction_location=1)], casualties=[casualty(1, 2)]),
        "vehicles.0.vehicle_reference", "run from 1 to 1"),
    "casualty numbered twice": (
        report(casualties=[casualty(1), casualty(1, casualty_class=2)]), "casualties.1.casualty_reference",
        "numbered twice"),
    "not at a junction but a junction control": (
        report(junction_detail=0, second_road_class=None, vehicles=[vehicle(1)], junction_control=2),
        "junction_control", "Not at a junction"),
    "not at a junction but a second road": (
        report(junction_detail=0, junction_control=None, vehicles=[vehicle(1)], second_road_class=3,
               second_road_number=4074), "second_road_class", "no second road"),
    "not at a junction but a vehicle in a junction": (
        report(junction_detail=0, junction_control=None, second_road_class=None,
               vehicles=[vehicle(1, junction_location=4)]), "vehicles.0.junction_location", "not at a junction"),
    "at a junction without its control": (
        report(junction_control=None), "junction_control", "how it is controlled"),
    "at a junction without a second road": (
        report(second_road_class=None), "second_road_class", "class of the second road"),
    "A road without its number": (report(first_road_number=None), "first_road_number", "has a number"),
    "unclassified road with a number": (
        report(first_road_class=6, first_road_number=12), "first_road_number", "no official number"),
    "speed limit not in the list": (report(speed_limit=35), "speed_limit", "not a STATS19 code"),
    "date in the future": (report(date=TOMORROW), "date", "cannot be in the future"),
    "time later today": (report(date=LATER_TODAY.date().isoformat(), time=LATER_TODAY.strftime("%H:%M")),
                         "time" if LATER_TODAY.date() == datetime.now(UK).date() else "date", "in the future"),
    "driver aged 121": (report(vehicles=[vehicle(1, junction_location=1, age_of_driver=121)]),
                        "vehicles.0.age_of_driver", "0 to 120"),
    "casualty aged -2": (report(casualties=[casualty(1, age_of_casualty=-2)]), "casualties.0.age_of_casualty",
                         "0 to 120"),
    "grid reference outside Great Britain": (report(easting=720_000), "easting", "outside Great Britain"),
    "latitude and longitude outside Great Britain": (
        report(easting=None, northing=None, latitude=48.85, longitude=2.35), "latitude", "outside Great Britain"),
    "two coordinate pairs that disagree": (
        report(latitude=51.75, longitude=-1.25), "latitude", "apart"),
    "no location": (report(easting=None, northing=None), "easting", "Give the location"),
    "easting without northing": (report(northing=None), "northing", "needs both"),
    "casualty type not matching the vehicle": (
        report(casualties=[casualty(1, casualty_type=11)]), "casualties.0.casualty_type", "must match"),
    "car passenger seat given for a driver": (
        report(casualties=[casualty(1, car_passenger=1)]), "casualties.0.car_passenger", "only to a passenger"),
    "car passenger without a seat": (
        report(casualties=[casualty(1), casualty(2, casualty_class=2)]), "casualties.1.car_passenger",
        "front or rear"),
    "two drivers in one vehicle": (
        report(casualties=[casualty(1), casualty(2)]), "casualties.1.casualty_class", "already has a driver"),
    "e-scooter not recorded as other vehicle": (
        report(vehicles=[vehicle(1, junction_location=1, escooter=True)]), "vehicles.0.vehicle_type", "e-scooter"),
    "light condition not in the list": (report(light_conditions=2), "light_conditions", "not a STATS19 code"),
}


def test_each_broken_rule_is_refused_and_nothing_is_stored(client, db, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    wrong = []
    for name, (body, field, words) in BROKEN.items():
        answer = client.post(API, json=body, headers=auth)
        problems = fields(answer) if answer.headers["content-type"].startswith("application/problem+json") else {}
        if answer.status_code not in (400, 422) or words not in problems.get(field, ""):
            wrong.append(f"{name}: {answer.status_code} {problems}")
        if db.scalar(select(func.count()).select_from(Record)):
            wrong.append(f"{name}: a record was stored")
    assert not wrong, "\n".join(wrong)
    # Nothing about any refused report reached the audit log either.
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.event.like("records.%"))) == 0


def test_every_problem_is_reported_at_once(client, make_user):
    officer = make_user("officer")
    body = report(severity=1, first_road_number=None, vehicles=[vehicle(1, junction_location=1, age_of_driver=200)])
    answer = client.post(API, json=body, headers=bearer(client, officer.username))
    assert answer.status_code == 400
    assert {"severity", "first_road_number", "vehicles.0.age_of_driver"} <= set(fields(answer))
    assert answer.json()["hint"]


def test_a_valid_report_with_every_kind_of_casualty_is_accepted(client, make_user):
    officer = make_user("officer")
    body = report(severity=1, vehicles=[vehicle(1, junction_location=1),
                                        vehicle(2, vehicle_type=11, junction_location=2)],
                  casualties=[casualty(1, casualty_severity=1), casualty(2, casualty_class=2, car_passenger=2),
                              casualty(3, 2, casualty_class=2, bus_or_coach_passenger=3, casualty_severity=2),
                              pedestrian(4, 2, pedestrian_road_maintenance_worker=1)])
    answer = client.post(API, json=body, headers=bearer(client, officer.username))
    assert answer.status_code == 201, answer.text
    assert [c["casualty_type"] for c in answer.json()["casualties"]] == [9, 9, 11, 0]
