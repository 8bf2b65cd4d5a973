"""Name the POLE entities linked to records, with each person's current warning markers."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.records.core.models import RecordLink
from onbeat.records.core.schemas import EntityOut


def entities_of(db: Session, record_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[EntityOut]]:
    """record id -> the entities it names, labelled by the POLE store (one query for all)."""
    from onbeat.records.pole.service import summaries

    if not record_ids:
        return {}
    rows = list(db.execute(select(RecordLink).where(RecordLink.record_id.in_(record_ids))
                           .order_by(RecordLink.role)).scalars())
    named = summaries(db, list({(r.entity_type, r.entity_id) for r in rows}))
    out: dict[uuid.UUID, list[EntityOut]] = {rid: [] for rid in record_ids}
    for r in rows:
        label, markers = named.get((r.entity_type, r.entity_id), ("(not found)", []))
        out[r.record_id].append(EntityOut(entity_type=r.entity_type, id=r.entity_id, role=r.role, label=label,
                                          markers=markers))
    return out
