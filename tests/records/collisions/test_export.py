"""The STATS19 export: the DfT column layout, values from the code lists, approved reports only
unless asked, and the whole flow from an officer's report to the supervisor's approval."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from onbeat.records.collisions import export
from tests.conftest import bearer
from tests.records.collisions.helpers import API, casualty, pedestrian, report, vehicle

# The published layout (road safety open data guide 2025, 2024 data files), written out here
# rather than read from the code under test.
COLLISION_HEADER = (
    "collision_index,collision_year,collision_ref_no,location_easting_osgr,location_northing_osgr,longitude,latitude,"
    "police_force,collision_severity,number_of_vehicles,number_of_casualties,date,day_of_week,time,"
    "local_authority_district,local_authority_ons_district,local_authority_highway,local_authority_highway_current,"
    "first_road_class,first_road_number,road_type,speed_limit,junction_detail_historic,junction_detail,"
    "junction_control,second_road_class,second_road_number,pedestrian_crossing_human_control_historic,"
    "pedestrian_crossing_physical_facilities_historic,pedestrian_crossing,light_conditions,weather_conditions,"
    "road_surface_conditions,special_conditions_at_site,carriageway_hazards_historic,carriageway_hazards,"
    "urban_or_rural_area,did_police_officer_attend_scene_of_accident,trunk_road_flag,lsoa_of_accident_location,"
    "enhanced_severity_collision,collision_injury_based,collision_adjusted_severity_serious,"
    "collision_adjusted_severity_slight").split(",")
VEHICLE_HEADER = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,vehicle_type,towing_and_articulation,"
    "vehicle_manoeuvre_historic,vehicle_manoeuvre,vehicle_direction_from,vehicle_direction_to,"
    "vehicle_location_restricted_lane_historic,vehicle_location_restricted_lane,junction_location,"
    "skidding_and_overturning,hit_object_in_carriageway,vehicle_leaving_carriageway,hit_object_off_carriageway,"
    "first_point_of_impact,vehicle_left_hand_drive,journey_purpose_of_driver_historic,journey_purpose_of_driver,"
    "sex_of_driver,age_of_driver,age_band_of_driver,engine_capacity_cc,propulsion_code,age_of_vehicle,"
    "generic_make_model,driver_imd_decile,lsoa_of_driver,escooter_flag,driver_distance_banding").split(",")
CASUALTY_HEADER = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,casualty_class,"
    "sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,pedestrian_movement,"
    "car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,casualty_imd_decile,"
    "lsoa_of_casualty,enhanced_casualty_severity,casualty_injury_based,casualty_adjusted_severity_serious,"
    "casualty_adjusted_severity_slight,casualty_distance_banding").split(",")
HEADERS = {"collision": COLLISION_HEADER, "vehicle": VEHICLE_HEADER, "casualty": CASUALTY_HEADER}
# Columns that hold numbers, dates, text or identifiers rather than codes.
NOT_CODED = {"collision_index", "collision_year", "collision_ref_no", "location_easting_osgr",
             "location_northing_osgr", "longitude", "latitude", "number_of_vehicles", "number_of_casualties", "date",
             "time", "local_authority_district", "local_authority_ons_district", "local_authority_highway",
             "local_authority_highway_current", "first_road_number", "second_road_number", "lsoa_of_accident_location",
             "collision_adjusted_severity_serious", "collision_adjusted_severity_slight", "vehicle_reference",
             "age_of_driver", "engine_capacity_cc", "age_of_vehicle", "generic_make_model", "lsoa_of_driver",
             "casualty_reference", "age_of_casualty", "lsoa_of_casualty", "casualty_adjusted_severity_serious",
             "casualty_adjusted_severity_slight"}


def _reports(year_of: str) -> list[dict]:
    return [
        report(),
        report(date=f"{year_of}-03-07", time="17:45", severity=1, junction_detail=0, junction_control=None,
               second_road_class=None, first_road_class=1, first_road_number=40, road_type=3, speed_limit=70,
               light_conditions=4, weather_conditions=2, road_surface_conditions=2, urban_or_rural_area=2,
               vehicles=[vehicle(1, vehicle_type=21, escooter=False, age_of_driver=-1),
                         vehicle(2, vehicle_type=3, vehicle_manoeuvre=13, first_point_of_impact=2)],
               casualties=[casualty(1, 2, casualty_severity=1, age_of_casualty=19),
                           casualty(2, 1, sex_of_casualty=-1, age_of_casualty=-1)]),
        report(severity=2, casualties=[casualty(1), pedestrian(2, casualty_severity=2)]),
    ]


def _table(client, auth, year: int, table: str, **params) -> list[dict]:
    answer = client.get(f"{API}/export", params={"year": year, "table": table, **params}, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(answer.text))
    header = next(reader)
    assert header == HEADERS[table]
    return [dict(zip(header, row, strict=True)) for row in reader]


def test_full_flow_to_approval_and_the_export(client, db, make_user):
    officer, supervisor = make_user("officer"), make_user("supervisor")
    mine, boss = bearer(client, officer.username), bearer(client, supervisor.username)
    year = datetime.now().year
    ids = []
    for body in _reports(str(year)):
        created = client.post(API, json=body, headers=mine)
        assert created.status_code == 201, created.text
        ids.append(created.json()["record"]["id"])
    # Drafts are not exported, even when submitted reports are asked for.
    assert _table(client, boss, year, "collision", include_submitted="true") == []
    for record_id in ids[:2]:
        assert client.post(f"/api/records/{record_id}/submit", headers=mine).status_code == 200
    assert _table(client, boss, year, "collision") == []
    assert len(_table(client, boss, year, "collision", include_submitted="true")) == 2
    approved = client.post(f"/api/records/{ids[0]}/approve", json={"comment": "Checked"}, headers=boss)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    # An approved report cannot be edited any more.
    assert client.put(f"{API}/{ids[0]}", json=_reports(str(year))[0], headers=mine).status_code == 409
    rows = _table(client, boss, year, "collision")
    assert len(rows) == 1 and rows[0]["collision_severity"] == "3"
    read = client.get(f"{API}/{ids[0]}", headers={**boss, "X-Purpose": "STATS19 check"}).json()
    assert rows[0]["collision_index"] == read["collision_index"]
    assert rows[0]["collision_index"] == rows[0]["collision_year"] + rows[0]["collision_ref_no"]
    assert rows[0]["police_force"] == "43" and rows[0]["collision_ref_no"].startswith("43")
    exports = db.scalars(select(AuditEntry).where(AuditEntry.event == "records.collision.exported")).all()
    assert exports and all(e.action == "disclose" and e.purpose for e in exports)


def test_every_column_is_in_the_layout_and_every_code_in_its_list(client, make_user):
    officer, supervisor = make_user("officer"), make_user("supervisor")
    mine, boss = bearer(client, officer.username), bearer(client, supervisor.username)
    year = datetime.now().year
    for body in _reports(str(year)):
        record_id = client.post(API, json=body, headers=mine).json()["record"]["id"]
        assert client.post(f"/api/records/{record_id}/submit", headers=mine).status_code == 200
        assert client.post(f"/api/records/{record_id}/approve", json={}, headers=boss).status_code == 200
    tables = {t: _table(client, boss, year, t) for t in export.TABLES}
    assert (len(tables["collision"]), len(tables["vehicle"]), len(tables["casualty"])) == (3, 4, 5)
    for table, rows in tables.items():
        for row in rows:
            for column, value in row.items():
                if column in NOT_CODED:
                    continue
                allowed = export.code_list(column)
                assert allowed is not None, f"{table}.{column} has no code list"
                assert int(value) in allowed, f"{table}.{column} = {value} is not one of its codes"
    for row in tables["collision"]:
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", row["date"]) and re.fullmatch(r"\d\d:\d\d", row["time"])
        assert int(row["number_of_vehicles"]) == sum(v["collision_index"] == row["collision_index"]
                                                     for v in tables["vehicle"])
        assert 0 <= int(row["location_easting_osgr"]) < 700_000 and -9 < float(row["longitude"]) < 2
    motorway = next(r for r in tables["collision"] if r["first_road_class"] == "1")
    assert motorway["date"] == f"07/03/{year}" and motorway["time"] == "17:45"
    assert motorway["junction_detail_historic"] == "0" and motorway["second_road_class"] == "0"
    pedestrian_row = next(r for r in tables["casualty"] if r["casualty_class"] == "3")
    assert pedestrian_row["casualty_type"] == "0" and pedestrian_row["age_band_of_casualty"] == "2"


def test_zip_holds_the_three_tables(client, make_user):
    supervisor = make_user("supervisor")
    answer = client.get(f"{API}/export", params={"year": 2026}, headers=bearer(client, supervisor.username))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as z:
        names = sorted(z.namelist())
        assert names == sorted(f"stats19-{t}-2026-force-43.csv" for t in export.TABLES)
        for table in export.TABLES:
            assert z.read(f"stats19-{table}-2026-force-43.csv").decode().splitlines() == [",".join(HEADERS[table])]


def test_export_needs_the_export_permission(client, make_user):
    officer = make_user("officer")
    answer = client.get(f"{API}/export", params={"year": 2026, "table": "collision"},
                        headers=bearer(client, officer.username))
    assert answer.status_code == 403


def test_force_code_comes_from_the_setting(client, make_user, settings):
    settings(collisions_force_code=44)
    officer, supervisor = make_user("officer"), make_user("supervisor")
    mine, boss = bearer(client, officer.username), bearer(client, supervisor.username)
    created = client.post(API, json=report(), headers=mine)
    assert created.json()["police_force"] == 44 and created.json()["collision_index"][4:6] == "44"
