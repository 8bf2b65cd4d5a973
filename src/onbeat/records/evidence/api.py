"""Evidence files through the API: upload (whole, or resumable in chunks), list, read (every read of
the content is in the chain of custody, with its purpose), check integrity, attach, export.

Request bodies are streamed into storage; see `uploads` for the resumable protocol.
"""

from __future__ import annotations

import base64
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from onbeat.core.errors import NotFound, problems
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Principal, Purpose, Requires
from onbeat.core.time import utcnow
from onbeat.db import get_db
from onbeat.records.evidence import custody, service, uploads
from onbeat.records.evidence.export import folder, package
from onbeat.records.evidence.models import EvidenceItem, EvidenceUpload
from onbeat.records.evidence.schemas import (
    AttachIn, CustodyOut, CustodyPage, Declaration, EvidenceOut, EvidencePage, ExportIn, IntegrityOut, UploadIn,
    UploadOut)

router = APIRouter(prefix="/api/evidence", tags=["evidence"])
DB = Annotated[Session, Depends(get_db)]
UPLOAD_PROBLEMS = problems(409, 413, 415)


def out(db: Session, item: EvidenceItem) -> EvidenceOut:
    return EvidenceOut.of(item, service.attached_ids(db, [item.id])[item.id])


def declared(d: Declaration) -> service.Declared:
    return service.Declared(filename=d.filename, client_uuid=d.client_uuid, sha256=d.sha256, record_id=d.record_id,
                            captured_at=d.captured_at, capture_device=d.capture_device)


