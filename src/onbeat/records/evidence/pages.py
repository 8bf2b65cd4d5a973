"""Staff pages for evidence: the list (all, or one record's), the upload form (a plain multipart
form, streamed to storage), and an item's page (thumbnail, hashes, chain of custody in UK time,
download, integrity check, attach, export). Reading an item's content asks for a purpose first."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from onbeat.core.errors import BadRequest, Problem
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Principal, Purpose, Requires
from onbeat.core.time import UK
from onbeat.db import get_db
from onbeat.records.core import service as records
from onbeat.records.core.kinds import KINDS
from onbeat.records.core.models import Record
from onbeat.records.core.pages import names_of
from onbeat.records.evidence import custody, service, uploads
from onbeat.records.evidence.api import download, export_response
from onbeat.records.evidence.intake import BLOCK, human
from onbeat.records.evidence.schemas import CapturedAt, Device, Filename, Sha256
from onbeat.records.evidence.settings import get_evidence_settings
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
CUSTODY_PAGE = 50


def _record_row(record: Record) -> dict:
    return {"id": record.id, "reference": record.reference, "kind": KINDS[record.kind],
            "href": f"{KINDS[record.kind].path}/{record.id}"}


def _record_from(db: Session, value: str) -> Record | None:
    """A record by its id (from a link) or its reference (typed), or None if blank."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return records.get(db, uuid.UUID(value))
    except ValueError:
        found = records.by_reference(db, value)
    except Problem:
        found = None
    if found is None:
        raise BadRequest(f"There is no record {value}.", field="record",
                         hint="Type the record's reference, e.g. CRI/000123/26, or leave it blank.")
    return found


# --- the list --------------------------------------------------------------------------------------

@router.get("/evidence")
def evidence_list(request: Request, me: Requires("evidence.read"), db: DB, page_no: PageQuery = 1,
                  record: str = "") -> Response:
    try:
        for_record = _record_from(db, record)
    except Problem as exc:
        return page(request, "evidence/list.html", {"error": exc.detail, "rows": [], "record": None, "pg": None},
                    status_code=404)
    items, info = paginate(db, service.listing(for_record.id if for_record else None), page_no, 25)
    names = names_of(db, [i.captured_by_id for i in items])
    rows = [{"item": i, "by": names.get(i.captured_by_id, ""), "size": human(i.size)} for i in items]
    base = "/evidence?" + (urlencode({"record": str(for_record.id)}) + "&" if for_record else "")
    return page(request, "evidence/list.html", {"rows": rows, "pg": info, "base": base, "error": None,
                                                "record": _record_row(for_record) if for_record else None})


# --- the upload form -------------------------------------------------------------------------------

def _form_page(request: Request, values: dict, errors: dict | None = None, status: int = 200) -> Response:
    settings = get_evidence_settings()
    limits = [(c, human(settings.max_size(c))) for c in ("image", "video", "audio", "document")]
    return page(request, "evidence/upload.html", {"form": values, "errors": errors or {}, "limits": limits,
                                                  "single": human(int(settings.max_single_request))},
                status_code=status)


@router.get("/evidence/upload")
def upload_page(request: Request, me: Requires("evidence.write"), db: DB, record: str = "") -> Response:
    values = {"record": "", "captured_at": "", "capture_device": "", "sha256": "", "client_uuid": str(uuid.uuid4())}
    if record:
        try:
            found = _record_from(db, record)
            values["record"] = found.reference if found else ""
        except Problem as exc:
            return _form_page(request, values, {"record": exc.detail}, 404)
    return _form_page(request, values)


def _uk_time(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UK)
    except ValueError:
        raise BadRequest(f"{value!r} is not a date and time.", field="captured_at",
                         hint="Use the picker, or type it as YYYY-MM-DDTHH:MM (UK time).") from None


def _declared(db: Session, form, file: UploadFile) -> service.Declared:
    """What the form declares, checked by the same rules as the API's declaration."""

    def check(adapter_type, value, field: str):
        try:
            return TypeAdapter(adapter_type).validate_python(value)
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise BadRequest(message, field=field) from None

    record = _record_from(db, str(form.get("record") or ""))
    sha = str(form.get("sha256") or "").strip()
    try:
        client_uuid = uuid.UUID(str(form.get("client_uuid") or ""))
    except ValueError:
        client_uuid = uuid.uuid4()
    return service.Declared(
        filename=check(Filename, file.filename or "", "file"),
        client_uuid=client_uuid,
        sha256=check(Sha256, sha, "sha256") if sha else None,
        record_id=record.id if record else None,
        captured_at=check(CapturedAt, _uk_time(str(form.get("captured_at") or "")), "captured_at"),
        capture_device=check(Device, str(form.get("capture_device") or "").strip() or None, "capture_device"))


async def _file_blocks(file: UploadFile):
    while data := await file.read(BLOCK):
        yield data


