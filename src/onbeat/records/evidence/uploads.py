"""Receiving evidence files: whole in one request, or resumable in chunks.

The resumable protocol:
- `POST /api/evidence/uploads` declares the file (name, size, SHA-256, client UUID, optional
  record, capture time and device) and gets an upload id (which becomes the item's id), the
  offset to send from and the chunk size. The same client UUID again gets the same upload (or,
  once stored, the item).
- `PUT /api/evidence/uploads/{id}` with `Content-Range: bytes <first>-<last>/<size>` sends a chunk.
  It must start at the server's offset (else 409, with the offset in `Upload-Offset`) and, unless
  it is the last, end on a multiple of the chunk size. The answer says the next offset; the last
  chunk's answer is the stored item.
- `HEAD` or `GET` on the upload says the offset after a dropped connection: a connection that
  drops keeps what storage had kept.
When the last byte arrives the SHA-256 is compared with the declared one, the type sniffed and the
size limit for the type applied; a file that fails is discarded with its upload.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from onbeat.core.errors import BadRequest, Conflict, Forbidden, NotFound, Problem
from onbeat.core.security import Principal
from onbeat.core.time import utcnow
from onbeat.records.evidence import service
from onbeat.records.evidence.intake import (
    Limit, Tally, TooLarge, check_size, declared_size_allowed, human, pump, sniff)
from onbeat.records.evidence.models import EvidenceItem, EvidenceUpload
from onbeat.records.evidence.settings import category_of, get_evidence_settings
from onbeat.records.evidence.storage import StagedDataLost, storage_for

log = logging.getLogger(__name__)
_RANGE = re.compile(r"^bytes (\d{1,15})-(\d{1,15})/(\d{1,15})$")


# --- one request ---------------------------------------------------------------------------------

async def receive_whole(db: Session, me: Principal, declared: service.Declared, body: AsyncIterator[bytes],
                        length: int | None = None) -> tuple[EvidenceItem, bool]:
    """Stream a whole file into storage and store it as an item: (item, created)."""
    settings = get_evidence_settings()
    single = min(settings.largest, int(settings.max_single_request))

    def refuse(received: int) -> Problem:
        detail = f"The file is larger than {human(single)}, the most accepted in one request."
        return TooLarge(detail, errors=[{"field": "file", "message": detail, "type": "max_single_request"}],
                        hint="Use the resumable upload (POST /api/evidence/uploads) for large files.")

    existing = await run_in_threadpool(_before_whole, db, declared, length, single, refuse)
    if existing is not None:
        return existing, False
    storage = storage_for()
    item_id = uuid.uuid4()
    key = service.storage_key(item_id)
    tally = Tally()

    def on_head(head: bytes, limit: Limit) -> None:
        content_type = sniff(head)
        size_limit = settings.max_size(category_of(content_type))
        if size_limit < limit.size:
            limit.size = size_limit
            limit.refuse = lambda received: _too_large_for_type(content_type, received)

    writer = await run_in_threadpool(storage.writer, key, item_id.hex, 0, {}, tally.commit)
    received = service.Received(item_id, storage, key, 0, None, b"")
    try:
        if await pump(body, writer, tally, Limit(single, refuse, on_head)) == 0:
            raise BadRequest("The file is empty.", field="file", hint="Choose the file again and send it.")
        await run_in_threadpool(writer.close, True)
        received.size, received.head = tally.offset, bytes(tally.head)
        received.sha256 = tally.hasher.hexdigest()
        item, created = await run_in_threadpool(_store_and_commit, db, me, declared, received)
    except BaseException:
        await run_in_threadpool(_quietly, writer.discard)
        await run_in_threadpool(service.discard, received)
        raise
    if not created:
        await run_in_threadpool(service.discard, received)
    return item, created


def _too_large_for_type(content_type: str, received: int) -> Problem:
    try:
        check_size(content_type, received)
    except TooLarge as exc:
        return exc
    raise AssertionError("over the limit by construction")


def _before_whole(db: Session, declared: service.Declared, length: int | None, single: int,
                  refuse: Callable[[int], Problem]) -> EvidenceItem | None:
    """Before reading the body: the item if this client UUID already stored it; else the checks
    that need no byte (the record exists; a Content-Length within the limits)."""
    try:
        existing = service.by_client_uuid(db, declared.client_uuid, declared.sha256)
        if existing is None:
            service.check_record(db, declared.record_id)
            if length is not None:
                declared_size_allowed(length)
                if length > single:
                    raise refuse(length)
        return existing
    finally:
        db.rollback()  # hold no connection while the body streams in


def _store_and_commit(db: Session, me: Principal, declared: service.Declared,
                      received: service.Received) -> tuple[EvidenceItem, bool]:
    try:
        item, created = service.store(db, me, declared, received)
        db.commit()
        return item, created
    except BaseException:
        db.rollback()
        raise


def _quietly(action) -> None:
    try:
        action()
    except Exception:  # noqa: BLE001 - the original error is the one to report
        log.exception("could not discard evidence bytes")


# --- resumable -----------------------------------------------------------------------------------

def chunk_size() -> int:
    return storage_for().chunk_size


def start(db: Session, me: Principal, declared: service.Declared,
          size: int) -> tuple[EvidenceUpload | EvidenceItem, bool]:
    """(upload, True) for a new upload; else (the upload this client UUID already started, or the
    item it already stored, False)."""
    existing = service.by_client_uuid(db, declared.client_uuid, declared.sha256)
    if existing is not None:
        return existing, False
    upload = db.execute(select(EvidenceUpload).where(EvidenceUpload.client_uuid == declared.client_uuid)
                        ).scalar_one_or_none()
    if upload is not None and upload.expires_at > utcnow():
        if upload.created_by_id != me.id or upload.sha256 != declared.sha256 or upload.size != size:
            raise Conflict(f"The client UUID {declared.client_uuid} is already used by another upload.",
                           field="client_uuid", hint="Make a new UUID for each new file.")
        return upload, False
    if upload is not None:
        drop(db, upload)
    declared_size_allowed(size)
    service.check_record(db, declared.record_id)
    purge_expired(db, limit=20)
    upload_id = uuid.uuid4()
    upload = EvidenceUpload(id=upload_id, client_uuid=declared.client_uuid, created_by_id=me.id, created_at=utcnow(),
                            expires_at=service.upload_expiry(), filename=declared.filename, size=size,
                            sha256=declared.sha256, record_id=declared.record_id, captured_at=declared.captured_at,
                            capture_device=declared.capture_device, storage_backend=storage_for().backend,
                            storage_key=service.storage_key(upload_id), storage_state={}, received=0, head=b"")
    db.add(upload)
    db.flush()
    return upload, True


def find(db: Session, me: Principal, upload_id: uuid.UUID, *, lock: bool = False) -> EvidenceUpload:
    stmt = select(EvidenceUpload).where(EvidenceUpload.id == upload_id)
    if lock:
        stmt = stmt.with_for_update(nowait=True)
    try:
        upload = db.execute(stmt).scalar_one_or_none()
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":
            raise
        db.rollback()
        raise Conflict("Another chunk of this upload is being received now.",
                       hint="Wait for it to finish, then ask for the offset (HEAD) and carry on.") from None
    if upload is None:
        raise NotFound(f"There is no upload with id {upload_id} in progress.",
                       hint="If it finished, the item has this id; otherwise start the upload again.")
    if upload.created_by_id != me.id:
        raise Forbidden("This upload was started by another officer; only they can send its chunks.")
    if upload.expires_at <= utcnow():
        drop(db, upload)
        db.commit()
        raise NotFound(f"Upload {upload_id} expired before it was finished and has been discarded.",
                       hint="Start the upload again.")
    return upload


def drop(db: Session, upload: EvidenceUpload) -> None:
    """Discard an upload's bytes and its row (the caller commits)."""
    storage = storage_for(upload.storage_backend)
    _quietly(lambda: storage.discard_staged(upload.storage_key, upload.id.hex, upload.storage_state or {}))
    _quietly(lambda: storage.delete(upload.storage_key))
    _quietly(lambda: storage.delete(service.thumbnail_key(upload.storage_key)))
    db.execute(delete(EvidenceUpload).where(EvidenceUpload.id == upload.id))


