"""Supply pages: the build queue and plan, requests (one, or a CSV with progress), the catalogue
and profiles, delivery runs, and the driver's page with its "delivered" action.

The pages show staff names and delivery addresses to the people whose job is to build and deliver
their devices: each view is audited with that purpose (the API asks for a stated purpose)."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onbeat import db as onbeat_db
from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, Forbidden, NotFound, Problem
from onbeat.core.identity.models import Station, User
from onbeat.core.pagination import PageInfo, PageQuery, paginate
from onbeat.core.permissions import ROLES
from onbeat.core.security import Principal, Requires
from onbeat.core.time import uk_today
from onbeat.db import get_db
from onbeat.fleet.supply import catalogue, demo, imports, plan, runs, service
from onbeat.fleet.supply.models import (COMPLIANCE_ACTIONS, KINDS, PROOFS, RUN_STATES, STATES, DeliveryRun,
                                        DeviceRequest, Profile)
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
PURPOSE = "device supply: building and delivering staff devices"
# Kept beside the driver's page template, so it is packaged with the templates.
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=1000)]


def _see(db: Session, me: Principal, event: str, subject_type: str, subject_id, detail: dict) -> None:
    audit(db, me.actor, "consult", event, subject_type, subject_id, purpose=PURPOSE, detail=detail)
    db.commit()


def _errors(exc: Problem, rename: dict | None = None) -> dict:
    field = (rename or {}).get(exc.field or "", exc.field or "form")
    return {field: exc.detail}


def _lookups(db: Session) -> dict:
    models = db.execute(catalogue.models_query()).scalars().all()
    profiles = db.execute(catalogue.profiles_query()).scalars().all()
    stations = db.execute(select(Station).order_by(Station.name)).scalars().all()
    return {"models": {m.id: m for m in models}, "profiles": {p.id: p for p in profiles},
            "stations": {s.id: s for s in stations}}


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


# --- the build queue and its plan --------------------------------------------------------------

def _queue_page(request: Request, db: Session, me: Principal, page_no: int = 1, errors: dict | None = None,
                form: dict | None = None, notice: str = "", status: int = 200) -> Response:
    items, total, slots = plan.plan(db, page_no, 50)
    info = PageInfo(page_no, 50, total)
    people = {u.id: u for u in db.execute(select(User).where(
        User.id.in_([p.request.person_id for p in items]))).scalars()}
    if items:
        _see(db, me, "fleet.queue.viewed", service.SUBJECT, None, {"results": [p.request.reference for p in items]})
    return page(request, "fleet/supply/queue.html", {
        "items": items, "total": total, "slots": slots, "days": plan.by_day(db), "people": people, "pg": info,
        "base": "/fleet/queue?", "errors": errors or {}, "form": form or {"daily_capacity": slots.capacity,
                                                                          "count": slots.free_first_day or 1},
        "notice": notice, "states": STATES, "can_manage": me.can("fleet.manage"), **_lookups(db)}, status_code=status)


@router.get("/fleet/queue")
def queue_page(request: Request, me: Requires("fleet.read"), db: DB, page_no: PageQuery = 1,
               notice: str = "") -> Response:
    return _queue_page(request, db, me, page_no, notice=notice[:200])


@router.post("/fleet/queue/capacity")
def capacity_form(request: Request, me: Requires("fleet.manage"), db: DB,
                  daily_capacity: Annotated[str, Form(max_length=10)] = "") -> Response:
    try:
        if not daily_capacity.strip().isdigit():
            raise BadRequest("Write the daily capacity as a whole number of devices, for example 100.",
                             field="daily_capacity")
        plan.set_capacity(db, me.actor, int(daily_capacity))
    except BadRequest as exc:
        db.rollback()
        return _queue_page(request, db, me, errors=_errors(exc), form={"daily_capacity": daily_capacity},
                           status=400)
    db.commit()
    return RedirectResponse("/fleet/queue?" + urlencode({"notice": f"Daily capacity set to {daily_capacity}."}),
                            status_code=303)


@router.post("/fleet/queue/start")
def start_form(request: Request, me: Requires("fleet.manage"), db: DB,
               count: Annotated[str, Form(max_length=10)] = "") -> Response:
    if not count.strip().isdigit() or not 1 <= int(count) <= 10000:
        return _queue_page(request, db, me, errors={"count": "Say how many to start: a whole number from 1."},
                           form={"count": count}, status=400)
    rows = db.execute(plan.queue().where(DeviceRequest.state == "approved").limit(int(count))
                      .with_for_update(skip_locked=True)).scalars().all()
    for row in rows:
        service.transition(db, me.actor, row, "building")
    db.commit()
    return RedirectResponse("/fleet/queue?" + urlencode({"notice": f"{len(rows)} started building."}),
                            status_code=303)


# --- requests ----------------------------------------------------------------------------------

@router.get("/fleet/requests")
def requests_page(request: Request, me: Requires("fleet.read"), db: DB, page_no: PageQuery = 1, state: str = "",
                  area: str = "", q: str = "", import_id: str = "") -> Response:
    form = {"state": state if state in STATES else "", "area": area[:40], "q": q[:60], "import_id": import_id[:40]}
    stmt = service.search(state=form["state"] or None, station_id=_uuid(area), q=form["q"] or None,
                          import_id=_uuid(import_id))
    rows, info = paginate(db, stmt, page_no, 25, scalars=False)
    if rows:
        _see(db, me, "fleet.request.listed", service.SUBJECT, None, {"results": [r.reference for r, _ in rows]})
    base = "/fleet/requests?" + urlencode({k: v for k, v in form.items() if v}) + "&"
    return page(request, "fleet/supply/requests.html", {"rows": rows, "pg": info, "base": base, "form": form,
                                                         "states": STATES, **_lookups(db)})


def _new_page(request: Request, db: Session, errors: dict | None = None, form: dict | None = None,
              notice: str = "", status: int = 200) -> Response:
    return page(request, "fleet/supply/request_new.html", {
        "errors": errors or {}, "form": form or {}, "notice": notice,
        "roles": {r: label for r, label in ROLES.items()}, **_lookups(db)}, status_code=status)


@router.get("/fleet/requests/new")
def new_request_page(request: Request, me: Requires("fleet.request"), db: DB, sent: str = "") -> Response:
    notice = f"Request {sent[:20]} sent to the fleet team." if sent else ""
    return _new_page(request, db, notice=notice)


def _person(db: Session, number: str) -> User:
    value = number.strip().upper()
    person = db.execute(select(User).where(User.active, or_(func.upper(User.collar_number) == value,
                                                              func.upper(User.staff_number) == value))).scalar()
    if not value or person is None:
        raise BadRequest(f"No active member of staff has the number {number!r}." if value else
                         "Give the recipient's collar or staff number.", field="number")
    return person


@router.post("/fleet/requests")
def create_request_form(request: Request, me: Requires("fleet.request"), db: DB, number: Short = "", role: Short = "",
                        profile_id: Short = "", device_model_id: Short = "", needs: Long = "",
                        extra_software: Long = "", urgent: Short = "", delivery_address: Short = "",
                        delivery_postcode: Annotated[str, Form(max_length=10)] = "") -> Response:
    form = {"number": number, "role": role, "profile_id": profile_id, "device_model_id": device_model_id,
            "needs": needs, "extra_software": extra_software, "urgent": urgent, "delivery_address": delivery_address,
            "delivery_postcode": delivery_postcode}
    try:
        person = _person(db, number)
        row = service.create(db, me.actor, service.NewRequest(
            person_id=person.id, role=role if role in ROLES else None, profile_id=_uuid(profile_id),
            device_model_id=_uuid(device_model_id), needs=needs,
            extra_software=tuple(s.strip() for s in extra_software.split(",") if s.strip()), urgent=urgent == "yes",
            delivery_address=delivery_address, delivery_postcode=delivery_postcode))
    except BadRequest as exc:
        db.rollback()
        return _new_page(request, db, _errors(exc, {"person_id": "number"}), form, status=400)
    db.commit()
    if me.can("fleet.read"):
        return RedirectResponse(f"/fleet/requests/{row.id}", status_code=303)
    return RedirectResponse("/fleet/requests/new?" + urlencode({"sent": row.reference}), status_code=303)


def _request_page(request: Request, db: Session, me: Principal, row: DeviceRequest, errors: dict | None = None,
                  form: dict | None = None, status: int = 200) -> Response:
    person = db.get(User, row.person_id)
    _see(db, me, "fleet.request.viewed", service.SUBJECT, row.id, {"reference": row.reference})
    steps = [s for s in service.ALLOWED[row.state] if s not in service.SPECIAL]
    run = db.get(DeliveryRun, row.run_id) if row.run_id else None
    return page(request, "fleet/supply/request.html", {
        "r": row, "person": person, "history": db.execute(service.history(row.id)).scalars().all(),
        "ready_on": plan.ready_on(db, row.id), "steps": steps, "states": STATES, "run": run,
        "needs_note": service.NEEDS_NOTE, "can_manage": me.can("fleet.manage"), "errors": errors or {},
        "form": form or {}, **_lookups(db)}, status_code=status)


@router.get("/fleet/requests/import")
def import_page(request: Request, me: Requires("fleet.request"), db: DB) -> Response:
    return page(request, "fleet/supply/import.html", {"errors": {}, "problems": [], "columns": imports.COLUMNS})


@router.get("/fleet/requests/import/sample.csv")
def sample_csv(me: Requires("fleet.request"), db: DB) -> Response:
    """Officers' devices not yet requested (up to 100 lines): a ready-made file for the demo."""
    return Response(demo.recipients_csv(db), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="officers.csv"'})


@router.post("/fleet/requests/import")
async def import_form(request: Request, me: Requires("fleet.request"), db: DB, tasks: BackgroundTasks,
                      file: Annotated[UploadFile | None, File()] = None) -> Response:
    content = await file.read(imports.MAX_BYTES + 1) if file is not None else b""
    name = (file.filename if file is not None else "") or "recipients.csv"
    try:
        if not content:
            raise BadRequest("Choose the CSV file of recipients.", field="file")
        job = imports.start(db, me.actor, name, content)
    except BadRequest as exc:
        db.rollback()
        problems = [e for e in exc.errors if "line" in e]
        return page(request, "fleet/supply/import.html", {"errors": {"file": exc.detail}, "problems": problems,
                                                           "columns": imports.COLUMNS}, status_code=400)
    db.commit()
    tasks.add_task(imports.run, onbeat_db.session, job.id, me.actor)
    return RedirectResponse(f"/fleet/requests/import/{job.id}", status_code=303)


@router.get("/fleet/requests/import/{import_id}")
def import_progress_page(request: Request, me: Requires("fleet.request"), db: DB, import_id: uuid.UUID) -> Response:
    return page(request, "fleet/supply/import_progress.html", {"job": imports.get(db, import_id),
                                                               "can_read": me.can("fleet.read")})


@router.get("/fleet/requests/import/{import_id}/progress")
def import_progress(request: Request, me: Requires("fleet.request"), db: DB, import_id: uuid.UUID) -> Response:
    """HTMX: the progress element, polled every second while the import runs."""
    return page(request, "fleet/supply/_import_progress.html", {"job": imports.get(db, import_id),
                                                                "can_read": me.can("fleet.read")})


@router.get("/fleet/requests/{request_id}")
def request_page(request: Request, me: Requires("fleet.read"), db: DB, request_id: uuid.UUID) -> Response:
    return _request_page(request, db, me, service.get(db, request_id))


def _act_on_request(request: Request, db: Session, me: Principal, request_id: uuid.UUID, form: dict, action,
                    back: str | None = None) -> Response:
    row = service.get(db, request_id, lock=True)
    try:
        action(row)
    except (BadRequest, Conflict) as exc:
        db.rollback()
        if back == "queue":
            return _queue_page(request, db, me, errors={f"serial-{request_id}": exc.detail},
                               form={f"serial-{request_id}": form.get("serial", "")}, status=exc.status)
        return _request_page(request, db, me, service.get(db, request_id), _errors(exc, {"to": "note"}), form,
                             status=exc.status)
    db.commit()
    if back == "queue":
        return RedirectResponse("/fleet/queue?" + urlencode({"notice": f"{row.reference} built ({row.serial})."}),
                                status_code=303)
    return RedirectResponse(f"/fleet/requests/{request_id}", status_code=303)


@router.post("/fleet/requests/{request_id}/move")
def move_form(request: Request, me: Requires("fleet.manage"), db: DB, request_id: uuid.UUID, to: Short = "",
              note: Annotated[str, Form(max_length=500)] = "") -> Response:
    def run(row: DeviceRequest) -> None:
        if to not in STATES:
            raise BadRequest("Choose what happens next.", field="to")
        service.transition(db, me.actor, row, to, note)

    return _act_on_request(request, db, me, request_id, {"note": note, "to": to}, run)


@router.post("/fleet/requests/{request_id}/built")
def built_form(request: Request, me: Requires("fleet.manage"), db: DB, request_id: uuid.UUID, serial: Short = "",
               back: Annotated[str, Form(max_length=10)] = "") -> Response:
    return _act_on_request(request, db, me, request_id, {"serial": serial},
                           lambda row: service.mark_built(db, me.actor, row, serial),
                           back="queue" if back == "queue" else None)


# --- catalogue and profiles --------------------------------------------------------------------

def _catalogue_page(request: Request, db: Session, me: Principal, page_no: int = 1, errors: dict | None = None,
                    form: dict | None = None, status: int = 200) -> Response:
    models, info = paginate(db, catalogue.models_query(), page_no, 50)
    profiles = db.execute(catalogue.profiles_query()).scalars().all()
    return page(request, "fleet/supply/catalogue.html", {
        "models": models, "pg": info, "profiles": profiles, "kinds": KINDS, "roles": ROLES,
        "all_models": {m.id: m for m in db.execute(catalogue.models_query()).scalars()},
        "errors": errors or {}, "form": form or {}, "can_manage": me.can("fleet.manage")}, status_code=status)


@router.get("/fleet/catalogue")
def catalogue_page(request: Request, me: Requires("fleet.read"), db: DB, page_no: PageQuery = 1) -> Response:
    return _catalogue_page(request, db, me, page_no)


@router.post("/fleet/catalogue/models")
def add_model_form(request: Request, me: Requires("fleet.manage"), db: DB, code: Short = "", name: Short = "",
                   kind: Short = "", manufacturer: Short = "", operating_system: Short = "") -> Response:
    form = {"code": code, "name": name, "kind": kind, "manufacturer": manufacturer,
            "operating_system": operating_system}
    try:
        catalogue.create_model(db, me.actor, **form)
    except (BadRequest, Conflict) as exc:
        db.rollback()
        return _catalogue_page(request, db, me, errors=_errors(exc), form=form, status=exc.status)
    db.commit()
    return RedirectResponse("/fleet/catalogue", status_code=303)


def _profile_page(request: Request, db: Session, me: Principal, profile: Profile | None, errors: dict | None = None,
                  form: dict | None = None, status: int = 200, notice: str = "") -> Response:
    if form is None and profile is not None:
        form = {name: getattr(profile, name) for name in catalogue.POLICY_FIELDS}
        form.update(code=profile.code, name=profile.name, role=profile.role,
                    device_model_id=str(profile.device_model_id),
                    is_default="yes" if profile.is_default else "",
                    encryption_required="yes" if profile.encryption_required else "",
                    vpn_required="yes" if profile.vpn_required else "",
                    software="\n".join(f"{s['name']} {s['version']}".strip() if not s.get("version") else
                                       f"{s['name']} | {s['version']}" for s in profile.software),
                    allowed_networks=", ".join(profile.allowed_networks),
                    settings=json.dumps(profile.settings, indent=1) if profile.settings else "")
    return page(request, "fleet/supply/profile.html", {
        "profile": profile, "form": form or {"wrong_pin_limit": 10, "auto_lock_minutes": 5, "checkin_fast_seconds": 60,
                                             "checkin_slow_seconds": 300, "fast_checkin_hours": 24,
                                             "compliance_grace_hours": 72, "encryption_required": "yes",
                                             "vpn_required": "yes"},
        "errors": errors or {}, "roles": ROLES, "actions": COMPLIANCE_ACTIONS, "notice": notice,
        "models": {str(m.id): f"{m.name} ({KINDS[m.kind]})" for m in
                   db.execute(catalogue.models_query(active_only=True)).scalars()},
        "can_manage": me.can("fleet.manage"),
        "policy": service.profile_policy(db, profile.id) if profile else None}, status_code=status)


@router.get("/fleet/profiles/new")
def new_profile_page(request: Request, me: Requires("fleet.manage"), db: DB) -> Response:
    return _profile_page(request, db, me, None)


@router.get("/fleet/profiles/{profile_id}")
def profile_page(request: Request, me: Requires("fleet.read"), db: DB, profile_id: uuid.UUID,
                 notice: str = "") -> Response:
    return _profile_page(request, db, me, service.get_profile(db, profile_id), notice=notice[:200])


def _int(form: dict, name: str, problems: dict) -> int:
    value = str(form.get(name) or "").strip()
    if not value.lstrip("-").isdigit():
        problems[name] = f"Write {name.replace('_', ' ')} as a whole number."
        return 0
    return int(value)


def _profile_fields(form: dict) -> catalogue.ProfileFields:
    problems: dict[str, str] = {}
    software = []
    for line in str(form.get("software") or "").splitlines():
        if line.strip():
            name, _, version = line.partition("|")
            software.append({"name": name.strip(), "version": version.strip()})
    settings: dict = {}
    if str(form.get("settings") or "").strip():
        try:
            settings = json.loads(form["settings"])
            if not isinstance(settings, dict):
                raise ValueError
        except ValueError:
            problems["settings"] = 'Write the settings as JSON, for example {"home_page": "https://..."}.'
    model_id = _uuid(str(form.get("device_model_id") or ""))
    if model_id is None:
        problems["device_model_id"] = "Choose the device model."
    numbers = {name: _int(form, name, problems) for name in ("wrong_pin_limit", "auto_lock_minutes",
                                                             "checkin_fast_seconds", "checkin_slow_seconds",
                                                             "fast_checkin_hours", "compliance_grace_hours")}
    if problems:
        first = next(iter(problems))
        raise BadRequest(problems[first], field=first, errors=[{"field": k, "message": v} for k, v in problems.items()])
    return catalogue.ProfileFields(
        name=str(form.get("name") or ""), role=str(form.get("role") or ""), device_model_id=model_id,
        min_os_version=str(form.get("min_os_version") or ""), is_default=form.get("is_default") == "yes",
        software=software, settings=settings, encryption_required=form.get("encryption_required") == "yes",
        allowed_networks=[n.strip() for n in str(form.get("allowed_networks") or "").split(",") if n.strip()],
        vpn_required=form.get("vpn_required") == "yes", vpn_profile=str(form.get("vpn_profile") or "") or None,
        compliance_action=str(form.get("compliance_action") or ""), **numbers)


_PROFILE_FORM = ("code", "name", "role", "device_model_id", "is_default", "software", "settings", "wrong_pin_limit",
                 "auto_lock_minutes", "min_os_version", "encryption_required", "allowed_networks", "vpn_required",
                 "vpn_profile", "checkin_fast_seconds", "checkin_slow_seconds", "fast_checkin_hours",
                 "compliance_grace_hours", "compliance_action")


async def _read_profile_form(request: Request) -> dict:
    data = await request.form()
    return {k: str(data.get(k) or "")[:5000] for k in _PROFILE_FORM}


@router.post("/fleet/profiles")
async def create_profile_form(request: Request, me: Requires("fleet.manage"), db: DB) -> Response:
    form = await _read_profile_form(request)
    try:
        row = catalogue.create_profile(db, me.actor, form["code"], _profile_fields(form))
    except (BadRequest, Conflict) as exc:
        db.rollback()
        errors = {e["field"].split(".")[0]: e["message"] for e in exc.errors} or _errors(exc)
        return _profile_page(request, db, me, None, errors, form, status=exc.status)
    db.commit()
    return RedirectResponse(f"/fleet/profiles/{row.id}", status_code=303)


@router.post("/fleet/profiles/{profile_id}")
async def update_profile_form(request: Request, me: Requires("fleet.manage"), db: DB,
                              profile_id: uuid.UUID) -> Response:
    form = await _read_profile_form(request)
    profile = db.execute(select(Profile).where(Profile.id == profile_id).with_for_update()).scalar() \
        or service.get_profile(db, profile_id)
    try:
        _, changed = catalogue.update_profile(db, me.actor, profile, _profile_fields(form))
    except (BadRequest, Conflict) as exc:
        db.rollback()
        errors = {e["field"].split(".")[0]: e["message"] for e in exc.errors} or _errors(exc)
        return _profile_page(request, db, me, service.get_profile(db, profile_id), errors, form, status=exc.status)
    db.commit()
    notice = (f"Saved as version {profile.version}; the new configuration is queued to every device on it."
              if set(changed) & set(catalogue.POLICY_FIELDS) else "Saved." if changed else "Nothing had changed.")
    return RedirectResponse(f"/fleet/profiles/{profile_id}?" + urlencode({"notice": notice}), status_code=303)


# --- delivery runs -----------------------------------------------------------------------------

def _runs_page(request: Request, db: Session, me: Principal, page_no: int = 1, errors: dict | None = None,
               form: dict | None = None, status: int = 200, state: str = "") -> Response:
    rows, info = paginate(db, runs.runs_query(state=state or None), page_no, 25, scalars=False)
    counts = runs.counts(db, [r.id for r, _ in rows])
    drivers = runs.drivers(db)
    return page(request, "fleet/supply/runs.html", {
        "rows": rows, "counts": counts, "pg": info, "base": "/fleet/runs?" + (f"state={state}&" if state else ""),
        "ready": runs.ready_by_area(db), "drivers": {str(d.id): d.display_name for d in drivers},
        "driver_names": {d.id: d.display_name for d in drivers}, "run_states": RUN_STATES, "state": state,
        "errors": errors or {}, "form": form or {"run_date": uk_today().isoformat(), "max_stops": 40},
        "can_manage": me.can("fleet.manage")}, status_code=status)


@router.get("/fleet/runs")
def runs_page(request: Request, me: Requires("fleet.read"), db: DB, page_no: PageQuery = 1,
              state: str = "") -> Response:
    return _runs_page(request, db, me, page_no, state=state if state in RUN_STATES else "")


@router.post("/fleet/runs")
async def plan_runs_form(request: Request, me: Requires("fleet.manage"), db: DB) -> Response:
    data = await request.form()
    form = {"run_date": str(data.get("run_date") or "")[:20], "driver_id": str(data.get("driver_id") or "")[:40],
            "max_stops": str(data.get("max_stops") or "")[:5],
            "areas": [str(a)[:40] for a in data.getlist("areas")][:100]}
    try:
        try:
            run_date = date.fromisoformat(form["run_date"])
        except ValueError:
            raise BadRequest("Choose the day of the runs.", field="run_date") from None
        if not form["max_stops"].isdigit():
            raise BadRequest("Write the most stops in a run as a whole number.", field="max_stops")
        made = runs.plan_runs(db, me.actor, run_date, station_ids=[u for u in map(_uuid, form["areas"]) if u] or None,
                              driver_id=_uuid(form["driver_id"]), max_stops=int(form["max_stops"]))
    except (BadRequest, Conflict) as exc:
        db.rollback()
        return _runs_page(request, db, me, errors=_errors(exc), form=form, status=exc.status)
    db.commit()
    return RedirectResponse(f"/fleet/runs/{made[0].id}" if len(made) == 1 else "/fleet/runs", status_code=303)


def _run_page(request: Request, db: Session, me: Principal, run: DeliveryRun, template: str,
              errors: dict | None = None, form: dict | None = None, status: int = 200) -> Response:
    stops = db.execute(runs.stops(run.id)).all()
    _see(db, me, "fleet.run.viewed", "delivery_run", run.id, {"reference": run.reference})
    area = db.get(Station, run.station_id)
    driver = db.get(User, run.driver_id) if run.driver_id else None
    return page(request, template, {
        "run": run, "stops": stops, "area": area, "driver": driver, "states": STATES, "run_states": RUN_STATES,
        "drivers": {str(d.id): d.display_name for d in runs.drivers(db)}, "errors": errors or {},
        "form": form or {}, "proofs": PROOFS, "can_manage": me.can("fleet.manage"), "mine": run.driver_id == me.id},
        status_code=status)


@router.get("/fleet/runs/{run_id}")
def run_page(request: Request, me: Requires("fleet.read"), db: DB, run_id: uuid.UUID) -> Response:
    return _run_page(request, db, me, runs.get(db, run_id), "fleet/supply/run.html")


@router.post("/fleet/runs/{run_id}/driver")
def assign_form(request: Request, me: Requires("fleet.manage"), db: DB, run_id: uuid.UUID,
                driver_id: Short = "") -> Response:
    run = runs.get(db, run_id, lock=True)
    try:
        if _uuid(driver_id) is None:
            raise BadRequest("Choose a driver.", field="driver_id")
        runs.assign(db, me.actor, run, _uuid(driver_id))
    except (BadRequest, Conflict) as exc:
        db.rollback()
        return _run_page(request, db, me, runs.get(db, run_id), "fleet/supply/run.html", _errors(exc),
                         {"driver_id": driver_id}, exc.status)
    db.commit()
    return RedirectResponse(f"/fleet/runs/{run_id}", status_code=303)


@router.post("/fleet/runs/{run_id}/start")
def start_run_form(request: Request, me: Requires("fleet.deliver"), db: DB, run_id: uuid.UUID) -> Response:
    run = runs.get(db, run_id, lock=True)
    if run.driver_id != me.id and not me.can("fleet.manage"):
        raise Forbidden(f"{run.reference} is not your delivery run.")
    template, back = (("fleet/supply/driver_run.html", f"/fleet/deliveries/{run_id}") if run.driver_id == me.id
                      else ("fleet/supply/run.html", f"/fleet/runs/{run_id}"))
    try:
        runs.start(db, me.actor, run)
    except (BadRequest, Conflict) as exc:
        db.rollback()
        return _run_page(request, db, me, runs.get(db, run_id), template, {"start": exc.detail}, status=exc.status)
    db.commit()
    return RedirectResponse(back, status_code=303)


# --- the driver's page -------------------------------------------------------------------------

@router.get("/fleet/deliveries")
def my_runs_page(request: Request, me: Requires("fleet.deliver"), db: DB, page_no: PageQuery = 1) -> Response:
    rows, info = paginate(db, runs.runs_query(driver_id=me.id), page_no, 25, scalars=False)
    return page(request, "fleet/supply/driver_runs.html", {
        "rows": rows, "counts": runs.counts(db, [r.id for r, _ in rows]), "pg": info, "base": "/fleet/deliveries?",
        "run_states": RUN_STATES})


def _own_run(db: Session, me: Principal, run_id: uuid.UUID) -> DeliveryRun:
    run = runs.get(db, run_id)
    if run.driver_id != me.id:
        raise Forbidden(f"{run.reference} is not your delivery run.",
                        hint="Ask a fleet engineer to give you the run if you are delivering it.")
    return run


@router.get("/fleet/deliveries/{run_id}")
def driver_run_page(request: Request, me: Requires("fleet.deliver"), db: DB, run_id: uuid.UUID) -> Response:
    return _run_page(request, db, me, _own_run(db, me, run_id), "fleet/supply/driver_run.html")


def _stop_action(request: Request, db: Session, me: Principal, run_id: uuid.UUID, request_id: uuid.UUID,
                 form: dict, action) -> Response:
    run = runs.get(db, run_id, lock=True)
    try:
        row = action(run)
    except (BadRequest, Conflict, NotFound) as exc:
        db.rollback()
        errors = {f"{exc.field or 'stop'}-{request_id}": exc.detail}
        return _run_page(request, db, me, runs.get(db, run_id), "fleet/supply/driver_run.html", errors,
                         {f"{k}-{request_id}": v for k, v in form.items()}, exc.status)
    db.commit()
    return RedirectResponse(f"/fleet/deliveries/{run_id}#stop-{row.id}", status_code=303)


@router.post("/fleet/deliveries/{run_id}/stops/{request_id}/delivered")
def delivered_form(request: Request, me: Requires("fleet.deliver"), db: DB, run_id: uuid.UUID, request_id: uuid.UUID,
                   received_by: Short = "", proof_kind: Short = "", code: Short = "",
                   signature: Annotated[str, Form(max_length=runs.MAX_SIGNATURE)] = "") -> Response:
    form = {"received_by": received_by, "proof_kind": proof_kind, "code": code}
    return _stop_action(request, db, me, run_id, request_id, form,
                        lambda run: runs.deliver(db, me.actor, run, request_id, received_by=received_by,
                                                 proof_kind=proof_kind, signature=signature, code=code))


@router.post("/fleet/deliveries/{run_id}/stops/{request_id}/not-delivered")
def not_delivered_form(request: Request, me: Requires("fleet.deliver"), db: DB, run_id: uuid.UUID,
                       request_id: uuid.UUID, reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    return _stop_action(request, db, me, run_id, request_id, {"reason": reason},
                        lambda run: runs.not_delivered(db, me.actor, run, request_id, reason))