def content_disposition(kind: str, filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def digest_headers(item: EvidenceItem) -> dict[str, str]:
    b64 = base64.b64encode(bytes.fromhex(item.sha256)).decode()
    return {"Repr-Digest": f"sha-256=:{b64}:", "X-Evidence-SHA256": item.sha256, "X-Evidence-Reference": item.reference}


# --- list and upload --------------------------------------------------------------------------------

@router.get("", response_model=EvidencePage)
def list_evidence(me: Requires("evidence.read"), db: DB, page: PageNo = 1, size: PageSize = 25,
                  record_id: uuid.UUID | None = None) -> EvidencePage:
    """Evidence items, newest first; those attached to one record with `record_id`. Metadata only:
    reading a file (or its custody) needs a purpose."""
    if record_id is not None:
        service.check_record(db, record_id)
    items, info = paginate(db, service.listing(record_id), page, size)
    attached = service.attached_ids(db, [i.id for i in items])
    return EvidencePage(items=[EvidenceOut.of(i, attached[i.id]) for i in items], **info.as_dict())


@router.post("", response_model=EvidenceOut, status_code=201, responses=UPLOAD_PROBLEMS)
async def upload_whole(request: Request, me: Requires("evidence.write"), db: DB, response: Response,
                       meta: Annotated[Declaration, Query()]) -> EvidenceOut:
    """Upload a small file in one request: the body is the file's bytes, streamed to storage. The
    type is sniffed from the bytes; the SHA-256 must match the declared one. Sending the same
    client UUID again returns the stored item (200). Large files: use the resumable upload."""
    length = request.headers.get("content-length")
    try:
        item, created = await uploads.receive_whole(db, me, declared(meta), request.stream(),
                                                    int(length) if length and length.isdigit() else None)
    except ClientDisconnect:
        return Response(status_code=400)
    if created:
        response.headers["Location"] = f"/api/evidence/{item.id}"
    else:
        response.status_code = 200
    return await run_in_threadpool(out, db, item)


@router.post("/uploads", response_model=UploadOut, status_code=201, responses=UPLOAD_PROBLEMS)
def start_upload(body: UploadIn, me: Requires("evidence.write"), db: DB, response: Response) -> UploadOut:
    """Start a resumable upload. The same client UUID again returns the upload in progress (with its
    offset: carry on from there) or, if it was stored, the item (200)."""
    started, fresh = uploads.start(db, me, declared(body), body.size)
    if isinstance(started, EvidenceItem):
        response.status_code = 200
        return UploadOut.of_item(out(db, started), uploads.chunk_size())
    db.commit()
    if not fresh:
        response.status_code = 200
    response.headers["Location"] = f"/api/evidence/uploads/{started.id}"
    response.headers["Upload-Offset"] = str(started.received)
    return UploadOut.of_upload(started, uploads.chunk_size())


def _status(db: Session, me: Principal, upload_id: uuid.UUID) -> tuple[UploadOut, dict[str, str]]:
    item = db.get(EvidenceItem, upload_id)
    if item is not None:
        status = UploadOut.of_item(out(db, item), uploads.chunk_size())
    else:
        status = UploadOut.of_upload(uploads.find(db, me, upload_id), uploads.chunk_size())
    headers = {"Upload-Offset": str(status.offset), "Upload-Length": str(status.size), "Cache-Control": "no-store"}
    if status.complete:
        headers["Location"] = f"/api/evidence/{upload_id}"
    return status, headers


@router.head("/uploads/{upload_id}", status_code=200, responses=problems(404))
def upload_offset(upload_id: uuid.UUID, me: Requires("evidence.write"), db: DB) -> Response:
    """The next offset to send (`Upload-Offset`), e.g. after a dropped connection."""
    _, headers = _status(db, me, upload_id)
    return Response(status_code=200, headers=headers)


@router.get("/uploads/{upload_id}", response_model=UploadOut)
def upload_status(upload_id: uuid.UUID, me: Requires("evidence.write"), db: DB, response: Response) -> UploadOut:
    status, headers = _status(db, me, upload_id)
    response.headers.update(headers)
    return status


@router.put("/uploads/{upload_id}", response_model=UploadOut, responses=UPLOAD_PROBLEMS)
async def upload_chunk(upload_id: uuid.UUID, request: Request, me: Requires("evidence.write"), db: DB,
                       response: Response,
                       content_range: Annotated[str | None, Header(
                           description="bytes <first>-<last>/<size>; first must be the upload's offset")] = None
                       ) -> UploadOut | Response:
    """Send the next chunk. The answer gives the next offset (`Upload-Offset`); after the last byte
    it is the stored item (201). A chunk at the wrong offset: 409 with the offset expected."""
    result = await uploads.receive_chunk(db, me, upload_id, content_range, request.stream())
    if isinstance(result, EvidenceUpload):
        response.headers["Upload-Offset"] = str(result.received)
        response.headers["Cache-Control"] = "no-store"
        return UploadOut.of_upload(result, uploads.chunk_size())
    response.status_code = 201
    response.headers["Location"] = f"/api/evidence/{result.id}"
    response.headers["Upload-Offset"] = str(result.size)
    return UploadOut.of_item(await run_in_threadpool(out, db, result), uploads.chunk_size())


@router.delete("/uploads/{upload_id}", status_code=204)
def cancel_upload(upload_id: uuid.UUID, me: Requires("evidence.write"), db: DB) -> Response:
    """Give up an upload in progress: what was received is discarded."""
    uploads.drop(db, uploads.find(db, me, upload_id, lock=True))
    db.commit()
    return Response(status_code=204)


# --- one item ---------------------------------------------------------------------------------------

@router.get("/{evidence_id}", response_model=EvidenceOut)
def read_evidence(evidence_id: uuid.UUID, me: Requires("evidence.read"), db: DB, purpose: Purpose) -> EvidenceOut:
    """The item's details (recorded in its chain of custody as a view)."""
    item = service.get(db, evidence_id)
    service.viewed(db, me, item, purpose, "details")
    db.commit()
    return out(db, item)


@router.get("/{evidence_id}/custody", response_model=CustodyPage)
def read_custody(evidence_id: uuid.UUID, me: Requires("evidence.read"), db: DB, purpose: Purpose,
                 page: PageNo = 1, size: PageSize = 50) -> CustodyPage:
    """The chain of custody, oldest first: captured, uploaded, attached, each view, each export."""
    item = service.get(db, evidence_id)
    service.viewed(db, me, item, purpose, "custody")
    db.commit()
    entries, info = paginate(db, custody.query(item.id), page, size)
    return CustodyPage(items=[CustodyOut.of(e) for e in custody.events(entries)], **info.as_dict())


@router.get("/{evidence_id}/download", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download(evidence_id: uuid.UUID, me: Requires("evidence.read"), db: DB, purpose: Purpose) -> StreamingResponse:
    """The file exactly as received. `Repr-Digest` carries its SHA-256; the bytes are checked
    against it as they are sent, and the response breaks off if they do not match."""
    item = service.get(db, evidence_id)
    service.ensure_stored(item)
    service.viewed(db, me, item, purpose, "download")
    db.commit()
    headers = {"Content-Length": str(item.size), "Content-Disposition": content_disposition("attachment",
               item.original_filename), "Cache-Control": "no-store", **digest_headers(item)}
    return StreamingResponse(service.read_verified(item), media_type=item.content_type, headers=headers)


@router.get("/{evidence_id}/thumbnail", response_class=Response, responses={200: {"content": {"image/jpeg": {}}}})
def thumbnail(evidence_id: uuid.UUID, me: Requires("evidence.read"), db: DB, purpose: Purpose) -> Response:
    item = service.get(db, evidence_id)
    data = service.thumbnail(item)
    if data is None:
        raise NotFound(f"{item.reference} has no thumbnail (only photos have one).")
    service.viewed(db, me, item, purpose, "thumbnail")
    db.commit()
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/{evidence_id}/integrity", response_model=IntegrityOut)
def integrity(evidence_id: uuid.UUID, me: Requires("evidence.read"), db: DB, purpose: Purpose) -> IntegrityOut:
    """Recompute the stored file's SHA-256 and compare it with the one recorded on receipt."""
    item = service.get(db, evidence_id)
    matches, now = service.check_integrity(db, me, item, purpose)
    db.commit()
    return IntegrityOut(id=item.id, reference=item.reference, size=item.size, sha256_recorded=item.sha256,
                        sha256_now=now, matches=matches, checked_at=utcnow())


@router.post("/{evidence_id}/attachments", response_model=EvidenceOut, status_code=201)
def attach(evidence_id: uuid.UUID, body: AttachIn, me: Requires("evidence.write"), db: DB,
           response: Response) -> EvidenceOut:
    """Attach the item to a record (of any kind). Attaching it again changes nothing (200)."""
    item = service.get(db, evidence_id)
    if not service.attach(db, me, item, body.record_id):
        response.status_code = 200
    db.commit()
    return out(db, item)


@router.post("/{evidence_id}/export", response_class=StreamingResponse,
             responses={200: {"content": {"application/zip": {}}}})
def export(evidence_id: uuid.UUID, body: ExportIn, me: Requires("evidence.export"), db: DB) -> StreamingResponse:
    """Disclose the item: a ZIP with the file as received, a manifest and the chain of custody.
    The disclosure (purpose, recipient) is recorded before the first byte is sent."""
    return export_response(db, me, service.get(db, evidence_id), body.purpose.strip(), body.recipient.strip())


def export_response(db: Session, me: Principal, item: EvidenceItem, purpose: str, recipient: str) -> StreamingResponse:
    service.ensure_stored(item)
    service.exported(db, me, item, purpose, recipient)
    db.commit()
    events = custody.timeline(db, item.id)
    references = [r.reference for r in service.attached_records(db, item.id)]
    at = utcnow()
    body = package(item, events, references, me.actor.label, at, purpose, recipient)
    headers = {"Content-Disposition": content_disposition("attachment", f"{folder(item)}-disclosure.zip"),
               "Cache-Control": "no-store", **digest_headers(item)}
    return StreamingResponse(body, media_type="application/zip", headers=headers)
