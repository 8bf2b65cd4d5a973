"""Collision reports: create (idempotent by client UUID), edit while a draft, read, list, and the
check run before one is submitted. The header is a records-core `Record` of kind `collision`;
every write happens in the caller's transaction, after every rule has passed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone

from pydantic import ValidationError
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from onbeat.core.errors import BadRequest, Conflict
from onbeat.core.security import Principal
from onbeat.core.time import UK, uk, utcnow
from onbeat.records.collisions import codes, rules
from onbeat.records.collisions.models import Collision, CollisionCasualty, CollisionVehicle
from onbeat.records.collisions.schemas import (CasualtyOut, CollisionIn, CollisionOut, CollisionSummary, VehicleOut)
from onbeat.records.collisions.settings import collision_settings
from onbeat.records.core import service as records
from onbeat.records.core.entities import entities_of
from onbeat.records.core.models import Record, RecordLink
from onbeat.records.core.schemas import RecordOut
from onbeat.records.pole import service as pole

KIND = "collision"
PEOPLE_ROLES = ("driver", "casualty", "vehicle")


def _refuse(errors: list[dict], doing: str = "saved") -> None:
    count = len(errors)
    raise BadRequest(f"The collision report was not {doing}: {count} problem{'s' if count > 1 else ''} to correct.",
                     field=errors[0]["field"], errors=errors,
                     hint="Correct each field named in errors and send the whole report again.")


def _summary(body: CollisionIn, outcome: rules.Outcome) -> str:
    severity = codes.SEVERITY[body.severity]
    n, m = len(body.vehicles), len(body.casualties)
    road = codes.road_name(body.first_road_class, outcome.collision["first_road_number"])
    return f"{severity} collision on {road}: {n} vehicle{'s' if n != 1 else ''}, {m} casualt{'ies' if m != 1 else 'y'}"


def create(db: Session, me: Principal, body: CollisionIn) -> tuple[Record, bool]:
    """A new collision report, or the one this client UUID already made (then `created` is False)."""
    outcome = rules.evaluate(body, utcnow())
    if outcome.errors:
        _refuse(outcome.errors)
    record, created = records.create(
        db, me, KIND, body.client_uuid, occurred_at=outcome.occurred_at.astimezone(timezone.utc),
        summary=_summary(body, outcome), place=body.place, latitude=outcome.collision["latitude"],
        longitude=outcome.collision["longitude"], incident_number=body.incident_number)
    if created:
        _write(db, me, record, body, outcome, collision_settings().force_code)
    return record, created


def update(db: Session, me: Principal, record: Record, body: CollisionIn) -> Record:
    """Replace a draft (or returned) report's details with `body`: all of it, or none of it."""
    records.ensure_editable(record, me)
    if body.client_uuid != record.client_uuid:
        raise Conflict("The client UUID does not match this collision report.", field="client_uuid",
                       hint=f"Send the report's own client UUID ({record.client_uuid}).")
    outcome = rules.evaluate(body, utcnow())
    if outcome.errors:
        _refuse(outcome.errors)
    stored = db.get(Collision, record.id)
    force = stored.police_force
    db.delete(stored)  # its vehicles and casualties go with it (on delete cascade)
    db.execute(delete(RecordLink).where(RecordLink.record_id == record.id, RecordLink.role.in_(PEOPLE_ROLES)))
    db.flush()
    record.occurred_at = outcome.occurred_at.astimezone(timezone.utc)
    record.place, record.incident_number = body.place, body.incident_number
    record.latitude, record.longitude = outcome.collision["latitude"], outcome.collision["longitude"]
    record.summary = _summary(body, outcome)
    _write(db, me, record, body, outcome, force)
    records.touched(db, me, record, "edited", {"vehicles": len(body.vehicles), "casualties": len(body.casualties)})
    return record


