"""Supply API: the catalogue and profiles, device requests (one or a CSV of them), the build
queue and its plan, delivery runs and the driver's deliveries."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat import db as onbeat_db
from onbeat.core.audit.service import record as audit
from onbeat.core.errors import COMMON_PROBLEMS, Forbidden, problems
from onbeat.core.identity.models import Station, User
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Principal, Purpose, Requires
from onbeat.db import get_db
from onbeat.fleet.supply import catalogue, imports, plan, runs, service
from onbeat.fleet.supply.models import DeliveryRun, DeviceRequest, Profile
from onbeat.fleet.supply.schemas import (BuiltIn, CapacityIn, DayLoad, DeliveredIn, DriverIn, HistoryOut, ImportIn,
                                         ImportOut, Kind, ModelIn, ModelOut, ModelPage, NotDeliveredIn,
                                         ProfileFieldsIn, ProfileIn, ProfileOut, ProfilePage, PlanItem, PlanOut,
                                         RequestIn, RequestOut, RequestPage, Role, RunOut, RunPage, RunsIn, RunState,
                                         StartIn, State, StopOut, TransitionIn)

router = APIRouter(prefix="/api/fleet", tags=["fleet"], responses=problems(*COMMON_PROBLEMS))
DB = Annotated[Session, Depends(get_db)]


# --- catalogue ---------------------------------------------------------------------------------

@router.get("/models", response_model=ModelPage)
def list_models(me: Requires("fleet.read"), db: DB, page: PageNo = 1, size: PageSize = 50,
                kind: Kind | None = None) -> ModelPage:
    """The catalogue of device models, by kind then name."""
    items, info = paginate(db, catalogue.models_query(kind=kind), page, size)
    return ModelPage(items=[ModelOut.model_validate(m, from_attributes=True) for m in items], **info.as_dict())


@router.post("/models", response_model=ModelOut, status_code=201, responses=problems(409))
def add_model(me: Requires("fleet.manage"), body: ModelIn, db: DB) -> ModelOut:
    row = catalogue.create_model(db, me.actor, **body.model_dump())
    db.commit()
    return ModelOut.model_validate(row, from_attributes=True)


def profile_out(db: Session, p: Profile) -> ProfileOut:
    return ProfileOut(id=p.id, code=p.code, name=p.name, role=p.role, is_default=p.is_default,
                      device_model_id=p.device_model_id, version=p.version, updated_at=p.updated_at,
                      policy=service.profile_policy(db, p.id))


@router.get("/profiles", response_model=ProfilePage)
def list_profiles(me: Requires("fleet.read"), db: DB, page: PageNo = 1, size: PageSize = 50,
                  role: Role | None = None) -> ProfilePage:
    """Role profiles: the software bundle, settings and policies each role's devices get."""
    items, info = paginate(db, catalogue.profiles_query(role=role), page, size)
    return ProfilePage(items=[profile_out(db, p) for p in items], **info.as_dict())


def _fields(body: ProfileFieldsIn) -> catalogue.ProfileFields:
    return catalogue.ProfileFields(**body.model_dump(exclude={"code"}))


@router.post("/profiles", response_model=ProfileOut, status_code=201, responses=problems(409))
def add_profile(me: Requires("fleet.manage"), body: ProfileIn, db: DB) -> ProfileOut:
    row = catalogue.create_profile(db, me.actor, body.code, _fields(body))
    db.commit()
    return profile_out(db, row)


@router.get("/profiles/{profile_id}", response_model=ProfileOut)
def read_profile(profile_id: uuid.UUID, me: Requires("fleet.read"), db: DB) -> ProfileOut:
    return profile_out(db, service.get_profile(db, profile_id))


@router.put("/profiles/{profile_id}", response_model=ProfileOut)
def change_profile(profile_id: uuid.UUID, me: Requires("fleet.manage"), body: ProfileFieldsIn, db: DB) -> ProfileOut:
    """Save a profile. A change to what devices enforce bumps its version and queues the new policy
    (push configuration) to every device on it."""
    row = db.execute(select(Profile).where(Profile.id == profile_id).with_for_update()).scalar() \
        or service.get_profile(db, profile_id)
    catalogue.update_profile(db, me.actor, row, _fields(body))
    db.commit()
    return profile_out(db, row)


