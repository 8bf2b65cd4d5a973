"""Staff pages any record shares: search, the review queue, and the submit/approve/return actions.

Each kind's own page (`Kind.path`/<id>) includes `records/_header.html` with `header_context()`."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest
from onbeat.core.identity.models import User
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Principal, Requires
from onbeat.core.time import UK
from onbeat.db import get_db
from onbeat.records.core import service
from onbeat.records.core.entities import entities_of
from onbeat.records.core.kinds import KINDS, LINK_ROLES, STATES
from onbeat.records.core.models import Record
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]


def names_of(db: Session, user_ids) -> dict[uuid.UUID, str]:
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    rows = db.execute(select(User.id, User.rank, User.given_name, User.family_name, User.collar_number)
                      .where(User.id.in_(ids)))
    return {r.id: " ".join(x for x in (r.rank, r.given_name, r.family_name) if x) +
            (f" ({r.collar_number})" if r.collar_number else "") for r in rows}


def header_context(db: Session, me: Principal, record: Record) -> dict:
    """What `records/_header.html` shows: reference, state, author, people (with markers), review."""
    reviews = service.reviews(db, record.id)
    names = names_of(db, [record.author_id, record.decided_by_id, *(r.by_id for r in reviews)])
    return {"record": record, "kind": KINDS[record.kind], "author": names.get(record.author_id, ""),
            "entities": entities_of(db, [record.id])[record.id], "reviews": reviews, "names": names,
            "roles": LINK_ROLES,
            "can_edit": record.author_id == me.id and record.state in service.EDITABLE,
            "can_review": me.can("records.approve") and record.state == "submitted" and record.author_id != me.id}


def _day(value: str | None, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise BadRequest(f"{value!r} is not a date.", field="date_to" if end else "date_from",
                         hint="Use the date picker, or type YYYY-MM-DD.")
    moment = datetime.combine(day, time(0), tzinfo=UK)
    return moment + timedelta(days=1) if end else moment


@router.get("/records")
def search_page(request: Request, me: Requires("records.read"), db: DB, page_no: PageQuery = 1,
                reference: str = "", kind: str = "", state: str = "", place: str = "", officer: str = "",
                date_from: str = "", date_to: str = "", purpose: str = "") -> Response:
    form = dict(reference=reference, kind=kind, state=state, place=place, officer=officer, date_from=date_from,
                date_to=date_to, purpose=purpose)
    ctx = {"form": form, "kinds": KINDS, "states": STATES, "results": None, "error": None}
    if any(v for k, v in form.items() if k != "purpose"):
        if len(purpose.strip()) < 3:
            ctx["error"] = "Say why you are searching (for example an incident or crime reference)."
        else:
            author_id = None
            if officer.strip():
                author_id = db.execute(select(User.id).where(User.collar_number == officer.strip())).scalar()
            stmt = service.search(reference=reference or None, kind=kind if kind in KINDS else None,
                                  state=state if state in STATES else None, place=place or None,
                                  author_id=author_id, date_from=_day(date_from), date_to=_day(date_to, end=True))
            if officer.strip() and author_id is None:
                stmt = stmt.where(False)
            records, info = paginate(db, stmt, page_no, 25)
            audit(db, me.actor, "consult", "records.searched", "person", None, purpose=purpose.strip(),
                  detail={"filters": {k: v for k, v in form.items() if v and k != "purpose"},
                          "results": [r.reference for r in records]})
            db.commit()
            named = entities_of(db, [r.id for r in records])
            authors = names_of(db, [r.author_id for r in records])
            ctx["results"] = [{"record": r, "kind": KINDS[r.kind], "author": authors.get(r.author_id, ""),
                               "entities": named[r.id]} for r in records]
            ctx["pg"] = info
            ctx["base"] = "/records?" + "&".join(f"{k}={v}" for k, v in form.items() if v) + "&"
    return page(request, "records/search.html", ctx)


@router.get("/records/review")
def review_queue(request: Request, me: Requires("records.approve"), db: DB, page_no: PageQuery = 1) -> Response:
    stmt = (select(Record).where(Record.state == "submitted", Record.author_id != me.id)
            .order_by(Record.submitted_at))
    records, info = paginate(db, stmt, page_no, 25)
    authors = names_of(db, [r.author_id for r in records])
    rows = [{"record": r, "kind": KINDS[r.kind], "author": authors.get(r.author_id, "")} for r in records]
    return page(request, "records/review.html", {"rows": rows, "pg": info, "base": "/records/review?"})


@router.get("/records/{record_id}")
def record_page(record_id: uuid.UUID, me: Requires("records.read"), db: DB) -> Response:
    """Any record by id: sends you to its kind's page."""
    record = service.get(db, record_id)
    return RedirectResponse(f"{KINDS[record.kind].path}/{record.id}", status_code=303)


def _back(record: Record) -> Response:
    return RedirectResponse(f"{KINDS[record.kind].path}/{record.id}", status_code=303)


@router.post("/records/{record_id}/submit")
def submit_form(record_id: uuid.UUID, me: Requires("records.write"), db: DB) -> Response:
    record = service.submit(db, me, service.get(db, record_id, lock=True))
    db.commit()
    return _back(record)


@router.post("/records/{record_id}/approve")
def approve_form(record_id: uuid.UUID, me: Requires("records.approve"), db: DB,
                 comment: Annotated[str, Form(max_length=4000)] = "") -> Response:
    record = service.approve(db, me, service.get(db, record_id, lock=True), comment)
    db.commit()
    return _back(record)


@router.post("/records/{record_id}/return")
def return_form(record_id: uuid.UUID, me: Requires("records.approve"), db: DB,
                comment: Annotated[str, Form(max_length=4000)] = "") -> Response:
    record = service.return_for_changes(db, me, service.get(db, record_id, lock=True), comment)
    db.commit()
    return _back(record)
