"""The STATS19 return: collision, vehicle and casualty CSV files in the Department for Transport's
column layout, as published with the road safety open data guide 2025 (the 2024 data files:
`collision_index`, `collision_year`, `collision_ref_no`, ..., in that order).

What OnBeat does not record is written as the guide's "missing" value, -1:
- the six fields the 2024 STATS19 revision re-coded (junction_detail, pedestrian_crossing,
  carriageway_hazards, vehicle_manoeuvre, vehicle_location_restricted_lane,
  journey_purpose_of_driver): OnBeat records them on the earlier lists, which go in the matching
  `_historic` columns;
- what the Department derives itself from postcodes and boundaries (LSOA, IMD decile, distance
  bands, the pre-2019 local_authority_district number, generic make and model) and the enhanced
  severities. collision/casualty_injury_based is 0 (severity, not injury-code, reporting) and the
  adjusted-severity weights, which the Department computes, are left empty.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.time import uk
from onbeat.records.collisions import codes
from onbeat.records.collisions.models import Collision, CollisionCasualty, CollisionVehicle
from onbeat.records.collisions.service import KIND, collision_index, day_of_week, uk_day_start
from onbeat.records.core.models import Record

TABLES = ("collision", "vehicle", "casualty")
INDEX = ["collision_index", "collision_year", "collision_ref_no"]

COLLISION_COLUMNS = INDEX + [
    "location_easting_osgr", "location_northing_osgr", "longitude", "latitude", "police_force", "collision_severity",
    "number_of_vehicles", "number_of_casualties", "date", "day_of_week", "time", "local_authority_district",
    "local_authority_ons_district", "local_authority_highway", "local_authority_highway_current", "first_road_class",
    "first_road_number", "road_type", "speed_limit", "junction_detail_historic", "junction_detail",
    "junction_control", "second_road_class", "second_road_number", "pedestrian_crossing_human_control_historic",
    "pedestrian_crossing_physical_facilities_historic", "pedestrian_crossing", "light_conditions",
    "weather_conditions", "road_surface_conditions", "special_conditions_at_site", "carriageway_hazards_historic",
    "carriageway_hazards", "urban_or_rural_area", "did_police_officer_attend_scene_of_accident", "trunk_road_flag",
    "lsoa_of_accident_location", "enhanced_severity_collision", "collision_injury_based",
    "collision_adjusted_severity_serious", "collision_adjusted_severity_slight"]
VEHICLE_COLUMNS = INDEX + [
    "vehicle_reference", "vehicle_type", "towing_and_articulation", "vehicle_manoeuvre_historic", "vehicle_manoeuvre",
    "vehicle_direction_from", "vehicle_direction_to", "vehicle_location_restricted_lane_historic",
    "vehicle_location_restricted_lane", "junction_location", "skidding_and_overturning", "hit_object_in_carriageway",
    "vehicle_leaving_carriageway", "hit_object_off_carriageway", "first_point_of_impact", "vehicle_left_hand_drive",
    "journey_purpose_of_driver_historic", "journey_purpose_of_driver", "sex_of_driver", "age_of_driver",
    "age_band_of_driver", "engine_capacity_cc", "propulsion_code", "age_of_vehicle", "generic_make_model",
    "driver_imd_decile", "lsoa_of_driver", "escooter_flag", "driver_distance_banding"]
CASUALTY_COLUMNS = INDEX + [
    "vehicle_reference", "casualty_reference", "casualty_class", "sex_of_casualty", "age_of_casualty",
    "age_band_of_casualty", "casualty_severity", "pedestrian_location", "pedestrian_movement", "car_passenger",
    "bus_or_coach_passenger", "pedestrian_road_maintenance_worker", "casualty_type", "casualty_imd_decile",
    "lsoa_of_casualty", "enhanced_casualty_severity", "casualty_injury_based", "casualty_adjusted_severity_serious",
    "casualty_adjusted_severity_slight", "casualty_distance_banding"]
COLUMNS = {"collision": COLLISION_COLUMNS, "vehicle": VEHICLE_COLUMNS, "casualty": CASUALTY_COLUMNS}

# The 2024-revised columns OnBeat leaves at -1 (its values are in the `_historic` column beside each).
REVISED = ("junction_detail", "pedestrian_crossing", "carriageway_hazards", "vehicle_manoeuvre",
           "vehicle_location_restricted_lane", "journey_purpose_of_driver")
NOT_RECORDED = {-1: codes.MISSING}
_HISTORIC_OF = {"junction_detail_historic": "junction_detail",
                "pedestrian_crossing_human_control_historic": "pedestrian_crossing_human_control",
                "pedestrian_crossing_physical_facilities_historic": "pedestrian_crossing_physical_facilities",
                "carriageway_hazards_historic": "carriageway_hazards",
                "vehicle_manoeuvre_historic": "vehicle_manoeuvre",
                "vehicle_location_restricted_lane_historic": "vehicle_location_restricted_lane",
                "journey_purpose_of_driver_historic": "journey_purpose_of_driver"}


def code_list(column: str) -> dict[int, str] | None:
    """The code list a coded column's values come from (None for numbers, dates and text)."""
    if column in REVISED:
        return NOT_RECORDED
    return codes.FIELDS.get(_HISTORIC_OF.get(column, column))


