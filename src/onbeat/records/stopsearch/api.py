"""Stop-search records through the API: record (idempotent by client UUID), edit a draft, read with a
purpose, list with filters, look up a receipt reference, and the code lists a device needs.

Submission, approval and return are the generic `/api/records/{id}/submit|approve|return`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import COMMON_PROBLEMS, problems
from onbeat.core.identity.models import User
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Purpose, Requires
from onbeat.db import get_db
from onbeat.records.core import service as core
from onbeat.records.core.entities import entities_of
from onbeat.records.core.kinds import STATES
from onbeat.records.core.models import Record
from onbeat.records.core.schemas import EntityOut
from onbeat.records.stopsearch import codes, service
from onbeat.records.stopsearch.models import StopSearch
from onbeat.records.stopsearch.schemas import StopSearchFields, StopSearchIn, StopSearchOut, StopSearchPage

router = APIRouter(prefix="/api/records/stop-searches", tags=["stop and search"],
                   responses=problems(*COMMON_PROBLEMS))
DB = Annotated[Session, Depends(get_db)]
PowerCode = Literal[tuple(codes.POWERS)]  # type: ignore[valid-type]
OutcomeCode = Literal[tuple(codes.OUTCOMES)]  # type: ignore[valid-type]
StateCode = Literal[STATES]  # type: ignore[valid-type]


def out(record: Record, row: StopSearch, entities: list[EntityOut]) -> StopSearchOut:
    person_id = next((e.id for e in entities if e.role == "person_searched"), None)
    return StopSearchOut(
        **{name: getattr(record, name) for name in ("id", "client_uuid", "kind", "reference", "state", "version",
                                                    "supersedes_id", "author_id", "occurred_at", "submitted_at",
                                                    "decided_at", "place", "latitude", "longitude",
                                                    "incident_number", "summary")},
        entities=entities, receipt_reference=row.receipt_reference, power_label=codes.POWERS[row.power].label,
        officer_number=row.officer_number, officer_station_id=row.officer_station_id, person_id=person_id,
        more_than_outer_clothing=row.more_than_outer_clothing,
        **{name: getattr(row, name) for name in service.DETAILS})


def one(db: Session, record: Record, row: StopSearch) -> StopSearchOut:
    return out(record, row, entities_of(db, [record.id])[record.id])


@router.post("", response_model=StopSearchOut, status_code=201, responses=problems(409))
def record_stop_search(me: Requires("records.write"), body: StopSearchIn, db: DB, response: Response) -> StopSearchOut:
    """Record a stop and search. 201 when recorded; 200 with the same record when this client UUID
    was already used (a device sending again after a lost answer). Every rule broken is named."""
    record, row, created = service.create(db, me, body)
    if created:
        db.commit()
    else:
        response.status_code = 200
    return one(db, record, row)


class CodeLists(BaseModel):
    powers: dict[str, dict]
    objects: dict[str, str]
    outcomes: dict[str, str]
    search_types: dict[str, str]
    self_defined_ethnicities: dict[str, str]
    officer_defined_ethnicities: dict[str, str]
    genders: dict[str, str]
    age_ranges: dict[str, str]
    authorising_ranks: dict[str, str]
    clothing_removed: dict[str, str]
    receipt_methods: dict[str, str]


@router.get("/codes", response_model=CodeLists)
def code_lists(me: Requires("records.write")) -> CodeLists:
    """Every code list of the form, and what each power requires (for a form that works offline)."""
    return CodeLists(
        powers={c: {"label": p.label, "grounds_required": p.grounds, "authorisation_required": p.authorisation,
                    "objects": list(p.objects), "lowest_authorising_rank": p.lowest_rank,
                    "authorisation_longest_hours": p.longest_hours, "vehicles_only": p.vehicle}
                for c, p in codes.POWERS.items()},
        objects=codes.OBJECTS, outcomes=codes.OUTCOMES, search_types=codes.SEARCH_TYPES,
        self_defined_ethnicities=codes.ETHNICITIES, officer_defined_ethnicities=codes.OFFICER_ETHNICITIES,
        genders=codes.GENDERS, age_ranges=codes.AGE_RANGES, authorising_ranks=codes.RANKS,
        clothing_removed=codes.CLOTHING, receipt_methods=codes.RECEIPTS)


@router.get("", response_model=StopSearchPage)
def list_stop_searches(me: Requires("records.read"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                       power: PowerCode | None = None, outcome: OutcomeCode | None = None,
                       date_from: datetime | None = None, date_to: datetime | None = None,
                       officer_id: uuid.UUID | None = None,
                       collar_number: Annotated[str | None, Query(max_length=12)] = None,
                       state: StateCode | None = None) -> StopSearchPage:
    """Stop-searches, newest first, filtered by power, outcome, date range (from inclusive, to
    exclusive), officer (id or collar number) and state."""
    stmt = service.search(power=power, outcome=outcome, date_from=date_from, date_to=date_to, author_id=officer_id,
                          state=state)
    if collar_number:
        author = db.execute(select(User.id).where(User.collar_number == collar_number.strip().upper())).scalar()
        stmt = stmt.where(Record.author_id == author) if author else stmt.where(False)
    rows, info = paginate(db, stmt, page, size, scalars=False)
    named = entities_of(db, [r.id for r, _ in rows])
    filters = dict(power=power, outcome=outcome, date_from=date_from, date_to=date_to, officer_id=officer_id,
                   collar_number=collar_number, state=state)
    audit(db, me.actor, "consult", "records.stop_search.listed", "stop_search", None, purpose=purpose,
          detail={"filters": {k: str(v) for k, v in filters.items() if v}, "results": [r.reference for r, _ in rows]})
    db.commit()
    return StopSearchPage(items=[out(r, s, named[r.id]) for r, s in rows], **info.as_dict())


@router.get("/receipts/{receipt_reference}", response_model=StopSearchOut)
def by_receipt(receipt_reference: Annotated[str, Path(max_length=20)], me: Requires("records.read"), db: DB,
               purpose: Purpose) -> StopSearchOut:
    """The record a receipt reference (SS-XXXX-XXXX, as given to the person) belongs to."""
    record, row = service.by_receipt(db, receipt_reference)
    core.consult(db, me, record, purpose)
    db.commit()
    return one(db, record, row)


@router.get("/{record_id}", response_model=StopSearchOut)
def read_stop_search(record_id: uuid.UUID, me: Requires("records.read"), db: DB, purpose: Purpose) -> StopSearchOut:
    record, row = service.get(db, record_id)
    core.consult(db, me, record, purpose)
    db.commit()
    return one(db, record, row)


@router.put("/{record_id}", response_model=StopSearchOut, responses=problems(409))
def edit_stop_search(record_id: uuid.UUID, me: Requires("records.write"), body: StopSearchFields,
                     db: DB) -> StopSearchOut:
    """Replace the details of your own draft or returned record (409 once submitted or approved)."""
    record, _ = service.get(db, record_id, lock=True)
    row = service.update(db, me, record, body)
    db.commit()
    return one(db, record, row)