@router.get("/profiles/{profile_id}/policy", response_model=dict)
def read_policy(profile_id: uuid.UUID, me: Requires("fleet.read"), db: DB) -> dict:
    """The profile as devices enforce it and compliance judges it."""
    return service.profile_policy(db, profile_id)


# --- requests ----------------------------------------------------------------------------------

def request_out(db: Session, row: DeviceRequest, person: User, *, full: bool = False) -> RequestOut:
    out = RequestOut(
        **{k: getattr(row, k) for k in ("id", "reference", "state", "person_id", "role", "profile_id",
                                        "device_model_id", "needs", "extra_software", "urgent", "station_id",
                                        "delivery_address", "delivery_postcode", "requested_at", "approved_at",
                                        "serial", "device_id", "run_id", "delivered_at", "received_by",
                                        "proof_kind", "problem")},
        person_name=person.display_name, allowed_next=list(service.ALLOWED[row.state]))
    if full:
        out.ready_on = plan.ready_on(db, row.id)
        out.history = [HistoryOut.model_validate(e, from_attributes=True)
                       for e in db.execute(service.history(row.id)).scalars()]
    return out


def _one(db: Session, row: DeviceRequest) -> RequestOut:
    return request_out(db, row, db.get(User, row.person_id), full=True)


@router.post("/requests", response_model=RequestOut, status_code=201)
def create_request(me: Requires("fleet.request"), body: RequestIn, db: DB) -> RequestOut:
    """Request a device for a member of staff; role, profile and model follow from each other."""
    row = service.create(db, me.actor, service.NewRequest(**{**body.model_dump(),
                                                            "extra_software": tuple(body.extra_software)}))
    db.commit()
    return _one(db, row)


