"""Audit log: search (API and page), chain verification, and the audited-write probe."""

from __future__ import annotations

from datetime import date, datetime, time as dtime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Select, String, or_, select
from sqlalchemy.orm import Session

from onbeat.core.audit import service
from onbeat.core.audit.models import ACTIONS, AuditEntry
from onbeat.core.events import service as events
from onbeat.core.pagination import PageNo, PageQuery, PageSize, paginate
from onbeat.core.security import Requires
from onbeat.core.time import UK
from onbeat.db import get_db
from onbeat.web.render import page

router = APIRouter(tags=["audit"])
DB = Annotated[Session, Depends(get_db)]


class AuditQuery(BaseModel):
    # Not "forbid": FastAPI hands a query model every query parameter, so `page` and `size` would be refused.
    model_config = ConfigDict(extra="ignore")
    actor: str | None = Field(default=None, max_length=80)
    action: str | None = Field(default=None, pattern="^(" + "|".join(ACTIONS) + ")$")
    subject_type: str | None = Field(default=None, max_length=60)
    subject_id: str | None = Field(default=None, max_length=80)
    date_from: date | None = None
    date_to: date | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    occurred_at: datetime
    actor_id: str | None
    actor_label: str
    action: str
    event: str
    subject_type: str
    subject_id: str | None
    purpose: str | None
    detail: dict
    request_id: str | None
    source_address: str | None
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditOut:
        return cls.model_validate({**{c: getattr(e, c) for c in cls.model_fields}, "actor_id": str(e.actor_id) if e.actor_id else None})


class AuditPage(BaseModel):
    items: list[AuditOut]
    page: int
    size: int
    total: int
    pages: int


def _filtered(q: AuditQuery) -> Select:
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if q.actor:
        stmt = stmt.where(or_(AuditEntry.actor_label.ilike(f"%{q.actor}%"), AuditEntry.actor_id.cast(String) == q.actor))
    if q.action:
        stmt = stmt.where(AuditEntry.action == q.action)
    if q.subject_type:
        stmt = stmt.where(AuditEntry.subject_type == q.subject_type)
    if q.subject_id:
        stmt = stmt.where(AuditEntry.subject_id == q.subject_id)
    if q.date_from:
        stmt = stmt.where(AuditEntry.occurred_at >= datetime.combine(q.date_from, dtime.min, UK))
    if q.date_to:
        stmt = stmt.where(AuditEntry.occurred_at <= datetime.combine(q.date_to, dtime.max, UK))
    return stmt


@router.get("/api/audit", response_model=AuditPage)
def search(me: Requires("audit.read"), db: DB, q: Annotated[AuditQuery, Query()], page: PageNo = 1,
           size: PageSize = 50) -> AuditPage:
    entries, info = paginate(db, _filtered(q), page, size)
    return AuditPage(items=[AuditOut.of(e) for e in entries], **info.as_dict())


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    broken_seq: int | None
    reason: str | None


@router.post("/api/audit/verify", response_model=VerifyOut)
def verify(me: Requires("audit.verify"), db: DB) -> VerifyOut:
    result = service.verify(db)
    return VerifyOut(ok=result.ok, checked=result.checked, broken_seq=result.broken_seq, reason=result.reason)


class ProbeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="probe", max_length=200)


class ProbeOut(BaseModel):
    seq: int
    hash: str
    event_id: str


@router.post("/api/audit-probe", response_model=ProbeOut, status_code=201)
def probe(body: ProbeIn, me: Requires("platform.probe"), db: DB) -> ProbeOut:
    """One audited write and one event, in one transaction: what the platform itself costs."""
    entry = service.record(db, me.actor, "collect", "platform.probe", "probe", None, detail={"note": body.note})
    event = events.emit(db, "core", "probe_recorded", {"seq": entry.seq, "note": body.note, "by": me.actor.label},
                        permission="platform.probe")
    db.commit()
    return ProbeOut(seq=entry.seq, hash=entry.hash, event_id=str(event.event_id))


@router.get("/admin/audit", include_in_schema=False)
def audit_page(request: Request, me: Requires("audit.read"), db: DB, q: Annotated[AuditQuery, Query()],
               page_no: PageQuery = 1) -> Response:
    entries, info = paginate(db, _filtered(q), page_no, 50)
    params = {k: v for k, v in q.model_dump().items() if v}
    base = "/admin/audit?" + (urlencode(params) + "&" if params else "")
    return page(request, "audit.html", {"entries": entries, "pg": info, "q": q, "actions": ACTIONS, "base": base})
