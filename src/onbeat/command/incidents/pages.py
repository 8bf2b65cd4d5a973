"""Staff pages for incidents: the list with filters, one incident (countdown, log, re-grade, close,
records), and the response figures per grade."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from onbeat.command.contacts import service as contacts
from onbeat.command.contacts.models import CHANNELS
from onbeat.command.incidents import figures as figures_service, service
from onbeat.command.incidents.api import record_ref
from onbeat.command.incidents.catalogue import CATEGORIES, CLOSING_CODES, GRADES, LOG_KINDS, THRIVE_ELEMENTS, TYPES
from onbeat.command.incidents.models import Incident, IncidentLogEntry
from onbeat.core.errors import BadRequest, Conflict
from onbeat.core.identity.service import station_names
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Principal, Requires
from onbeat.core.time import format_uk, uk_today, utcnow
from onbeat.db import get_db
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
LOG_PAGE = 50
CONTACTS_PAGE = 20


def countdown(incident: Incident, now: datetime | None = None) -> dict:
    """How the attendance target stands, in words, for the page and its live refresh."""
    now = now or utcnow()
    if incident.target_at is None:
        return {"state": "none", "text": "No attendance target (grade 4)."}
    target = format_uk(incident.target_at)
    if incident.first_arrival_at is not None:
        late = incident.first_arrival_at > incident.target_at
        return {"state": "late" if late else "met",
                "text": f"First unit arrived {format_uk(incident.first_arrival_at)}: "
                        f"{'after' if late else 'within'} the target of {target}."}
    if incident.status == "closed":
        return {"state": "late" if incident.breached_at else "none",
                "text": f"Closed with no arrival recorded (target was {target})."}
    seconds = (incident.target_at - now).total_seconds()
    minutes = int(abs(seconds) // 60)
    span = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    if seconds >= 0:
        return {"state": "running", "text": f"{span} left: attend by {target}.", "seconds": int(seconds)}
    return {"state": "breached", "text": f"Target missed by {span}: it was {target}.", "seconds": int(seconds)}


# --- the list ----------------------------------------------------------------------------------

def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@router.get("/incidents")
def list_page(request: Request, me: Requires("incidents.read"), db: DB, page_no: PageQuery = 1, status: str = "open",
              grade: str = "", incident_type: str = "", area: str = "", q: str = "") -> Response:
    form = {"status": status, "grade": grade, "incident_type": incident_type, "area": area, "q": q[:100]}
    stmt = service.incidents_query(status=status if status in ("open", "closed") else None,
                                   grade=_int(grade) if _int(grade) in GRADES else None,
                                   incident_type=incident_type if incident_type in TYPES else None,
                                   area=area[:8] or None, q=form["q"] or None)
    items, info = paginate(db, stmt, page_no, 25)
    names = station_names(db)
    now = utcnow()
    rows = [{"i": i, "type_label": TYPES[i.incident_type].label, "area": names.get(i.station_id, ""),
             "countdown": countdown(i, now)} for i in items]
    base = "/incidents?" + urlencode({k: v for k, v in form.items() if v}) + "&"
    return page(request, "command/incidents.html", {
        "rows": rows, "pg": info, "base": base, "form": form, "grades": GRADES, "types": TYPES,
        "categories": CATEGORIES, "areas": service.areas(db)})


# --- figures -----------------------------------------------------------------------------------

def _date(value: str, field: str, errors: dict) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = f"{value!r} is not a date: use the date picker, or type YYYY-MM-DD."
        return None


@router.get("/incidents/figures")
def figures_page(request: Request, me: Requires("incidents.read"), db: DB, date_from: str = "",
                 date_to: str = "") -> Response:
    errors: dict[str, str] = {}
    end = _date(date_to, "date_to", errors) or uk_today()
    start = _date(date_from, "date_from", errors) or end - timedelta(days=6)
    if not errors and start > end:
        errors["date_from"] = "The range starts after it ends: choose a start on or before the end."
    if not errors and (end - start).days > 366:
        errors["date_to"] = "Choose a range of a year or less."
    result = None if errors else figures_service.response_figures(db, start, end)
    return page(request, "command/figures.html", {"figures": result, "errors": errors,
                                                  "form": {"date_from": start.isoformat(), "date_to": end.isoformat()}},
                status_code=400 if errors else 200)


# --- one incident ------------------------------------------------------------------------------

def _incident_page(request: Request, db: Session, me: Principal, incident: Incident, *, errors: dict | None = None,
                   form: dict | None = None, status: int = 200, log_page: int = 1, contacts_page: int = 1,
                   purpose: str = "", notice: str = "") -> Response:
    entries, log_info = paginate(db, service.log_entries(db, incident.id).order_by(None)
                                 .order_by(IncidentLogEntry.id.desc()), log_page, LOG_PAGE)
    people, contacts_info = paginate(db, contacts.of_incident(incident.id), contacts_page, CONTACTS_PAGE)
    errors = dict(errors or {})
    reason = purpose.strip()[:500]
    with_caller = False
    if purpose:
        if len(reason) < 3:
            errors["purpose"] = "Say why you need the callers' details (for example, to call the caller back)."
        else:
            contacts.consult(db, me, people, reason)
            db.commit()
            with_caller = True
    t = TYPES[incident.incident_type]
    ctx = {"incident": incident, "type": t, "category": CATEGORIES[incident.category], "grades": GRADES,
           "area": station_names(db).get(incident.station_id, ""), "countdown": countdown(incident),
           "entries": entries, "log_pg": log_info, "log_kinds": LOG_KINDS,
           "contacts": [contacts.summary(c, with_caller) for c in people], "contacts_pg": contacts_info,
           "with_caller": with_caller, "purpose": reason, "channels": CHANNELS, "elements": THRIVE_ELEMENTS,
           "records": [record_ref(r) for r in service.linked_records(db, incident)],
           "closing_codes": CLOSING_CODES, "errors": errors, "form": form or {}, "notice": notice,
           "can_write": me.can("incidents.write"), "can_read_records": me.can("records.read"),
           "page_base": f"/incidents/{incident.id}?" + (urlencode({"purpose": reason}) + "&" if with_caller else "")}
    return page(request, "command/incident.html", ctx, status_code=status if not errors or status != 200 else 400)


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, me: Requires("incidents.read"), db: DB, incident_id: uuid.UUID,
                  log_page: PageQuery = 1, contacts_page: int = 1, purpose: str = "", taken: str = "") -> Response:
    incident = service.get(db, incident_id)
    notice = f"Contact {taken[:20]} saved on incident {incident.log_number}." if taken else ""
    return _incident_page(request, db, me, incident, log_page=log_page, contacts_page=max(1, contacts_page),
                          purpose=purpose, notice=notice)


@router.get("/incidents/{incident_id}/countdown")
def countdown_partial(request: Request, me: Requires("incidents.read"), db: DB, incident_id: uuid.UUID) -> Response:
    """HTMX: the attendance target's countdown, refreshed every 30 seconds by the incident page."""
    incident = service.get(db, incident_id)
    return page(request, "command/_countdown.html", {"incident": incident, "countdown": countdown(incident)})