def _write(db: Session, me: Principal, record: Record, body: CollisionIn, outcome: rules.Outcome, force: int) -> None:
    values = {k: v for k, v in outcome.collision.items() if k not in ("latitude", "longitude")}
    keep = {c.key for c in Collision.__table__.columns}
    values |= {k: v for k, v in body.model_dump().items() if k in keep and k not in values}
    db.add(Collision(record_id=record.id, police_force=force, **values))
    db.flush()
    vehicle_cols = {c.key for c in CollisionVehicle.__table__.columns}
    for i, (given, v) in enumerate(zip(body.vehicles, outcome.vehicles)):
        row = CollisionVehicle(record_id=record.id, **{k: val for k, val in v.items() if k in vehicle_cols})
        if given.vehicle is not None:
            row.vehicle_entity_id = pole.resolve_vehicle(db, me, given.vehicle, f"vehicles.{i}.vehicle")
            records.link(db, record, "object", row.vehicle_entity_id, "vehicle")
        if given.driver is not None:
            row.driver_person_id = pole.resolve_person(db, me, given.driver, f"vehicles.{i}.driver")
            records.link(db, record, "person", row.driver_person_id, "driver")
        db.add(row)
    casualty_cols = {c.key for c in CollisionCasualty.__table__.columns}
    for i, (given, c) in enumerate(zip(body.casualties, outcome.casualties)):
        row = CollisionCasualty(record_id=record.id, **{k: val for k, val in c.items() if k in casualty_cols})
        if given.person is not None:
            row.person_id = pole.resolve_person(db, me, given.person, f"casualties.{i}.person")
            records.link(db, record, "person", row.person_id, "casualty")
        db.add(row)
    db.flush()


# --- reading ------------------------------------------------------------------------------------

def collision_index(record: Record, force: int) -> tuple[str, int, str]:
    """(collision_index, collision_year, collision_ref_no) as the DfT forms them.

    collision_ref_no is the force code and the force's own in-year reference: here the year and
    serial number of the report's reference (RTC/000123/26 -> 43 26 00123), unique for the force
    even when a collision is reported in the year after it happened. collision_index is the
    collision's year followed by collision_ref_no."""
    _, serial, yy = record.reference.split("/")
    ref_no = f"{force:02d}{yy}{int(serial):05d}"
    year = uk(record.occurred_at).year
    return f"{year}{ref_no}", year, ref_no


def day_of_week(day: date) -> int:
    """STATS19 day_of_week: 1 Sunday ... 7 Saturday."""
    return day.isoweekday() % 7 + 1


def parts(db: Session, record_id: uuid.UUID) -> tuple[Collision, list[CollisionVehicle], list[CollisionCasualty]]:
    collision = db.get(Collision, record_id)
    if collision is None:
        raise BadRequest("This record has no collision details.", hint="Edit the report and save it again.")
    vehicles = list(db.execute(select(CollisionVehicle).where(CollisionVehicle.record_id == record_id)
                               .order_by(CollisionVehicle.vehicle_reference)).scalars())
    casualties = list(db.execute(select(CollisionCasualty).where(CollisionCasualty.record_id == record_id)
                                 .order_by(CollisionCasualty.casualty_reference)).scalars())
    return collision, vehicles, casualties


def _columns(row, model) -> dict:
    return {c.key: getattr(row, c.key) for c in model.__table__.columns}


def detail(db: Session, record: Record) -> CollisionOut:
    c, vehicles, casualties = parts(db, record.id)
    local = uk(record.occurred_at)
    index, _, _ = collision_index(record, c.police_force)
    return CollisionOut(
        record=RecordOut.of(record, entities_of(db, [record.id])[record.id]), collision_index=index,
        date=local.date(), time=local.strftime("%H:%M"), day_of_week=day_of_week(local.date()),
        latitude=record.latitude, longitude=record.longitude,
        number_of_vehicles=len(vehicles), number_of_casualties=len(casualties),
        **{k: v for k, v in _columns(c, Collision).items() if k not in ("record_id", "easting", "northing")},
        easting=round(c.easting), northing=round(c.northing),
        vehicles=[VehicleOut(**_columns(v, CollisionVehicle), age_band_of_driver=codes.age_band(v.age_of_driver))
                  for v in vehicles],
        casualties=[CasualtyOut(**_columns(x, CollisionCasualty),
                                age_band_of_casualty=codes.age_band(x.age_of_casualty)) for x in casualties])


