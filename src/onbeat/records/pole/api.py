"""The POLE store's API: people, objects, locations, events, links between them, warning markers.

Reads need `persons.read` and a purpose (each is audited as a consultation); changes need
`persons.write`, markers `markers.manage`. Every change is audited in its own transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Forbidden, NotFound, problems
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Purpose, Requires
from onbeat.core.time import uk_today
from onbeat.db import get_db
from onbeat.records.pole import formats, markers, service, views
from onbeat.records.pole.models import Location, PoleEvent, PoleObject
from onbeat.records.pole.responses import (EventDetail, EventOut, EventPage, LinkOut, LocationDetail, LocationOut,
                                           LocationPage, MarkerDetail, ObjectDetail, ObjectOut, ObjectPage,
                                           PersonDetail, PersonPage, RecordsPage)
from onbeat.records.pole.schemas import (AddressIn, EventIn, IdentifierIn, LinkIn, LocationRef, MarkerExpiry, MarkerIn,
                                         MarkerReview, Name, NewObject, PersonIn, PersonUpdate, PhoneIn, VehicleRef)

router = APIRouter(tags=["pole"])
DB = Annotated[Session, Depends(get_db)]
Text = Annotated[str | None, Query(max_length=100)]


def _need_filter(given: dict, first: str) -> None:
    if not any(v not in (None, "") for v in given.values()):
        raise BadRequest("Say what you are looking for.", field=first,
                         hint="Give at least one of: " + ", ".join(given) + ".")


def _field_error(field: str, error: ValueError) -> BadRequest:
    text = str(error)
    return BadRequest(text[0].upper() + text[1:] + ".", field=field, hint="Correct it and search again.")


def _consult(db: Session, me, event: str, subject: str, subject_id, purpose: str, detail: dict | None = None):
    audit(db, me.actor, "consult", event, subject, subject_id, purpose=purpose, detail=detail)
    db.commit()


# --- people ------------------------------------------------------------------------------------------

@router.post("/api/persons", response_model=PersonDetail, status_code=201, responses=problems(409))
def create_person(body: PersonIn, me: Requires("persons.write"), db: DB, response: Response) -> PersonDetail:
    """Add a person. A PNC ID, passport or driving licence number already held by someone with the
    same family name finds that person instead (200): a person is entered once."""
    person_id, created = service.find_or_create_person(db, me, body)
    db.commit()
    if not created:
        response.status_code = 200
    return views.person_detail(db, service.get_person(db, person_id))


@router.get("/api/persons", response_model=PersonPage)
def search_persons(me: Requires("persons.read"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                   name: Text = None, date_of_birth: date | None = None,
                   postcode: Annotated[str | None, Query(max_length=10)] = None) -> PersonPage:
    """People by name (or alias: every word must start one of their names), date of birth and
    postcode (full, or the district such as RG1) of any address they have had."""
    _need_filter({"name": name, "date_of_birth": date_of_birth, "postcode": postcode}, "name")
    stmt = service.search_persons(name, date_of_birth, postcode)
    people, info = paginate(db, stmt, page, size)
    _consult(db, me, "pole.persons.searched", "person", None, purpose,
             {"filters": {k: str(v) for k, v in dict(name=name, date_of_birth=date_of_birth,
                                                     postcode=postcode).items() if v}, "results": len(people)})
    return PersonPage(items=views.persons_out(db, people), **info.as_dict())


@router.get("/api/persons/{person_id}", response_model=PersonDetail)
def read_person(person_id: uuid.UUID, me: Requires("persons.read"), db: DB, purpose: Purpose,
                include_expired: Annotated[bool, Query(description="Expired markers too (markers.manage)")] = False
                ) -> PersonDetail:
    if include_expired and not me.can("markers.manage"):
        raise Forbidden("Only holders of markers.manage may see expired warning markers.", field="include_expired")
    person = service.get_person(db, person_id)
    out = views.person_detail(db, person, include_expired=include_expired)
    _consult(db, me, "pole.person.viewed", "person", person.id, purpose)
    return out


@router.get("/api/persons/{person_id}/records", response_model=RecordsPage)
def person_records(person_id: uuid.UUID, me: Requires("persons.read"), db: DB, purpose: Purpose,
                   page: PageNo = 1, size: PageSize = 25) -> RecordsPage:
    """Every record of any kind that names the person, newest first, with their role in it."""
    service.get_person(db, person_id)
    items, info = views.linked_records(db, "person", person_id, page, size)
    _consult(db, me, "pole.person.records_viewed", "person", person_id, purpose,
             {"results": [i.reference for i in items]})
    return RecordsPage(items=items, **info.as_dict())


@router.patch("/api/persons/{person_id}", response_model=PersonDetail)
def update_person(person_id: uuid.UUID, body: PersonUpdate, me: Requires("persons.write"), db: DB) -> PersonDetail:
    """Change a person's own details: only the fields sent change (send null to clear one)."""
    person = service.get_person(db, person_id, lock=True)
    service.update_person(db, me, person, body.model_dump(exclude_unset=True))
    db.commit()
    return views.person_detail(db, person)


