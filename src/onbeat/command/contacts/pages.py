"""The call-taking page: a contact form whose THRIVE answers give a suggested grade (HTMX) and
whose place and type show possible duplicates (HTMX) before it is saved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from onbeat.command.contacts import duplicates, service
from onbeat.command.contacts.models import CHANNELS
from onbeat.command.contacts.schemas import ContactIn, DuplicatesIn, SuggestIn
from onbeat.command.incidents.catalogue import (CATEGORIES, GRADES, LEVELS, THRIVE_ELEMENTS, THRIVE_QUESTIONS, TYPES,
                                                VULNERABILITY_FACTORS)
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.security import Requires
from onbeat.core.time import UK, uk, utcnow
from onbeat.db import get_db
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]


def code_lists() -> dict:
    by_category = {c: {t.code: t.label for t in TYPES.values() if t.category == c} for c in CATEGORIES}
    return {"channels": CHANNELS, "categories": CATEGORIES, "types_by_category": by_category, "grades": GRADES,
            "levels": list(LEVELS), "elements": THRIVE_ELEMENTS, "questions": THRIVE_QUESTIONS,
            "factors": VULNERABILITY_FACTORS}


# --- reading the form --------------------------------------------------------------------------

def _local(value: datetime) -> str:
    return uk(value).strftime("%Y-%m-%dT%H:%M:%S")


def _moment(value: str, field: str, errors: dict) -> datetime | None:
    if not value or not value.strip():
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=UK)
        except ValueError:
            continue
    errors[field] = f"{value!r} is not a date and time: use the picker, or type YYYY-MM-DD HH:MM:SS (UK time)."
    return None


async def _form(request: Request) -> dict:
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str) and k != "csrf_token"}
    form["vulnerability_factors"] = [v for v in raw.getlist("vulnerability_factors") if isinstance(v, str)]
    return form


def _thrive(form: dict) -> dict:
    answers = {e: {"level": form.get(f"{e}_level", ""), "notes": form.get(f"{e}_notes", "")} for e in THRIVE_ELEMENTS}
    answers["vulnerability"]["factors"] = form.get("vulnerability_factors", [])
    return answers


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    if parts[0] == "thrive" and len(parts) >= 3:
        return "vulnerability_factors" if parts[2] == "factors" else f"{parts[1]}_{parts[2]}"
    return parts[0]


def _message(err: dict) -> str:
    if err.get("input") in ("", None) and err["type"] in ("literal_error", "missing"):
        return "Choose one." if err["type"] == "literal_error" else "This is needed."
    return err["msg"].removeprefix("Value error, ")


def _validate(model, body: dict, errors: dict):
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        for err in exc.errors():
            errors.setdefault(_field(err["loc"]), _message(err))
        return None


def _contact_body(form: dict, errors: dict) -> dict:
    body = {k: (form.get(k) or None) for k in ("channel", "caller_name", "callback_number", "address", "postcode",
                                                "latitude", "longitude", "incident_type", "grade", "grade_reason")}
    body["description"] = form.get("description", "")
    body["thrive"] = _thrive(form)
    body["received_at"] = _moment(form.get("received_at", ""), "received_at", errors)
    body["answered_at"] = _moment(form.get("answered_at", ""), "answered_at", errors)
    body["urban"] = {"urban": True, "rural": False}.get(form.get("urban", ""))
    decision = form.get("decision", "")
    if decision == "new":
        body["open_new"] = True
    elif decision:
        body["link_to"] = decision
    return body


def _form_page(request: Request, form: dict, errors: dict | None = None, found: list | None = None,
               status: int = 200) -> Response:
    return page(request, "command/contact_form.html", {"form": form, "errors": errors or {}, "found": found,
                                                        **code_lists()}, status_code=status)


# --- routes ------------------------------------------------------------------------------------

@router.get("/contacts/new")
def new_contact(request: Request, me: Requires("contacts.create")) -> Response:
    now = _local(utcnow())
    return _form_page(request, {"channel": "999", "received_at": now, "answered_at": now, "vulnerability_factors": []})


@router.post("/contacts/new")
async def take_contact(request: Request, me: Requires("contacts.create"), db: DB) -> Response:
    form = await _form(request)
    errors: dict[str, str] = {}
    data = _validate(ContactIn, _contact_body(form, errors), errors)
    if errors or data is None:
        return _form_page(request, form, errors, status=400)
    try:
        contact, incident, _ = service.take(db, me, data)
    except Conflict as exc:
        db.rollback()
        found = duplicates.candidates(db, data.incident_type, latitude=data.latitude, longitude=data.longitude,
                                      postcode=data.postcode, at=data.received_at)
        return _form_page(request, form, {"decision": exc.detail}, found, status=409)
    except (BadRequest, NotFound) as exc:
        db.rollback()
        return _form_page(request, form, {exc.field or "form": exc.detail}, status=400)
    db.commit()
    return RedirectResponse(f"/incidents/{incident.id}?taken={contact.reference}", status_code=303)


@router.post("/contacts/suggest")
async def suggest_partial(request: Request, me: Requires("contacts.create")) -> Response:
    """HTMX: the suggested grade and why, for the answers given so far."""
    form = await _form(request)
    errors: dict[str, str] = {}
    data = _validate(SuggestIn, {"incident_type": form.get("incident_type", ""), "thrive": _thrive(form)}, errors)
    suggestion = service.suggest(data.incident_type, data.thrive) if data else None
    labels = {"incident_type": "Type of incident", **{f"{e}_level": f"{n} level" for e, n in THRIVE_ELEMENTS.items()}}
    missing = [labels.get(f, f) for f in errors]
    return page(request, "command/_suggestion.html", {"suggestion": suggestion, "missing": missing})


@router.post("/contacts/duplicates")
async def duplicates_partial(request: Request, me: Requires("contacts.create"), db: DB) -> Response:
    """HTMX: open incidents close in place and time, each with a choice to link the contact to it."""
    form = await _form(request)
    errors: dict[str, str] = {}
    received = _moment(form.get("received_at", ""), "received_at", errors)
    body = {k: (form.get(k) or None) for k in ("incident_type", "address", "postcode", "latitude", "longitude")}
    data = _validate(DuplicatesIn, {**body, "received_at": received}, errors)
    found = None
    if data is not None and not (data.latitude is None) != (data.longitude is None):
        found = duplicates.candidates(db, data.incident_type, latitude=data.latitude, longitude=data.longitude,
                                      postcode=data.postcode, at=data.received_at)
    return page(request, "command/_duplicates.html", {"found": found, "form": form, "errors": errors})

