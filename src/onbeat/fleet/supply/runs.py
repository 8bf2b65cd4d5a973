"""Delivery runs: checked devices grouped by area (the recipient's station) into one run per area
and day, each given to a driver. Starting a run puts every stop out for delivery; the driver
records each stop delivered (the recipient's signature, or the delivery code they were given) or
not delivered (returned, with the reason). A run whose stops are all settled is completed.

Only the run's own driver records its deliveries: anyone else gets 403, whatever their role."""

from __future__ import annotations

import re
import uuid
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor
from onbeat.core.errors import BadRequest, Conflict, Forbidden, NotFound
from onbeat.core.events.service import emit
from onbeat.core.identity.models import Station, User
from onbeat.core.permissions import permissions_for
from onbeat.core.references import next_reference
from onbeat.core.time import uk_today, utcnow
from onbeat.fleet.supply import service
from onbeat.fleet.supply.models import DeliveryRun, DeviceRequest

# An SVG path of straight strokes (M x y L x y ...), as the signature pad draws it.
SIGNATURE = re.compile(r"^(?:[ML] ?-?\d{1,4}(?:\.\d{1,2})? -?\d{1,4}(?:\.\d{1,2})? ?)+$")
MAX_SIGNATURE = 20_000


def get(db: Session, run_id: uuid.UUID, *, lock: bool = False) -> DeliveryRun:
    stmt = select(DeliveryRun).where(DeliveryRun.id == run_id)
    run = db.execute(stmt.with_for_update() if lock else stmt).scalar()
    if run is None:
        raise NotFound(f"There is no delivery run with id {run_id}.")
    return run


def runs_query(*, driver_id: uuid.UUID | None = None, run_date: date | None = None,
               state: str | None = None) -> Select:
    stmt = select(DeliveryRun, Station).join(Station, Station.id == DeliveryRun.station_id)
    if driver_id:
        stmt = stmt.where(DeliveryRun.driver_id == driver_id)
    if run_date:
        stmt = stmt.where(DeliveryRun.run_date == run_date)
    if state:
        stmt = stmt.where(DeliveryRun.state == state)
    return stmt.order_by(DeliveryRun.run_date.desc(), Station.name, DeliveryRun.reference)


def stops(run_id: uuid.UUID) -> Select:
    """(DeviceRequest, User) for each stop, in the order of the round."""
    return (select(DeviceRequest, User).join(User, User.id == DeviceRequest.person_id)
            .where(DeviceRequest.run_id == run_id).order_by(DeviceRequest.stop_order, DeviceRequest.reference))


def ready_by_area(db: Session) -> list[tuple[Station, int]]:
    """Areas with checked devices not yet on a run, and how many."""
    rows = db.execute(select(Station, func.count(DeviceRequest.id)).join(DeviceRequest,
                                                                          DeviceRequest.station_id == Station.id)
                      .where(DeviceRequest.state == "checked", DeviceRequest.run_id.is_(None))
                      .group_by(Station.id).order_by(Station.name)).all()
    return [(s, n) for s, n in rows]


def _driver(db: Session, driver_id: uuid.UUID) -> User:
    user = db.get(User, driver_id)
    if user is None or not user.active or "fleet.deliver" not in permissions_for(user.role_names):
        raise BadRequest("Choose a driver: someone whose role lets them deliver devices.", field="driver_id")
    return user


def drivers(db: Session) -> list[User]:
    users = db.execute(select(User).where(User.active).order_by(User.family_name, User.given_name)).scalars().all()
    return [u for u in users if "fleet.deliver" in permissions_for(u.role_names)]