def as_input(db: Session, record: Record) -> dict:
    """The stored report in the shape `CollisionIn` takes (for the edit form and the submit check)."""
    c, vehicles, casualties = parts(db, record.id)
    local = uk(record.occurred_at)
    skip = {"id", "record_id", "vehicle_entity_id", "driver_person_id", "person_id", "registration"}
    out = {k: v for k, v in _columns(c, Collision).items() if k not in ("record_id", "police_force")}
    for number in ("first_road_number", "second_road_number"):  # -1: not known, which the form leaves blank
        out[number] = None if out[number] == -1 else out[number]
    out.update(client_uuid=record.client_uuid, date=local.date(), time=local.time().replace(second=0),
               place=record.place or "", incident_number=record.incident_number,
               vehicles=[{k: v for k, v in _columns(x, CollisionVehicle).items() if k not in skip}
                         | ({"vehicle": {"id": x.vehicle_entity_id, "registration": x.registration}}
                            if x.vehicle_entity_id else {})
                         | ({"driver": {"id": x.driver_person_id}} if x.driver_person_id else {})
                         for x in vehicles],
               casualties=[{k: v for k, v in _columns(x, CollisionCasualty).items() if k not in skip}
                           | ({"person": {"id": x.person_id}} if x.person_id else {})
                           for x in casualties])
    return out


@records.on_submit(KIND)
def check_before_submit(db: Session, record: Record) -> None:
    """Submit only a report whose stored details still pass every rule."""
    try:
        body = CollisionIn.model_validate(as_input(db, record))
    except ValidationError as exc:
        _refuse([{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()],
                "submitted")
    outcome = rules.evaluate(body, utcnow())
    if outcome.errors:
        _refuse(outcome.errors, "submitted")


# --- lists ----------------------------------------------------------------------------------------

def uk_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UK)


def search(*, severity: int | None = None, date_from: date | None = None, date_to: date | None = None,
           state: str | None = None, author_id: uuid.UUID | None = None) -> Select:
    """(Record, Collision, vehicles, casualties) for collision reports matching every filter, newest first."""
    vehicles = (select(func.count()).where(CollisionVehicle.record_id == Record.id).correlate(Record)
                .scalar_subquery())
    casualties = (select(func.count()).where(CollisionCasualty.record_id == Record.id).correlate(Record)
                  .scalar_subquery())
    stmt = (select(Record, Collision, vehicles.label("vehicles"), casualties.label("casualties"))
            .join(Collision, Collision.record_id == Record.id).where(Record.kind == KIND)
            .order_by(Record.occurred_at.desc(), Record.reference.desc()))
    if severity:
        stmt = stmt.where(Collision.severity == severity)
    if date_from:
        stmt = stmt.where(Record.occurred_at >= uk_day_start(date_from))
    if date_to:
        stmt = stmt.where(Record.occurred_at < uk_day_start(date_to + timedelta(days=1)))
    if state:
        stmt = stmt.where(Record.state == state)
    if author_id:
        stmt = stmt.where(Record.author_id == author_id)
    return stmt


def summary_of(row) -> CollisionSummary:
    record, collision, n_vehicles, n_casualties = row
    return CollisionSummary(id=record.id, reference=record.reference, state=record.state,
                            occurred_at=record.occurred_at, place=record.place, severity=collision.severity,
                            severity_label=codes.SEVERITY[collision.severity], number_of_vehicles=n_vehicles,
                            number_of_casualties=n_casualties)
