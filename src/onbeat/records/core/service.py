"""Service functions every form uses: create idempotently, edit while a draft, submit, approve or
return, link POLE entities, search. Each changes the header, the audit log and the outbox together."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Select, and_, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, Forbidden, NotFound
from onbeat.core.events.service import emit
from onbeat.core.references import next_reference
from onbeat.core.security import Principal
from onbeat.core.time import utcnow
from onbeat.records.core.kinds import ENTITY_TYPES, KINDS, LINK_ROLES
from onbeat.records.core.models import Record, RecordLink, RecordReview

EDITABLE = ("draft", "returned")

# kind -> check run before a record may be submitted (e.g. every MG11 page signed); raises BadRequest.
SUBMIT_CHECKS: dict[str, Callable[[Session, Record], None]] = {}


def on_submit(kind: str):
    def register(check: Callable[[Session, Record], None]):
        SUBMIT_CHECKS[kind] = check
        return check

    return register


def get(db: Session, record_id: uuid.UUID, kind: str | None = None, *, lock: bool = False) -> Record:
    stmt = select(Record).where(Record.id == record_id)
    if lock:
        stmt = stmt.with_for_update()
    record = db.execute(stmt).scalar_one_or_none()
    if record is None or (kind and record.kind != kind):
        label = KINDS[kind].label.lower() if kind else "record"
        raise NotFound(f"There is no {label} with id {record_id}.", hint="Check the link, or search the records.")
    return record


def by_reference(db: Session, reference: str) -> Record | None:
    return db.execute(select(Record).where(Record.reference == reference.strip().upper())).scalar_one_or_none()


def create(db: Session, me: Principal, kind: str, client_uuid: uuid.UUID, *, occurred_at: datetime,
           summary: str, place: str | None = None, latitude: float | None = None,
           longitude: float | None = None, incident_number: str | None = None,
           supersedes: Record | None = None) -> tuple[Record, bool]:
    """Create the header of a new record, or return the one this client UUID already made.

    Returns (record, created). When `created` is False the caller must not write the kind's
    details again: the first submission of this UUID already did. Safe under concurrency: the
    unique client UUID decides, whichever request commits first."""
    existing = _same_submission(db, me, kind, client_uuid)
    if existing is not None:
        return existing, False
    spec = KINDS[kind]
    now = utcnow()
    # A savepoint, so a request that loses the race for this UUID gives its reference number back.
    attempt = db.begin_nested()
    values = dict(id=uuid.uuid4(), client_uuid=client_uuid, kind=kind, reference=next_reference(db, spec.prefix),
                  state="draft", version=(supersedes.version + 1) if supersedes else 1,
                  supersedes_id=supersedes.id if supersedes else None, author_id=me.id, created_at=now,
                  updated_at=now, occurred_at=occurred_at, place=place, latitude=latitude, longitude=longitude,
                  incident_number=incident_number, summary=summary[:300])
    stmt = insert(Record).values(**values).on_conflict_do_nothing(index_elements=["client_uuid"]).returning(Record.id)
    if db.execute(stmt).scalar_one_or_none() is None:  # another request with this UUID committed first
        attempt.rollback()
        return _same_submission(db, me, kind, client_uuid), False
    attempt.commit()
    record = get(db, values["id"])
    audit(db, me.actor, "collect", f"records.{kind}.created", spec.subject_type, record.id,
          detail={"reference": record.reference, "client_uuid": str(client_uuid),
                  "supersedes": str(supersedes.id) if supersedes else None})
    return record, True


def _same_submission(db: Session, me: Principal, kind: str, client_uuid: uuid.UUID) -> Record | None:
    existing = db.execute(select(Record).where(Record.client_uuid == client_uuid)).scalar_one_or_none()
    if existing is not None and (existing.kind != kind or existing.author_id != me.id):
        raise Conflict(f"The client UUID {client_uuid} already belongs to another record.",
                       field="client_uuid", hint="Make a new UUID for each new record.")
    return existing


def ensure_editable(record: Record, me: Principal) -> None:
    """Only the author changes a record, and only while it is a draft or has been returned."""
    if record.author_id != me.id:
        raise Forbidden(f"{record.reference} belongs to another officer; only its author may change it.")
    if record.state not in EDITABLE:
        raise Conflict(f"{record.reference} is {record.state} and can no longer be changed.",
                       hint="Ask a supervisor to return it, or make a correction: a new version that "
                            "points at this one.")


def touched(db: Session, me: Principal, record: Record, what: str, detail: dict | None = None) -> None:
    """Call after changing a record's details: stamps it and writes the audit entry."""
    record.updated_at = utcnow()
    audit(db, me.actor, "alter", f"records.{record.kind}.{what}", KINDS[record.kind].subject_type, record.id,
          detail={"reference": record.reference, **(detail or {})})


def _review(db: Session, me: Principal, record: Record, decision: str, comment: str | None) -> None:
    db.add(RecordReview(record_id=record.id, by_id=me.id, decision=decision, comment=comment, at=utcnow()))
    audit(db, me.actor, "alter", f"records.{record.kind}.{decision}", KINDS[record.kind].subject_type, record.id,
          detail={"reference": record.reference, "comment": comment})
    emit(db, "records", decision, {"id": record.id, "kind": record.kind, "reference": record.reference,
                                   "state": record.state, "author_id": record.author_id,
                                   "incident_number": record.incident_number}, permission="records.read")
    db.flush()


