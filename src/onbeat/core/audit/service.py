"""Write and verify the audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields in a
canonical JSON form, so changing, removing or re-ordering any entry breaks every hash after it.
Entries are chained in `seq` order: a transaction-scoped advisory lock makes the read of the last
hash and the insert of the next one atomic across all processes, and is released at commit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timezone
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from onbeat.core import context
from onbeat.core.audit.models import ACTIONS, AuditEntry
from onbeat.core.errors import BadRequest
from onbeat.core.time import utcnow

GENESIS = "0" * 64
# pg_advisory_xact_lock key for the chain head; the outbox takes it too, to keep ids in commit order.
CHAIN_LOCK_KEY = 0x0B_EA_7A_0D

# Subject types that hold personal data: consulting one requires a stated purpose.
PERSONAL_SUBJECTS = {"user", "person", "statement", "stop_search", "interview", "crime", "collision",
                     "notebook", "evidence", "victim", "contact", "biometric"}


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID | None
    label: str

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls(None, what)


def canonical(entry: AuditEntry) -> bytes:
    body = {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at.astimezone(timezone.utc).isoformat(),
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "event": entry.event,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "purpose": entry.purpose,
        "detail": entry.detail,
        "request_id": entry.request_id,
        "source_address": entry.source_address,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


_HEAD_AND_NEXT = text("select (select hash from audit_log order by seq desc limit 1), "
                      "nextval(pg_get_serial_sequence('audit_log', 'seq'))")


def take_chain_lock(db: Session) -> None:
    """Take the chain-head lock for the rest of this transaction (once: later calls are free)."""
    db.connection()  # begins the transaction if none is open yet
    transaction = db.get_transaction()
    if db.info.get("onbeat_chain_lock") is not transaction:
        db.execute(text("select pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK_KEY})
        db.info["onbeat_chain_lock"] = transaction


def chain_lock_taken(db: Session) -> None:
    """Note that a statement of this transaction took the chain lock itself (see `events.emit`)."""
    db.info["onbeat_chain_lock"] = db.get_transaction()


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


def _as_stored(db: Session, detail: dict | None) -> dict:
    """The detail as PostgreSQL's jsonb gives it back (it rewrites some numbers: 1e+20, -0.0), so the hash
    made now matches what verification reads later. Without floats, JSON text read back by Python is
    already what jsonb gives back (keys are sorted by the canonical form), so the database is asked
    only when there is a float."""
    if not detail:
        return {}
    body = json.dumps(detail, default=str)
    plain = json.loads(body)
    if not _has_float(plain):
        return plain
    return db.execute(text("select cast(:d as jsonb)"), {"d": body}).scalar_one()


def record(
    db: Session,
    actor: Actor,
    action: str,
    event: str,
    subject_type: str,
    subject_id: Any = None,
    purpose: str | None = None,
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction: it commits or rolls back with the change."""
    if action not in ACTIONS:
        raise ValueError(f"audit action must be one of {ACTIONS}, not {action!r}")
    purpose = (purpose or "").strip() or None
    if action == "consult" and subject_type in PERSONAL_SUBJECTS and not purpose:
        raise BadRequest("A reason is required to view personal data.", field="purpose",
                         hint="Say why you need this record (for example the incident or crime reference).")
    ctx = context.current.get()
    detail = _as_stored(db, detail)
    # Everything from here to the commit holds the chain lock: keep it to few round trips.
    take_chain_lock(db)
    prev_hash, seq = db.execute(_HEAD_AND_NEXT).one()
    entry = AuditEntry(
        seq=seq,
        occurred_at=utcnow(),
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        event=event,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        purpose=purpose,
        detail=detail,
        request_id=ctx.request_id,
        source_address=ctx.source_address,
        prev_hash=prev_hash or GENESIS,
    )
    entry.hash = compute_hash(entry)
    db.add(entry)
    db.flush()
    return entry


def for_subject(subject_type: str, subject_id: Any) -> Select:
    """Every entry about one subject, oldest first (e.g. an evidence item's chain of custody)."""
    return (select(AuditEntry).where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == str(subject_id))
            .order_by(AuditEntry.seq))


@dataclass
class VerifyResult:
    checked: int
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(db: Session, batch: int = 5000, progress=None) -> VerifyResult:
    """Walk the whole chain in order; name the first entry whose hash or link does not hold."""
    prev = GENESIS
    checked = 0
    last_seq = 0
    total = db.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    while True:
        rows = db.execute(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(batch)
            # What is stored now, not entries this session already holds as they were written.
            .execution_options(populate_existing=True)
        ).scalars().all()
        if not rows:
            return VerifyResult(checked)
        for entry in rows:
            if entry.prev_hash != prev:
                return VerifyResult(checked, entry.seq, "its previous-hash does not match the entry before it "
                                    "(an entry was removed, inserted or re-ordered)")
            if compute_hash(entry) != entry.hash:
                return VerifyResult(checked, entry.seq, "its contents do not match its hash (the entry was altered)")
            prev = entry.hash
            checked += 1
            last_seq = entry.seq
        db.expunge_all()
        if progress:
            progress(checked, total)
