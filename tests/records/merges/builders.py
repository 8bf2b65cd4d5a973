"""Builders for the merge tests: people with everything a merge moves, and a snapshot of all of it."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import select

from onbeat.records.core import service as records
from onbeat.records.core.models import RecordLink
from onbeat.records.pole import markers, service
from onbeat.records.pole.models import (EntityLink, Marker, Person, PersonAddress, PersonAlias, PersonIdentifier,
                                        PersonPhone, PersonSource)
from onbeat.records.pole.schemas import LinkIn, MarkerIn, Name, PersonRef
from tests.records.pole.builders import principal  # noqa: F401 - re-exported for the tests

WHEN = datetime(2026, 11, 20, 22, 0, tzinfo=timezone.utc)


def person(db, me, **details) -> uuid.UUID:
    pid = service.resolve_person(db, me, PersonRef(**details))
    db.flush()
    return pid


def record_naming(db, me, kind: str, people: list[tuple[uuid.UUID, str]]):
    record, _ = records.create(db, me, kind, uuid.uuid4(), summary="Seen in Broad Street", occurred_at=WHEN)
    for pid, role in people:
        records.link(db, record, "person", pid, role)
    db.flush()
    return record


def add_marker(db, me, pid, kind="violence", detail="Assaulted staff in 2025"):
    return markers.add_marker(db, me, pid, MarkerIn(kind=kind, detail=detail, source="PNC"))


def link(db, me, from_type, from_id, role, to_type, to_id):
    return service.link_entities(db, me, LinkIn(from_type=from_type, from_id=from_id, role=role, to_type=to_type,
                                                to_id=to_id))


def alias(db, me, pid, given, family):
    return service.add_alias(db, me, service.get_person(db, pid), Name(given_name=given, family_name=family))


def snapshot(db, pid: uuid.UUID) -> dict:
    """Everything a merge may touch about one person, as comparable values."""
    db.expire_all()
    p = db.get(Person, pid)

    def ids(model, *extra):
        cols = [model.id, *extra]
        return sorted(tuple(str(v) for v in row) for row in db.execute(select(*cols).where(model.person_id == pid)))

    return {
        "person": (p.given_name, p.family_name, p.date_of_birth, p.gender, p.ethnicity, p.merged_into_id,
                   p.search_name),
        "aliases": ids(PersonAlias, PersonAlias.given_name, PersonAlias.family_name),
        "addresses": ids(PersonAddress, PersonAddress.location_id),
        "phones": ids(PersonPhone, PersonPhone.number),
        "identifiers": ids(PersonIdentifier, PersonIdentifier.kind, PersonIdentifier.value),
        "markers": ids(Marker, Marker.kind),
        "sources": ids(PersonSource, PersonSource.source, PersonSource.source_id),
        "links_from": sorted((str(r.id), r.to_type, str(r.to_id), r.role) for r in db.execute(
            select(EntityLink).where(EntityLink.from_type == "person", EntityLink.from_id == pid)).scalars()),
        "links_to": sorted((str(r.id), r.from_type, str(r.from_id), r.role) for r in db.execute(
            select(EntityLink).where(EntityLink.to_type == "person", EntityLink.to_id == pid)).scalars()),
        "records": sorted((str(r.record_id), r.role) for r in db.execute(
            select(RecordLink).where(RecordLink.entity_type == "person", RecordLink.entity_id == pid)).scalars()),
    }
