"""Staff pages for collision reports: the list, the report form (new and edit), a report's page
and the STATS19 export page."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from onbeat.core.errors import BadRequest, Problem
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Principal, Requires
from onbeat.core.time import uk_today
from onbeat.db import get_db
from onbeat.records.collisions import codes, forms, service
from onbeat.records.collisions.schemas import CollisionIn
from onbeat.records.core import service as records
from onbeat.records.core.kinds import KINDS, STATES
from onbeat.records.core.pages import header_context
from onbeat.records.core.models import Record
from onbeat.records.pole.formats import registration_display
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
PATH = KINDS[service.KIND].path  # /records/collision
OWN_RECORD = "The author viewing their own collision report"


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{value!r} is not a date.", field=name, hint="Use the date picker, or type YYYY-MM-DD.")


@router.get(PATH)
def list_page(request: Request, me: Requires("records.read"), db: DB, page_no: PageQuery = 1, severity: str = "",
              date_from: str = "", date_to: str = "", state: str = "") -> Response:
    level = int(severity) if severity in ("1", "2", "3") else None
    stmt = service.search(severity=level, date_from=_day(date_from, "date_from"), date_to=_day(date_to, "date_to"),
                          state=state if state in STATES else None)
    rows, info = paginate(db, stmt, page_no, 25, scalars=False)
    filters = dict(severity=severity, date_from=date_from, date_to=date_to, state=state)
    base = PATH + "?" + "".join(f"{k}={v}&" for k, v in filters.items() if v)
    return page(request, "collisions/list.html", {
        "rows": [service.summary_of(r) for r in rows], "pg": info, "base": base, "form": filters,
        "severities": codes.SEVERITY, "states": STATES, "path_new": PATH + "/new",
        "can_write": me.can("records.write"), "can_export": me.can("collisions.export")})


def _form(request: Request, values: dict, n_vehicles: int, n_casualties: int, *, errors: dict | None = None,
          record: Record | None = None, status: int = 200) -> Response:
    return page(request, "collisions/form.html", {
        "v": values, "errors": errors or {}, "n_vehicles": n_vehicles, "n_casualties": n_casualties,
        "sections": forms.COLLISION_FIELDS, "vehicle_fields": forms.VEHICLE_FIELDS,
        "vehicle_ref_fields": forms.VEHICLE_REF_FIELDS, "casualty_fields": forms.CASUALTY_FIELDS,
        "person_fields": forms.PERSON_FIELDS, "severities": codes.SEVERITY, "record": record,
        "action": f"{PATH}/{record.id}/edit" if record else f"{PATH}/new",
        "max_vehicles": forms.MAX_VEHICLES, "max_casualties": forms.MAX_CASUALTIES}, status_code=status)


@router.get(PATH + "/new")
def new_form(request: Request, me: Requires("records.write"), incident_number: str = "") -> Response:
    today = uk_today()
    values = {"client_uuid": str(uuid.uuid4()), "date": today.isoformat(), "incident_number": incident_number}
    return _form(request, values, 1, 1)


async def _read(request: Request) -> tuple[dict[str, str], str, int, int]:
    """The posted values, the button pressed and the vehicle and casualty counts it asks for."""
    posted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    action = posted.pop("action", "save")
    n_vehicles, n_casualties = forms.counts(posted)
    n_vehicles, n_casualties = max(n_vehicles, 1), max(n_casualties, 1)
    if action == "add_vehicle":
        n_vehicles = min(n_vehicles + 1, forms.MAX_VEHICLES)
    elif action == "add_casualty":
        n_casualties = min(n_casualties + 1, forms.MAX_CASUALTIES)
    elif action == "remove_vehicle":
        n_vehicles = max(n_vehicles - 1, 1)
    elif action == "remove_casualty":
        n_casualties = max(n_casualties - 1, 1)
    return posted, action, n_vehicles, n_casualties


def _save(request: Request, db: Session, me: Principal, posted: dict, n_vehicles: int, n_casualties: int,
          record: Record | None) -> Response:
    try:
        body = CollisionIn.model_validate(forms.to_body(posted, n_vehicles, n_casualties))
        if record is None:
            saved, _ = service.create(db, me, body)
        else:
            saved = service.update(db, me, record, body)
        db.commit()
    except ValidationError as exc:
        db.rollback()
        return _form(request, posted, n_vehicles, n_casualties, errors=forms.errors_of(exc), record=record, status=422)
    except Problem as exc:
        db.rollback()
        if exc.status in (401, 403, 404):
            raise
        errors: dict[str, str] = {}
        for e in exc.errors or [{"field": exc.field, "message": exc.detail}]:
            errors.setdefault(e.get("field") or "form", e["message"])
        return _form(request, posted, n_vehicles, n_casualties, errors=errors, record=record, status=exc.status)
    return RedirectResponse(f"{PATH}/{saved.id}", status_code=303)


@router.post(PATH + "/new")
async def create_form(request: Request, me: Requires("records.write"), db: DB) -> Response:
    posted, action, n_vehicles, n_casualties = await _read(request)
    if action != "save":
        return _form(request, posted, n_vehicles, n_casualties)
    return await run_in_threadpool(_save, request, db, me, posted, n_vehicles, n_casualties, None)


@router.get(PATH + "/export")
def export_page(request: Request, me: Requires("collisions.export"), year: int | None = None) -> Response:
    this_year = uk_today().year
    chosen = year if year and 1979 <= year <= this_year else this_year
    return page(request, "collisions/export.html", {"year": chosen, "years": range(this_year, this_year - 10, -1)})


@router.get(PATH + "/{record_id}")
def record_page(request: Request, record_id: uuid.UUID, me: Requires("records.read"), db: DB,
                purpose: str = "") -> Response:
    record = records.get(db, record_id, service.KIND)
    own = record.author_id == me.id
    if not own and len(purpose.strip()) < 3:
        return page(request, "collisions/purpose.html", {"record": record, "error": bool(purpose)})
    detail = service.detail(db, record)
    records.consult(db, me, record, OWN_RECORD if own else purpose.strip())
    db.commit()
    return page(request, "collisions/record.html", {**header_context(db, me, record), "c": detail, "label": codes.label,
                                                       "road": codes.road_name, "registration": registration_display})


@router.get(PATH + "/{record_id}/edit")
def edit_form(request: Request, record_id: uuid.UUID, me: Requires("records.write"), db: DB) -> Response:
    record = records.get(db, record_id, service.KIND)
    records.ensure_editable(record, me)
    stored = service.as_input(db, record)
    values = forms.flatten(stored)
    return _form(request, values, len(stored["vehicles"]), len(stored["casualties"]), record=record)


@router.post(PATH + "/{record_id}/edit")
async def edit_submit(request: Request, record_id: uuid.UUID, me: Requires("records.write"), db: DB) -> Response:
    posted, action, n_vehicles, n_casualties = await _read(request)

    def respond() -> Response:
        record = records.get(db, record_id, service.KIND, lock=action == "save")
        records.ensure_editable(record, me)
        if action != "save":
            return _form(request, posted, n_vehicles, n_casualties, record=record)
        return _save(request, db, me, posted, n_vehicles, n_casualties, record)

    return await run_in_threadpool(respond)
