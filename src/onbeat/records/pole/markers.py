"""Warning markers on a person: add, review, expire. A marker is active until it is expired by
hand or its expiry date passes; expired markers are kept, hidden from everyday views."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.events.service import emit
from onbeat.core.security import Principal
from onbeat.core.time import uk_today, utcnow
from onbeat.records.core.schemas import MarkerOut
from onbeat.records.pole.codes import MARKER_KINDS
from onbeat.records.pole.models import Marker
from onbeat.records.pole.schemas import MarkerExpiry, MarkerIn, MarkerReview

DEFAULT_REVIEW = timedelta(days=365)


def is_active(marker: Marker, today: date | None = None) -> bool:
    today = today or uk_today()
    return marker.expired_at is None and (marker.expires_on is None or marker.expires_on > today)


def _active_clause(today: date):
    return [Marker.expired_at.is_(None), or_(Marker.expires_on.is_(None), Marker.expires_on > today)]


def marker_out(m: Marker) -> MarkerOut:
    return MarkerOut(kind=m.kind, label=MARKER_KINDS[m.kind], review_on=m.review_on.isoformat())


def active_markers(db: Session, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[MarkerOut]]:
    """person id -> active markers (one query for all), most serious kinds first in code-list order."""
    if not person_ids:
        return {}
    order = list(MARKER_KINDS)
    rows = db.execute(select(Marker).where(Marker.person_id.in_(person_ids), *_active_clause(uk_today()))).scalars()
    out: dict[uuid.UUID, list[MarkerOut]] = defaultdict(list)
    for m in sorted(rows, key=lambda m: (order.index(m.kind), m.marked_on)):
        out[m.person_id].append(marker_out(m))
    return dict(out)


def markers_of(db: Session, person_id: uuid.UUID, *, include_expired: bool = False) -> list[Marker]:
    stmt = select(Marker).where(Marker.person_id == person_id).order_by(Marker.marked_on.desc(), Marker.created_at)
    if not include_expired:
        stmt = stmt.where(*_active_clause(uk_today()))
    return list(db.execute(stmt).scalars())


def get_marker(db: Session, person_id: uuid.UUID, marker_id: uuid.UUID) -> Marker:
    marker = db.execute(select(Marker).where(Marker.id == marker_id, Marker.person_id == person_id)
                        .with_for_update()).scalar_one_or_none()
    if marker is None:
        raise NotFound(f"This person has no warning marker with id {marker_id}.",
                       hint="Open the person's page to see their markers.")
    return marker


def _emit(db: Session, marker: Marker, what: str) -> None:
    emit(db, "records", f"marker_{what}", {"person_id": marker.person_id, "marker_id": marker.id,
                                           "kind": marker.kind}, permission="persons.read")


def add_marker(db: Session, me: Principal, person_id: uuid.UUID, body: MarkerIn) -> Marker:
    today = uk_today()
    marked_on = body.marked_on or today
    review_on = body.review_on or marked_on + DEFAULT_REVIEW
    if review_on < today:
        raise BadRequest("The review date has already passed.", field="review_on",
                         hint="Give a review date from today on (a marker must be reviewed to stay accurate).")
    if review_on < marked_on:
        raise BadRequest("The review date is before the date the marker was made.", field="review_on",
                         hint="Give a review date after marked_on.")
    if body.expires_on is not None and body.expires_on <= today:
        raise BadRequest("The expiry date has already passed.", field="expires_on",
                         hint="Leave it empty for a marker that stays until it is expired by hand, "
                              "or give a later date.")
    marker = Marker(id=uuid.uuid4(), person_id=person_id, kind=body.kind, detail=body.detail.strip(),
                    source=body.source.strip(), marked_on=marked_on, review_on=review_on, expires_on=body.expires_on,
                    created_by_id=me.id, created_at=utcnow())
    db.add(marker)
    db.flush()
    audit(db, me.actor, "collect", "pole.marker.added", "person", person_id,
          detail={"marker_id": marker.id, "kind": marker.kind, "source": marker.source})
    _emit(db, marker, "added")
    return marker


def review_marker(db: Session, me: Principal, marker: Marker, body: MarkerReview) -> Marker:
    """Record that the marker was reviewed and still stands, and when to review it next."""
    if not is_active(marker):
        raise Conflict("This marker has expired; it cannot be reviewed.",
                       hint="Add a new marker if the warning applies again.")
    today = uk_today()
    if body.next_review_on <= today:
        raise BadRequest("The next review date must be after today.", field="next_review_on",
                         hint="Give a date in the future.")
    if body.expires_on is not None and body.expires_on <= today:
        raise BadRequest("The expiry date has already passed.", field="expires_on",
                         hint="To end the marker now, expire it instead.")
    marker.review_on = body.next_review_on
    if body.expires_on is not None:
        marker.expires_on = body.expires_on
    marker.reviewed_at, marker.reviewed_by_id, marker.review_note = utcnow(), me.id, body.note.strip()
    audit(db, me.actor, "alter", "pole.marker.reviewed", "person", marker.person_id,
          detail={"marker_id": marker.id, "kind": marker.kind, "next_review_on": body.next_review_on})
    _emit(db, marker, "reviewed")
    return marker


def expire_marker(db: Session, me: Principal, marker: Marker, body: MarkerExpiry) -> Marker:
    """End the marker now. It is kept, with who ended it and why; expiring it again changes nothing."""
    if marker.expired_at is not None:
        return marker
    marker.expired_at, marker.expired_by_id, marker.expiry_reason = utcnow(), me.id, body.reason.strip()
    audit(db, me.actor, "alter", "pole.marker.expired", "person", marker.person_id,
          detail={"marker_id": marker.id, "kind": marker.kind})
    _emit(db, marker, "expired")
    return marker
