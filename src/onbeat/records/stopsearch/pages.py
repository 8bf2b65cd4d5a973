"""Staff pages for stop-search records: the list (with a receipt look-up), the form to record or
edit one (errors beside their fields) and the record's own page with its review actions."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, NotFound
from onbeat.core.identity.models import User
from onbeat.core.identity.service import station_names
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Requires
from onbeat.core.time import UK, uk, utcnow
from onbeat.db import get_db
from onbeat.records.core import service as core
from onbeat.records.core.kinds import KINDS, STATES
from onbeat.records.core.pages import header_context, names_of
from onbeat.records.pole.formats import registration_display
from onbeat.records.pole.service import summaries
from onbeat.records.stopsearch import codes, service
from onbeat.records.stopsearch.schemas import StopSearchFields, StopSearchIn
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
PATH = KINDS[service.KIND].path
OWN_RECORD = "Officer's own stop-search record"
CODE_LISTS = {"search_types": codes.SEARCH_TYPES, "ethnicities": codes.ETHNICITIES,
              "officer_ethnicities": codes.OFFICER_ETHNICITIES, "genders": codes.GENDERS,
              "age_ranges": codes.AGE_RANGES, "objects": codes.OBJECTS, "powers": codes.POWERS,
              "ranks": codes.RANKS, "outcomes": codes.OUTCOMES, "clothing": codes.CLOTHING,
              "receipts": codes.RECEIPTS, "states": STATES}
_PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "address", "postcode")


# --- reading the form --------------------------------------------------------------------------

def _local(value: datetime | None) -> str:
    """An aware time as a datetime-local input shows it (UK time)."""
    return uk(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _moment(value: str, field: str, errors: dict) -> datetime | None:
    if not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=UK)
        except ValueError:
            continue
    errors[field] = f"{value!r} is not a date and time: use the picker, or type YYYY-MM-DD HH:MM (UK time)."
    return None


def _body(form: dict, errors: dict) -> dict:
    """The API's body from the page's fields (times typed in UK time, tick boxes, a person)."""
    body = {k: form.get(k, "") for k in StopSearchFields.model_fields if k not in ("person", "other_officers")}
    body["occurred_at"] = _moment(form.get("occurred_at", ""), "occurred_at", errors)
    if not form.get("occurred_at"):
        errors["occurred_at"] = "Give the date and time of the search (UK time)."
    body["authorised_at"] = _moment(form.get("authorised_at", ""), "authorised_at", errors)
    for flag in ("anything_found", "injury_or_damage", "name_given"):
        body[flag] = form.get(flag) == "yes"
    body["outcome_linked_to_object"] = {"yes": True, "no": False}.get(form.get("outcome_linked_to_object", ""))
    body["latitude"] = form.get("latitude") or None
    body["longitude"] = form.get("longitude") or None
    body["other_officers"] = [n for n in form.get("other_officers", "").replace(",", " ").split() if n]
    person = {k: form.get(f"person_{k}", "").strip() for k in _PERSON_FIELDS}
    person = {k: v for k, v in person.items() if v}
    if form.get("person_choice"):  # a person already known, chosen from the suggestions
        body["person"] = {"id": form["person_choice"]}
    elif person:
        body["person"] = person
    elif form.get("person_id") and body["name_given"]:
        body["person"] = {"id": form["person_id"]}
    return body


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    if parts[0] == "person" and len(parts) > 1 and parts[1] in _PERSON_FIELDS:
        return f"person_{parts[1]}"
    return parts[0]


def _message(err: dict) -> str:
    if err.get("input") in ("", None) and err["type"] in ("literal_error", "missing"):
        return "Choose one." if err["type"] == "literal_error" else "This is needed."
    return err["msg"].removeprefix("Value error, ")


def _parse(model, form: dict) -> tuple[object | None, dict]:
    errors: dict[str, str] = {}
    body = _body(form, errors)
    if "client_uuid" in form:
        body["client_uuid"] = form["client_uuid"]
    try:
        data = model.model_validate({k: v for k, v in body.items() if v is not None or k not in errors})
    except ValidationError as exc:
        for err in exc.errors():
            errors.setdefault(_field(err["loc"]), _message(err))
        return None, errors
    return (None if errors else data), errors


def _form_page(request: Request, form: dict, errors: dict | None = None, record=None, status: int = 200):
    return page(request, "stopsearch/form.html", {"form": form, "errors": errors or {}, "record": record, **CODE_LISTS},
                status_code=status)


async def _form_values(request: Request) -> dict:
    """The posted form's text fields (read here, so the endpoints themselves can be plain functions)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}


