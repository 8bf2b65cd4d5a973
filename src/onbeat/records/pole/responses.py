"""What the API returns for people, objects, locations, events, links and warning markers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from onbeat.records.core.schemas import MarkerOut
from onbeat.records.pole.codes import ENTITY_ROLES, IDENTIFIER_KINDS, MARKER_KINDS
from onbeat.records.pole.markers import is_active
from onbeat.records.pole.models import EntityLink, Location, Marker, PoleEvent, PoleObject
from onbeat.records.pole.service import event_label, location_label, object_label


class LocationOut(BaseModel):
    id: uuid.UUID
    label: str
    address: str | None
    postcode: str | None
    place: str | None
    latitude: float | None
    longitude: float | None
    easting: float | None
    northing: float | None

    @classmethod
    def of(cls, loc: Location) -> LocationOut:
        return cls(id=loc.id, label=location_label(loc), address=loc.address, postcode=loc.postcode,
                   place=loc.place, latitude=loc.latitude, longitude=loc.longitude, easting=loc.easting,
                   northing=loc.northing)


class ObjectOut(BaseModel):
    id: uuid.UUID
    kind: str
    label: str
    registration: str | None
    vin: str | None
    make: str | None
    model: str | None
    colour: str | None
    description: str | None
    serial_number: str | None
    quantity: Decimal | None
    unit: str | None

    @classmethod
    def of(cls, o: PoleObject) -> ObjectOut:
        return cls(id=o.id, kind=o.kind, label=object_label(o), registration=o.registration, vin=o.vin, make=o.make,
                   model=o.model, colour=o.colour, description=o.description, serial_number=o.serial_number,
                   quantity=o.quantity, unit=o.unit)


class EventOut(BaseModel):
    id: uuid.UUID
    label: str
    what: str
    occurred_at: datetime
    ended_at: datetime | None
    location: LocationOut | None

    @classmethod
    def of(cls, e: PoleEvent, location: Location | None) -> EventOut:
        return cls(id=e.id, label=event_label(e), what=e.what, occurred_at=e.occurred_at, ended_at=e.ended_at,
                   location=LocationOut.of(location) if location else None)


class PersonOut(BaseModel):
    id: uuid.UUID
    label: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    gender: str | None
    ethnicity: str | None
    markers: list[MarkerOut] = []


class AliasOut(BaseModel):
    id: uuid.UUID
    given_name: str | None
    family_name: str | None


class AddressOut(BaseModel):
    id: uuid.UUID
    location: LocationOut
    from_date: date | None
    to_date: date | None
    current: bool


class IdentifierOut(BaseModel):
    kind: str
    label: str
    value: str

    @classmethod
    def of(cls, kind: str, value: str) -> IdentifierOut:
        return cls(kind=kind, label=IDENTIFIER_KINDS[kind], value=value)


class MarkerDetail(BaseModel):
    id: uuid.UUID
    kind: str
    label: str
    detail: str
    source: str
    marked_on: date
    review_on: date
    review_due: bool
    expires_on: date | None
    active: bool
    reviewed_at: datetime | None
    review_note: str | None
    expired_at: datetime | None
    expiry_reason: str | None

    @classmethod
    def of(cls, m: Marker, today: date) -> MarkerDetail:
        return cls(id=m.id, kind=m.kind, label=MARKER_KINDS[m.kind], detail=m.detail, source=m.source,
                   marked_on=m.marked_on, review_on=m.review_on, review_due=m.review_on <= today,
                   expires_on=m.expires_on, active=is_active(m, today), reviewed_at=m.reviewed_at,
                   review_note=m.review_note, expired_at=m.expired_at, expiry_reason=m.expiry_reason)


class LinkOut(BaseModel):
    """A link seen from one entity: `role` read from the `from` side ('Owner of'), and the other end."""
    id: uuid.UUID
    role: str
    role_label: str
    outgoing: bool
    entity_type: str
    entity_id: uuid.UUID
    label: str
    from_date: date | None
    to_date: date | None

    @classmethod
    def of(cls, link: EntityLink, outgoing: bool, label: str) -> LinkOut:
        role_label = ENTITY_ROLES[link.role][2]
        return cls(id=link.id, role=link.role, role_label=role_label if outgoing else f"{role_label} (them)",
                   outgoing=outgoing, entity_type=link.to_type if outgoing else link.from_type,
                   entity_id=link.to_id if outgoing else link.from_id, label=label, from_date=link.from_date,
                   to_date=link.to_date)


class LinkedRecord(BaseModel):
    """A record that names the entity, with the role it has there and the page that shows it."""
    id: uuid.UUID
    kind: str
    kind_label: str
    reference: str
    state: str
    role: str
    role_label: str
    occurred_at: datetime
    summary: str
    path: str


class PersonDetail(PersonOut):
    aliases: list[AliasOut]
    addresses: list[AddressOut]
    phones: list[str]
    identifiers: list[IdentifierOut]
    warning_markers: list[MarkerDetail]
    links: list[LinkOut]


class ObjectDetail(ObjectOut):
    links: list[LinkOut]


class LocationDetail(LocationOut):
    links: list[LinkOut]


class EventDetail(EventOut):
    links: list[LinkOut]


class Page(BaseModel):
    page: int
    size: int
    total: int
    pages: int


class PersonPage(Page):
    items: list[PersonOut]


class ObjectPage(Page):
    items: list[ObjectOut]


class LocationPage(Page):
    items: list[LocationOut]


class EventPage(Page):
    items: list[EventOut]


class RecordsPage(Page):
    items: list[LinkedRecord]