def purge_expired(db: Session, limit: int = 100) -> int:
    """Discard uploads that were never finished in time; returns how many."""
    stale = db.execute(select(EvidenceUpload).where(EvidenceUpload.expires_at <= utcnow())
                       .order_by(EvidenceUpload.expires_at).limit(limit).with_for_update(skip_locked=True)).scalars()
    count = 0
    for upload in list(stale):
        drop(db, upload)
        count += 1
    return count


def parse_range(header: str | None, upload: EvidenceUpload) -> tuple[int, int]:
    """(first, last) byte of the chunk, checked against the upload."""
    m = _RANGE.match((header or "").strip())
    if not m:
        raise BadRequest("Say which bytes this chunk holds in Content-Range.", field="Content-Range",
                         hint=f"Send e.g. `Content-Range: bytes {upload.received}-{upload.received + 1023}/{upload.size}`.")
    first, last, total = (int(g) for g in m.groups())
    if total != upload.size:
        raise BadRequest(f"The upload was declared as {upload.size} bytes, not {total}.", field="Content-Range",
                         hint="Start a new upload if the file changed.")
    if last < first or last >= upload.size:
        raise BadRequest(f"Content-Range {first}-{last} is not within the file's {upload.size} bytes.",
                         field="Content-Range")
    if first != upload.received:
        raise Conflict(f"The next byte expected is {upload.received}, not {first}.", field="Content-Range",
                       hint="Send the file from the offset in Upload-Offset.",
                       headers={"Upload-Offset": str(upload.received), "Cache-Control": "no-store"})
    size = chunk_size()
    if last + 1 < upload.size and (last + 1) % size:
        raise BadRequest(f"A chunk that is not the last must end on a multiple of {size} bytes.", field="Content-Range",
                         hint=f"Send chunks of {size} bytes (or a multiple); the last may be shorter.")
    return first, last


