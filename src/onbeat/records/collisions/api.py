"""Collision reports (STATS19) through the API: create, edit, read, list and the STATS19 export."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import problems
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Purpose, Requires
from onbeat.db import get_db
from onbeat.records.collisions import export, service
from onbeat.records.collisions.schemas import CollisionIn, CollisionOut, CollisionPage
from onbeat.records.collisions.settings import collision_settings
from onbeat.records.core import service as records
from onbeat.records.core.kinds import STATES

router = APIRouter(prefix="/api/records/collisions", tags=["collisions"])
DB = Annotated[Session, Depends(get_db)]
StateName = Literal[STATES]  # type: ignore[valid-type]
DEFAULT_EXPORT_PURPOSE = "STATS19 return to the Department for Transport"


@router.post("", response_model=CollisionOut, status_code=201, responses={200: {"model": CollisionOut,
             "description": "This client UUID already made a report: it is returned unchanged"}, **problems(409)})
def create_collision(body: CollisionIn, me: Requires("records.write"), db: DB) -> Response:
    """Report a collision: the collision, its vehicles and its casualties, checked against every
    STATS19 rule before anything is stored. Sending the same client UUID again returns the report."""
    record, created = service.create(db, me, body)
    db.commit()
    out = service.detail(db, record)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)


@router.get("", response_model=CollisionPage)
def list_collisions(me: Requires("records.read"), db: DB, page: PageNo = 1, size: PageSize = 25,
                    severity: Annotated[int | None, Query(ge=1, le=3, description="1 fatal, 2 serious, 3 slight")]
                    = None,
                    date_from: Annotated[date | None, Query(description="UK date, inclusive")] = None,
                    date_to: Annotated[date | None, Query(description="UK date, inclusive")] = None,
                    state: StateName | None = None) -> CollisionPage:
    """Collision reports, newest first: reference, when, where, severity and counts (no personal data)."""
    rows, info = paginate(db, service.search(severity=severity, date_from=date_from, date_to=date_to, state=state),
                          page, size, scalars=False)
    return CollisionPage(items=[service.summary_of(r) for r in rows], **info.as_dict())


@router.get("/export", responses={200: {"content": {"text/csv": {}, "application/zip": {}},
                                        "description": "The STATS19 table(s) in the DfT column layout"}})
def export_collisions(me: Requires("collisions.export"), db: DB,
                      year: Annotated[int, Query(ge=1979, le=2100, description="The collisions' year")],
                      table: Annotated[Literal["collision", "vehicle", "casualty", "zip"],
                                       Query(description="One table as CSV, or all three in a zip")] = "zip",
                      include_submitted: Annotated[bool, Query(description="Also reports submitted but not yet "
                                                                           "approved")] = False,
                      purpose: Annotated[str, Query(min_length=3, max_length=500, description="Why (audited)")]
                      = DEFAULT_EXPORT_PURPOSE) -> Response:
    """The year's collision reports in the STATS19 layout: approved ones, or also submitted ones."""
    all_rows = export.rows(db, year, include_submitted)
    force = collision_settings().force_code
    audit(db, me.actor, "disclose", "records.collision.exported", "collision", None, purpose=purpose,
          detail={"year": year, "table": table, "include_submitted": include_submitted,
                  "collisions": len(all_rows["collision"])})
    db.commit()
    if table == "zip":
        return Response(export.to_zip(all_rows, year, force), media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="stats19-{year}-force-{force}.zip"'})
    return Response(export.to_csv(table, all_rows[table]), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{export.file_name(table, year, force)}"'})


@router.get("/{record_id}", response_model=CollisionOut)
def read_collision(record_id: uuid.UUID, me: Requires("records.read"), db: DB, purpose: Purpose) -> CollisionOut:
    """One collision report with its vehicles and casualties (the read is recorded with its purpose)."""
    record = records.get(db, record_id, service.KIND)
    out = service.detail(db, record)
    records.consult(db, me, record, purpose)
    db.commit()
    return out


@router.put("/{record_id}", response_model=CollisionOut, responses=problems(409))
def edit_collision(record_id: uuid.UUID, body: CollisionIn, me: Requires("records.write"), db: DB) -> CollisionOut:
    """Replace a draft or returned report's details (all of them, checked as on creation)."""
    record = records.get(db, record_id, service.KIND, lock=True)
    service.update(db, me, record, body)
    db.commit()
    return service.detail(db, record)