def _act(request: Request, db: Session, me: Principal, incident_id: uuid.UUID, form: dict, action) -> Response:
    """Run a change; on success back to the incident page, on a refusal the page with the error."""
    incident = service.get(db, incident_id, lock=True)
    try:
        action(incident)
    except (BadRequest, Conflict) as exc:
        db.rollback()
        incident = service.get(db, incident_id)
        fields = {"text": "note_text", "grade": "regrade_grade", "reason": "regrade_reason",
                  "reference": "record_reference", "units_at_scene": "closing_code"}
        errors = {fields.get(exc.field or "", exc.field or "form"): exc.detail}
        return _incident_page(request, db, me, incident, errors=errors, form=form, status=exc.status)
    db.commit()
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/log")
def add_note(request: Request, me: Requires("incidents.write"), db: DB, incident_id: uuid.UUID,
             note_text: Annotated[str, Form(max_length=5000)] = "") -> Response:
    return _act(request, db, me, incident_id, {"note_text": note_text},
                lambda i: service.add_note(db, me, i, note_text))


@router.post("/incidents/{incident_id}/grade")
def regrade(request: Request, me: Requires("incidents.write"), db: DB, incident_id: uuid.UUID,
            regrade_grade: Annotated[str, Form(max_length=2)] = "",
            regrade_reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    form = {"regrade_grade": regrade_grade, "regrade_reason": regrade_reason}
    grade = _int(regrade_grade)

    def run(incident: Incident) -> None:
        if grade not in GRADES:
            raise BadRequest("Choose the new grade.", field="regrade_grade")
        service.regrade(db, me, incident, grade, regrade_reason)

    return _act(request, db, me, incident_id, form, run)


@router.post("/incidents/{incident_id}/close")
def close(request: Request, me: Requires("incidents.write"), db: DB, incident_id: uuid.UUID,
          closing_code: Annotated[str, Form(max_length=40)] = "",
          closing_note: Annotated[str, Form(max_length=5000)] = "") -> Response:
    form = {"closing_code": closing_code, "closing_note": closing_note}

    def run(incident: Incident) -> None:
        if not closing_code:
            raise BadRequest("Choose a closing code.", field="closing_code")
        service.close(db, me, incident, closing_code, closing_note)

    return _act(request, db, me, incident_id, form, run)


@router.post("/incidents/{incident_id}/records")
def link_record(request: Request, me: Requires("incidents.write"), db: DB, incident_id: uuid.UUID,
                record_reference: Annotated[str, Form(max_length=20)] = "") -> Response:
    return _act(request, db, me, incident_id, {"record_reference": record_reference},
                lambda i: service.link_record(db, me, i, record_reference))

