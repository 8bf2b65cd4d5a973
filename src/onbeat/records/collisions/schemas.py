"""What the API takes and gives for a collision report: the collision, its vehicles, its casualties.

Each coded field accepts only a code of its STATS19 list (`codes.py`; the OpenAPI document lists
them). Rules between fields (severity, pedestrians, junctions, references...) are in `rules.py`.
"""

from __future__ import annotations

import uuid
from datetime import date as Date, datetime, time as Time
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from onbeat.records.collisions import codes
from onbeat.records.core.schemas import RecordOut
from onbeat.records.pole.schemas import PersonRef, VehicleRef


def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


def Coded(field: str, codes_: dict[int, str] | None = None, description: str = ""):  # noqa: N802 - a type
    """An int that must be a code of `field`'s STATS19 list."""
    allowed = codes_ if codes_ is not None else codes.FIELDS[field]

    def check(value: int) -> int:
        if value not in allowed:
            choices = ", ".join(f"{k} ({v})" for k, v in allowed.items())
            raise ValueError(f"{value} is not a STATS19 code for {field}: use one of {choices}")
        return value

    text = description or f"STATS19 {field}"
    return Annotated[int, AfterValidator(check), Field(description=text, json_schema_extra={"enum": list(allowed)})]


OnsCode = Annotated[Annotated[str, Field(pattern=r"^[EWS]\d{8}$")] | None, BeforeValidator(_blank_to_none),
                    Field(None, description="ONS area code, e.g. E06000038 (Reading)")]


class VehicleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vehicle_reference: int = Field(ge=1, le=99, description="1 for the first vehicle, 2 for the second...")
    vehicle_type: Coded("vehicle_type")
    towing_and_articulation: Coded("towing_and_articulation") = 0
    vehicle_manoeuvre: Coded("vehicle_manoeuvre")
    vehicle_direction_from: Coded("vehicle_direction_from") = -1
    vehicle_direction_to: Coded("vehicle_direction_to") = -1
    vehicle_location_restricted_lane: Coded("vehicle_location_restricted_lane") = 0
    junction_location: Coded("junction_location", description="Required at a junction; 0 when not at one") | None = None
    skidding_and_overturning: Coded("skidding_and_overturning") = 0
    hit_object_in_carriageway: Coded("hit_object_in_carriageway") = 0
    vehicle_leaving_carriageway: Coded("vehicle_leaving_carriageway") = 0
    hit_object_off_carriageway: Coded("hit_object_off_carriageway") = 0
    first_point_of_impact: Coded("first_point_of_impact")
    vehicle_left_hand_drive: Coded("vehicle_left_hand_drive") = 1
    journey_purpose_of_driver: Coded("journey_purpose_of_driver")
    sex_of_driver: Coded("sex_of_driver")
    age_of_driver: int = Field(description="Years, 0 to 120; -1 if not known")
    engine_capacity_cc: int = Field(-1, ge=-1, le=99_999, description="cc; -1 if not known")
    propulsion_code: Coded("propulsion_code") = -1
    age_of_vehicle: int = Field(-1, ge=-1, le=150, description="Years since first registration; -1 if not known")
    escooter: bool = Field(False, description="An e-scooter (recorded as vehicle type 90, other vehicle)")
    vehicle: VehicleRef | None = Field(None, description="Registration and description, for the POLE store")
    driver: PersonRef | None = Field(None, description="The driver or rider, when known")


class CasualtyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    casualty_reference: int = Field(ge=1, le=999, description="1 for the first casualty, 2 for the second...")
    vehicle_reference: int | None = Field(None, ge=1, le=99, description=(
        "The vehicle the casualty was in or on; for a pedestrian, the vehicle that struck them "
        "(may be left out when there is only one vehicle)"))
    casualty_class: Coded("casualty_class")
    sex_of_casualty: Coded("sex_of_casualty")
    age_of_casualty: int = Field(description="Years, 0 to 120; -1 if not known")
    casualty_severity: Coded("casualty_severity")
    pedestrian_location: Coded("pedestrian_location") = 0
    pedestrian_movement: Coded("pedestrian_movement") = 0
    car_passenger: Coded("car_passenger") = 0
    bus_or_coach_passenger: Coded("bus_or_coach_passenger") = 0
    pedestrian_road_maintenance_worker: Coded("pedestrian_road_maintenance_worker") = 0
    casualty_type: Coded("casualty_type", description="Derived from the vehicle type when left out") | None = None
    person: PersonRef | None = Field(None, description="The casualty, when known")