@router.post("/api/persons/{person_id}/aliases", response_model=PersonDetail, status_code=201)
def add_alias(person_id: uuid.UUID, body: Name, me: Requires("persons.write"), db: DB) -> PersonDetail:
    person = service.get_person(db, person_id, lock=True)
    service.add_alias(db, me, person, body)
    db.commit()
    return views.person_detail(db, person)


@router.post("/api/persons/{person_id}/addresses", response_model=PersonDetail, status_code=201)
def add_address(person_id: uuid.UUID, body: AddressIn, me: Requires("persons.write"), db: DB) -> PersonDetail:
    """An address the person lives or lived at, from and to (either may be unknown)."""
    person = service.get_person(db, person_id, lock=True)
    service.add_address(db, me, person, body)
    db.commit()
    return views.person_detail(db, person)


@router.post("/api/persons/{person_id}/identifiers", response_model=PersonDetail, status_code=201,
             responses=problems(409))
def add_identifier(person_id: uuid.UUID, body: IdentifierIn, me: Requires("persons.write"), db: DB) -> PersonDetail:
    """A PNC ID, passport or driving licence number (format and check characters verified)."""
    person = service.get_person(db, person_id, lock=True)
    service.add_identifier(db, me, person, body.kind, body.value)
    db.commit()
    return views.person_detail(db, person)


@router.post("/api/persons/{person_id}/phones", response_model=PersonDetail, status_code=201)
def add_phone(person_id: uuid.UUID, body: PhoneIn, me: Requires("persons.write"), db: DB) -> PersonDetail:
    person = service.get_person(db, person_id, lock=True)
    service.add_phone(db, me, person, body.number)
    db.commit()
    return views.person_detail(db, person)


# --- warning markers ---------------------------------------------------------------------------------

@router.post("/api/persons/{person_id}/markers", response_model=MarkerDetail, status_code=201)
def add_marker(person_id: uuid.UUID, body: MarkerIn, me: Requires("markers.manage"), db: DB) -> MarkerDetail:
    """Put a warning marker on a person: shown beside them wherever they appear until it expires."""
    service.get_person(db, person_id, lock=True)
    marker = markers.add_marker(db, me, person_id, body)
    db.commit()
    return MarkerDetail.of(marker, uk_today())


@router.post("/api/persons/{person_id}/markers/{marker_id}/review", response_model=MarkerDetail,
             responses=problems(409))
def review_marker(person_id: uuid.UUID, marker_id: uuid.UUID, body: MarkerReview, me: Requires("markers.manage"),
                  db: DB) -> MarkerDetail:
    """Record that the marker was reviewed and still stands, and when to review it next."""
    marker = markers.review_marker(db, me, markers.get_marker(db, person_id, marker_id), body)
    db.commit()
    return MarkerDetail.of(marker, uk_today())


@router.post("/api/persons/{person_id}/markers/{marker_id}/expire", response_model=MarkerDetail)
def expire_marker(person_id: uuid.UUID, marker_id: uuid.UUID, body: MarkerExpiry, me: Requires("markers.manage"),
                  db: DB) -> MarkerDetail:
    """End a marker now. It is kept (with who ended it and why) but no longer shown beside the person."""
    marker = markers.expire_marker(db, me, markers.get_marker(db, person_id, marker_id), body)
    db.commit()
    return MarkerDetail.of(marker, uk_today())


# --- objects -----------------------------------------------------------------------------------------

def _object(db: Session, object_id: uuid.UUID) -> PoleObject:
    obj = db.get(PoleObject, object_id)
    if obj is None:
        raise NotFound(f"There is no object with id {object_id}.", hint="Search the objects to find it.")
    return obj


