"""Merge two records of one person, and undo it.

A merge moves everything known about the merged person to the survivor: their name (as an alias),
aliases, addresses, phones, identifiers, warning markers, legacy source ids, links to other
entities and the records that name them. The merged person is kept, pointing at the survivor
(`Person.merged_into_id`), and the merge row keeps the id of every row that moved, so an unmerge
moves exactly those back and removes exactly what the merge added.

Both people are locked (in id order, so two merges of one pair queue rather than deadlock) and
checked after the lock: of two concurrent merges of the same pair, one wins and the other gets 409.
Nothing here commits.
"""

from __future__ import annotations

import uuid

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import Session, aliased

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import Conflict, NotFound
from onbeat.core.events.service import emit
from onbeat.core.security import Principal
from onbeat.core.time import utcnow
from onbeat.records.core import service as records
from onbeat.records.pole.models import (EntityLink, Marker, Person, PersonAddress, PersonAlias, PersonIdentifier,
                                        PersonMerge, PersonPhone, PersonSource)
from onbeat.records.pole.service import entity_changed, fold, get_person, person_label, refresh_search_name

# Rows owned by a person that move wholesale (table key in `moved` -> model).
_OWNED = {"aliases": PersonAlias, "addresses": PersonAddress, "identifiers": PersonIdentifier, "markers": Marker,
          "sources": PersonSource}
# The survivor's own details a merge fills in when only the merged person had them.
_FILLABLE = ("date_of_birth", "gender", "ethnicity", "given_name", "family_name")


def _lock_pair(db: Session, a: uuid.UUID, b: uuid.UUID) -> dict[uuid.UUID, Person]:
    found = {p.id: p for p in db.execute(select(Person).where(Person.id.in_(sorted({a, b}))).order_by(Person.id)
                                         .with_for_update().execution_options(populate_existing=True)).scalars()}
    for pid in (a, b):
        if pid not in found:
            raise NotFound(f"There is no person with id {pid}.", hint="Search the persons to find the right one.")
    return found


def merge_in_force(db: Session, merged_id: uuid.UUID, *, lock: bool = False) -> PersonMerge | None:
    stmt = select(PersonMerge).where(PersonMerge.merged_id == merged_id, PersonMerge.undone_at.is_(None))
    return db.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()


def merged_into(db: Session, survivor_id: uuid.UUID) -> list[PersonMerge]:
    """The merges in force that made other people part of this one, newest first."""
    return list(db.execute(select(PersonMerge).where(PersonMerge.survivor_id == survivor_id,
                                                     PersonMerge.undone_at.is_(None))
                           .order_by(PersonMerge.merged_at.desc())).scalars())


def _people_in_role(db: Session, record_id: uuid.UUID, role: str) -> list[uuid.UUID]:
    return [link.entity_id for link in records.links(db, record_id, "person") if link.role == role]


def _set_people_in_role(db: Session, record_id: uuid.UUID, role: str, people: list[uuid.UUID]) -> None:
    record = records.get(db, record_id)
    records.relink(db, record, "person", role, None)
    for pid in dict.fromkeys(people):
        records.link(db, record, "person", pid, role)


def _move_record_links(db: Session, frm: uuid.UUID, to: uuid.UUID) -> list[dict]:
    moved = []
    for record, role in db.execute(records.linked_to("person", frm)).all():
        people = _people_in_role(db, record.id, role)
        had = to in people
        _set_people_in_role(db, record.id, role, [to if p == frm else p for p in people])
        moved.append({"record_id": str(record.id), "role": role, "survivor_had": had})
    return moved


