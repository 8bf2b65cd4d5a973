"""Any record through the API: search, read the header, submit, approve, return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Purpose, Requires
from onbeat.db import get_db
from onbeat.records.core import service
from onbeat.records.core.entities import entities_of
from onbeat.records.core.kinds import KINDS, STATES
from onbeat.records.core.schemas import Decision, RecordDetail, RecordOut, RecordPage, ReviewOut

router = APIRouter(prefix="/api/records", tags=["records"])
DB = Annotated[Session, Depends(get_db)]
KindName = Literal[tuple(KINDS)]  # type: ignore[valid-type]
StateName = Literal[STATES]  # type: ignore[valid-type]


def detail(db: Session, record_id: uuid.UUID) -> RecordDetail:
    record = service.get(db, record_id)
    return RecordDetail(**RecordOut.of(record, entities_of(db, [record.id])[record.id]).model_dump(),
                        reviews=[ReviewOut.of(r) for r in service.reviews(db, record.id)])


@router.get("", response_model=RecordPage)
def search_records(me: Requires("records.read"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                   reference: Annotated[str | None, Query(max_length=20)] = None, kind: KindName | None = None,
                   state: StateName | None = None, author_id: uuid.UUID | None = None,
                   date_from: datetime | None = None, date_to: datetime | None = None,
                   person_id: uuid.UUID | None = None, place: Annotated[str | None, Query(max_length=100)] = None,
                   latitude: Annotated[float | None, Query(ge=-90, le=90)] = None,
                   longitude: Annotated[float | None, Query(ge=-180, le=180)] = None,
                   radius_m: Annotated[float, Query(gt=0, le=50_000)] = 500,
                   incident_number: Annotated[str | None, Query(max_length=20)] = None) -> RecordPage:
    """Records matching every filter, newest first; each with the people in it and their markers."""
    near = (latitude, longitude) if latitude is not None and longitude is not None else None
    stmt = service.search(reference=reference, kind=kind, state=state, author_id=author_id, date_from=date_from,
                          date_to=date_to, person_id=person_id, place=place, near=near, radius_m=radius_m,
                          incident_number=incident_number)
    records, info = paginate(db, stmt, page, size)
    named = entities_of(db, [r.id for r in records])
    audit(db, me.actor, "consult", "records.searched", "person", None, purpose=purpose,
          detail={"filters": {k: v for k, v in dict(reference=reference, kind=kind, state=state, person_id=person_id,
                                                     place=place, author_id=author_id).items() if v},
                  "results": [r.reference for r in records]})
    db.commit()
    return RecordPage(items=[RecordOut.of(r, named[r.id]) for r in records], **info.as_dict())


@router.get("/{record_id}", response_model=RecordDetail)
def read_record(record_id: uuid.UUID, me: Requires("records.read"), db: DB, purpose: Purpose) -> RecordDetail:
    """Any record's header, the entities it names and its review history."""
    out = detail(db, record_id)
    service.consult(db, me, service.get(db, record_id), purpose)
    db.commit()
    return out


@router.post("/{record_id}/submit", response_model=RecordDetail)
def submit_record(record_id: uuid.UUID, me: Requires("records.write"), db: DB) -> RecordDetail:
    """Send a draft (or a returned record) to a supervisor. Sending it again changes nothing."""
    service.submit(db, me, service.get(db, record_id, lock=True))
    db.commit()
    return detail(db, record_id)


@router.post("/{record_id}/approve", response_model=RecordDetail)
def approve_record(record_id: uuid.UUID, body: Decision, me: Requires("records.approve"), db: DB) -> RecordDetail:
    service.approve(db, me, service.get(db, record_id, lock=True), body.comment)
    db.commit()
    return detail(db, record_id)


@router.post("/{record_id}/return", response_model=RecordDetail)
def return_record(record_id: uuid.UUID, body: Decision, me: Requires("records.approve"), db: DB) -> RecordDetail:
    """Send a submitted record back to its author with comments saying what to change."""
    service.return_for_changes(db, me, service.get(db, record_id, lock=True), body.comment or "")
    db.commit()
    return detail(db, record_id)