@router.post("/api/objects", response_model=ObjectOut, status_code=201)
def create_object(body: NewObject, me: Requires("persons.write"), db: DB) -> ObjectOut:
    """Add a vehicle (a registration already known finds that vehicle), property, a weapon or drugs."""
    if body.kind == "vehicle":
        object_id = service.resolve_vehicle(db, me, VehicleRef(**body.model_dump(exclude={"kind"})))
    else:
        object_id = service.resolve_object(db, me, body)
    db.commit()
    return ObjectOut.of(_object(db, object_id))


@router.get("/api/objects", response_model=ObjectPage)
def search_objects(me: Requires("persons.read"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                   registration: Annotated[str | None, Query(max_length=20)] = None,
                   kind: Annotated[str | None, Query(pattern="^(vehicle|property|weapon|drugs)$")] = None,
                   text: Text = None) -> ObjectPage:
    """Objects by registration (or its start), kind, or words of their description, make or model."""
    _need_filter({"registration": registration, "kind": kind, "text": text}, "registration")
    stmt = select(PoleObject).order_by(PoleObject.kind, PoleObject.registration, PoleObject.created_at.desc())
    if registration:
        try:
            stmt = stmt.where(PoleObject.registration.startswith(formats.registration(registration)))
        except ValueError as e:
            raise _field_error("registration", e)
    if kind:
        stmt = stmt.where(PoleObject.kind == kind)
    for word in (text or "").split():
        like = f"%{word.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(PoleObject.description.ilike(like), PoleObject.make.ilike(like),
                              PoleObject.model.ilike(like), PoleObject.serial_number.ilike(like)))
    items, info = paginate(db, stmt, page, size)
    _consult(db, me, "pole.objects.searched", "object", None, purpose,
             {"filters": {k: v for k, v in dict(registration=registration, kind=kind, text=text).items() if v}})
    return ObjectPage(items=[ObjectOut.of(o) for o in items], **info.as_dict())


@router.get("/api/objects/{object_id}", response_model=ObjectDetail)
def read_object(object_id: uuid.UUID, me: Requires("persons.read"), db: DB, purpose: Purpose) -> ObjectDetail:
    obj = _object(db, object_id)
    out = ObjectDetail(**ObjectOut.of(obj).model_dump(), links=views.links_out(db, "object", obj.id))
    _consult(db, me, "pole.object.viewed", "object", obj.id, purpose)
    return out


@router.get("/api/objects/{object_id}/records", response_model=RecordsPage)
def object_records(object_id: uuid.UUID, me: Requires("persons.read"), db: DB, purpose: Purpose,
                   page: PageNo = 1, size: PageSize = 25) -> RecordsPage:
    _object(db, object_id)
    items, info = views.linked_records(db, "object", object_id, page, size)
    _consult(db, me, "pole.object.records_viewed", "object", object_id, purpose)
    return RecordsPage(items=items, **info.as_dict())


# --- locations ---------------------------------------------------------------------------------------

def _location(db: Session, location_id: uuid.UUID) -> Location:
    loc = db.get(Location, location_id)
    if loc is None:
        raise NotFound(f"There is no location with id {location_id}.", hint="Search the locations to find it.")
    return loc


@router.post("/api/locations", response_model=LocationOut, status_code=201)
def create_location(body: LocationRef, me: Requires("persons.write"), db: DB) -> LocationOut:
    """Add a location: address and postcode, a described place, latitude/longitude or easting/northing
    (each pair is worked out from the other). The same address and postcode finds the one already known."""
    if body.id is not None:
        raise BadRequest("A new location has no id.", field="id", hint="Leave id out.")
    location_id = service.resolve_location(db, me, body)
    db.commit()
    return LocationOut.of(_location(db, location_id))