def submit(db: Session, me: Principal, record: Record) -> Record:
    if record.state == "submitted" and record.author_id == me.id:
        return record  # a device retrying its submission
    ensure_editable(record, me)
    check = SUBMIT_CHECKS.get(record.kind)
    if check:
        check(db, record)
    record.state, record.submitted_at = "submitted", utcnow()
    _review(db, me, record, "submitted", None)
    return record


def _ensure_reviewable(record: Record, me: Principal) -> None:
    if record.state != "submitted":
        raise Conflict(f"{record.reference} is {record.state}: only a submitted record can be reviewed.")
    if record.author_id == me.id:
        raise Forbidden("You cannot review your own record; another supervisor must.")


def approve(db: Session, me: Principal, record: Record, comment: str | None = None) -> Record:
    _ensure_reviewable(record, me)
    record.state, record.decided_at, record.decided_by_id = "approved", utcnow(), me.id
    _review(db, me, record, "approved", (comment or "").strip() or None)
    return record


def return_for_changes(db: Session, me: Principal, record: Record, comment: str) -> Record:
    comment = (comment or "").strip()
    if len(comment) < 3:
        raise BadRequest("Say what needs changing when you return a record.", field="comment")
    _ensure_reviewable(record, me)
    record.state, record.decided_at, record.decided_by_id = "returned", utcnow(), me.id
    _review(db, me, record, "returned", comment)
    return record


def reviews(db: Session, record_id: uuid.UUID) -> list[RecordReview]:
    return list(db.execute(select(RecordReview).where(RecordReview.record_id == record_id)
                           .order_by(RecordReview.at)).scalars())


def consult(db: Session, me: Principal, record: Record, purpose: str) -> None:
    audit(db, me.actor, "consult", f"records.{record.kind}.viewed", KINDS[record.kind].subject_type, record.id,
          purpose=purpose, detail={"reference": record.reference})


# --- links to the POLE store --------------------------------------------------------------------

def link(db: Session, record: Record, entity_type: str, entity_id: uuid.UUID, role: str) -> None:
    if entity_type not in ENTITY_TYPES:
        raise ValueError(f"entity_type must be one of {ENTITY_TYPES}")
    if role not in LINK_ROLES:
        raise BadRequest(f"{role!r} is not a link role.", field="role",
                         hint="Use one of: " + ", ".join(LINK_ROLES))
    db.execute(insert(RecordLink).values(id=uuid.uuid4(), record_id=record.id, entity_type=entity_type,
                                         entity_id=entity_id, role=role).on_conflict_do_nothing())


def relink(db: Session, record: Record, entity_type: str, role: str, entity_id: uuid.UUID | None) -> None:
    """Make `entity_id` (or nothing) the one entity in `role`: for drafts whose person changed."""
    stale = delete(RecordLink).where(RecordLink.record_id == record.id, RecordLink.entity_type == entity_type,
                                     RecordLink.role == role)
    if entity_id is not None:
        stale = stale.where(RecordLink.entity_id != entity_id)
    db.execute(stale)
    if entity_id is not None:
        link(db, record, entity_type, entity_id, role)


def links(db: Session, record_id: uuid.UUID, entity_type: str | None = None) -> list[RecordLink]:
    stmt = select(RecordLink).where(RecordLink.record_id == record_id).order_by(RecordLink.role)
    if entity_type:
        stmt = stmt.where(RecordLink.entity_type == entity_type)
    return list(db.execute(stmt).scalars())


def linked_to(entity_type: str, entity_id: uuid.UUID) -> Select:
    """(Record, role) for every record that names this entity, newest first."""
    return (select(Record, RecordLink.role).join(RecordLink, RecordLink.record_id == Record.id)
            .where(RecordLink.entity_type == entity_type, RecordLink.entity_id == entity_id)
            .order_by(Record.occurred_at.desc()))


# --- search -------------------------------------------------------------------------------------

def search(*, reference: str | None = None, kind: str | None = None, author_id: uuid.UUID | None = None,
           state: str | None = None, date_from: datetime | None = None, date_to: datetime | None = None,
           person_id: uuid.UUID | None = None, place: str | None = None, near: tuple[float, float] | None = None,
           radius_m: float = 500, incident_number: str | None = None) -> Select:
    """Records matching every filter given, newest first."""
    stmt = select(Record).order_by(Record.occurred_at.desc(), Record.reference.desc())
    if reference:
        stmt = stmt.where(Record.reference.ilike(reference.strip().replace("%", "") + "%"))
    if kind:
        stmt = stmt.where(Record.kind == kind)
    if author_id:
        stmt = stmt.where(Record.author_id == author_id)
    if state:
        stmt = stmt.where(Record.state == state)
    if date_from:
        stmt = stmt.where(Record.occurred_at >= date_from)
    if date_to:
        stmt = stmt.where(Record.occurred_at < date_to)
    if incident_number:
        stmt = stmt.where(Record.incident_number == incident_number)
    if person_id:
        stmt = stmt.where(Record.id.in_(select(RecordLink.record_id).where(
            RecordLink.entity_type == "person", RecordLink.entity_id == person_id)))
    if place:
        stmt = stmt.where(Record.place.ilike("%" + place.strip().replace("%", "") + "%"))
    if near:
        lat, lon = near
        # A box first (uses the index), then the true distance on the earth's surface.
        dlat = radius_m / 111_320
        dlon = dlat / max(0.01, math.cos(math.radians(lat)))
        stmt = stmt.where(and_(Record.latitude.between(lat - dlat, lat + dlat),
                               Record.longitude.between(lon - dlon, lon + dlon)))
        stmt = stmt.where(func.earth_distance(func.ll_to_earth(lat, lon),
                                              func.ll_to_earth(Record.latitude, Record.longitude)) <= radius_m)
    return stmt
