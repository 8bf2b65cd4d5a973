"""Crime reports and victim updates through the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import problems
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Purpose, Requires
from onbeat.db import get_db
from onbeat.records.core import service as records
from onbeat.records.core.kinds import STATES
from onbeat.records.core.models import Record
from onbeat.records.crime import service, victims, views
from onbeat.records.crime.codes import (CONTACT_METHODS, ENHANCED_REASONS, MO_KEYWORDS, OFFENCES, OUTCOMES,
                                        PROPERTY_STATUSES, VICTIM_EVENTS)
from onbeat.records.crime.models import CrimeReport
from onbeat.records.crime.schemas import (CrimeChange, CrimeIn, CrimeOut, CrimePage, DutyPage, EventOut, FinaliseIn,
                                          Parties, UpdateOut, VictimEventIn, VictimUpdateIn)

router = APIRouter(tags=["crime"], responses=problems(409))
DB = Annotated[Session, Depends(get_db)]
StateName = Literal[STATES]  # type: ignore[valid-type]


class CodeOut(BaseModel):
    code: str
    label: str
    group: str | None = None


class CodesOut(BaseModel):
    offences: list[CodeOut]
    outcomes: list[CodeOut]
    mo_keywords: list[CodeOut]
    enhanced_reasons: list[CodeOut]
    contact_methods: list[CodeOut]
    victim_events: list[CodeOut]
    property_statuses: list[CodeOut]


def _plain(codes: dict[str, str]) -> list[CodeOut]:
    return [CodeOut(code=k, label=v) for k, v in codes.items()]


@router.get("/api/records/crime/codes", response_model=CodesOut)
def crime_codes(me: Requires("records.read")) -> CodesOut:
    """The code lists a crime report uses: HOCR offences, Home Office outcomes, MO keywords..."""
    return CodesOut(
        offences=[CodeOut(code=o.code, label=o.label, group=o.group) for o in OFFENCES.values()],
        outcomes=[CodeOut(code=o.code, label=o.label) for o in OUTCOMES.values()],
        mo_keywords=[CodeOut(code=c, label=l, group=g) for g, kw in MO_KEYWORDS.items() for c, l in kw.items()],
        enhanced_reasons=_plain(ENHANCED_REASONS), contact_methods=_plain(CONTACT_METHODS),
        victim_events=_plain(VICTIM_EVENTS), property_statuses=_plain(PROPERTY_STATUSES))


def crimes_query(offence_code: str | None = None, state: str | None = None, finalised: bool | None = None):
    stmt = (select(Record, CrimeReport).join(CrimeReport, CrimeReport.record_id == Record.id)
            .order_by(CrimeReport.committed_from.desc(), Record.reference.desc()))
    if offence_code:
        stmt = stmt.where(CrimeReport.offence_code == offence_code.strip().upper())
    if state:
        stmt = stmt.where(Record.state == state)
    if finalised is not None:
        stmt = stmt.where(CrimeReport.finalised_at.is_not(None) if finalised else CrimeReport.finalised_at.is_(None))
    return stmt


@router.get("/api/records/crime", response_model=CrimePage)
def list_crimes(me: Requires("records.read"), db: DB, page: PageNo = 1, size: PageSize = 25,
                offence_code: Annotated[str | None, Query(max_length=8)] = None,
                state: StateName | None = None, finalised: bool | None = None) -> CrimePage:
    """Crime reports, most recently committed first (no personal data: open one to see who is in it)."""
    rows, info = paginate(db, crimes_query(offence_code, state, finalised), page, size, scalars=False)
    return CrimePage(items=[views.summary_out(r, c) for r, c in rows], **info.as_dict())


@router.post("/api/records/crime", response_model=CrimeOut, status_code=201, responses={200: {"model": CrimeOut}})
def create_crime(body: CrimeIn, me: Requires("records.write"), db: DB, response: Response) -> CrimeOut:
    """Report a crime. 201 when made; 200 with the same report when this client UUID made it already."""
    record, created = service.create(db, me, body)
    db.commit()
    if not created:
        response.status_code = 200
    return views.crime_out(db, *service.get(db, record.id))


@router.get("/api/records/crime/{record_id}", response_model=CrimeOut)
def read_crime(record_id: uuid.UUID, me: Requires("records.read"), db: DB, purpose: Purpose) -> CrimeOut:
    record, report = service.get(db, record_id)
    out = views.crime_out(db, record, report)
    records.consult(db, me, record, purpose)
    db.commit()
    return out


@router.patch("/api/records/crime/{record_id}", response_model=CrimeOut)
def change_crime(record_id: uuid.UUID, body: CrimeChange, me: Requires("records.write"), db: DB) -> CrimeOut:
    """Change the offence, the window, the summary or the MO while the report is a draft (or returned)."""
    record, report = service.get(db, record_id, lock=True)
    service.change(db, me, record, report, body)
    db.commit()
    return views.crime_out(db, record, report)


@router.post("/api/records/crime/{record_id}/parties", response_model=CrimeOut)
def add_parties(record_id: uuid.UUID, body: Parties, me: Requires("records.write"), db: DB) -> CrimeOut:
    """Add victims, suspects, witnesses or property (until the crime is finalised)."""
    record, report = service.get(db, record_id, lock=True)
    service.add_parties(db, me, record, report, body)
    db.commit()
    return views.crime_out(db, record, report)


@router.post("/api/records/crime/{record_id}/finalise", response_model=CrimeOut)
def finalise_crime(record_id: uuid.UUID, body: FinaliseIn, me: Requires("records.approve"), db: DB) -> CrimeOut:
    """Give an approved crime its Home Office outcome (supervisor)."""
    record, report = service.get(db, record_id, lock=True)
    service.finalise(db, me, record, report, body)
    db.commit()
    return views.crime_out(db, record, report)


def _one(out: CrimeOut, pick, wanted: uuid.UUID):
    return next(x for x in pick(out) if x.id == wanted)


@router.post("/api/records/crime/{record_id}/victim-events", response_model=EventOut, status_code=201,
             responses={200: {"model": EventOut}})
def record_victim_event(record_id: uuid.UUID, body: VictimEventIn, me: Requires("victims.update"), db: DB,
                        response: Response) -> EventOut:
    """Record an event each victim must be told of (right 6): it starts a duty per victim."""
    record, report = service.get(db, record_id, lock=True)
    event, created = victims.record_event(db, me, record, report, body)
    db.commit()
    if not created:
        response.status_code = 200
    return _one(views.crime_out(db, record, report), lambda o: o.events, event.id)


@router.post("/api/records/crime/{record_id}/victim-updates", response_model=UpdateOut, status_code=201,
             responses={200: {"model": UpdateOut}})
def record_victim_update(record_id: uuid.UUID, body: VictimUpdateIn, me: Requires("victims.update"), db: DB,
                         response: Response) -> UpdateOut:
    """Record that a victim was told of an event: it fulfils their duty for that event."""
    record, report = service.get(db, record_id, lock=True)
    update, created = victims.record_update(db, me, record, report, body)
    db.commit()
    if not created:
        response.status_code = 200
    return _one(views.crime_out(db, record, report), lambda o: o.updates, update.id)


@router.get("/api/victims/duties", response_model=DutyPage)
def victim_duties(me: Requires("victims.oversee"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                  status: Literal["overdue", "due", "open"] = "overdue") -> DutyPage:
    """Victims still to be told of an event, oldest deadline first: `overdue` (past the UK due date),
    `due` (not yet) or `open` (both)."""
    rows, info = paginate(db, victims.duties_query(status), page, size, scalars=False)
    items = views.duties_out(db, rows)
    audit(db, me.actor, "consult", "records.crime.victim_duties", "victim", None, purpose=purpose,
          detail={"status": status, "results": [str(d.id) for d in items]})
    db.commit()
    return DutyPage(items=items, **info.as_dict())
