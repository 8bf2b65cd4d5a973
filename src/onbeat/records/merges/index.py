"""Keep the real-time suggestions in step after a bulk import.

Single changes (a merge, an unmerge) tell the POLE store's watchers in their own transaction
(`pole.service.entity_changed`). An import of many people would make that thousands of small
updates, so past `PER_ENTITY_LIMIT` the suggestion indexes of people and addresses are rebuilt
whole instead (a rebuild swaps fresh tables in, so suggestions keep working meanwhile)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from onbeat.records.pole import service as pole

PER_ENTITY_LIMIT = 5000


def refresh_after_import(db: Session, person_ids: list[uuid.UUID], location_ids: list[uuid.UUID],
                         progress: Callable[[str, int, int | None], None] | None = None, *,
                         commit: bool = True) -> str:
    """Tell the suggestion index about imported people and new addresses. Returns how. With
    `commit=False` (inside a caller's transaction) the index is always updated entity by entity."""
    if not person_ids and not location_ids:
        return "nothing to index"
    if not commit or len(person_ids) + len(location_ids) <= PER_ENTITY_LIMIT:
        for pid in person_ids:
            pole.entity_changed(db, "person", pid)
        for lid in location_ids:
            pole.entity_changed(db, "location", lid)
        if commit:
            db.commit()
        return "indexed one by one"
    from onbeat.records.suggest.index import rebuild

    rebuild(db, progress, what=("persons", "addresses"))
    db.commit()
    return "indexes rebuilt"