class CollisionIn(BaseModel):
    """A whole collision report. Give the location as easting/northing or latitude/longitude (or both)."""
    model_config = ConfigDict(extra="forbid")
    client_uuid: uuid.UUID = Field(description="Made by the device; sending the same report again returns it")
    date: Date = Field(description="UK date of the collision")
    time: Time = Field(description="UK time of the collision, HH:MM")
    place: Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
                     Field(min_length=3, max_length=300, description="Where: road names, landmarks")]
    easting: float | None = Field(None, description="British National Grid, metres")
    northing: float | None = Field(None, description="British National Grid, metres")
    latitude: float | None = Field(None, ge=-90, le=90, description="WGS84 degrees")
    longitude: float | None = Field(None, ge=-180, le=180, description="WGS84 degrees")
    incident_number: Annotated[Annotated[str, Field(max_length=20)] | None, BeforeValidator(_blank_to_none),
                               Field(None, description="The command-and-control incident log number")]
    local_authority_ons_district: OnsCode = None
    local_authority_highway: OnsCode = None
    severity: Coded("collision_severity")
    first_road_class: Coded("first_road_class")
    first_road_number: int | None = Field(None, ge=0, le=9999, description="0 for C and unclassified roads")
    road_type: Coded("road_type")
    speed_limit: Coded("speed_limit", {s: f"{s} mph" for s in codes.SPEED_LIMITS})
    junction_detail: Coded("junction_detail")
    junction_control: Coded("junction_control", description="Required at a junction; 0 when not at one") | None = None
    second_road_class: Coded("second_road_class") | None = None
    second_road_number: int | None = Field(None, ge=0, le=9999)
    pedestrian_crossing_human_control: Coded("pedestrian_crossing_human_control") = 0
    pedestrian_crossing_physical_facilities: Coded("pedestrian_crossing_physical_facilities") = 0
    light_conditions: Coded("light_conditions")
    weather_conditions: Coded("weather_conditions")
    road_surface_conditions: Coded("road_surface_conditions")
    special_conditions_at_site: Coded("special_conditions_at_site") = 0
    carriageway_hazards: Coded("carriageway_hazards") = 0
    urban_or_rural_area: Coded("urban_or_rural_area")
    police_attended: Coded("did_police_officer_attend_scene_of_accident")
    trunk_road_flag: Coded("trunk_road_flag") = -1
    vehicles: list[VehicleIn] = Field(max_length=99)
    casualties: list[CasualtyIn] = Field(max_length=999)


# --- out ------------------------------------------------------------------------------------------

class VehicleOut(BaseModel):
    vehicle_reference: int
    vehicle_type: int
    towing_and_articulation: int
    vehicle_manoeuvre: int
    vehicle_direction_from: int
    vehicle_direction_to: int
    vehicle_location_restricted_lane: int
    junction_location: int
    skidding_and_overturning: int
    hit_object_in_carriageway: int
    vehicle_leaving_carriageway: int
    hit_object_off_carriageway: int
    first_point_of_impact: int
    vehicle_left_hand_drive: int
    journey_purpose_of_driver: int
    sex_of_driver: int
    age_of_driver: int
    age_band_of_driver: int
    engine_capacity_cc: int
    propulsion_code: int
    age_of_vehicle: int
    escooter: bool
    registration: str | None
    vehicle_entity_id: uuid.UUID | None
    driver_person_id: uuid.UUID | None


class CasualtyOut(BaseModel):
    casualty_reference: int
    vehicle_reference: int
    casualty_class: int
    sex_of_casualty: int
    age_of_casualty: int
    age_band_of_casualty: int
    casualty_severity: int
    pedestrian_location: int
    pedestrian_movement: int
    car_passenger: int
    bus_or_coach_passenger: int
    pedestrian_road_maintenance_worker: int
    casualty_type: int
    person_id: uuid.UUID | None


class CollisionOut(BaseModel):
    record: RecordOut
    collision_index: str = Field(description="The DfT collision_index: year, force code and in-year reference")
    police_force: int
    severity: int
    date: Date
    time: str
    day_of_week: int
    easting: int
    northing: int
    latitude: float
    longitude: float
    local_authority_ons_district: str | None
    local_authority_highway: str | None
    first_road_class: int
    first_road_number: int
    road_type: int
    speed_limit: int
    junction_detail: int
    junction_control: int
    second_road_class: int
    second_road_number: int
    pedestrian_crossing_human_control: int
    pedestrian_crossing_physical_facilities: int
    light_conditions: int
    weather_conditions: int
    road_surface_conditions: int
    special_conditions_at_site: int
    carriageway_hazards: int
    urban_or_rural_area: int
    police_attended: int
    trunk_road_flag: int
    number_of_vehicles: int
    number_of_casualties: int
    vehicles: list[VehicleOut]
    casualties: list[CasualtyOut]


class CollisionSummary(BaseModel):
    id: uuid.UUID
    reference: str
    state: str
    occurred_at: datetime
    place: str | None
    severity: int
    severity_label: str
    number_of_vehicles: int
    number_of_casualties: int


class CollisionPage(BaseModel):
    items: list[CollisionSummary]
    page: int
    size: int
    total: int
    pages: int