async def receive_chunk(db: Session, me: Principal, upload_id: uuid.UUID, content_range: str | None,
                        body: AsyncIterator[bytes]) -> EvidenceUpload | EvidenceItem:
    """Take one chunk. Returns the upload (with its new offset) or, after the last byte, the item.
    The upload row stays locked while the chunk streams in, so chunks of one upload never overlap."""
    done = await run_in_threadpool(_done_item, db, upload_id)
    if done is not None:
        return done
    upload = await run_in_threadpool(find, db, me, upload_id, lock=True)
    try:
        first, last = parse_range(content_range, upload)
    except Problem:
        db.rollback()
        raise
    storage = storage_for(upload.storage_backend)
    tally = Tally(offset=upload.received, hasher=service.running_hash(upload.id, upload.received),
                  head=bytearray(upload.head or b""))

    def refuse(received: int) -> Problem:
        return BadRequest(f"The chunk holds more than the {last - first + 1} bytes its Content-Range says.",
                          field="Content-Range", hint="Ask for the offset (HEAD) and send the chunk again.")

    def on_head(head: bytes, limit: Limit) -> None:
        upload.content_type = sniff(head)
        check_size(upload.content_type, upload.size)

    try:
        writer = await run_in_threadpool(storage.writer, upload.storage_key, upload.id.hex, upload.received,
                                         upload.storage_state or {}, tally.commit)
    except StagedDataLost:
        await run_in_threadpool(_drop_and_commit, db, upload)
        raise Conflict("The bytes received so far for this upload were lost on the server.",
                       hint="Start the upload again.") from None
    limit = Limit(last - first + 1, refuse, None if upload.content_type else on_head)
    try:
        received = await pump(body, writer, tally, limit)
    except ClientDisconnect:  # nobody hears the answer; the client asks for the offset when it is back
        await run_in_threadpool(_keep_progress, db, upload, writer, tally, False)
        return upload
    except Problem as exc:
        if exc.status in (413, 415):  # the file itself is refused: nothing of it is kept
            await run_in_threadpool(_quietly, writer.discard)
            await run_in_threadpool(_drop_and_commit, db, upload)
        else:
            await run_in_threadpool(_keep_progress, db, upload, writer, tally, False)
        raise
    except BaseException:
        await run_in_threadpool(_keep_progress, db, upload, writer, tally, False)
        raise
    final = upload.received + received == upload.size
    await run_in_threadpool(_keep_progress, db, upload, writer, tally, final)
    if not final:
        return upload
    return await run_in_threadpool(_complete, db, me, upload, tally)


def _done_item(db: Session, upload_id: uuid.UUID) -> EvidenceItem | None:
    item = db.get(EvidenceItem, upload_id)
    if item is None:
        db.rollback()
    return item


def _drop_and_commit(db: Session, upload: EvidenceUpload) -> None:
    drop(db, upload)
    db.commit()


def _keep_progress(db: Session, upload: EvidenceUpload, writer, tally: Tally, final: bool) -> None:
    """Close the writer (final: make the stored object) and record how far the upload got."""
    writer.close(final)
    upload.received = tally.offset
    upload.head = bytes(tally.head)
    upload.storage_state = dict(writer.state)
    if not final:
        db.commit()  # the offset is known even if the client never hears the answer
        service.keep_running_hash(upload.id, tally.offset, tally.hasher)
    else:
        db.flush()


def _complete(db: Session, me: Principal, upload: EvidenceUpload, tally: Tally) -> EvidenceItem:
    storage = storage_for(upload.storage_backend)
    declared = service.Declared(filename=upload.filename, client_uuid=upload.client_uuid, sha256=upload.sha256,
                                record_id=upload.record_id, captured_at=upload.captured_at,
                                capture_device=upload.capture_device)
    received = service.Received(upload.id, storage, upload.storage_key, upload.size,
                                tally.hasher.hexdigest() if tally.hasher is not None else None, bytes(tally.head))
    try:
        item, created = service.store(db, me, declared, received)
    except BaseException:
        db.rollback()
        stale = db.get(EvidenceUpload, upload.id)
        if stale is not None:
            drop(db, stale)
            db.commit()
        raise
    if created:
        db.execute(delete(EvidenceUpload).where(EvidenceUpload.id == upload.id))
        db.commit()
    else:  # stored meanwhile through another request with the same client UUID
        service.discard(received)
        stale = db.get(EvidenceUpload, upload.id)
        if stale is not None:
            drop(db, stale)
        db.commit()
    return item