FormValues = Annotated[dict, Depends(_form_values)]


def _problems(exc: BadRequest) -> dict:
    """The service's errors by form field (the first error of a field wins)."""
    found = exc.errors or [{"field": exc.field or "form", "message": exc.detail}]
    return {_field(tuple((e["field"] or "form").split("."))): e["message"] for e in reversed(found)}


# --- the form ----------------------------------------------------------------------------------

@router.get(PATH + "/new")
def new_form(request: Request, me: Requires("records.write")) -> Response:
    form = {"client_uuid": str(uuid.uuid4()), "occurred_at": _local(utcnow()), "clothing_removed": "none"}
    return _form_page(request, form)


@router.post(PATH + "/new")
def create_from_form(request: Request, me: Requires("records.write"), form: FormValues, db: DB) -> Response:
    data, errors = _parse(StopSearchIn, form)
    if errors:
        return _form_page(request, form, errors, status=400)
    try:
        record, _, _ = service.create(db, me, data)
    except BadRequest as exc:
        db.rollback()
        return _form_page(request, form, _problems(exc), status=400)
    db.commit()
    return RedirectResponse(f"{PATH}/{record.id}", status_code=303)


@router.get(PATH + "/{record_id}/edit")
def edit_form(request: Request, record_id: uuid.UUID, me: Requires("records.write"), db: DB) -> Response:
    record, row = service.get(db, record_id)
    core.ensure_editable(record, me)
    core.consult(db, me, record, OWN_RECORD)
    db.commit()
    return _form_page(request, _stored_form(db, record, row), record=record)


@router.post(PATH + "/{record_id}/edit")
def edit_from_form(request: Request, record_id: uuid.UUID, me: Requires("records.write"), form: FormValues,
                   db: DB) -> Response:
    record, _ = service.get(db, record_id, lock=True)
    core.ensure_editable(record, me)
    data, errors = _parse(StopSearchFields, form)
    if errors:
        return _form_page(request, form, errors, record=record, status=400)
    try:
        service.update(db, me, record, data)
    except BadRequest as exc:
        db.rollback()
        return _form_page(request, form, _problems(exc), record=record, status=400)
    db.commit()
    return RedirectResponse(f"{PATH}/{record.id}", status_code=303)


def _stored_form(db: Session, record, row) -> dict:
    form = {name: getattr(row, name) for name in service.DETAILS}
    form.update({k: ("" if v is None else v) for k, v in form.items()})
    form.update(occurred_at=_local(record.occurred_at), authorised_at=_local(row.authorised_at),
                place=record.place if record.place != row.postcode else "",
                latitude="" if record.latitude is None else record.latitude,
                longitude="" if record.longitude is None else record.longitude,
                incident_number=record.incident_number or "", other_officers=" ".join(row.other_officers),
                outcome_linked_to_object={True: "yes", False: "no"}.get(row.outcome_linked_to_object, ""))
    for flag in ("anything_found", "injury_or_damage", "name_given"):
        form[flag] = "yes" if getattr(row, flag) else ""
    person_id = service.linked(db, record.id, "person", "person_searched")
    if person_id:
        form["person_id"] = str(person_id)
        form["person_label"] = summaries(db, [("person", person_id)]).get(("person", person_id), ("",))[0]
    return form


# --- the list and the receipt look-up ----------------------------------------------------------

