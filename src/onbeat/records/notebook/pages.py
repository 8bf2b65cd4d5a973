"""Staff pages of the pocket notebook: my notebook (read, write, correct) and, for supervisors and
detectives, any officer's notebook with its chain check and the court export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.pagination import PageQuery
from onbeat.core.security import Requires
from onbeat.core.time import UK, uk, utcnow
from onbeat.db import get_db
from onbeat.records.notebook import service
from onbeat.records.notebook.schemas import EntryIn
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
PAGE_SIZE = 20
EntryNumber = Annotated[int | None, Query(ge=1, le=10_000_000)]
# The fields the officer sees; a problem with a hidden one (client_uuid, corrects) is shown at the text.
VISIBLE_FIELDS = ("occurred_at", "text", "place", "latitude", "longitude", "incident_number", "record_references")


def _pages_of(total: int, size: int = PAGE_SIZE):
    """Which page (newest first) shows entry n."""
    return lambda n: (total - n) // size + 1


def _blank_form(corrects: int | None = None, text: str = "") -> dict:
    return {"client_uuid": str(uuid.uuid4()), "occurred_at": uk(utcnow()).strftime("%Y-%m-%dT%H:%M"),
            "text": text, "place": "", "latitude": "", "longitude": "", "incident_number": "",
            "record_references": "", "corrects": str(corrects or "")}


def _mine(request: Request, me, db: Session, page_no: int, form: dict, errors: dict | None = None,
          correcting=None, written: int | None = None, status: int = 200) -> Response:
    rows, info = service.entries(db, me.id, page_no, PAGE_SIZE)
    service.consult(db, me, me.user, service.OWN, detail={"page": page_no})
    db.commit()
    return page(request, "notebook/mine.html", {
        "entries": service.outputs(db, rows), "pg": info, "base": "/notebook?",
        "entry_link": lambda n: f"/notebook?page={_pages_of(info.total)(n)}#entry-{n}",
        "form": form, "errors": errors or {}, "correcting": correcting, "written": written}, status_code=status)


@router.get("/notebook")
def my_notebook(request: Request, me: Requires("notebook.write"), db: DB, page_no: PageQuery = 1,
                correct: EntryNumber = None, written: EntryNumber = None) -> Response:
    correcting = None
    if correct is not None:
        correcting = service.outputs(db, [service.get_entry(db, me.id, correct)])[0]
    form = _blank_form(correcting.number if correcting else None, correcting.text if correcting else "")
    return _mine(request, me, db, page_no, form, correcting=correcting, written=written)


def _occurred(value: str) -> datetime | str:
    """A datetime-local value is the officer's UK wall-clock time."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M").replace(tzinfo=UK)
    except ValueError:
        return value  # the model names it


@router.post("/notebook")
def write_from_form(request: Request, me: Requires("notebook.write"), db: DB,
                    client_uuid: Annotated[str, Form(max_length=64)] = "",
                    occurred_at: Annotated[str, Form(max_length=40)] = "",
                    text: Annotated[str, Form(max_length=40_000)] = "",
                    place: Annotated[str, Form(max_length=600)] = "",
                    latitude: Annotated[str, Form(max_length=40)] = "",
                    longitude: Annotated[str, Form(max_length=40)] = "",
                    incident_number: Annotated[str, Form(max_length=40)] = "",
                    record_references: Annotated[str, Form(max_length=600)] = "",
                    corrects: Annotated[str, Form(max_length=12)] = "") -> Response:
    form = dict(client_uuid=client_uuid, occurred_at=occurred_at, text=text, place=place, latitude=latitude,
                longitude=longitude, incident_number=incident_number, record_references=record_references,
                corrects=corrects)
    correcting = _entry_or_none(db, me.id, corrects)
    errors: dict[str, str] = {}
    try:
        data = EntryIn(client_uuid=client_uuid, occurred_at=_occurred(occurred_at), text=text,
                       place=place or None, latitude=latitude.strip() or None, longitude=longitude.strip() or None,
                       incident_number=incident_number or None,
                       record_references=[r for r in record_references.replace(";", ",").split(",") if r.strip()],
                       corrects=corrects.strip() or None)
        entry, _ = service.write(db, me, data)
        db.commit()
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "latitude"
            errors.setdefault(name if name in VISIBLE_FIELDS else "text", _message(err))
            if name == "client_uuid":  # the form's own hidden key: start a fresh one (nothing was written)
                form["client_uuid"] = str(uuid.uuid4())
        if "occurred_at" in errors:
            errors["occurred_at"] = "Give the date and time it happened: use the picker, or type YYYY-MM-DDTHH:MM."
    except (BadRequest, Conflict) as exc:
        db.rollback()
        errors[exc.field if exc.field in VISIBLE_FIELDS else "text"] = " ".join(x for x in (exc.detail, exc.hint) if x)
    if errors:
        return _mine(request, me, db, 1, form, errors, correcting, status=400)
    return RedirectResponse(f"/notebook?written={entry.number}#entry-{entry.number}", status_code=303)


def _entry_or_none(db: Session, user_id: uuid.UUID, number: str):
    if not number.strip().isdigit() or len(number.strip()) > 8:
        return None
    try:
        return service.outputs(db, [service.get_entry(db, user_id, int(number))])[0]
    except NotFound:
        return None


def _message(err: dict) -> str:
    msg = err.get("msg", "is not valid")
    return msg.removeprefix("Value error, ").rstrip(".") + "."


@router.get("/notebooks")
def find_notebook(request: Request, me: Requires("notebook.read"), collar: str = "", purpose: str = "") -> Response:
    """Choose an officer's notebook: collar number and why you need it."""
    if collar.strip() and len(purpose.strip()) >= 3:
        return RedirectResponse(f"/notebooks/{quote(collar.strip()[:12], safe='')}?"
                                + urlencode({"purpose": purpose.strip()[:500]}), status_code=303)
    error = "Give a collar number and say why you need the notebook." if collar or purpose else None
    return page(request, "notebook/find.html", {"collar": collar, "purpose": purpose, "error": error})


@router.get("/notebooks/{collar}")
def officer_notebook(collar: str, request: Request, me: Requires("notebook.read"), db: DB, page_no: PageQuery = 1,
                     purpose: str = "") -> Response:
    officer = service.officer_by_collar(db, collar[:12])
    purpose = purpose.strip()[:500]
    ctx = {"officer": officer, "purpose": purpose, "entries": None}
    if len(purpose) >= 3:
        rows, info = service.entries(db, officer.id, page_no, PAGE_SIZE)
        service.consult(db, me, officer, purpose, detail={"page": page_no})
        db.commit()
        base = f"/notebooks/{quote(officer.collar_number or '', safe='')}?" + urlencode({"purpose": purpose}) + "&"
        ctx.update(entries=service.outputs(db, rows), pg=info, base=base, chain=service.verify(db, officer.id),
                   entry_link=lambda n: f"{base}page={_pages_of(info.total)(n)}#entry-{n}",
                   export_link=f"/api/notebooks/{quote(officer.collar_number or '', safe='')}/export?"
                               + urlencode({"purpose": purpose}))
    elif purpose:
        ctx["error"] = "Say why you need this notebook (at least 3 characters)."
    return page(request, "notebook/officer.html", ctx)
