"""Evidence items: store a received file once its checks pass, attach it to records, and record
each step of its chain of custody (captured, uploaded, attached, viewed, exported) in the audit log
in the same transaction as the step.

These functions are synchronous (database and storage); the API streams request bodies into
storage (`intake.pump`) and calls them in a worker thread.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound, Problem
from onbeat.core.events.service import emit
from onbeat.core.references import next_reference
from onbeat.core.security import Principal
from onbeat.core.time import utcnow
from onbeat.records.core import service as records
from onbeat.records.core.kinds import KINDS
from onbeat.records.core.models import Record
from onbeat.records.evidence.custody import SUBJECT
from onbeat.records.evidence.intake import check_size, sniff
from onbeat.records.evidence.models import EvidenceAttachment, EvidenceItem
from onbeat.records.evidence.settings import get_evidence_settings
from onbeat.records.evidence.storage import Storage, storage_for
from onbeat.records.evidence.thumbnails import THUMBNAIL_TYPES, make_thumbnail

log = logging.getLogger(__name__)
PREFIX = "EV"


@dataclass(frozen=True)
class Declared:
    """What the client says about a file. Only the bytes decide its type, size and hash."""

    filename: str
    client_uuid: uuid.UUID
    sha256: str | None = None
    record_id: uuid.UUID | None = None
    captured_at: datetime | None = None
    capture_device: str | None = None


@dataclass
class Received:
    """The bytes as stored: where, how many, their SHA-256 (None: recompute) and first bytes."""

    id: uuid.UUID
    storage: Storage
    key: str
    size: int
    sha256: str | None
    head: bytes


def storage_key(item_id: uuid.UUID, at: datetime | None = None) -> str:
    at = at or utcnow()
    return f"evidence/{at:%Y/%m}/{item_id}"


def thumbnail_key(key: str) -> str:
    return key + ".thumb.jpg"


def get(db: Session, evidence_id: uuid.UUID) -> EvidenceItem:
    item = db.get(EvidenceItem, evidence_id)
    if item is None:
        raise NotFound(f"There is no evidence item with id {evidence_id}.",
                       hint="Check the link, or find the item from its record's evidence list.")
    return item


def by_client_uuid(db: Session, client_uuid: uuid.UUID, sha256: str | None = None) -> EvidenceItem | None:
    """The item this client UUID already made (the same file sent again), if any."""
    item = db.execute(select(EvidenceItem).where(EvidenceItem.client_uuid == client_uuid)).scalar_one_or_none()
    if item is not None and sha256 and item.sha256 != sha256:
        raise Conflict(f"The client UUID {client_uuid} was already used for a different file ({item.reference}).",
                       field="client_uuid", hint="Make a new UUID for each new file: different bytes are a new item.")
    return item


def check_record(db: Session, record_id: uuid.UUID | None) -> Record | None:
    if record_id is None:
        return None
    try:
        return records.get(db, record_id)
    except NotFound:
        raise BadRequest(f"There is no record with id {record_id} to attach this evidence to.", field="record_id",
                         hint="Check the record, or upload without one and attach it later.") from None


def hash_of(storage: Storage, key: str) -> str:
    digest = hashlib.sha256()
    for block in storage.read(key):
        digest.update(block)
    return digest.hexdigest()


def discard(received: Received) -> None:
    """Remove every trace of bytes that will not become an item (best effort, logged)."""
    for key in (received.key, thumbnail_key(received.key)):
        try:
            received.storage.delete(key)
        except Exception:  # noqa: BLE001 - the original problem is the one to report
            log.exception("could not remove %s from %s storage", key, received.storage.backend)


def store(db: Session, me: Principal, declared: Declared, received: Received) -> tuple[EvidenceItem, bool]:
    """Check the stored bytes and make the item: (item, created). Raises (and writes nothing) if the
    SHA-256 differs from the declared one, the type is not accepted or the file is too large for
    its type; the caller then discards the bytes. When created is False, another request with the
    same client UUID stored it first: the caller discards these bytes and the transaction is clean."""
    sha256 = received.sha256 or hash_of(received.storage, received.key)
    if declared.sha256 and sha256 != declared.sha256:
        raise BadRequest(f"The file received has SHA-256 {sha256}, not the {declared.sha256} declared: it was "
                         "changed or cut short on the way, so it has not been kept.", field="sha256",
                         hint="Send the file again from the start.")
    content_type = sniff(received.head)
    check_size(content_type, received.size)
    record = check_record(db, declared.record_id)

    thumb = None
    if content_type in THUMBNAIL_TYPES:
        made = make_thumbnail(received.storage.read(received.key), get_evidence_settings().thumbnail_px)
        if made is not None:
            thumb = thumbnail_key(received.key)
            received.storage.put(thumb, made, "image/jpeg")

    now = utcnow()
    reference = next_reference(db, PREFIX, now)
    values = dict(id=received.id, client_uuid=declared.client_uuid, reference=reference, sha256=sha256,
                  size=received.size, content_type=content_type, original_filename=declared.filename,
                  captured_at=declared.captured_at, capture_device=declared.capture_device, captured_by_id=me.id,
                  uploaded_at=now, storage_backend=received.storage.backend, storage_key=received.key,
                  thumbnail_key=thumb)
    stmt = (insert(EvidenceItem).values(**values).on_conflict_do_nothing(index_elements=["client_uuid"])
            .returning(EvidenceItem.id))
    if db.execute(stmt).scalar_one_or_none() is None:
        db.rollback()  # gives the reference back
        existing = by_client_uuid(db, declared.client_uuid, sha256)
        assert existing is not None
        return existing, False
    item = get(db, received.id)
    if declared.captured_at is not None or declared.capture_device:
        audit(db, me.actor, "collect", "evidence.captured", SUBJECT, item.id,
              detail={"reference": reference,
                      "captured_at": declared.captured_at.isoformat() if declared.captured_at else None,
                      "capture_device": declared.capture_device})
    audit(db, me.actor, "collect", "evidence.uploaded", SUBJECT, item.id,
          detail={"reference": reference, "sha256": sha256, "size": received.size, "content_type": content_type,
                  "filename": declared.filename, "client_uuid": str(declared.client_uuid),
                  "sha256_declared": bool(declared.sha256)})
    if record is not None:
        _attach(db, me, item, record)
    emit(db, "records", "evidence_added",
         {"id": item.id, "reference": reference, "sha256": sha256, "size": received.size,
          "content_type": content_type, "record_ids": [record.id] if record else [], "captured_by_id": me.id},
         permission="evidence.read")
    db.flush()
    return item, True


def _attach(db: Session, me: Principal, item: EvidenceItem, record: Record) -> None:
    db.add(EvidenceAttachment(evidence_id=item.id, record_id=record.id, attached_at=utcnow(), attached_by_id=me.id))
    audit(db, me.actor, "combine", "evidence.attached", SUBJECT, item.id,
          detail={"reference": item.reference, "record_id": record.id, "record_reference": record.reference})
    audit(db, me.actor, "combine", f"records.{record.kind}.evidence_attached", KINDS[record.kind].subject_type,
          record.id, detail={"reference": record.reference, "evidence": item.reference})
    db.flush()


def attach(db: Session, me: Principal, item: EvidenceItem, record_id: uuid.UUID) -> bool:
    """Attach the item to a record; False if it already was (nothing written)."""
    record = check_record(db, record_id)
    already = db.get(EvidenceAttachment, (item.id, record.id))
    if already is not None:
        return False
    _attach(db, me, item, record)
    return True


def attached_records(db: Session, evidence_id: uuid.UUID) -> list[Record]:
    ids = db.execute(select(EvidenceAttachment.record_id).where(EvidenceAttachment.evidence_id == evidence_id)
                     .order_by(EvidenceAttachment.attached_at)).scalars()
    return [records.get(db, record_id) for record_id in ids]


def attached_ids(db: Session, evidence_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    out: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in evidence_ids}
    if evidence_ids:
        for evidence_id, record_id in db.execute(
                select(EvidenceAttachment.evidence_id, EvidenceAttachment.record_id)
                .where(EvidenceAttachment.evidence_id.in_(evidence_ids)).order_by(EvidenceAttachment.attached_at)):
            out[evidence_id].append(record_id)
    return out


def listing(record_id: uuid.UUID | None = None) -> Select:
    """Items, newest first; only those attached to `record_id` when given."""
    stmt = select(EvidenceItem).order_by(EvidenceItem.uploaded_at.desc(), EvidenceItem.reference.desc())
    if record_id is not None:
        stmt = stmt.where(EvidenceItem.id.in_(
            select(EvidenceAttachment.evidence_id).where(EvidenceAttachment.record_id == record_id)))
    return stmt


def same_bytes(db: Session, item: EvidenceItem) -> list[str]:
    """References of other items with the same SHA-256 (the same file uploaded again)."""
    return list(db.execute(select(EvidenceItem.reference).where(EvidenceItem.sha256 == item.sha256,
                                                                EvidenceItem.id != item.id)
                           .order_by(EvidenceItem.uploaded_at).limit(20)).scalars())


# --- reading: every view is in the chain of custody ----------------------------------------------

def viewed(db: Session, me: Principal, item: EvidenceItem, purpose: str, how: str) -> None:
    audit(db, me.actor, "consult", "evidence.viewed", SUBJECT, item.id, purpose=purpose,
          detail={"reference": item.reference, "how": how})


def exported(db: Session, me: Principal, item: EvidenceItem, purpose: str, recipient: str) -> None:
    recipient = (recipient or "").strip()
    if len(recipient) < 3:
        raise BadRequest("Say who the evidence is disclosed to.", field="recipient",
                         hint="For example the CPS lawyer, the defence solicitor's firm, or the court.")
    audit(db, me.actor, "disclose", "evidence.exported", SUBJECT, item.id, purpose=purpose,
          detail={"reference": item.reference, "recipient": recipient, "sha256": item.sha256})


class StoredFileMissing(Problem):
    status, title = 500, "Stored file missing"


def ensure_stored(item: EvidenceItem) -> None:
    """500 naming the item if its stored file is gone (before anything is recorded or sent)."""
    if not storage_for(item.storage_backend).exists(item.storage_key):
        log.error("evidence %s (%s): stored file missing at %s", item.reference, item.id, item.storage_key)
        raise StoredFileMissing(f"The stored file of {item.reference} is missing.",
                                hint=f"Call the service desk, quoting {item.reference}; nothing was sent.")


class IntegrityFailure(Exception):
    """The stored file's bytes no longer match the SHA-256 recorded when it was received."""


