"""Merge review pages: the queue of proposed merges with both people side by side, Accept (merge)
or Reject each with one action (HTMX swaps the proposal in place; without script the form posts
and the page reloads), and Undo on a merged person's page or straight after a merge."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import Problem
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Principal, Requires
from onbeat.db import get_db
from onbeat.records.merges import service
from onbeat.records.pole import service as pole
from onbeat.records.pole.models import Person
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
PAGE_SIZE = 5
Purpose = Annotated[str, Form(max_length=500)]
Note = Annotated[str, Form(max_length=2000)]


def _purpose(value: str | None) -> str:
    return (value or "").strip()[:500]


def _htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _queue_url(purpose: str, page_no: int = 1) -> str:
    return "/persons/merges?" + urlencode({"purpose": purpose} | ({"page": page_no} if page_no > 1 else {}))


@router.get("/persons/merges")
def queue_page(request: Request, me: Requires("persons.merge"), db: DB, page_no: PageQuery = 1,
               purpose: str = "") -> Response:
    """Proposed merges, surest first. Asks why first: each view of the queue is audited with its reason."""
    purpose = _purpose(purpose)
    if len(purpose) < 3:
        return page(request, "merges/why.html",
                    {"error": "Say why you are reviewing merges." if purpose else None},
                    status_code=400 if purpose else 200)
    proposals, info = paginate(db, service.queue(), page_no, PAGE_SIZE)
    items = service.proposals_out(db, proposals)
    audit(db, me.actor, "consult", "pole.merge_proposals.viewed", "person", None, purpose=purpose,
          detail={"proposals": [str(p.id) for p in proposals]})
    db.commit()
    return page(request, "merges/queue.html", {
        "items": items, "pg": info, "purpose": purpose, "why": urlencode({"purpose": purpose}),
        "base": _queue_url(purpose) + "&"})


def _card(request: Request, db: Session, proposal_id: uuid.UUID, purpose: str, *, error: str | None = None,
          done: dict | None = None, status_code: int = 200) -> Response:
    proposal = service.get_proposal(db, proposal_id)
    item = service.proposals_out(db, [proposal])[0]
    return page(request, "merges/_proposal.html", {
        "p": item, "purpose": purpose, "why": urlencode({"purpose": purpose}), "error": error, "done": done},
        status_code=status_code)


def _after(request: Request, db: Session, proposal_id: uuid.UUID, purpose: str, error: Problem | None,
           done: dict | None) -> Response:
    """HTMX: the proposal's block in place (its outcome, or the refusal beside its buttons).
    Without script: back to the queue (a refusal shows on the proposal's own block)."""
    if error is not None:
        db.rollback()
        message = error.detail + (f" {error.hint}" if error.hint else "")
        return _card(request, db, proposal_id, purpose, error=message,
                     status_code=200 if _htmx(request) else error.status)
    db.commit()
    if _htmx(request):
        return _card(request, db, proposal_id, purpose, done=done)
    return RedirectResponse(_queue_url(purpose), status_code=303)


@router.post("/persons/merges/{proposal_id}/accept")
def accept_form(request: Request, proposal_id: uuid.UUID, me: Requires("persons.merge"), db: DB,
                survivor_id: Annotated[str, Form(max_length=40)] = "", note: Note = "",
                purpose: Purpose = "") -> Response:
    purpose = _purpose(purpose) or "reviewing merge proposals"
    try:
        survivor = uuid.UUID(survivor_id) if survivor_id else None
    except ValueError:
        survivor = None
    try:
        row = service.accept(db, me, proposal_id, survivor_id=survivor, note=note)
    except Problem as e:
        return _after(request, db, proposal_id, purpose, e, None)
    merged = db.get(Person, row.merged_id)
    kept = db.get(Person, row.survivor_id)
    return _after(request, db, proposal_id, purpose, None,
                  {"what": "merged", "merged_id": row.merged_id, "merged_label": pole.person_label(merged),
                   "survivor_id": row.survivor_id, "survivor_label": pole.person_label(kept)})


@router.post("/persons/merges/{proposal_id}/reject")
def reject_form(request: Request, proposal_id: uuid.UUID, me: Requires("persons.merge"), db: DB,
                note: Note = "", purpose: Purpose = "") -> Response:
    purpose = _purpose(purpose) or "reviewing merge proposals"
    try:
        service.reject(db, me, proposal_id, note=note)
    except Problem as e:
        return _after(request, db, proposal_id, purpose, e, None)
    return _after(request, db, proposal_id, purpose, None, {"what": "rejected"})


@router.post("/persons/{person_id}/unmerge")
def unmerge_form(request: Request, person_id: uuid.UUID, me: Requires("persons.merge"), db: DB,
                 note: Note = "", purpose: Purpose = "",
                 proposal_id: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Undo a merge: from the person's page (back to it) or from the queue (the proposal again)."""
    purpose = _purpose(purpose) or "undoing a merge"
    back = uuid.UUID(proposal_id) if _is_uuid(proposal_id) else None
    try:
        service.unmerge(db, me, person_id, note)
    except Problem as e:
        db.rollback()
        if back is not None:
            return _card(request, db, back, purpose, error=e.detail + (f" {e.hint}" if e.hint else ""),
                         status_code=200 if _htmx(request) else e.status)
        raise
    db.commit()
    if back is not None and _htmx(request):
        return _card(request, db, back, purpose, done={"what": "undone"})
    if back is not None:
        return RedirectResponse(_queue_url(purpose), status_code=303)
    return RedirectResponse(f"/persons/{person_id}?{urlencode({'purpose': purpose})}", status_code=303)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False


def person_banner(db: Session, me: Principal, person) -> dict:
    """What a person's page shows about merges (for `pole/person.html`)."""
    return service.merge_state(db, person) | {"can_merge": me.can("persons.merge")}