@router.post("/evidence/upload")
async def upload_form(request: Request, me: Requires("evidence.write"), db: DB) -> Response:
    """The form's file is streamed to storage in blocks (Starlette spools the multipart part to a
    temporary file past 1 MB while reading the form), hashed on the way."""
    form = await request.form(max_files=1, max_fields=20)
    values = {k: str(form.get(k) or "") for k in ("record", "captured_at", "capture_device", "sha256", "client_uuid")}
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _form_page(request, values, {"file": "Choose the file to upload."}, 400)
    try:
        declared = await run_in_threadpool(_declared, db, form, file)
        item, _ = await uploads.receive_whole(db, me, declared, _file_blocks(file))
    except ClientDisconnect:
        return Response(status_code=400)
    except Problem as exc:
        field = exc.errors[0]["field"] if exc.errors else exc.field
        field = field if field in ("record", "captured_at", "capture_device", "sha256") else "file"
        return _form_page(request, values, {field: exc.detail + (f" {exc.hint}" if exc.hint else "")}, exc.status)
    finally:
        await file.close()
    return RedirectResponse(f"/evidence/{item.id}?uploaded=1", status_code=303)


# --- one item ------------------------------------------------------------------------------------

def _item_context(db: Session, me: Principal, item) -> dict:
    attached = [_record_row(r) for r in service.attached_records(db, item.id)]
    names = names_of(db, [item.captured_by_id])
    return {"item": item, "size": human(item.size), "records": attached, "by": names.get(item.captured_by_id, ""),
            "can_export": me.can("evidence.export"), "can_write": me.can("evidence.write")}


@router.get("/evidence/{evidence_id}")
def item_page(request: Request, evidence_id: uuid.UUID, me: Requires("evidence.read"), db: DB,
              purpose: Annotated[str, Query(max_length=500)] = "", uploaded: bool = False,
              page_no: PageQuery = 1) -> Response:
    item = service.get(db, evidence_id)
    ctx = _item_context(db, me, item) | {"uploaded": uploaded, "purpose": purpose.strip(), "error": None}
    if len(purpose.strip()) < 3:
        if purpose:
            ctx["error"] = "Say why you are viewing this evidence (for example the crime reference)."
        return page(request, "evidence/purpose.html", ctx, status_code=400 if purpose else 200)
    service.viewed(db, me, item, purpose.strip(), "page")
    db.commit()
    entries, info = paginate(db, custody.query(item.id), page_no, CUSTODY_PAGE)
    thumb = service.thumbnail(item)
    query = urlencode({"purpose": purpose.strip()})
    ctx |= {"custody": custody.events(entries), "pg": info, "base": f"/evidence/{item.id}?{query}&",
            "thumbnail": "data:image/jpeg;base64," + base64.b64encode(thumb).decode() if thumb else None,
            "download": f"/evidence/{item.id}/download?{query}", "integrity": f"/evidence/{item.id}/integrity?{query}",
            "same_bytes": service.same_bytes(db, item)}
    return page(request, "evidence/item.html", ctx)


@router.get("/evidence/{evidence_id}/download")
def download_page(evidence_id: uuid.UUID, me: Requires("evidence.read"), db: DB, purpose: Purpose) -> StreamingResponse:
    return download(evidence_id, me, db, purpose)


@router.get("/evidence/{evidence_id}/integrity")
def integrity_page(request: Request, evidence_id: uuid.UUID, me: Requires("evidence.read"), db: DB,
                   purpose: Purpose) -> Response:
    item = service.get(db, evidence_id)
    matches, now = service.check_integrity(db, me, item, purpose)
    db.commit()
    return page(request, "evidence/integrity.html", {"item": item, "matches": matches, "now": now,
                                                     "back": f"/evidence/{item.id}?" + urlencode({"purpose": purpose})})


@router.post("/evidence/{evidence_id}/attach")
def attach_form(request: Request, evidence_id: uuid.UUID, me: Requires("evidence.write"), db: DB,
                record: Annotated[str, Form(max_length=100)] = "",
                purpose: Annotated[str, Form(max_length=500)] = "") -> Response:
    item = service.get(db, evidence_id)
    found = _record_from(db, record)
    if found is None:
        raise BadRequest("Type the reference of the record to attach this evidence to.", field="record")
    service.attach(db, me, item, found.id)
    db.commit()
    return RedirectResponse(f"/evidence/{item.id}?" + urlencode({"purpose": purpose}), status_code=303)


@router.post("/evidence/{evidence_id}/export")
def export_form(evidence_id: uuid.UUID, me: Requires("evidence.export"), db: DB,
                purpose: Annotated[str, Form(max_length=500)] = "",
                recipient: Annotated[str, Form(max_length=300)] = "") -> StreamingResponse:
    if len(purpose.strip()) < 3:
        raise BadRequest("Say why the evidence is disclosed (for example the case reference).", field="purpose")
    return export_response(db, me, service.get(db, evidence_id), purpose.strip(), recipient.strip())