def read_verified(item: EvidenceItem) -> Iterator[bytes]:
    """The stored bytes, in blocks, checked against the recorded SHA-256 as they go: the last block
    is held back until the hash is known, so a changed file is never delivered whole (the
    response breaks off instead and the failure is logged)."""
    storage = storage_for(item.storage_backend)
    digest = hashlib.sha256()
    held: bytes | None = None
    for block in storage.read(item.storage_key):
        digest.update(block)
        if held is not None:
            yield held
        held = block
    if digest.hexdigest() != item.sha256:
        log.error("evidence %s (%s) does not match its recorded SHA-256: delivery stopped", item.reference, item.id)
        raise IntegrityFailure(item.reference)
    if held is not None:
        yield held


def check_integrity(db: Session, me: Principal, item: EvidenceItem, purpose: str) -> tuple[bool, str | None]:
    """Recompute the stored file's SHA-256: (matches, the hash now; None if the file is missing)."""
    storage = storage_for(item.storage_backend)
    try:
        now = hash_of(storage, item.storage_key)
    except Exception as exc:
        if not _missing(exc):
            raise
        log.error("evidence %s: stored file missing: %s", item.reference, exc)
        now = None
    matches = now == item.sha256
    audit(db, me.actor, "consult", "evidence.integrity_checked", SUBJECT, item.id, purpose=purpose,
          detail={"reference": item.reference, "matches": matches, "sha256_recorded": item.sha256,
                  "sha256_now": now})
    return matches, now