def _collisions(db: Session, year: int, include_submitted: bool) -> list[tuple[Record, Collision]]:
    states = ("submitted", "approved") if include_submitted else ("approved",)
    return list(db.execute(
        select(Record, Collision).join(Collision, Collision.record_id == Record.id)
        .where(Record.kind == KIND, Record.state.in_(states),
               Record.occurred_at >= uk_day_start(date(year, 1, 1)),
               Record.occurred_at < uk_day_start(date(year + 1, 1, 1)))
        .order_by(Record.occurred_at, Record.reference)).all())


def _children(db: Session, model, record_ids: list) -> dict:
    out: dict = {rid: [] for rid in record_ids}
    order = model.vehicle_reference if model is CollisionVehicle else model.casualty_reference
    for row in db.execute(select(model).where(model.record_id.in_(record_ids)).order_by(order)).scalars():
        out[row.record_id].append(row)
    return out


def rows(db: Session, year: int, include_submitted: bool = False) -> dict[str, list[list]]:
    """table -> its rows (each a list in the table's column order), for the collisions of `year`."""
    found = _collisions(db, year, include_submitted)
    ids = [r.id for r, _ in found]
    vehicles, casualties = _children(db, CollisionVehicle, ids), _children(db, CollisionCasualty, ids)
    out: dict[str, list[list]] = {t: [] for t in TABLES}
    for record, c in found:
        index = list(collision_index(record, c.police_force))
        out["collision"].append(index + _collision(record, c, len(vehicles[record.id]), len(casualties[record.id])))
        out["vehicle"].extend(index + _vehicle(v) for v in vehicles[record.id])
        out["casualty"].extend(index + _casualty(x) for x in casualties[record.id])
    return out


def _collision(record: Record, c: Collision, n_vehicles: int, n_casualties: int) -> list:
    local = uk(record.occurred_at)
    return [round(c.easting), round(c.northing), f"{record.longitude:.6f}", f"{record.latitude:.6f}", c.police_force,
            c.severity, n_vehicles, n_casualties, local.strftime("%d/%m/%Y"), day_of_week(local.date()),
            local.strftime("%H:%M"), -1, c.local_authority_ons_district or -1, c.local_authority_highway or -1,
            c.local_authority_highway or -1, c.first_road_class, c.first_road_number, c.road_type, c.speed_limit,
            c.junction_detail, -1, c.junction_control, c.second_road_class, c.second_road_number,
            c.pedestrian_crossing_human_control, c.pedestrian_crossing_physical_facilities, -1, c.light_conditions,
            c.weather_conditions, c.road_surface_conditions, c.special_conditions_at_site, c.carriageway_hazards, -1,
            c.urban_or_rural_area, c.police_attended, c.trunk_road_flag, -1, -1, 0, "", ""]


def _vehicle(v: CollisionVehicle) -> list:
    return [v.vehicle_reference, v.vehicle_type, v.towing_and_articulation, v.vehicle_manoeuvre, -1,
            v.vehicle_direction_from, v.vehicle_direction_to, v.vehicle_location_restricted_lane, -1,
            v.junction_location, v.skidding_and_overturning, v.hit_object_in_carriageway,
            v.vehicle_leaving_carriageway, v.hit_object_off_carriageway, v.first_point_of_impact,
            v.vehicle_left_hand_drive, v.journey_purpose_of_driver, -1, v.sex_of_driver, v.age_of_driver,
            codes.age_band(v.age_of_driver), v.engine_capacity_cc, v.propulsion_code, v.age_of_vehicle, -1, -1, -1,
            1 if v.escooter else 0, -1]


def _casualty(x: CollisionCasualty) -> list:
    return [x.vehicle_reference, x.casualty_reference, x.casualty_class, x.sex_of_casualty, x.age_of_casualty,
            codes.age_band(x.age_of_casualty), x.casualty_severity, x.pedestrian_location, x.pedestrian_movement,
            x.car_passenger, x.bus_or_coach_passenger, x.pedestrian_road_maintenance_worker, x.casualty_type, -1, -1,
            -1, 0, "", "", -1]


def to_csv(table: str, table_rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS[table])
    writer.writerows(table_rows)
    return buffer.getvalue()


def file_name(table: str, year: int, force: int | str) -> str:
    return f"stats19-{table}-{year}-force-{force}.csv"


def to_zip(all_rows: dict[str, list[list]], year: int, force: int | str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for table in TABLES:
            z.writestr(file_name(table, year, force), to_csv(table, all_rows[table]))
    return buffer.getvalue()