@router.get("/requests", response_model=RequestPage)
def list_requests(me: Requires("fleet.read"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                  state: State | None = None, station_id: uuid.UUID | None = None,
                  run_id: uuid.UUID | None = None, import_id: uuid.UUID | None = None,
                  q: Annotated[str | None, Query(max_length=60)] = None) -> RequestPage:
    """Device requests, newest first; `q` finds a reference, serial, name or collar/staff number."""
    rows, info = paginate(db, service.search(state=state, station_id=station_id, q=q, run_id=run_id,
                                             import_id=import_id), page, size, scalars=False)
    audit(db, me.actor, "consult", "fleet.request.listed", service.SUBJECT, None, purpose=purpose,
          detail={"results": [r.reference for r, _ in rows]})
    db.commit()
    return RequestPage(items=[request_out(db, r, u) for r, u in rows], **info.as_dict())


@router.get("/requests/{request_id}", response_model=RequestOut)
def read_request(request_id: uuid.UUID, me: Requires("fleet.read"), db: DB, purpose: Purpose) -> RequestOut:
    """One request with its history and, while it is in the build queue, the day it will be built."""
    row = service.get(db, request_id)
    service.consult(db, me.actor, row, purpose)
    db.commit()
    return _one(db, row)


@router.post("/requests/{request_id}/transitions", response_model=RequestOut, responses=problems(409))
def move_request(request_id: uuid.UUID, me: Requires("fleet.manage"), body: TransitionIn, db: DB) -> RequestOut:
    """Move a request on: approve, start building, checked, failed, returned, cancelled, back into
    the queue. A step the state machine does not allow is 409, naming the steps that are."""
    row = service.get(db, request_id, lock=True)
    service.transition(db, me.actor, row, body.to, body.note)
    db.commit()
    return _one(db, row)


@router.post("/requests/{request_id}/built", response_model=RequestOut, responses=problems(409))
def mark_built(request_id: uuid.UUID, me: Requires("fleet.manage"), body: BuiltIn, db: DB) -> RequestOut:
    """building → built, with the device's serial: the device is registered for enrolment."""
    row = service.get(db, request_id, lock=True)
    service.mark_built(db, me.actor, row, body.serial)
    db.commit()
    return _one(db, row)


@router.post("/requests/imports", response_model=ImportOut, status_code=202)
def import_requests(me: Requires("fleet.request"), body: ImportIn, db: DB, tasks: BackgroundTasks) -> ImportOut:
    """Check a CSV of recipients whole (400 naming every bad line, nothing created), then create
    its requests in the background; follow the progress at `/requests/imports/{id}`."""
    job = imports.start(db, me.actor, body.filename, body.csv)
    db.commit()
    tasks.add_task(imports.run, onbeat_db.session, job.id, me.actor)
    return ImportOut.model_validate(job, from_attributes=True)


@router.get("/requests/imports/{import_id}", response_model=ImportOut)
def read_import(import_id: uuid.UUID, me: Requires("fleet.request"), db: DB) -> ImportOut:
    return ImportOut.model_validate(imports.get(db, import_id), from_attributes=True)


# --- the build queue ---------------------------------------------------------------------------

def plan_out(db: Session, page: int, size: int) -> PlanOut:
    items, total, s = plan.plan(db, page, size)
    pages = max(1, -(-total // size))
    return PlanOut(page=page, size=size, total=total, pages=pages, daily_capacity=s.capacity, first_day=s.first_day,
                   free_first_day=s.free_first_day,
                   items=[PlanItem(id=p.request.id, reference=p.request.reference, state=p.request.state,
                                   urgent=p.request.urgent, role=p.request.role,
                                   device_model_id=p.request.device_model_id, position=p.position + 1,
                                   ready_on=p.ready_on) for p in items],
                   days=[DayLoad(day=d, builds=n) for d, n in plan.by_day(db)])


@router.get("/queue", response_model=PlanOut)
def build_plan(me: Requires("fleet.read"), db: DB, page: PageNo = 1, size: PageSize = 50) -> PlanOut:
    """The build queue in order, with the working day each will be built at the current capacity."""
    return plan_out(db, page, size)


@router.put("/queue/capacity", response_model=PlanOut)
def set_capacity(me: Requires("fleet.manage"), body: CapacityIn, db: DB) -> PlanOut:
    plan.set_capacity(db, me.actor, body.daily_capacity)
    db.commit()
    return plan_out(db, 1, 50)


@router.post("/queue/start", response_model=PlanOut, responses=problems(409))
def start_builds(me: Requires("fleet.manage"), body: StartIn, db: DB) -> PlanOut:
    """Start building the next `count` approved requests, from the front of the queue."""
    rows = db.execute(plan.queue().where(DeviceRequest.state == "approved").limit(body.count)
                      .with_for_update(skip_locked=True)).scalars().all()
    for row in rows:
        service.transition(db, me.actor, row, "building")
    db.commit()
    return plan_out(db, 1, 50)


# --- delivery runs -----------------------------------------------------------------------------

def run_out(db: Session, run: DeliveryRun, area: str, counts: dict, *, stops: bool = False) -> RunOut:
    out = RunOut(id=run.id, reference=run.reference, station_id=run.station_id, area=area, run_date=run.run_date,
                 driver_id=run.driver_id, state=run.state, counts=counts)
    if stops:
        out.stops = [StopOut(request_id=r.id, reference=r.reference, order=r.stop_order, state=r.state,
                             recipient=u.display_name, delivery_address=r.delivery_address,
                             delivery_postcode=r.delivery_postcode, serial=r.serial, received_by=r.received_by,
                             delivered_at=r.delivered_at)
                     for r, u in db.execute(runs.stops(run.id))]
    return out


def _run_page(db: Session, stmt, page: int, size: int) -> RunPage:
    rows, info = paginate(db, stmt, page, size, scalars=False)
    counts = runs.counts(db, [r.id for r, _ in rows])
    return RunPage(items=[run_out(db, r, s.name, counts[r.id]) for r, s in rows], **info.as_dict())


def _full_run(db: Session, run: DeliveryRun) -> RunOut:
    return run_out(db, run, db.get(Station, run.station_id).name, runs.counts(db, [run.id])[run.id], stops=True)


@router.post("/runs", response_model=list[RunOut], status_code=201)
def plan_runs(me: Requires("fleet.manage"), body: RunsIn, db: DB) -> list[RunOut]:
    """Group the checked devices not yet on a run into runs, one per area (split past max_stops)."""
    made = runs.plan_runs(db, me.actor, body.run_date, station_ids=body.station_ids, driver_id=body.driver_id,
                          max_stops=body.max_stops)
    db.commit()
    counts = runs.counts(db, [r.id for r in made])
    return [run_out(db, r, db.get(Station, r.station_id).name, counts[r.id]) for r in made]


@router.get("/runs", response_model=RunPage)
def list_runs(me: Requires("fleet.read"), db: DB, page: PageNo = 1, size: PageSize = 25, run_date: date | None = None,
              state: RunState | None = None) -> RunPage:
    return _run_page(db, runs.runs_query(run_date=run_date, state=state), page, size)


@router.get("/runs/mine", response_model=RunPage)
def my_runs(me: Requires("fleet.deliver"), db: DB, page: PageNo = 1, size: PageSize = 25,
            state: RunState | None = None) -> RunPage:
    """The runs given to you to drive."""
    return _run_page(db, runs.runs_query(driver_id=me.id, state=state), page, size)


def _may_see(me: Principal, run: DeliveryRun) -> None:
    if run.driver_id != me.id and not me.can("fleet.read"):
        raise Forbidden(f"{run.reference} is not your delivery run.")


@router.get("/runs/{run_id}", response_model=RunOut)
def read_run(run_id: uuid.UUID, me: Requires("fleet.deliver"), db: DB) -> RunOut:
    """A run with its stops (recipients and addresses): its driver, or anyone who sees the fleet."""
    run = runs.get(db, run_id)
    _may_see(me, run)
    audit(db, me.actor, "consult", "fleet.run.viewed", "delivery_run", run.id,
          purpose=f"delivery run {run.reference}", detail={"reference": run.reference})
    db.commit()
    return _full_run(db, run)


@router.put("/runs/{run_id}/driver", response_model=RunOut, responses=problems(409))
def assign_driver(run_id: uuid.UUID, me: Requires("fleet.manage"), body: DriverIn, db: DB) -> RunOut:
    run = runs.get(db, run_id, lock=True)
    runs.assign(db, me.actor, run, body.driver_id)
    db.commit()
    return _full_run(db, run)


@router.post("/runs/{run_id}/start", response_model=RunOut, responses=problems(409))
def start_run(run_id: uuid.UUID, me: Requires("fleet.deliver"), db: DB) -> RunOut:
    """The driver sets off (or a fleet engineer sends the run out): every stop is out for delivery."""
    run = runs.get(db, run_id, lock=True)
    if run.driver_id != me.id and not me.can("fleet.manage"):
        raise Forbidden(f"{run.reference} is not your delivery run.")
    runs.start(db, me.actor, run)
    db.commit()
    return _full_run(db, run)


@router.post("/runs/{run_id}/stops/{request_id}/delivered", response_model=StopOut, responses=problems(409))
def delivered(run_id: uuid.UUID, request_id: uuid.UUID, me: Requires("fleet.deliver"), body: DeliveredIn,
              db: DB) -> StopOut:
    """Record a stop delivered, with the recipient's signature or delivery code (the run's driver only)."""
    run = runs.get(db, run_id, lock=True)
    row = runs.deliver(db, me.actor, run, request_id, received_by=body.received_by, proof_kind=body.proof_kind,
                       signature=body.signature, code=body.code)
    db.commit()
    return _stop(db, row)


@router.post("/runs/{run_id}/stops/{request_id}/not-delivered", response_model=StopOut, responses=problems(409))
def not_delivered(run_id: uuid.UUID, request_id: uuid.UUID, me: Requires("fleet.deliver"), body: NotDeliveredIn,
                  db: DB) -> StopOut:
    """Record a stop not delivered (it goes back as returned), with the reason."""
    run = runs.get(db, run_id, lock=True)
    row = runs.not_delivered(db, me.actor, run, request_id, body.reason)
    db.commit()
    return _stop(db, row)


def _stop(db: Session, r: DeviceRequest) -> StopOut:
    return StopOut(request_id=r.id, reference=r.reference, order=r.stop_order, state=r.state,
                   recipient=db.get(User, r.person_id).display_name, delivery_address=r.delivery_address,
                   delivery_postcode=r.delivery_postcode, serial=r.serial, received_by=r.received_by,
                   delivered_at=r.delivered_at)