def _missing(exc: Exception) -> bool:
    if isinstance(exc, FileNotFoundError):
        return True
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey")


def thumbnail(item: EvidenceItem) -> bytes | None:
    if not item.thumbnail_key:
        return None
    return storage_for(item.storage_backend).get(item.thumbnail_key)


# --- hashes of resumable uploads, kept between chunks in this process ------------------------------

_running: OrderedDict[uuid.UUID, tuple[int, object]] = OrderedDict()
_running_lock = threading.Lock()


def running_hash(upload_id: uuid.UUID, offset: int):
    """The SHA-256 so far of an upload's first `offset` bytes if this process saw them all, else None
    (the hash is then recomputed from storage when the upload completes)."""
    if offset == 0:
        return hashlib.sha256()
    with _running_lock:
        found = _running.pop(upload_id, None)
    return found[1] if found and found[0] == offset else None


def keep_running_hash(upload_id: uuid.UUID, offset: int, hasher) -> None:
    if hasher is None:
        return
    with _running_lock:
        _running[upload_id] = (offset, hasher)
        while len(_running) > 1000:
            _running.popitem(last=False)


def upload_expiry(now: datetime | None = None) -> datetime:
    return (now or utcnow()) + timedelta(hours=get_evidence_settings().upload_hours)
