"""The POLE store's service: find or create the people, objects, locations and events named in
records (each creation audited as a collection), label them for record lists with each person's
active warning markers, change a person's details, and link entities to one another.

Nothing here commits: the caller commits once, so a record and the entities it names are stored
together or not at all."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field as dc_field
from datetime import date

from sqlalchemy import ARRAY, Select, Uuid, and_, any_, cast, exists, func, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.security import Principal
from onbeat.core.time import format_uk, utcnow
from onbeat.records.core.schemas import MarkerOut
from onbeat.records.pole import formats, grid
from onbeat.records.pole.codes import ENTITY_ROLES, IDENTIFIER_KINDS, OBJECT_KINDS, VEHICLE_COLOURS
from onbeat.records.pole.markers import active_markers
from onbeat.records.pole.models import (EntityLink, Location, Person, PersonAddress, PersonAlias, PersonIdentifier,
                                        PersonPhone, PoleEvent, PoleObject)
from onbeat.records.pole.schemas import (AddressIn, EventIn, LinkIn, LocationRef, Name, ObjectRef, PersonIn, PersonRef,
                                         VehicleRef)

# A latitude/longitude and an easting/northing given together must agree to within this.
GRID_TOLERANCE_M = 100


# --- keeping indexes in step -------------------------------------------------------------------------

# Called as fn(db, entity_type, entity_id) inside the transaction that created or changed a person
# ("person": names, aliases, date of birth, addresses, phones), a vehicle ("object") or a location.
# Other modules register here to keep their own look-up tables in step (e.g. suggestions).
_WATCHERS: list[Callable[[Session, str, uuid.UUID], None]] = []


def watch_changes(fn: Callable[[Session, str, uuid.UUID], None]) -> Callable[[Session, str, uuid.UUID], None]:
    """Register `fn` to be told of every person, vehicle and location created or changed."""
    if fn not in _WATCHERS:
        _WATCHERS.append(fn)
    return fn


def entity_changed(db: Session, entity_type: str, entity_id: uuid.UUID) -> None:
    """Tell the watchers that an entity was created or changed (also call this after changing a
    person's rows in bulk, e.g. a merge or unmerge, once for each person touched)."""
    for fn in _WATCHERS:
        fn(db, entity_type, entity_id)


def _at(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# --- names and search ----------------------------------------------------------------------------

def fold(text: str | None) -> str:
    """Lower case, accents and apostrophes removed, other punctuation to spaces: 'O'Brién-Smith' -> 'obrien smith'."""
    if not text:
        return ""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    plain = re.sub(r"['’`]", "", plain.lower())
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def refresh_search_name(db: Session, person: Person) -> None:
    """Names and aliases, folded, with a space either side of each word: what the name search matches."""
    aliases = db.execute(select(PersonAlias.given_name, PersonAlias.family_name)
                         .where(PersonAlias.person_id == person.id)).all()
    words = fold(" ".join(x for x in (person.given_name, person.family_name, *(n for a in aliases for n in a)) if x))
    person.search_name = f" {words} " if words else ""


def search_persons(name: str | None = None, date_of_birth: date | None = None,
                   postcode: str | None = None) -> Select:
    """People matching every filter: each word of `name` starts a word of their names or aliases;
    `postcode` is a full postcode or an outward code (RG1) of any address they have had."""
    stmt = select(Person).order_by(Person.family_name.asc().nulls_last(), Person.given_name.asc().nulls_last(),
                                   Person.date_of_birth, Person.id)
    words = fold(name).split()
    if name and name.strip() and not words:
        raise BadRequest(f"{name!r} has no letters or digits to search for.", field="name",
                         hint="Type part of a name, for example SMITH or JOHN SMITH.")
    for word in words:
        stmt = stmt.where(Person.search_name.like(f"% {word}%"))
    if date_of_birth:
        stmt = stmt.where(Person.date_of_birth == date_of_birth)
    if postcode:
        try:
            code = formats.postcode_or_outward(postcode)
        except ValueError as e:
            raise BadRequest(str(e)[0].upper() + str(e)[1:] + ".", field="postcode",
                             hint="Give a full postcode (RG1 1AA) or its district (RG1).")
        match = Location.postcode == code if " " in code else Location.postcode.like(code + " %")
        stmt = stmt.where(exists(select(PersonAddress.id).join(Location, Location.id == PersonAddress.location_id)
                                 .where(PersonAddress.person_id == Person.id, match)))
    return stmt


# --- resolving references from records -------------------------------------------------------------

def get_person(db: Session, person_id: uuid.UUID, *, lock: bool = False) -> Person:
    stmt = select(Person).where(Person.id == person_id)
    person = db.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if person is None:
        raise NotFound(f"There is no person with id {person_id}.", hint="Search the persons to find the right one.")
    return person


def _known(db: Session, model, entity_id: uuid.UUID, field: str, what: str, extra=None):
    stmt = select(model).where(model.id == entity_id)
    if extra is not None:
        stmt = stmt.where(extra)
    found = db.execute(stmt).scalar_one_or_none()
    if found is None:
        raise BadRequest(f"There is no {what} with id {entity_id}.", field=field,
                         hint=f"Search for the {what} and use its id, or leave id out and give the details "
                              f"to add a new {what}.")
    return found


def resolve_person(db: Session, me: Principal, ref: PersonRef, field: str = "") -> uuid.UUID:
    """The person `ref` names: the known one (its id must exist; a merged person's id names the
    person they were merged into) or a new one made from its details.

    A PNC ID, passport or driving licence number already held by someone identifies that person:
    the same person is returned if the family name and date of birth (where both are known) agree,
    otherwise 409 (one number, two people)."""
    return find_or_create_person(db, me, ref, field)[0]


def find_or_create_person(db: Session, me: Principal, ref: PersonIn, field: str = "") -> tuple[uuid.UUID, bool]:
    """As resolve_person, and whether the person was created."""
    if getattr(ref, "id", None) is not None:
        person = _known(db, Person, ref.id, _at(field, "id"), "person")
        # A device may still hold the id of a person since merged into another: the record names
        # the survivor (a merge is never into a merged person, so this ends).
        while person.merged_into_id is not None:
            person = db.get(Person, person.merged_into_id)
        return person.id, False
    identifiers = ref.identifiers.given()
    holder = _identified(db, identifiers, ref, field)
    if holder is not None:
        return holder, False
    now = utcnow()
    person = Person(id=uuid.uuid4(), given_name=ref.given_name, family_name=ref.family_name,
                    date_of_birth=ref.date_of_birth, gender=ref.gender, ethnicity=ref.ethnicity,
                    created_by_id=me.id, created_at=now, updated_at=now)
    db.add(person)
    db.flush()
    for alias in ref.aliases:
        db.add(PersonAlias(person_id=person.id, given_name=alias.given_name, family_name=alias.family_name))
    if ref.phone:
        db.add(PersonPhone(person_id=person.id, number=ref.phone))
    for kind, value in identifiers.items():
        _add_identifier(db, person.id, kind, value, _at(field, f"identifiers.{kind}"))
    if ref.address or ref.postcode:
        location_id = resolve_location(db, me, LocationRef(address=ref.address, postcode=ref.postcode),
                                       _at(field, "address"))
        db.add(PersonAddress(person_id=person.id, location_id=location_id))
    db.flush()
    refresh_search_name(db, person)
    given = sorted(k for k, v in ref.model_dump(exclude={"id", "identifiers"}).items() if v)
    audit(db, me.actor, "collect", "pole.person.created", "person", person.id,
          detail={"fields": given + sorted(f"identifiers.{k}" for k in identifiers)})
    entity_changed(db, "person", person.id)
    return person.id, True


def _identified(db: Session, identifiers: dict[str, str], ref: PersonIn, field: str) -> uuid.UUID | None:
    if not identifiers:
        return None
    rows = db.execute(select(PersonIdentifier.kind, Person).join(Person, Person.id == PersonIdentifier.person_id)
                      .where(or_(*(and_(PersonIdentifier.kind == k, PersonIdentifier.value == v)
                                   for k, v in identifiers.items())))).all()
    holders = {p.id: (kind, p) for kind, p in rows}
    if not holders:
        return None
    kind, person = next(iter(holders.values()))
    other_name = ref.family_name and person.family_name and fold(ref.family_name) != fold(person.family_name)
    other_birth = ref.date_of_birth and person.date_of_birth and ref.date_of_birth != person.date_of_birth
    if len(holders) > 1 or other_name or other_birth:
        raise Conflict(f"That {IDENTIFIER_KINDS[kind]} already belongs to another person.",
                       field=_at(field, f"identifiers.{kind}"),
                       hint="Check the number; if it is the same person, use their id instead of new details.")
    return person.id


def _add_identifier(db: Session, person_id: uuid.UUID, kind: str, value: str, field: str) -> None:
    stmt = (insert(PersonIdentifier).values(id=uuid.uuid4(), person_id=person_id, kind=kind, value=value)
            .on_conflict_do_nothing(constraint="uq_pole_person_identifiers_value").returning(PersonIdentifier.id))
    if db.execute(stmt).scalar_one_or_none() is None:
        holder = db.execute(select(PersonIdentifier.person_id).where(PersonIdentifier.kind == kind,
                                                                     PersonIdentifier.value == value)).scalar_one()
        if holder != person_id:
            raise Conflict(f"That {IDENTIFIER_KINDS[kind]} already belongs to another person.", field=field,
                           hint="Check the number; one number names one person.")


def resolve_vehicle(db: Session, me: Principal, ref: VehicleRef, field: str = "") -> uuid.UUID:
    """The vehicle `ref` names: the known one by id, the one already holding its registration (any
    make, model or colour it lacked is filled in), or a new one."""
    if ref.id is not None:
        return _known(db, PoleObject, ref.id, _at(field, "id"), "vehicle", PoleObject.kind == "vehicle").id
    values = dict(registration=ref.registration, vin=ref.vin, make=ref.make, model=ref.model, colour=ref.colour)
    new_id = uuid.uuid4()
    stmt = insert(PoleObject).values(id=new_id, kind="vehicle", created_by_id=me.id, created_at=utcnow(), **values)
    if ref.registration:
        stmt = stmt.on_conflict_do_nothing(index_elements=["registration"],
                                           index_where=PoleObject.registration.isnot(None))
    if db.execute(stmt.returning(PoleObject.id)).scalar_one_or_none() is not None:
        audit(db, me.actor, "collect", "pole.vehicle.created", "object", new_id,
              detail={"registration": ref.registration, "fields": sorted(k for k, v in values.items() if v)})
        entity_changed(db, "object", new_id)
        return new_id
    vehicle = db.execute(select(PoleObject).where(PoleObject.registration == ref.registration)
                         .with_for_update()).scalar_one()
    filled = {k: v for k, v in values.items() if v and not getattr(vehicle, k)}
    if filled:
        for k, v in filled.items():
            setattr(vehicle, k, v)
        audit(db, me.actor, "alter", "pole.vehicle.completed", "object", vehicle.id,
              detail={"registration": vehicle.registration, "fields": sorted(filled)})
        entity_changed(db, "object", vehicle.id)
    return vehicle.id


def resolve_object(db: Session, me: Principal, ref: ObjectRef, field: str = "") -> uuid.UUID:
    """The property, weapon or drugs `ref` names: the known object by id, or a new one."""
    if ref.id is not None:
        return _known(db, PoleObject, ref.id, _at(field, "id"), "object").id
    obj = PoleObject(id=uuid.uuid4(), kind=ref.kind, description=ref.description, serial_number=ref.serial_number,
                     quantity=ref.quantity, unit=ref.unit, created_by_id=me.id, created_at=utcnow())
    db.add(obj)
    db.flush()
    audit(db, me.actor, "collect", f"pole.{ref.kind}.created", "object", obj.id, detail={"kind": ref.kind})
    return obj.id


def resolve_location(db: Session, me: Principal, ref: LocationRef, field: str = "") -> uuid.UUID:
    """The location `ref` names: the known one by id, the one with the same address and postcode,
    or a new one. Latitude/longitude and easting/northing each complete the other."""
    if ref.id is not None:
        return _known(db, Location, ref.id, _at(field, "id"), "location").id
    lat, lon, east, north = ref.latitude, ref.longitude, ref.easting, ref.northing
    if lat is not None:
        computed = grid.to_grid(lat, lon)
        if east is not None and (computed is None or grid.distance_m(computed, (east, north)) > GRID_TOLERANCE_M):
            raise BadRequest("The easting and northing are not the same place as the latitude and longitude.",
                             field=_at(field, "easting"),
                             hint="Give one pair only (the other is worked out), or correct the one that is wrong.")
        if east is None and computed is not None:
            east, north = computed
    elif east is not None:
        lat, lon = grid.from_grid(east, north)
    address = ", ".join(p.strip() for p in ref.address.split(",") if p.strip()) if ref.address else None
    if ref.postcode and lat is None and not ref.place:
        # An address is known by its lines and postcode: typed again, it is the same location.
        same_address = (func.lower(Location.address) == address.lower()) if address else Location.address.is_(None)
        same = db.execute(select(Location.id).where(same_address, Location.postcode == ref.postcode,
                                                    Location.place.is_(None), Location.latitude.is_(None))
                          .limit(1)).scalar()
        if same is not None:
            return same
    location = Location(id=uuid.uuid4(), address=address, postcode=ref.postcode, place=ref.place, latitude=lat,
                        longitude=lon, easting=east, northing=north, created_by_id=me.id, created_at=utcnow())
    db.add(location)
    db.flush()
    audit(db, me.actor, "collect", "pole.location.created", "location", location.id,
          detail={"fields": sorted(k for k, v in dict(address=address, postcode=ref.postcode, place=ref.place,
                                                      coordinates=lat).items() if v is not None)})
    entity_changed(db, "location", location.id)
    return location.id


def create_event(db: Session, me: Principal, body: EventIn) -> PoleEvent:
    location_id = resolve_location(db, me, body.location, "location") if body.location else None
    event = PoleEvent(id=uuid.uuid4(), what=body.what, occurred_at=body.occurred_at, ended_at=body.ended_at,
                      location_id=location_id, created_by_id=me.id, created_at=utcnow())
    db.add(event)
    db.flush()
    audit(db, me.actor, "collect", "pole.event.created", "event", event.id, detail={"what": body.what})
    return event


# --- a person's details ----------------------------------------------------------------------------

def update_person(db: Session, me: Principal, person: Person, changes: dict) -> Person:
    """Change the fields given (already validated); audited as an alteration naming each field."""
    changed = {k: v for k, v in changes.items() if getattr(person, k) != v}
    if not changed:
        return person
    if "date_of_birth" in changed and changed["date_of_birth"]:
        licence = db.execute(select(PersonIdentifier.value).where(PersonIdentifier.person_id == person.id,
                                                                  PersonIdentifier.kind == "driving_licence")).scalar()
        if licence:
            try:
                formats.driving_licence(licence, changed["date_of_birth"])
            except ValueError as e:
                raise BadRequest(f"The date of birth does not match the person's driving licence ({e}).",
                                 field="date_of_birth", hint="Check the date of birth and the licence number.")
    for k, v in changed.items():
        setattr(person, k, v)
    person.updated_at = utcnow()
    refresh_search_name(db, person)
    audit(db, me.actor, "alter", "pole.person.updated", "person", person.id, detail={"fields": sorted(changed)})
    entity_changed(db, "person", person.id)
    return person


def add_alias(db: Session, me: Principal, person: Person, name: Name) -> PersonAlias:
    alias = PersonAlias(person_id=person.id, given_name=name.given_name, family_name=name.family_name)
    db.add(alias)
    db.flush()
    refresh_search_name(db, person)
    person.updated_at = utcnow()
    audit(db, me.actor, "alter", "pole.person.alias_added", "person", person.id, detail={"alias_id": alias.id})
    entity_changed(db, "person", person.id)
    return alias


def add_address(db: Session, me: Principal, person: Person, body: AddressIn) -> PersonAddress:
    location_id = resolve_location(db, me, body.location, "location")
    row = PersonAddress(person_id=person.id, location_id=location_id, from_date=body.from_date, to_date=body.to_date)
    db.add(row)
    db.flush()
    person.updated_at = utcnow()
    audit(db, me.actor, "alter", "pole.person.address_added", "person", person.id,
          detail={"location_id": location_id, "from": body.from_date, "to": body.to_date})
    entity_changed(db, "person", person.id)
    return row


def add_identifier(db: Session, me: Principal, person: Person, kind: str, value: str) -> PersonIdentifier:
    checks = {"pnc_id": formats.pnc_id, "passport": formats.passport,
              "driving_licence": lambda v: formats.driving_licence(v, person.date_of_birth)}
    try:
        value = checks[kind](value)
    except ValueError as e:
        raise BadRequest(str(e)[0].upper() + str(e)[1:] + ".", field="value",
                         hint=f"Type the {IDENTIFIER_KINDS[kind]} exactly as it is printed.")
    _add_identifier(db, person.id, kind, value, "value")
    db.flush()
    person.updated_at = utcnow()
    audit(db, me.actor, "alter", "pole.person.identifier_added", "person", person.id, detail={"kind": kind})
    return db.execute(select(PersonIdentifier).where(PersonIdentifier.kind == kind,
                                                     PersonIdentifier.value == value)).scalar_one()


def add_phone(db: Session, me: Principal, person: Person, number: str) -> None:
    db.execute(insert(PersonPhone).values(id=uuid.uuid4(), person_id=person.id, number=number)
               .on_conflict_do_nothing(constraint="uq_pole_person_phones_once"))
    person.updated_at = utcnow()
    audit(db, me.actor, "alter", "pole.person.phone_added", "person", person.id)
    entity_changed(db, "person", person.id)


# --- links between entities ------------------------------------------------------------------------

_MODELS = {"person": Person, "object": PoleObject, "location": Location, "event": PoleEvent}


def link_entities(db: Session, me: Principal, body: LinkIn) -> EntityLink:
    """Link two entities in a role (e.g. a person `owner` of a vehicle); linking again changes nothing."""
    want_from, want_to, label = ENTITY_ROLES[body.role]
    if (body.from_type, body.to_type) != (want_from, want_to):
        raise BadRequest(f"'{body.role}' links a {want_from} to a {want_to}, not a {body.from_type} "
                         f"to a {body.to_type}.", field="role", hint="Choose a role that fits the two entities.")
    if body.from_date and body.to_date and body.to_date < body.from_date:
        raise BadRequest("to_date is before from_date.", field="to_date", hint="Check the dates.")
    if (body.from_type, body.from_id) == (body.to_type, body.to_id):
        raise BadRequest("An entity cannot be linked to itself.", field="to_id", hint="Choose another entity.")
    _known(db, _MODELS[body.from_type], body.from_id, "from_id", body.from_type)
    _known(db, _MODELS[body.to_type], body.to_id, "to_id", body.to_type)
    values = body.model_dump()
    db.execute(insert(EntityLink).values(id=uuid.uuid4(), created_by_id=me.id, created_at=utcnow(), **values)
               .on_conflict_do_nothing(constraint="uq_pole_links_once"))
    link = db.execute(select(EntityLink).where(*(getattr(EntityLink, k) == values[k] for k in
                                                 ("from_type", "from_id", "to_type", "to_id", "role")))).scalar_one()
    audit(db, me.actor, "combine", "pole.linked", body.from_type if body.from_type != "person" else "person",
          body.from_id, detail={"role": body.role, "to_type": body.to_type, "to_id": body.to_id})
    return link


def links_of(db: Session, entity_type: str, entity_id: uuid.UUID) -> list[tuple[EntityLink, bool]]:
    """Every link touching the entity, with True where the entity is the `from` side."""
    rows = db.execute(select(EntityLink).where(or_(and_(EntityLink.from_type == entity_type,
                                                        EntityLink.from_id == entity_id),
                                                   and_(EntityLink.to_type == entity_type,
                                                        EntityLink.to_id == entity_id)))
                      .order_by(EntityLink.created_at)).scalars()
    return [(link, link.from_type == entity_type and link.from_id == entity_id) for link in rows]


# --- labels ------------------------------------------------------------------------------------------

def person_label(p: Person) -> str:
    name = ", ".join(x for x in ((p.family_name or "").upper(), p.given_name or "") if x) or "Name not given"
    return f"{name} ({p.date_of_birth:%d/%m/%Y})" if p.date_of_birth else name


def object_label(o: PoleObject) -> str:
    if o.kind == "vehicle":
        what = " ".join(x for x in (o.make, o.model) if x)
        colour = VEHICLE_COLOURS.get(o.colour or "", o.colour or "").lower()
        text = " ".join(x for x in (formats.registration_display(o.registration) if o.registration
                                    else "Vehicle (no registration)", what) if x)
        return f"{text}, {colour}" if colour else text
    text = f"{OBJECT_KINDS[o.kind]}: {o.description or ''}".rstrip(": ")
    if o.quantity is not None:
        text += f" ({o.quantity.normalize():f}{' ' + o.unit if o.unit else ''})"
    return text


def location_label(loc: Location) -> str:
    if loc.address:
        return ", ".join(x for x in (loc.address, loc.postcode) if x) + (f" ({loc.place})" if loc.place else "")
    if loc.place or loc.postcode:
        return ", ".join(x for x in (loc.place, loc.postcode) if x)
    if loc.easting is not None:
        return f"Grid {loc.easting:.0f}, {loc.northing:.0f}"
    return f"{loc.latitude:.5f}, {loc.longitude:.5f}"


def event_label(e: PoleEvent) -> str:
    return f"{e.what}, {format_uk(e.occurred_at)}"


_LABELS = {"person": person_label, "object": object_label, "location": location_label, "event": event_label}


Key = tuple[str, uuid.UUID]


def summaries(db: Session, keys: list[Key]) -> dict[Key, tuple[str, list[MarkerOut]]]:
    """(entity type, id) -> (display label, active warning markers): one query per entity type named,
    plus one for the markers of all the persons."""
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    for entity_type, entity_id in keys:
        if entity_type in _MODELS:
            wanted[entity_type].add(entity_id)
    out: dict[Key, tuple[str, list[MarkerOut]]] = {}
    for entity_type, ids in wanted.items():
        model = _MODELS[entity_type]
        for entity in db.execute(select(model).where(model.id.in_(ids))).scalars():
            out[(entity_type, entity.id)] = (_LABELS[entity_type](entity), [])
    if wanted.get("person"):
        for person_id, items in active_markers(db, list(wanted["person"])).items():
            if ("person", person_id) in out:
                out[("person", person_id)] = (out[("person", person_id)][0], items)
    return out


# --- facts for matching ------------------------------------------------------------------------------

@dataclass
class PersonFacts:
    """What the store knows of a person that helps recognise them: names and other names, date of
    birth, every address they have had (current ones first), phones."""
    id: uuid.UUID
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    aliases: list[tuple[str | None, str | None]] = dc_field(default_factory=list)
    # (address lines, postcode, from, to), the ones without an end date first.
    addresses: list[tuple[str | None, str | None, date | None, date | None]] = dc_field(default_factory=list)
    phones: list[str] = dc_field(default_factory=list)


def _live(stmt):
    """People not merged into someone else (merged people live on as their survivor)."""
    merged = getattr(Person, "merged_into_id", None)
    return stmt if merged is None else stmt.where(merged.is_(None))


def person_facts(db: Session, person_ids) -> dict[uuid.UUID, PersonFacts]:
    """person id -> facts, in one query for all (a suggestion is typed against the clock); unknown
    and merged people are left out. `person_ids`: a list of ids, or a select of one id column."""
    if isinstance(person_ids, (list, tuple, set)):
        if not person_ids:
            return {}
        wanted = Person.id == any_(cast(list(person_ids), ARRAY(Uuid)))
    else:
        wanted = Person.id.in_(person_ids)
    aliases = (select(func.json_agg(func.json_build_array(PersonAlias.given_name, PersonAlias.family_name)))
               .where(PersonAlias.person_id == Person.id).scalar_subquery())
    addresses = (select(func.json_agg(aggregate_order_by(
        func.json_build_array(Location.address, Location.postcode, PersonAddress.from_date, PersonAddress.to_date),
        PersonAddress.to_date.desc().nulls_first(), PersonAddress.from_date.desc().nulls_last())))
        .select_from(PersonAddress).join(Location, Location.id == PersonAddress.location_id)
        .where(PersonAddress.person_id == Person.id).scalar_subquery())
    phones = select(func.array_agg(PersonPhone.number)).where(PersonPhone.person_id == Person.id).scalar_subquery()
    rows = db.execute(_live(select(Person.id, Person.given_name, Person.family_name, Person.date_of_birth,
                                   aliases, addresses, phones).where(wanted))).all()
    day = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
    return {r[0]: PersonFacts(r[0], r[1], r[2], r[3], [tuple(a) for a in r[4] or ()],
                              [(a, pc, day(f), day(t)) for a, pc, f, t in r[5] or ()], list(r[6] or ()))
            for r in rows}


def iter_person_facts(db: Session, batch: int = 20_000) -> Iterator[list[PersonFacts]]:
    """Every person not merged into another, in batches (by id), for rebuilding an index."""
    after = None
    while True:
        stmt = _live(select(Person.id, Person.given_name, Person.family_name, Person.date_of_birth))
        if after is not None:
            stmt = stmt.where(Person.id > after)
        rows = db.execute(stmt.order_by(Person.id).limit(batch)).all()
        if not rows:
            return
        out = {r[0]: PersonFacts(*r) for r in rows}
        first, last = rows[0][0], rows[-1][0]
        _fill_facts(db, out, lambda column: column.between(first, last))
        yield list(out.values())
        after = last


def _fill_facts(db: Session, out: dict[uuid.UUID, PersonFacts], among) -> None:
    """Add aliases, addresses and phones of the people in `out`; `among(column)` narrows each query
    to them (rows of other people it lets through are ignored)."""
    for pid, given, family in db.execute(select(PersonAlias.person_id, PersonAlias.given_name,
                                                PersonAlias.family_name).where(among(PersonAlias.person_id))):
        if pid in out:
            out[pid].aliases.append((given, family))
    for pid, address, postcode, start, end in db.execute(
            select(PersonAddress.person_id, Location.address, Location.postcode, PersonAddress.from_date,
                   PersonAddress.to_date).join(Location, Location.id == PersonAddress.location_id)
            .where(among(PersonAddress.person_id))
            .order_by(PersonAddress.to_date.desc().nulls_first(), PersonAddress.from_date.desc().nulls_last())):
        if pid in out:
            out[pid].addresses.append((address, postcode, start, end))
    for pid, number in db.execute(select(PersonPhone.person_id, PersonPhone.number)
                                  .where(among(PersonPhone.person_id))):
        if pid in out:
            out[pid].phones.append(number)


def vehicles_by_id(db: Session, object_ids: list[uuid.UUID]) -> dict[uuid.UUID, PoleObject]:
    """Vehicles by id (others left out)."""
    if not object_ids:
        return {}
    return {o.id: o for o in db.execute(select(PoleObject).where(PoleObject.id.in_(object_ids),
                                                                 PoleObject.kind == "vehicle")).scalars()}


def locations_by_id(db: Session, location_ids: list[uuid.UUID]) -> dict[uuid.UUID, Location]:
    if not location_ids:
        return {}
    return {loc.id: loc for loc in db.execute(select(Location).where(Location.id.in_(location_ids))).scalars()}


def iter_vehicles(db: Session, batch: int = 20_000) -> Iterator[list[tuple[uuid.UUID, str]]]:
    """(id, registration) of every vehicle with a registration, in batches."""
    yield from _batches(db, select(PoleObject.id, PoleObject.registration)
                        .where(PoleObject.kind == "vehicle", PoleObject.registration.isnot(None)), PoleObject.id, batch)


def iter_addresses(db: Session, batch: int = 20_000) -> Iterator[list[tuple[uuid.UUID, str | None, str | None]]]:
    """(id, address lines, postcode) of every location with an address or postcode, in batches."""
    yield from _batches(db, select(Location.id, Location.address, Location.postcode)
                        .where(or_(Location.address.isnot(None), Location.postcode.isnot(None))), Location.id, batch)


def _batches(db: Session, stmt, key, batch: int):
    after = None
    while True:
        rows = db.execute((stmt if after is None else stmt.where(key > after)).order_by(key).limit(batch)).all()
        if not rows:
            return
        yield [tuple(r) for r in rows]
        after = rows[-1][0]


def count_persons(db: Session) -> int:
    """People not merged into another (an estimate is not enough for a progress bar's total)."""
    return db.execute(_live(select(func.count()).select_from(Person))).scalar_one()


def persons_changed_since(db: Session, since) -> list[uuid.UUID]:
    """People created or changed at or after `since` (names, aliases, addresses and phones all
    touch the person's updated_at)."""
    return list(db.execute(select(Person.id).where(Person.updated_at >= since)).scalars())
