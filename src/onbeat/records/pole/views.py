"""Everything known about one entity, gathered for its page and its API answer: a person's
names, addresses over time, identifiers, markers and links, and the records naming any entity."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.pagination import PageInfo, paginate
from onbeat.core.time import uk_today
from onbeat.records.core import service as records
from onbeat.records.core.kinds import KINDS, LINK_ROLES
from onbeat.records.pole import markers, service
from onbeat.records.pole.models import (Location, Person, PersonAddress, PersonAlias, PersonIdentifier, PersonPhone,
                                        PoleEvent)
from onbeat.records.pole.responses import (AddressOut, AliasOut, IdentifierOut, LinkedRecord, LinkOut, LocationOut,
                                           MarkerDetail, PersonDetail, PersonOut)


def person_out(person: Person, marker_list) -> PersonOut:
    return PersonOut(id=person.id, label=service.person_label(person), given_name=person.given_name,
                     family_name=person.family_name, date_of_birth=person.date_of_birth, gender=person.gender,
                     ethnicity=person.ethnicity, markers=marker_list)


def persons_out(db: Session, people: list[Person]) -> list[PersonOut]:
    """People for a list, each with their active markers (one query for all the markers)."""
    found = markers.active_markers(db, [p.id for p in people])
    return [person_out(p, found.get(p.id, [])) for p in people]


def links_out(db: Session, entity_type: str, entity_id: uuid.UUID) -> list[LinkOut]:
    pairs = service.links_of(db, entity_type, entity_id)
    others = [(link.to_type, link.to_id) if out else (link.from_type, link.from_id) for link, out in pairs]
    labels = service.summaries(db, others)
    return [LinkOut.of(link, out, labels.get(other, ("(not found)", []))[0])
            for (link, out), other in zip(pairs, others)]


def person_detail(db: Session, person: Person, *, include_expired: bool = False) -> PersonDetail:
    today = uk_today()
    aliases = db.execute(select(PersonAlias).where(PersonAlias.person_id == person.id)
                         .order_by(PersonAlias.created_at)).scalars()
    addresses = db.execute(select(PersonAddress, Location).join(Location, Location.id == PersonAddress.location_id)
                           .where(PersonAddress.person_id == person.id)
                           .order_by(PersonAddress.to_date.desc().nulls_first(),
                                     PersonAddress.from_date.desc().nulls_last(),
                                     PersonAddress.created_at.desc())).all()
    phones = db.execute(select(PersonPhone.number).where(PersonPhone.person_id == person.id)
                        .order_by(PersonPhone.created_at)).scalars()
    identifiers = db.execute(select(PersonIdentifier).where(PersonIdentifier.person_id == person.id)
                             .order_by(PersonIdentifier.kind)).scalars()
    all_markers = markers.markers_of(db, person.id, include_expired=include_expired)
    active = [markers.marker_out(m) for m in all_markers if markers.is_active(m, today)]
    return PersonDetail(
        **person_out(person, active).model_dump(),
        aliases=[AliasOut(id=a.id, given_name=a.given_name, family_name=a.family_name) for a in aliases],
        addresses=[AddressOut(id=a.id, location=LocationOut.of(loc), from_date=a.from_date, to_date=a.to_date,
                              current=a.to_date is None or a.to_date >= today) for a, loc in addresses],
        phones=list(phones),
        identifiers=[IdentifierOut.of(i.kind, i.value) for i in identifiers],
        warning_markers=[MarkerDetail.of(m, today) for m in all_markers],
        links=links_out(db, "person", person.id),
    )


def residents(db: Session, location_id: uuid.UUID) -> list[LinkOut]:
    """The people who have this location as an address, shown as links (newest first)."""
    rows = db.execute(select(PersonAddress, Person).join(Person, Person.id == PersonAddress.person_id)
                      .where(PersonAddress.location_id == location_id)
                      .order_by(PersonAddress.from_date.desc().nulls_last())).all()
    return [LinkOut(id=a.id, role="lives_at", role_label="Address of", outgoing=False, entity_type="person",
                    entity_id=p.id, label=service.person_label(p), from_date=a.from_date, to_date=a.to_date)
            for a, p in rows]


def event_location(db: Session, event: PoleEvent) -> Location | None:
    return db.get(Location, event.location_id) if event.location_id else None


def linked_records(db: Session, entity_type: str, entity_id: uuid.UUID, page: int,
                   size: int) -> tuple[list[LinkedRecord], PageInfo]:
    """Every record of any kind that names the entity, newest first, each with its role and page."""
    rows, info = paginate(db, records.linked_to(entity_type, entity_id), page, size, scalars=False)
    return [LinkedRecord(id=r.id, kind=r.kind, kind_label=KINDS[r.kind].label, reference=r.reference, state=r.state,
                         role=role, role_label=LINK_ROLES.get(role, role), occurred_at=r.occurred_at,
                         summary=r.summary, path=f"{KINDS[r.kind].path}/{r.id}") for r, role in rows], info
