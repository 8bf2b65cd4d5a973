"""Staff pages of the POLE store: search people, and a person's page (everything known about them,
every record that names them, their warning markers, and managing those markers)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import Forbidden, Problem
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Principal, Requires
from onbeat.core.time import uk_today
from onbeat.db import get_db
from onbeat.records.merges.pages import person_banner
from onbeat.records.pole import markers, service, views
from onbeat.records.pole.codes import ETHNICITIES, GENDERS, MARKER_KINDS
from onbeat.records.pole.schemas import MarkerExpiry, MarkerIn, MarkerReview
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
PAGE_SIZE = 25
RECORDS_PAGE_SIZE = 20


def _purpose(value: str | None) -> str:
    return (value or "").strip()[:500]


@router.get("/persons")
def search_page(request: Request, me: Requires("persons.read"), db: DB, page_no: PageQuery = 1, name: str = "",
                date_of_birth: str = "", postcode: str = "", purpose: str = "") -> Response:
    form = dict(name=name[:100], date_of_birth=date_of_birth[:10], postcode=postcode[:10], purpose=_purpose(purpose))
    ctx: dict = {"form": form, "results": None, "errors": {}}
    if any(v for k, v in form.items() if k != "purpose"):
        dob = None
        if form["date_of_birth"]:
            try:
                dob = date.fromisoformat(form["date_of_birth"])
            except ValueError:
                ctx["errors"]["date_of_birth"] = "Give the date of birth as a date (the date picker, or YYYY-MM-DD)."
        if len(form["purpose"]) < 3:
            ctx["errors"]["purpose"] = "Say why you are searching (for example an incident or crime reference)."
        try:
            stmt = service.search_persons(form["name"], dob, form["postcode"] or None)
        except Problem as e:
            ctx["errors"][e.field or "name"] = e.detail
        if not ctx["errors"]:
            people, info = paginate(db, stmt, page_no, PAGE_SIZE)
            audit(db, me.actor, "consult", "pole.persons.searched", "person", None, purpose=form["purpose"],
                  detail={"filters": {k: v for k, v in form.items() if v and k != "purpose"}, "results": len(people)})
            db.commit()
            ctx["results"] = views.persons_out(db, people)
            ctx["pg"] = info
            ctx["base"] = "/persons?" + urlencode({k: v for k, v in form.items() if v}) + "&"
            ctx["why"] = urlencode({"purpose": form["purpose"]})
    return page(request, "pole/search.html", ctx, status_code=400 if ctx["errors"] else 200)


def _person_page(request: Request, db: Session, me: Principal, person_id: uuid.UUID, purpose: str, page_no: int,
                 expired: bool, errors: dict | None = None, form: dict | None = None) -> Response:
    person = service.get_person(db, person_id)
    if len(purpose) < 3:
        return page(request, "pole/why.html", {"person_id": person_id, "expired": expired,
                                               "error": "Say why you need this person's details." if purpose else None},
                    status_code=400 if purpose else 200)
    if expired and not me.can("markers.manage"):
        raise Forbidden("Only holders of markers.manage may see expired warning markers.")
    detail = views.person_detail(db, person, include_expired=expired)
    records, info = views.linked_records(db, "person", person.id, page_no, RECORDS_PAGE_SIZE)
    audit(db, me.actor, "consult", "pole.person.viewed", "person", person.id, purpose=purpose,
          detail={"records": [r.reference for r in records]})
    db.commit()
    query = {"purpose": purpose} | ({"expired": "1"} if expired else {})
    return page(request, "pole/person.html", {
        "p": detail, "records": records, "pg": info, "base": f"/persons/{person.id}?{urlencode(query)}&",
        "purpose": purpose, "why": urlencode({"purpose": purpose}), "expired": expired,
        "can_manage": me.can("markers.manage"), "marker_kinds": MARKER_KINDS, "ethnicities": ETHNICITIES,
        "genders": GENDERS, "today": uk_today(), "errors": errors or {}, "form": form or {},
        "adding": bool(errors) and not any(k.startswith(("review-", "expire-")) for k in errors),
        "merges": person_banner(db, me, person),
    }, status_code=400 if errors else 200)


@router.get("/persons/{person_id}")
def person_page(request: Request, person_id: uuid.UUID, me: Requires("persons.read"), db: DB,
                page_no: PageQuery = 1, purpose: str = "", expired: bool = False) -> Response:
    """Everything about one person. Asks why first: each view is recorded with its reason."""
    return _person_page(request, db, me, person_id, _purpose(purpose), page_no, expired)


def _errors(e: ValidationError | Problem) -> dict[str, str]:
    if isinstance(e, Problem):
        return {e.field or "form": e.detail + (f" {e.hint}" if e.hint else "")}
    out: dict[str, str] = {}
    for err in e.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        out.setdefault(field, err["msg"].removeprefix("Value error, "))
    return out


def _back(person_id: uuid.UUID, purpose: str, expired: bool = False) -> Response:
    query = {"purpose": purpose} | ({"expired": "1"} if expired else {})
    return RedirectResponse(f"/persons/{person_id}?{urlencode(query)}#markers", status_code=303)


@router.post("/persons/{person_id}/markers")
def add_marker_form(request: Request, person_id: uuid.UUID, me: Requires("markers.manage"), db: DB,
                    kind: Annotated[str, Form(max_length=30)] = "", detail: Annotated[str, Form(max_length=2000)] = "",
                    source: Annotated[str, Form(max_length=200)] = "",
                    review_on: Annotated[str, Form(max_length=10)] = "",
                    expires_on: Annotated[str, Form(max_length=10)] = "",
                    purpose: Annotated[str, Form(max_length=500)] = "") -> Response:
    form = dict(kind=kind, detail=detail, source=source, review_on=review_on, expires_on=expires_on)
    service.get_person(db, person_id, lock=True)
    try:
        body = MarkerIn(kind=kind, detail=detail.strip(), source=source.strip(), review_on=review_on or None,
                        expires_on=expires_on or None)
        markers.add_marker(db, me, person_id, body)
    except (ValidationError, Problem) as e:
        db.rollback()
        return _person_page(request, db, me, person_id, _purpose(purpose) or "adding a warning marker", 1, False,
                            errors=_errors(e), form=form)
    db.commit()
    return _back(person_id, _purpose(purpose))


@router.post("/persons/{person_id}/markers/{marker_id}/review")
def review_marker_form(request: Request, person_id: uuid.UUID, marker_id: uuid.UUID, me: Requires("markers.manage"),
                       db: DB, note: Annotated[str, Form(max_length=2000)] = "",
                       next_review_on: Annotated[str, Form(max_length=10)] = "",
                       purpose: Annotated[str, Form(max_length=500)] = "") -> Response:
    marker = markers.get_marker(db, person_id, marker_id)
    try:
        markers.review_marker(db, me, marker, MarkerReview(note=note.strip(), next_review_on=next_review_on or None))
    except (ValidationError, Problem) as e:
        db.rollback()
        errors = {f"review-{marker_id}": " ".join(_errors(e).values())}
        return _person_page(request, db, me, person_id, _purpose(purpose) or "reviewing a warning marker", 1, False,
                            errors=errors)
    db.commit()
    return _back(person_id, _purpose(purpose))


@router.post("/persons/{person_id}/markers/{marker_id}/expire")
def expire_marker_form(request: Request, person_id: uuid.UUID, marker_id: uuid.UUID, me: Requires("markers.manage"),
                       db: DB, reason: Annotated[str, Form(max_length=2000)] = "",
                       purpose: Annotated[str, Form(max_length=500)] = "") -> Response:
    marker = markers.get_marker(db, person_id, marker_id)
    try:
        markers.expire_marker(db, me, marker, MarkerExpiry(reason=reason.strip()))
    except ValidationError as e:
        db.rollback()
        errors = {f"expire-{marker_id}": " ".join(_errors(e).values())}
        return _person_page(request, db, me, person_id, _purpose(purpose) or "expiring a warning marker", 1, False,
                            errors=errors)
    db.commit()
    return _back(person_id, _purpose(purpose), expired=True)
