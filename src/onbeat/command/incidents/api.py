"""Incidents JSON API: list, read, log, re-grade, link records, close, breaches and figures."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onbeat.command.contacts import service as contacts
from onbeat.command.contacts.schemas import ContactOut, ContactPage
from onbeat.command.incidents import figures as figures_service, service
from onbeat.command.incidents.catalogue import CATEGORIES, CLOSING_CODES, TYPES
from onbeat.command.incidents.schemas import (BreachOut, CloseIn, CodeOut, Figures, GradeIn, GradeOut, IncidentDetail,
                                              IncidentOut, IncidentPage, LogEntryOut, LogPage, NoteIn, RecordLinkIn,
                                              RecordRef, TypeOut)
from onbeat.core.errors import BadRequest, problems
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Purpose, Requires
from onbeat.core.time import uk_today, utcnow
from onbeat.db import get_db

router = APIRouter(tags=["incidents"])
DB = Annotated[Session, Depends(get_db)]
Grade = Annotated[int | None, Query(ge=1, le=4)]
TypeCode = Literal[tuple(TYPES)]  # type: ignore[valid-type]
Category = Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]


def record_ref(r) -> RecordRef:
    from onbeat.records.core.kinds import KINDS

    return RecordRef(id=r.id, reference=r.reference, kind=r.kind, kind_label=KINDS[r.kind].label, state=r.state,
                     occurred_at=r.occurred_at, incident_number=r.incident_number, path=f"{KINDS[r.kind].path}/{r.id}")


def detail(db: Session, incident) -> IncidentDetail:
    count = db.execute(select(func.count()).select_from(contacts.of_incident(incident.id).subquery())).scalar_one()
    return IncidentDetail(**IncidentOut.of(incident).model_dump(), contacts=count,
                          records=[record_ref(r) for r in service.linked_records(db, incident)])


@router.get("/api/incidents/types", response_model=list[TypeOut])
def incident_types(me: Requires("incidents.read")) -> list[TypeOut]:
    return [TypeOut(code=t.code, label=t.label, category=t.category, category_label=CATEGORIES[t.category],
                    base_grade=t.base_grade, weights=t.weights, required_skills=sorted(t.skills))
            for t in TYPES.values()]


@router.get("/api/incidents/closing-codes", response_model=list[CodeOut])
def closing_codes(me: Requires("incidents.read")) -> list[CodeOut]:
    return [CodeOut(code=c, label=label) for c, label in CLOSING_CODES.items()]


@router.get("/api/incidents", response_model=IncidentPage)
def list_incidents(me: Requires("incidents.read"), db: DB, page: PageNo = 1, size: PageSize = 50, grade: Grade = None,
                   incident_type: TypeCode | None = None, category: Category | None = None,
                   status: Literal["open", "closed"] | None = None,
                   area: Annotated[str | None, Query(max_length=8, description="A station code, e.g. RDG")] = None,
                   q: Annotated[str | None, Query(max_length=100,
                                                  description="Log number, address or postcode")] = None,
                   ) -> IncidentPage:
    items, info = paginate(db, service.incidents_query(grade=grade, incident_type=incident_type, category=category,
                                                       status=status, area=area, q=q), page, size)
    return IncidentPage(items=[IncidentOut.of(i) for i in items], **info.as_dict())


@router.get("/api/incidents/figures", response_model=Figures)
def incident_figures(me: Requires("incidents.read"), db: DB, date_from: date | None = None,
                     date_to: date | None = None) -> Figures:
    """Per grade: median and 90th-percentile response (opening to first arrival) and % within target,
    for incidents opened on the UK days from `date_from` to `date_to` (default: the last 7 days)."""
    date_to = date_to or uk_today()
    date_from = date_from or date_to - timedelta(days=6)
    if date_from > date_to:
        raise BadRequest("The range starts after it ends.", field="date_from",
                         hint="Give date_from on or before date_to.")
    if (date_to - date_from).days > 366:
        raise BadRequest("The range is longer than a year.", field="date_to", hint="Ask for a year or less at a time.")
    return Figures(**figures_service.response_figures(db, date_from, date_to))


@router.post("/api/incidents/check-breaches", response_model=BreachOut)
def check_breaches(me: Requires("incidents.write"), db: DB) -> BreachOut:
    """Record every open incident now past its attendance target with nobody there."""
    now = utcnow()
    found = service.check_breaches(db, now)
    db.commit()
    return BreachOut(checked_at=now, breached=[IncidentOut.of(i) for i in found])


@router.get("/api/incidents/{incident_id}", response_model=IncidentDetail)
def read_incident(me: Requires("incidents.read"), db: DB, incident_id: uuid.UUID) -> IncidentDetail:
    return detail(db, service.get(db, incident_id))


@router.get("/api/incidents/{incident_id}/log", response_model=LogPage)
def read_log(me: Requires("incidents.read"), db: DB, incident_id: uuid.UUID, page: PageNo = 1,
             size: PageSize = 100) -> LogPage:
    service.get(db, incident_id)
    entries, info = paginate(db, service.log_entries(db, incident_id), page, size)
    return LogPage(items=[LogEntryOut.model_validate(e, from_attributes=True) for e in entries], **info.as_dict())


@router.post("/api/incidents/{incident_id}/log", response_model=LogEntryOut, status_code=201)
def add_log_entry(me: Requires("incidents.write"), db: DB, incident_id: uuid.UUID, body: NoteIn) -> LogEntryOut:
    incident = service.get(db, incident_id, lock=True)
    entry = service.add_note(db, me, incident, body.text)
    db.commit()
    return LogEntryOut.model_validate(entry, from_attributes=True)


@router.post("/api/incidents/{incident_id}/grade", response_model=GradeOut, responses=problems(409))
def regrade(me: Requires("incidents.write"), db: DB, incident_id: uuid.UUID, body: GradeIn) -> GradeOut:
    """Re-grade (re-THRIVE). A reason is always required; with new THRIVE answers the new
    suggestion is worked out and logged beside the grade given."""
    incident = service.get(db, incident_id, lock=True)
    suggestion = contacts.suggest(incident.incident_type, body.thrive) if body.thrive else None
    service.regrade(db, me, incident, body.grade, body.reason, suggestion=suggestion)
    db.commit()
    return GradeOut(incident=IncidentOut.of(incident), suggestion=suggestion)


@router.post("/api/incidents/{incident_id}/close", response_model=IncidentOut, responses=problems(409))
def close_incident(me: Requires("incidents.write"), db: DB, incident_id: uuid.UUID, body: CloseIn) -> IncidentOut:
    incident = service.get(db, incident_id, lock=True)
    service.close(db, me, incident, body.closing_code, body.closing_note)
    db.commit()
    return IncidentOut.of(incident)


@router.get("/api/incidents/{incident_id}/records", response_model=list[RecordRef])
def incident_records(me: Requires("incidents.read"), db: DB, incident_id: uuid.UUID) -> list[RecordRef]:
    """Records made about the incident: those carrying its log number and those linked by hand."""
    return [record_ref(r) for r in service.linked_records(db, service.get(db, incident_id))]


@router.post("/api/incidents/{incident_id}/records", response_model=RecordRef, status_code=201,
             responses=problems(409))
def link_record(me: Requires("incidents.write"), db: DB, incident_id: uuid.UUID, body: RecordLinkIn) -> RecordRef:
    from onbeat.records.core import service as records

    incident = service.get(db, incident_id, lock=True)
    link = service.link_record(db, me, incident, body.reference)
    db.commit()
    return record_ref(records.get(db, link.record_id))


@router.get("/api/incidents/{incident_id}/contacts", response_model=ContactPage)
def incident_contacts(me: Requires("incidents.read"), purpose: Purpose, db: DB, incident_id: uuid.UUID,
                      page: PageNo = 1, size: PageSize = 50) -> ContactPage:
    """The incident's contacts with the callers' names and numbers (personal data: a purpose is
    required and each contact read is recorded in the audit log)."""
    service.get(db, incident_id)
    items, info = paginate(db, contacts.of_incident(incident_id), page, size)
    contacts.consult(db, me, items, purpose)
    db.commit()
    return ContactPage(items=[ContactOut(**contacts.summary(c, with_caller=True)) for c in items], **info.as_dict())