@router.get("/api/locations", response_model=LocationPage)
def search_locations(me: Requires("persons.read"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                     postcode: Annotated[str | None, Query(max_length=10)] = None, text: Text = None) -> LocationPage:
    """Locations by postcode (full, or the district such as RG1) and words of their address or place."""
    _need_filter({"postcode": postcode, "text": text}, "postcode")
    stmt = select(Location).order_by(Location.postcode, Location.address, Location.place, Location.id)
    if postcode:
        try:
            code = formats.postcode_or_outward(postcode)
        except ValueError as e:
            raise _field_error("postcode", e)
        stmt = stmt.where(Location.postcode == code if " " in code else Location.postcode.like(code + " %"))
    for word in (text or "").split():
        like = f"%{word.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Location.address.ilike(like), Location.place.ilike(like)))
    items, info = paginate(db, stmt, page, size)
    _consult(db, me, "pole.locations.searched", "location", None, purpose,
             {"filters": {k: v for k, v in dict(postcode=postcode, text=text).items() if v}})
    return LocationPage(items=[LocationOut.of(loc) for loc in items], **info.as_dict())


@router.get("/api/locations/{location_id}", response_model=LocationDetail)
def read_location(location_id: uuid.UUID, me: Requires("persons.read"), db: DB, purpose: Purpose) -> LocationDetail:
    """A location, the people whose address it is or was, and its other links."""
    loc = _location(db, location_id)
    out = LocationDetail(**LocationOut.of(loc).model_dump(),
                         links=views.residents(db, loc.id) + views.links_out(db, "location", loc.id))
    _consult(db, me, "pole.location.viewed", "location", loc.id, purpose)
    return out


@router.get("/api/locations/{location_id}/records", response_model=RecordsPage)
def location_records(location_id: uuid.UUID, me: Requires("persons.read"), db: DB, purpose: Purpose,
                     page: PageNo = 1, size: PageSize = 25) -> RecordsPage:
    _location(db, location_id)
    items, info = views.linked_records(db, "location", location_id, page, size)
    _consult(db, me, "pole.location.records_viewed", "location", location_id, purpose)
    return RecordsPage(items=items, **info.as_dict())


# --- events ------------------------------------------------------------------------------------------

def _event(db: Session, event_id: uuid.UUID) -> PoleEvent:
    event = db.get(PoleEvent, event_id)
    if event is None:
        raise NotFound(f"There is no event with id {event_id}.", hint="Search the events to find it.")
    return event


@router.post("/api/events", response_model=EventOut, status_code=201)
def create_event(body: EventIn, me: Requires("persons.write"), db: DB) -> EventOut:
    """Add an occurrence: what happened, when (and until when), and where."""
    event = service.create_event(db, me, body)
    db.commit()
    return EventOut.of(event, views.event_location(db, event))


@router.get("/api/events", response_model=EventPage)
def search_events(me: Requires("persons.read"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                  date_from: datetime | None = None, date_to: datetime | None = None, text: Text = None) -> EventPage:
    """Events that began in [date_from, date_to), and with these words in what happened; newest first."""
    _need_filter({"date_from": date_from, "date_to": date_to, "text": text}, "date_from")
    stmt = select(PoleEvent).order_by(PoleEvent.occurred_at.desc(), PoleEvent.id)
    if date_from:
        stmt = stmt.where(PoleEvent.occurred_at >= date_from)
    if date_to:
        stmt = stmt.where(PoleEvent.occurred_at < date_to)
    for word in (text or "").split():
        stmt = stmt.where(PoleEvent.what.ilike(f"%{word.replace('%', '').replace('_', '')}%"))
    items, info = paginate(db, stmt, page, size)
    locations = {loc.id: loc for loc in db.execute(select(Location).where(
        Location.id.in_({e.location_id for e in items if e.location_id}))).scalars()}
    _consult(db, me, "pole.events.searched", "event", None, purpose)
    return EventPage(items=[EventOut.of(e, locations.get(e.location_id)) for e in items], **info.as_dict())


@router.get("/api/events/{event_id}", response_model=EventDetail)
def read_event(event_id: uuid.UUID, me: Requires("persons.read"), db: DB, purpose: Purpose) -> EventDetail:
    event = _event(db, event_id)
    out = EventDetail(**EventOut.of(event, views.event_location(db, event)).model_dump(),
                      links=views.links_out(db, "event", event.id))
    _consult(db, me, "pole.event.viewed", "event", event.id, purpose)
    return out


# --- links -------------------------------------------------------------------------------------------

@router.post("/api/links", response_model=LinkOut, status_code=201)
def link(body: LinkIn, me: Requires("persons.write"), db: DB) -> LinkOut:
    """Link two entities in a role: a person `owner` of a vehicle, `lives_at` a location, `associate`
    of another person... Linking the same two in the same role again changes nothing."""
    made = service.link_entities(db, me, body)
    db.commit()
    label = service.summaries(db, [(made.to_type, made.to_id)])[(made.to_type, made.to_id)][0]
    return LinkOut.of(made, True, label)