def _day(value: str, field: str, errors: dict, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        errors[field] = f"{value!r} is not a date: use the date picker, or type YYYY-MM-DD."
        return None
    moment = datetime.combine(day, time(0), tzinfo=UK)
    return moment + timedelta(days=1) if end else moment


@router.get(PATH)
def list_page(request: Request, me: Requires("records.read"), db: DB, page_no: PageQuery = 1, power: str = "",
              outcome: str = "", state: str = "", officer: str = "", date_from: str = "", date_to: str = "",
              purpose: str = "") -> Response:
    form = dict(power=power, outcome=outcome, state=state, officer=officer, date_from=date_from, date_to=date_to,
                purpose=purpose)
    errors: dict[str, str] = {}
    filtered = any(v for k, v in form.items() if k != "purpose")
    reason = purpose.strip()[:500]
    if not filtered and not reason:
        reason, author_id, heading = OWN_RECORD, me.id, "Your stop-searches"
    else:
        heading, author_id = "Stop-searches found", None
        if len(reason) < 3:
            errors["purpose"] = "Say why you are looking (for example an incident or crime reference)."
        if officer.strip():
            author_id = db.execute(select(User.id).where(User.collar_number == officer.strip().upper())).scalar()
            if author_id is None:
                errors["officer"] = f"No officer has the collar number {officer.strip()!r}."
    start, end = _day(date_from, "date_from", errors), _day(date_to, "date_to", errors, end=True)
    ctx = {"form": form, "errors": errors, "rows": None, "heading": heading, **CODE_LISTS}
    if not errors:
        stmt = service.search(power=power if power in codes.POWERS else None,
                              outcome=outcome if outcome in codes.OUTCOMES else None, date_from=start, date_to=end,
                              author_id=author_id, state=state if state in STATES else None)
        rows, info = paginate(db, stmt, page_no, 25, scalars=False)
        audit(db, me.actor, "consult", "records.stop_search.listed", "stop_search", None, purpose=reason,
              detail={"filters": {k: v for k, v in form.items() if v and k != "purpose"},
                      "results": [r.reference for r, _ in rows]})
        db.commit()
        authors = names_of(db, [r.author_id for r, _ in rows])
        ctx.update(rows=[{"record": r, "row": s, "author": authors.get(r.author_id, "")} for r, s in rows], pg=info,
                   base=f"{PATH}?" + urlencode({k: v for k, v in form.items() if v}) + "&",
                   link_purpose="" if reason == OWN_RECORD else reason)
    return page(request, "stopsearch/list.html", ctx, status_code=400 if errors else 200)


@router.get(PATH + "/receipt")
def receipt_lookup(request: Request, me: Requires("records.read"), db: DB, receipt_reference: str = "",
                   purpose: str = "") -> Response:
    errors = {}
    if len(purpose.strip()) < 3:
        errors["receipt_purpose"] = "Say why you are looking the record up (for example, the person asked for it)."
    try:
        record, _ = service.by_receipt(db, receipt_reference[:40])
    except NotFound as exc:
        errors["receipt_reference"] = exc.detail
    if errors:
        return page(request, "stopsearch/list.html",
                    {"form": {}, "errors": errors, "rows": None, "heading": "",
                     "receipt": {"receipt_reference": receipt_reference, "purpose": purpose}, **CODE_LISTS},
                    status_code=400)
    return RedirectResponse(f"{PATH}/{record.id}?" + urlencode({"purpose": purpose.strip()[:500]}), status_code=303)


# --- the record's page ---------------------------------------------------------------------------

@router.get(PATH + "/{record_id}")
def record_page(request: Request, record_id: uuid.UUID, me: Requires("records.read"), db: DB,
                purpose: str = "") -> Response:
    record, row = service.get(db, record_id)
    reason = OWN_RECORD if record.author_id == me.id else purpose.strip()[:500]
    if len(reason) < 3:
        return page(request, "stopsearch/purpose.html", {"record": record, "action": f"{PATH}/{record.id}"})
    core.consult(db, me, record, reason)
    db.commit()
    ctx = header_context(db, me, record)
    others = db.execute(select(User.collar_number, User.rank, User.given_name, User.family_name)
                        .where(User.collar_number.in_(row.other_officers))).all() if row.other_officers else []
    known = {o.collar_number: f"{o.rank} {o.given_name} {o.family_name} ({o.collar_number})" for o in others}
    ctx.update(row=row, power=codes.POWERS[row.power], codes=CODE_LISTS,
               station=station_names(db).get(row.officer_station_id, "") if row.officer_station_id else "",
               other_officers=[known.get(n, n) for n in row.other_officers],
               registration=registration_display(row.vehicle_registration) if row.vehicle_registration else "",
               can_edit=ctx["can_edit"])
    return page(request, "stopsearch/record.html", ctx)
