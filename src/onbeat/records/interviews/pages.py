"""Staff pages of the written interview record: the list, the create and edit form, the record's page
(with the header every record shares) and the interviewee's refusal to sign.

Reading a record is a consultation of personal data: the page asks why before showing it. The
signatures themselves are drawn on the officer's device (POST /api/records/interviews/{id}/signatures).
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import Problem
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Principal, Requires
from onbeat.core.time import utcnow
from onbeat.db import get_db
from onbeat.records.core import service as records
from onbeat.records.core.kinds import KINDS, STATES
from onbeat.records.core.pages import header_context, names_of
from onbeat.records.interviews import forms, service
from onbeat.records.interviews.codes import CAUTIONS, PRESENT_ROLES, SIGNERS
from onbeat.records.interviews.schemas import InterviewIn, InterviewUpdate, RefusalIn
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
KIND = KINDS["interview"]
PATH = KIND.path  # /records/interview
STATIC_FIELDS = {"form", "place", "incident_number", "suspect", "caution_code", "caution_given", "caution_understood",
                 "caution_notes", "started_at", "ended_at", "offered_to_read", "interviewee_comments", "interviewee_id",
                 *(f"interviewee_{k}" for k in forms.PERSON_FIELDS), "discard_signatures"}


def _purpose_ok(purpose: str) -> bool:
    return len(purpose.strip()) >= 3


def _link(record_id, suffix: str = "", **query) -> str:
    q = urlencode({k: v for k, v in query.items() if v})
    return f"{PATH}/{record_id}{suffix}" + (f"?{q}" if q else "")


def _known(values: dict) -> set[str]:
    rows = lambda prefix: forms.row_count(values, prefix)  # noqa: E731
    return (STATIC_FIELDS | {f"present_{i}_{k}" for i in range(rows("present")) for k in ("role", "name", "detail")}
            | {f"qa_{i}_{k}" for i in range(rows("qa")) for k in ("asked_at", "question", "answer")})


# --- the list ------------------------------------------------------------------------------------

@router.get(PATH)
def interviews_list(request: Request, me: Requires("records.read"), db: DB, page_no: PageQuery = 1,
                    reference: str = "", state: str = "", mine: str = "", purpose: str = "") -> Response:
    form = {"reference": reference[:20], "state": state, "mine": mine, "purpose": purpose[:500]}
    ctx = {"form": form, "states": STATES, "rows": None, "error": None, "kind": KIND}
    if any(form.values()) and not _purpose_ok(purpose):
        ctx["error"] = "Say why you are looking at interview records (for example an incident or crime reference)."
    elif _purpose_ok(purpose):
        stmt = records.search(kind=KIND.name, reference=reference[:20] or None,
                              state=state if state in STATES else None, author_id=me.id if mine else None)
        found, info = paginate(db, stmt, page_no, 25)
        audit(db, me.actor, "consult", "records.interview.searched", KIND.subject_type, None,
              purpose=purpose.strip()[:500], detail={"filters": {k: v for k, v in form.items() if v and k != "purpose"},
                                                     "results": [r.reference for r in found]})
        db.commit()
        authors = names_of(db, [r.author_id for r in found])
        ctx["rows"] = [{"record": r, "interview": service.get(db, r.id)[1], "author": authors.get(r.author_id, ""),
                        "href": _link(r.id, purpose=purpose.strip())} for r in found]
        ctx["pg"], ctx["base"] = info, f"{PATH}?" + urlencode({k: v for k, v in form.items() if v}) + "&"
    return page(request, "interviews/list.html", ctx, status_code=400 if ctx["error"] else 200)


# --- create and edit -----------------------------------------------------------------------------

def _form(request: Request, values: dict, errors: dict | None = None, record=None, signed: list | None = None,
          interviewee: str = "", status: int = 200) -> Response:
    values = {**values, "present_rows": forms.row_count(values, "present"), "qa_rows": forms.row_count(values, "qa")}
    return page(request, "interviews/form.html", {
        "values": values, "errors": errors or {}, "record": record, "cautions": CAUTIONS,
        "signed": [SIGNERS[s.signer] for s in signed or []],
        "roles": PRESENT_ROLES, "signers": SIGNERS, "interviewee": interviewee,
        "action": f"{PATH}/{record.id}" if record else PATH}, status_code=status)


@router.get(f"{PATH}/new")
def new_interview(request: Request, me: Requires("records.write")) -> Response:
    now = forms.local_input(utcnow())
    return _form(request, {"client_uuid": str(uuid.uuid4()), "started_at": now, "caution_code": "interview",
                           "caution_given": "yes", "suspect": "yes", "offered_to_read": "no",
                           "present_rows": 4, "qa_rows": 6, "present_0_role": "officer",
                           "present_0_name": me.user.display_name})


@router.post(PATH)
async def create_interview(request: Request, me: Requires("records.write"), db: DB) -> Response:
    values = dict((await request.form()).items())
    rows: dict = {"present": [], "exchanges": []}
    try:
        data, rows = forms.parse(values)
        if "interviewee" not in data:
            raise forms.FormError({"interviewee_given_name": "Give the interviewee's name (or a known person's id)."})
        body = InterviewIn.model_validate({**{k: v for k, v in data.items() if v is not None},
                                           "client_uuid": values.get("client_uuid") or None})
        record, _, _ = service.create(db, me, body)
    except (ValidationError, Problem, forms.FormError) as exc:
        db.rollback()
        return _form(request, values, forms.errors_of(exc, rows, _known(values)), status=400)
    db.commit()
    return RedirectResponse(_link(record.id, purpose=f"Writing interview record {record.reference}"), status_code=303)


def _editable(db: Session, me: Principal, record_id: uuid.UUID, lock: bool = False):
    record, interview = service.get(db, record_id, lock=lock)
    service.ensure_changeable(record, interview, me)
    return record, interview


@router.get(f"{PATH}/{{record_id}}/edit")
def edit_interview(request: Request, record_id: uuid.UUID, me: Requires("records.write"), db: DB) -> Response:
    record, interview = _editable(db, me, record_id)
    service.consult(db, me, record, f"Writing interview record {record.reference}")
    db.commit()
    values = forms.values_of(record, interview, service.attendees_of(db, record.id),
                             service.exchanges_of(db, record.id))
    return _form(request, values, record=record, signed=service.signatures_of(db, record.id),
                 interviewee=service.interviewee_label(db, interview))


def _as_shown(value):
    """A value as the form shows it: times to the minute in UK time, so the form's precision is no change."""
    if isinstance(value, datetime):
        return forms.local_input(value)
    if isinstance(value, list):
        return [_as_shown(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_shown(v) for k, v in value.items()}
    return value


def _changed(data: dict, current: dict) -> dict:
    """Only the fields whose value differs from what is stored (so an unchanged save needs no re-signing)."""
    return {name: value for name, value in data.items()
            if name == "interviewee" or _as_shown(value) != _as_shown(current.get(name))}


@router.post(f"{PATH}/{{record_id}}")
async def update_interview(request: Request, record_id: uuid.UUID, me: Requires("records.write"), db: DB) -> Response:
    values = dict((await request.form()).items())
    record, interview = _editable(db, me, record_id, lock=True)
    current = {"place": record.place, "incident_number": record.incident_number, "suspect": interview.suspect,
               "caution_code": interview.caution_code, "caution_given": interview.caution_given,
               "caution_understood": interview.caution_understood, "caution_notes": interview.caution_notes,
               "started_at": interview.started_at, "ended_at": interview.ended_at,
               "offered_to_read": interview.offered_to_read, "interviewee_comments": interview.interviewee_comments,
               "present": [{"role": a.role, "name": a.name, "detail": a.detail}
                           for a in service.attendees_of(db, record.id)],
               "exchanges": [{"asked_at": e.asked_at, "question": e.question, "answer": e.answer}
                             for e in service.exchanges_of(db, record.id)]}
    rows: dict = {"present": [], "exchanges": []}
    try:
        data, rows = forms.parse(values)
        changes = _changed(data, current)
        body = InterviewUpdate.model_validate({**changes,
                                               "discard_signatures": values.get("discard_signatures") == "yes"})
        service.update(db, me, record, interview, body)
    except (ValidationError, Problem, forms.FormError) as exc:
        db.rollback()
        record, interview = service.get(db, record_id)
        return _form(request, values, forms.errors_of(exc, rows, _known(values)), record=record,
                     signed=service.signatures_of(db, record.id), interviewee=service.interviewee_label(db, interview),
                     status=400)
    db.commit()
    return RedirectResponse(_link(record.id, purpose=f"Writing interview record {record.reference}"), status_code=303)


# --- the record's page and the refusal -----------------------------------------------------------

def _svg_src(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _record_page(request: Request, db: Session, me: Principal, record, interview, purpose: str,
                 refusal_error: str | None = None, status: int = 200) -> Response:
    shown = service.out(db, record, interview)
    return page(request, "interviews/record.html", {
        **header_context(db, me, record), "interview": shown, "purpose": purpose, "svg_src": _svg_src,
        "signers": SIGNERS, "signed": {s.signer: s for s in shown.signatures}, "refusal_error": refusal_error,
        "can_change": record.author_id == me.id and not shown.sealed and record.state in records.EDITABLE},
        status_code=status)


@router.get(f"{PATH}/{{record_id}}")
def interview_page(request: Request, record_id: uuid.UUID, me: Requires("records.read"), db: DB,
                   purpose: str = "") -> Response:
    record, interview = service.get(db, record_id)
    if not _purpose_ok(purpose):
        return page(request, "interviews/purpose.html", {"action": _link(record.id), "reference": record.reference,
                                                          "error": "Give a reason of at least 3 characters."
                                                          if purpose else None}, status_code=400 if purpose else 200)
    purpose = purpose.strip()[:500]
    service.consult(db, me, record, purpose)
    db.commit()
    return _record_page(request, db, me, record, interview, purpose)


@router.post(f"{PATH}/{{record_id}}/refusal")
def refusal(request: Request, record_id: uuid.UUID, me: Requires("records.write"), db: DB,
            reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    record, interview = service.get(db, record_id, lock=True)
    purpose = f"Writing interview record {record.reference}"
    try:
        service.refuse(db, me, record, interview, RefusalIn(reason=reason).reason)
    except ValidationError:
        db.rollback()
        record, interview = service.get(db, record_id)
        return _record_page(request, db, me, record, interview, purpose,
                            "Say why the interviewee would not sign (at least 3 characters).", status=400)
    db.commit()
    return RedirectResponse(_link(record.id, purpose=purpose), status_code=303)