def plan_runs(db: Session, actor: Actor, run_date: date, *, station_ids: list[uuid.UUID] | None = None,
              driver_id: uuid.UUID | None = None, max_stops: int = 40) -> list[DeliveryRun]:
    """One run per area (and more when an area has more than `max_stops`) for the checked devices
    not yet on a run; stops ordered by postcode then address. Returns the runs made."""
    if run_date < uk_today():
        raise BadRequest("A delivery run cannot be planned for a day that has passed.", field="run_date")
    if not 1 <= max_stops <= 200:
        raise BadRequest("A run has from 1 to 200 stops.", field="max_stops")
    if driver_id:
        _driver(db, driver_id)
    stmt = (select(DeviceRequest).where(DeviceRequest.state == "checked", DeviceRequest.run_id.is_(None))
            .order_by(DeviceRequest.station_id, DeviceRequest.delivery_postcode, DeviceRequest.delivery_address,
                      DeviceRequest.reference).with_for_update(skip_locked=True))
    if station_ids:
        stmt = stmt.where(DeviceRequest.station_id.in_(station_ids))
    waiting = db.execute(stmt).scalars().all()
    if not waiting:
        raise BadRequest("No checked device is waiting for a delivery run" + (" in those areas." if station_ids
                                                                                 else "."),
                         hint="Devices join a run once they are built and checked.")
    made: list[DeliveryRun] = []
    run: DeliveryRun | None = None
    len_stops = 0
    for req in waiting:
        if run is None or run.station_id != req.station_id or len_stops >= max_stops:
            run = DeliveryRun(id=uuid.uuid4(), reference=next_reference(db, "RUN"), station_id=req.station_id,
                              run_date=run_date, driver_id=driver_id, state="planned", created_by=actor.id,
                              created_at=utcnow())
            db.add(run)
            db.flush()
            made.append(run)
            len_stops = 0
        len_stops += 1
        req.run_id, req.stop_order, req.updated_at = run.id, len_stops, utcnow()
    db.flush()
    for r in made:
        emit(db, "fleet", "delivery_run_planned", {"id": r.id, "reference": r.reference, "station_id": r.station_id,
                                                   "run_date": r.run_date, "driver_id": r.driver_id},
             permission="fleet.read")
    return made


def assign(db: Session, actor: Actor, run: DeliveryRun, driver_id: uuid.UUID) -> DeliveryRun:
    if run.state == "completed":
        raise Conflict(f"{run.reference} is completed: it cannot be given to another driver.")
    _driver(db, driver_id)
    run.driver_id = driver_id
    db.flush()
    emit(db, "fleet", "delivery_run_assigned", {"id": run.id, "reference": run.reference, "driver_id": driver_id},
         permission="fleet.read")
    return run


def remove_stop(db: Session, actor: Actor, run: DeliveryRun, req: DeviceRequest) -> None:
    """Take a checked device off a planned run (it waits for the next one)."""
    if req.run_id != run.id:
        raise NotFound(f"{req.reference} is not on {run.reference}.")
    if run.state != "planned" or req.state != "checked":
        raise Conflict(f"Only a checked device on a planned run can be taken off it; {run.reference} is "
                       f"{run.state} and {req.reference} is {req.state}.")
    req.run_id, req.stop_order = None, None
    db.flush()


def start(db: Session, actor: Actor, run: DeliveryRun) -> DeliveryRun:
    """planned → out: every checked stop goes out for delivery. The run needs a driver."""
    if run.state != "planned":
        raise Conflict(f"{run.reference} is already {run.state}: only a planned run can start.",
                       errors=[{"field": "state", "message": "allowed from: planned"}])
    if run.driver_id is None:
        raise BadRequest(f"Give {run.reference} a driver before it starts.", field="driver_id")
    rows = db.execute(select(DeviceRequest).where(DeviceRequest.run_id == run.id, DeviceRequest.state == "checked")
                      .order_by(DeviceRequest.stop_order).with_for_update()).scalars().all()
    if not rows:
        raise Conflict(f"{run.reference} has no checked device to deliver.")
    for req in rows:
        service._step(db, actor, req, "out_for_delivery", detail={"run": run.reference})
    run.state, run.started_at = "out", utcnow()
    db.flush()
    return run