def _move_entity_links(db: Session, frm: uuid.UUID, to: uuid.UUID) -> tuple[list[str], list[str]]:
    """Links naming `frm` on either side now name `to`, except a link between the two (it would
    link the survivor to itself) or one the survivor already has (it would be a duplicate)."""
    other = aliased(EntityLink)
    moved_from = db.execute(
        update(EntityLink).where(
            EntityLink.from_type == "person", EntityLink.from_id == frm,
            ~and_(EntityLink.to_type == "person", EntityLink.to_id == to),
            ~exists().where(other.from_type == "person", other.from_id == to, other.to_type == EntityLink.to_type,
                            other.to_id == EntityLink.to_id, other.role == EntityLink.role))
        .values(from_id=to).returning(EntityLink.id)).scalars().all()
    moved_to = db.execute(
        update(EntityLink).where(
            EntityLink.to_type == "person", EntityLink.to_id == frm,
            ~and_(EntityLink.from_type == "person", EntityLink.from_id == to),
            ~exists().where(other.to_type == "person", other.to_id == to, other.from_type == EntityLink.from_type,
                            other.from_id == EntityLink.from_id, other.role == EntityLink.role))
        .values(to_id=to).returning(EntityLink.id)).scalars().all()
    return [str(i) for i in moved_from], [str(i) for i in moved_to]


def merge(db: Session, me: Principal, survivor_id: uuid.UUID, merged_id: uuid.UUID, *, reason: str | None = None,
          proposal_id: uuid.UUID | None = None) -> PersonMerge:
    """Make `merged_id` part of `survivor_id`. 409 if they are the same person, or either is
    already merged into someone."""
    if survivor_id == merged_id:
        raise Conflict("A person cannot be merged into themself.", field="merged_id",
                       hint="Choose two different people.")
    people = _lock_pair(db, survivor_id, merged_id)
    survivor, merged = people[survivor_id], people[merged_id]
    if merged.merged_into_id is not None:
        raise Conflict(f"{person_label(merged)} has already been merged into another person.", field="merged_id",
                       hint="Open that person's page to see the merge; undo it first if it was wrong.")
    if survivor.merged_into_id is not None:
        raise Conflict(f"{person_label(survivor)} has been merged into another person.", field="survivor_id",
                       hint="Merge into the person they were merged into, or undo that merge first.")
    moved: dict = {}
    for key, model in _OWNED.items():
        moved[key] = [str(i) for i in db.execute(update(model).where(model.person_id == merged_id)
                                                 .values(person_id=survivor_id).returning(model.id)).scalars()]
    same_number = select(PersonPhone.number).where(PersonPhone.person_id == survivor_id)
    moved["phones"] = [str(i) for i in db.execute(
        update(PersonPhone).where(PersonPhone.person_id == merged_id, PersonPhone.number.not_in(same_number))
        .values(person_id=survivor_id).returning(PersonPhone.id)).scalars()]
    moved["links_from"], moved["links_to"] = _move_entity_links(db, merged_id, survivor_id)
    moved["record_links"] = _move_record_links(db, merged_id, survivor_id)

    names = {fold(f"{a.given_name or ''} {a.family_name or ''}") for a in db.execute(
        select(PersonAlias).where(PersonAlias.person_id == survivor_id)).scalars()}
    names.add(fold(f"{survivor.given_name or ''} {survivor.family_name or ''}"))
    moved["alias_added"] = None
    if (merged.given_name or merged.family_name) and \
            fold(f"{merged.given_name or ''} {merged.family_name or ''}") not in names:
        alias = PersonAlias(id=uuid.uuid4(), person_id=survivor_id, given_name=merged.given_name,
                            family_name=merged.family_name)
        db.add(alias)
        moved["alias_added"] = str(alias.id)
    moved["filled"] = {}
    for field in _FILLABLE:
        if getattr(survivor, field) is None and getattr(merged, field) is not None:
            value = getattr(merged, field)
            moved["filled"][field] = value.isoformat() if hasattr(value, "isoformat") else value
            setattr(survivor, field, value)

    now = utcnow()
    row = PersonMerge(id=uuid.uuid4(), survivor_id=survivor_id, merged_id=merged_id, reason=reason, moved=moved,
                      merged_at=now, merged_by_id=me.id)
    db.add(row)
    merged.merged_into_id = survivor_id
    survivor.updated_at = merged.updated_at = now
    db.flush()
    refresh_search_name(db, survivor)
    refresh_search_name(db, merged)
    counts = {k: len(v) for k, v in moved.items() if isinstance(v, list)}
    detail = {"merge_id": row.id, "survivor_id": survivor_id, "merged_id": merged_id, "proposal_id": proposal_id,
              "reason": reason, "moved": counts, "alias_added": moved["alias_added"] is not None,
              "filled": sorted(moved["filled"])}
    audit(db, me.actor, "combine", "pole.person.merged", "person", survivor_id, detail=detail)
    audit(db, me.actor, "combine", "pole.person.merged_away", "person", merged_id, detail=detail)
    entity_changed(db, "person", survivor_id)  # the merged person drops out of suggestions
    entity_changed(db, "person", merged_id)
    emit(db, "records", "person_merged", {"merge_id": row.id, "survivor_id": survivor_id, "merged_id": merged_id},
         permission="persons.read")
    db.flush()
    return row


