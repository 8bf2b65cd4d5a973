"""The pocket notebook through the API: write and read my own, read and export any officer's (with
a purpose), and check an exported notebook without the database (for a court)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from onbeat.core.errors import problems
from onbeat.core.pagination import PageNo, PageSize
from onbeat.core.security import Purpose, Requires, public
from onbeat.db import get_db
from onbeat.records.notebook import export, service
from onbeat.records.notebook.schemas import ChainOut, EntryIn, EntryOut, EntryPage, ExportToCheck, NotebookExport

router = APIRouter(tags=["notebook"])
DB = Annotated[Session, Depends(get_db)]
Number = Annotated[int, Path(ge=1, le=10_000_000, description="The entry's number in the notebook")]
Collar = Annotated[str, Path(max_length=12, description="The officer's collar number")]


@router.post("/api/notebook/entries", response_model=EntryOut, status_code=201,
             responses={200: {"model": EntryOut, "description": "This client UUID already wrote this entry"},
                        **problems(409)})
def write_entry(me: Requires("notebook.write"), db: DB, body: EntryIn):
    """Write an entry in my pocket notebook (201). Sending the same client UUID again returns the entry
    already written (200). To put an entry right, write a new one with `corrects` set to its number."""
    entry, created = service.write(db, me, body)
    db.commit()
    out = service.outputs(db, [entry])[0]
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)


@router.get("/api/notebook/entries", response_model=EntryPage)
def my_entries(me: Requires("notebook.write"), db: DB, page: PageNo = 1, size: PageSize = 25) -> EntryPage:
    """My pocket notebook, newest entry first."""
    rows, info = service.entries(db, me.id, page, size)
    service.consult(db, me, me.user, service.OWN, detail={"page": page})
    db.commit()
    return EntryPage(items=service.outputs(db, rows), **info.as_dict())


@router.get("/api/notebook/entries/{number}", response_model=EntryOut)
def my_entry(number: Number, me: Requires("notebook.write"), db: DB) -> EntryOut:
    entry = service.get_entry(db, me.id, number)
    service.consult(db, me, me.user, service.OWN, detail={"number": number})
    db.commit()
    return service.outputs(db, [entry])[0]


@router.put("/api/notebook/entries/{number}", responses=problems(409))
def replace_entry(number: Number, me: Requires("notebook.write"), db: DB) -> None:
    """Always refused (409): entries never change. Write a correction instead."""
    service.refuse_change(db, me.id, number)


@router.patch("/api/notebook/entries/{number}", responses=problems(409))
def edit_entry(number: Number, me: Requires("notebook.write"), db: DB) -> None:
    """Always refused (409): entries never change. Write a correction instead."""
    service.refuse_change(db, me.id, number)


@router.delete("/api/notebook/entries/{number}", responses=problems(409))
def delete_entry(number: Number, me: Requires("notebook.write"), db: DB) -> None:
    """Always refused (409): entries are never deleted. Write a correction instead."""
    service.refuse_change(db, me.id, number)


@router.get("/api/notebook/verify", response_model=ChainOut)
def verify_mine(me: Requires("notebook.write"), db: DB) -> ChainOut:
    """Check my notebook's hash chain."""
    return ChainOut.of(service.verify(db, me.id))


@router.get("/api/notebooks/{collar}", response_model=EntryPage)
def officer_entries(collar: Collar, me: Requires("notebook.read"), db: DB, purpose: Purpose,
                    page: PageNo = 1, size: PageSize = 25) -> EntryPage:
    """Any officer's pocket notebook, newest entry first (the read is recorded with its purpose)."""
    officer = service.officer_by_collar(db, collar)
    rows, info = service.entries(db, officer.id, page, size)
    service.consult(db, me, officer, purpose, detail={"page": page})
    db.commit()
    return EntryPage(items=service.outputs(db, rows), **info.as_dict())


@router.get("/api/notebooks/{collar}/export", response_model=NotebookExport)
def export_notebook(collar: Collar, me: Requires("notebook.read"), db: DB, purpose: Purpose):
    """Every entry of an officer's notebook with its hashes, and a note saying how to check them by
    hand: the document to give a court. The export is recorded as a disclosure with its purpose."""
    officer = service.officer_by_collar(db, collar)
    doc = export.build(db, me, officer, purpose)
    service.consult(db, me, officer, purpose, "notebook.exported", {"entries": doc.entry_count,
                                                                     "head_hash": doc.head_hash}, action="disclose")
    db.commit()
    name = f"notebook-{doc.officer.collar_number}-{doc.exported_at:%Y%m%d%H%M}.json"
    return JSONResponse(doc.model_dump(mode="json"),
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/api/notebooks/verify", response_model=ChainOut,
             dependencies=[Depends(public("lets a court check an exported notebook independently"))])
def verify_export(body: ExportToCheck) -> ChainOut:
    """Check an exported notebook on its own (no database): numbering, links and every hash.
    Answers whether it is valid and, if not, the first entry that does not hold and why."""
    return export.check(body)