def _own_stop(db: Session, me_id: uuid.UUID | None, run: DeliveryRun, request_id: uuid.UUID) -> DeviceRequest:
    if run.driver_id is None or run.driver_id != me_id:
        raise Forbidden(f"{run.reference} is not your delivery run: only its driver records its deliveries.",
                        hint="Ask a fleet engineer to give you the run if you are delivering it.")
    req = service.get(db, request_id, lock=True)
    if req.run_id != run.id:
        raise NotFound(f"{req.reference} is not a stop on {run.reference}.")
    return req


def deliver(db: Session, actor: Actor, run: DeliveryRun, request_id: uuid.UUID, *, received_by: str,
            proof_kind: str, signature: str | None = None, code: str | None = None) -> DeviceRequest:
    """out for delivery → delivered, with the recipient's signature or their delivery code."""
    req = _own_stop(db, actor.id, run, request_id)
    received_by = (received_by or "").strip()
    if not received_by:
        raise BadRequest("Write the name of the person who took the device.", field="received_by")
    if proof_kind == "signature":
        signature = (signature or "").strip()
        if not signature:
            raise BadRequest("Ask the recipient to sign in the box, or use their delivery code.", field="signature")
        if len(signature) > MAX_SIGNATURE or not SIGNATURE.fullmatch(signature):
            raise BadRequest("The signature could not be read: ask the recipient to sign again.", field="signature")
    elif proof_kind == "code":
        given = re.sub(r"\D", "", code or "")
        if not req.delivery_code or given != req.delivery_code:
            raise BadRequest("That delivery code does not match this device's: check it with the recipient.",
                             field="code", hint="The code is six digits, given to the recipient with the request.")
        signature = None
    else:
        raise BadRequest("Say how the recipient confirmed it: signature or code.", field="proof_kind")
    if "delivered" not in service.ALLOWED[req.state]:
        raise service.refuse(req, "delivered")
    req.delivered_at, req.received_by = utcnow(), received_by[:120]
    req.proof_kind, req.signature = proof_kind, signature
    service._step(db, actor, req, "delivered", detail={"run": run.reference, "proof": proof_kind,
                                                        "received_by": received_by[:120]})
    service.enrolled_on_delivery(db, actor, req)
    _complete_if_done(db, run)
    return req


def not_delivered(db: Session, actor: Actor, run: DeliveryRun, request_id: uuid.UUID, reason: str) -> DeviceRequest:
    """out for delivery → returned (nobody in, wrong address, refused...), back to the build room."""
    req = _own_stop(db, actor.id, run, request_id)
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest("Say why the device was not delivered.", field="reason")
    if "returned" not in service.ALLOWED[req.state] or req.state != "out_for_delivery":
        raise service.refuse(req, "returned")
    service._step(db, actor, req, "returned", note=reason[:500], detail={"run": run.reference})
    _complete_if_done(db, run)
    return req


def _complete_if_done(db: Session, run: DeliveryRun) -> None:
    waiting = db.execute(select(func.count()).select_from(DeviceRequest).where(
        DeviceRequest.run_id == run.id, DeviceRequest.state == "out_for_delivery")).scalar_one()
    if run.state == "out" and waiting == 0:
        run.state, run.completed_at = "completed", utcnow()
        db.flush()
        emit(db, "fleet", "delivery_run_completed", {"id": run.id, "reference": run.reference},
             permission="fleet.read")


def counts(db: Session, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Per run: how many stops in each state."""
    out: dict[uuid.UUID, dict[str, int]] = {i: {} for i in run_ids}
    if run_ids:
        for run_id, state, n in db.execute(select(DeviceRequest.run_id, DeviceRequest.state, func.count())
                                           .where(DeviceRequest.run_id.in_(run_ids))
                                           .group_by(DeviceRequest.run_id, DeviceRequest.state)):
            out[run_id][state] = n
    return out
