"""Tables of records.collisions: the three linked STATS19 tables (collision, vehicle, casualty).

Each collision report is a records-core `Record` of kind `collision`; its date, time, place and
WGS84 position live on that header, the STATS19 details here. Codes are the STATS19 code lists
(`codes.py`); the rules between fields are checked before anything is written (`rules.py`).
"""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, uuid_pk


def _code() -> Mapped[int]:
    return mapped_column(SmallInteger)


class Collision(Base):
    """The collision (DfT's 'accident' table): one row per collision report."""

    __tablename__ = "collisions"
    __table_args__ = (
        CheckConstraint("severity between 1 and 3", name="severity"),
        CheckConstraint("speed_limit in (20, 30, 40, 50, 60, 70)", name="speed_limit"),
        CheckConstraint("easting >= 0 and easting < 700000 and northing >= 0 and northing < 1300000", name="grid"),
    )
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    police_force: Mapped[int] = _code()
    severity: Mapped[int] = _code()
    easting: Mapped[float] = mapped_column(Float)
    northing: Mapped[float] = mapped_column(Float)
    local_authority_ons_district: Mapped[str | None] = mapped_column(String(9))
    local_authority_highway: Mapped[str | None] = mapped_column(String(9))
    first_road_class: Mapped[int] = _code()
    first_road_number: Mapped[int] = mapped_column(Integer)
    road_type: Mapped[int] = _code()
    speed_limit: Mapped[int] = _code()
    junction_detail: Mapped[int] = _code()
    junction_control: Mapped[int] = _code()
    second_road_class: Mapped[int] = _code()
    second_road_number: Mapped[int] = mapped_column(Integer)
    pedestrian_crossing_human_control: Mapped[int] = _code()
    pedestrian_crossing_physical_facilities: Mapped[int] = _code()
    light_conditions: Mapped[int] = _code()
    weather_conditions: Mapped[int] = _code()
    road_surface_conditions: Mapped[int] = _code()
    special_conditions_at_site: Mapped[int] = _code()
    carriageway_hazards: Mapped[int] = _code()
    urban_or_rural_area: Mapped[int] = _code()
    police_attended: Mapped[int] = _code()
    trunk_road_flag: Mapped[int] = _code()


class CollisionVehicle(Base):
    """One vehicle in a collision, numbered 1..n within it."""

    __tablename__ = "collision_vehicles"
    __table_args__ = (
        UniqueConstraint("record_id", "vehicle_reference", name="uq_collision_vehicles_reference"),
        CheckConstraint("vehicle_reference >= 1", name="reference"),
        CheckConstraint("age_of_driver between -1 and 120", name="age_of_driver"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("collisions.record_id", ondelete="CASCADE"), index=True)
    vehicle_reference: Mapped[int] = _code()
    vehicle_type: Mapped[int] = _code()
    towing_and_articulation: Mapped[int] = _code()
    vehicle_manoeuvre: Mapped[int] = _code()
    vehicle_direction_from: Mapped[int] = _code()
    vehicle_direction_to: Mapped[int] = _code()
    vehicle_location_restricted_lane: Mapped[int] = _code()
    junction_location: Mapped[int] = _code()
    skidding_and_overturning: Mapped[int] = _code()
    hit_object_in_carriageway: Mapped[int] = _code()
    vehicle_leaving_carriageway: Mapped[int] = _code()
    hit_object_off_carriageway: Mapped[int] = _code()
    first_point_of_impact: Mapped[int] = _code()
    vehicle_left_hand_drive: Mapped[int] = _code()
    journey_purpose_of_driver: Mapped[int] = _code()
    sex_of_driver: Mapped[int] = _code()
    age_of_driver: Mapped[int] = _code()
    engine_capacity_cc: Mapped[int] = mapped_column(Integer)
    propulsion_code: Mapped[int] = _code()
    age_of_vehicle: Mapped[int] = _code()
    escooter: Mapped[bool] = mapped_column(default=False)
    registration: Mapped[str | None] = mapped_column(String(20))
    # The POLE store's vehicle (by registration) and the driver, when known.
    vehicle_entity_id: Mapped[uuid.UUID | None] = mapped_column()
    driver_person_id: Mapped[uuid.UUID | None] = mapped_column()


class CollisionCasualty(Base):
    """One casualty, numbered 1..n within the collision, and the vehicle they were in or hit by."""

    __tablename__ = "collision_casualties"
    __table_args__ = (
        UniqueConstraint("record_id", "casualty_reference", name="uq_collision_casualties_reference"),
        CheckConstraint("casualty_reference >= 1", name="reference"),
        CheckConstraint("casualty_class between 1 and 3", name="casualty_class"),
        CheckConstraint("casualty_severity between 1 and 3", name="casualty_severity"),
        CheckConstraint("age_of_casualty between -1 and 120", name="age_of_casualty"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("collisions.record_id", ondelete="CASCADE"), index=True)
    casualty_reference: Mapped[int] = _code()
    # For a pedestrian, the vehicle that struck them; otherwise the vehicle they were in or on.
    vehicle_reference: Mapped[int] = _code()
    casualty_class: Mapped[int] = _code()
    sex_of_casualty: Mapped[int] = _code()
    age_of_casualty: Mapped[int] = _code()
    casualty_severity: Mapped[int] = _code()
    pedestrian_location: Mapped[int] = _code()
    pedestrian_movement: Mapped[int] = _code()
    car_passenger: Mapped[int] = _code()
    bus_or_coach_passenger: Mapped[int] = _code()
    pedestrian_road_maintenance_worker: Mapped[int] = _code()
    casualty_type: Mapped[int] = _code()
    person_id: Mapped[uuid.UUID | None] = mapped_column()