def unmerge(db: Session, me: Principal, merged_id: uuid.UUID, *, reason: str | None = None) -> PersonMerge:
    """Undo the merge in force of `merged_id`: both people as they were before it. 409 if the
    person is not merged, or the survivor has since been merged into someone else."""
    row = merge_in_force(db, merged_id, lock=True)
    if row is None:
        get_person(db, merged_id)  # 404 for nobody at all
        raise Conflict("This person is not merged into anyone, so there is nothing to undo.",
                       hint="Reload the page: someone may already have undone the merge.")
    people = _lock_pair(db, row.survivor_id, merged_id)
    survivor, merged = people[row.survivor_id], people[merged_id]
    if survivor.merged_into_id is not None:
        raise Conflict(f"{person_label(survivor)} has since been merged into another person.",
                       hint="Undo that later merge first, then this one.")
    moved = row.moved
    for key, model in _OWNED.items():
        ids = [uuid.UUID(i) for i in moved.get(key, [])]
        if ids:
            db.execute(update(model).where(model.id.in_(ids), model.person_id == survivor.id)
                       .values(person_id=merged_id))
    if ids := [uuid.UUID(i) for i in moved.get("phones", [])]:
        db.execute(update(PersonPhone).where(PersonPhone.id.in_(ids), PersonPhone.person_id == survivor.id)
                   .values(person_id=merged_id))
    if moved.get("alias_added"):
        db.execute(delete(PersonAlias).where(PersonAlias.id == uuid.UUID(moved["alias_added"])))
    if ids := [uuid.UUID(i) for i in moved.get("links_from", [])]:
        db.execute(update(EntityLink).where(EntityLink.id.in_(ids), EntityLink.from_id == survivor.id)
                   .values(from_id=merged_id))
    if ids := [uuid.UUID(i) for i in moved.get("links_to", [])]:
        db.execute(update(EntityLink).where(EntityLink.id.in_(ids), EntityLink.to_id == survivor.id)
                   .values(to_id=merged_id))
    for item in moved.get("record_links", []):
        record_id = uuid.UUID(item["record_id"])
        people_now = _people_in_role(db, record_id, item["role"])
        if not item["survivor_had"]:
            people_now = [p for p in people_now if p != survivor.id]
        _set_people_in_role(db, record_id, item["role"], people_now + [merged_id])
    for field, value in moved.get("filled", {}).items():
        current = getattr(survivor, field)
        current = current.isoformat() if hasattr(current, "isoformat") else current
        if current == value:  # changed since the merge: the later change stands
            setattr(survivor, field, None)
    now = utcnow()
    row.undone_at, row.undone_by_id = now, me.id
    merged.merged_into_id = None
    survivor.updated_at = merged.updated_at = now
    db.flush()
    refresh_search_name(db, survivor)
    refresh_search_name(db, merged)
    detail = {"merge_id": row.id, "survivor_id": survivor.id, "merged_id": merged_id, "reason": reason}
    audit(db, me.actor, "alter", "pole.person.unmerged", "person", survivor.id, detail=detail)
    audit(db, me.actor, "alter", "pole.person.unmerged_back", "person", merged_id, detail=detail)
    entity_changed(db, "person", survivor.id)
    entity_changed(db, "person", merged_id)
    emit(db, "records", "person_unmerged", {"merge_id": row.id, "survivor_id": survivor.id, "merged_id": merged_id},
         permission="persons.read")
    db.flush()
    return row
