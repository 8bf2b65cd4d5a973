"""What the API and the forms accept and return for people, objects, locations, events, links
and warning markers. A `...Ref` names an entity inside any record: the id of a known one, or
details from which the POLE store finds or creates it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator,
                      model_validator)

from onbeat.core.time import uk_today
from onbeat.records.pole import formats
from onbeat.records.pole.codes import (ENTITY_ROLES, ETHNICITIES, GENDERS, MARKER_KINDS, OBJECT_KINDS,
                                       VEHICLE_COLOURS)

EthnicityCode = Literal[tuple(ETHNICITIES)]  # type: ignore[valid-type]
GenderCode = Literal[tuple(GENDERS)]  # type: ignore[valid-type]
MarkerKind = Literal[tuple(MARKER_KINDS)]  # type: ignore[valid-type]
ColourCode = Literal[tuple(VEHICLE_COLOURS)]  # type: ignore[valid-type]
ThingKind = Literal[tuple(k for k in OBJECT_KINDS if k != "vehicle")]  # type: ignore[valid-type]
RoleCode = Literal[tuple(ENTITY_ROLES)]  # type: ignore[valid-type]
PoleType = Literal["person", "object", "location", "event"]


def _blank_to_none(v):
    if isinstance(v, str):
        v = " ".join(v.split())
        return v or None
    return v


def _upper(v):
    return v.strip().upper() if isinstance(v, str) else v


def _lower(v):
    return v.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(v, str) else v


def _not_future(v: date | None) -> date | None:
    if v is not None and v > uk_today():
        raise ValueError(f"{v.isoformat()} is in the future: give a date on or before today")
    return v


def _born_plausibly(v: date | None) -> date | None:
    _not_future(v)
    if v is not None and v < uk_today() - timedelta(days=365 * 130):
        raise ValueError(f"{v.isoformat()} is more than 130 years ago: check the year")
    return v


def _text(max_length: int, description: str | None = None):
    """Optional text: spaces tidied, blank means not given."""
    return Annotated[str | None, Field(None, max_length=max_length, description=description),
                     BeforeValidator(_blank_to_none)]


def _checked(check, max_length: int, description: str | None = None):
    """Optional text that `check` normalises (or refuses, saying what is expected)."""
    return Annotated[str | None, Field(None, max_length=max_length, description=description),
                     BeforeValidator(_blank_to_none), AfterValidator(lambda v: v and check(v))]


Text100 = Annotated[str | None, Field(None, max_length=100), BeforeValidator(_blank_to_none)]
Text300 = Annotated[str | None, Field(None, max_length=300), BeforeValidator(_blank_to_none)]
Postcode = _checked(formats.postcode, 10, "UK postcode, e.g. RG1 1AA (stored upper case, one space)")
Phone = Annotated[str, Field(max_length=30), AfterValidator(formats.phone)]
PastDate = Annotated[date | None, AfterValidator(_not_future)]
BirthDate = Annotated[date | None, Field(None, description="Never in the future"), AfterValidator(_born_plausibly)]
Ethnicity = Annotated[EthnicityCode | None, Field(None, description="Self-defined ethnicity code (18+1, with W4 Roma)"),
                      BeforeValidator(_upper)]
Gender = Annotated[GenderCode | None, Field(None), BeforeValidator(_lower)]
PncId = _checked(formats.pnc_id, 20, "YY/NNNNNNNL or YYYY/NNNNNNNL, check letter verified")
Passport = _checked(formats.passport, 20)
DrivingLicence = _checked(formats.driving_licence, 20, "16 characters (GB) or 8 digits (NI)")
Registration = _checked(formats.registration, 20, "Stored upper case without spaces")
Vin = _checked(formats.vin, 20)
Unit = _text(20, "e.g. g, wraps, items")
AddressLines = _text(300, "Address lines, separated by commas")
PlaceText = _text(300, "A described place: 'outside the bus station'")
Colour = Annotated[ColourCode | None, Field(None), BeforeValidator(lambda v: _lower(_blank_to_none(v)))]


class Identifiers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pnc_id: PncId = None
    passport: Passport = None
    driving_licence: DrivingLicence = None

    def given(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


class Name(BaseModel):
    model_config = ConfigDict(extra="forbid")
    given_name: Text100 = None
    family_name: Text100 = None

    @model_validator(mode="after")
    def _some_name(self):
        if not (self.given_name or self.family_name):
            raise ValueError("give a given name, a family name or both")
        return self


class PersonDetails(BaseModel):
    """A person's own details, as typed in a record or on the person's page."""
    model_config = ConfigDict(extra="forbid")
    given_name: Text100 = None
    family_name: Text100 = None
    date_of_birth: BirthDate = None
    gender: Gender = None
    ethnicity: Ethnicity = None


class PersonIn(PersonDetails):
    """A new person: their details, other names, an address, a phone and identifiers."""
    aliases: list[Name] = Field([], max_length=20)
    address: Text300 = None
    postcode: Postcode = None
    phone: Phone | None = None
    identifiers: Identifiers = Identifiers()

    def has_details(self) -> bool:
        return any((self.given_name, self.family_name, self.date_of_birth, self.gender, self.ethnicity, self.address,
                    self.postcode, self.phone, self.aliases, self.identifiers.given()))

    @model_validator(mode="after")
    def _check(self):
        if not self.has_details():
            raise ValueError("give at least one detail of the person")
        return self

    @field_validator("identifiers")
    @classmethod
    def _licence_matches_birth(cls, v: Identifiers, info: ValidationInfo) -> Identifiers:
        if v.driving_licence and info.data.get("date_of_birth"):
            formats.driving_licence(v.driving_licence, info.data["date_of_birth"])
        return v


class PersonRef(PersonIn):
    """A person in a record: `id` of a known person, or their details (a new person is created)."""
    id: uuid.UUID | None = Field(None, description="A person already in the POLE store; other fields are then ignored")

    @model_validator(mode="after")
    def _check(self):
        if self.id is None and not self.has_details():
            raise ValueError("give the id of a known person, or at least one detail of a new one")
        return self


class PersonUpdate(PersonDetails):
    """The details to change: only the fields sent are changed; send null to clear one."""


class VehicleRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID | None = Field(None, description="A vehicle already in the POLE store")
    registration: Registration = None
    vin: Vin = None
    make: Annotated[str | None, Field(None, max_length=50), BeforeValidator(_blank_to_none)]
    model: Annotated[str | None, Field(None, max_length=50), BeforeValidator(_blank_to_none)]
    colour: Colour = None

    @model_validator(mode="after")
    def _check(self):
        if self.id is None and not any((self.registration, self.vin, self.make, self.model, self.colour)):
            raise ValueError("give the id of a known vehicle, or its registration or description")
        return self


class ObjectRef(BaseModel):
    """Property, a weapon or drugs (vehicles use VehicleRef)."""
    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID | None = Field(None, description="An object already in the POLE store")
    kind: ThingKind | None = None
    description: Annotated[str | None, Field(None, max_length=500), BeforeValidator(_blank_to_none)]
    serial_number: Annotated[str | None, Field(None, max_length=50), BeforeValidator(_blank_to_none)]
    quantity: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=3)
    unit: Unit = None

    @model_validator(mode="after")
    def _check(self):
        if self.id is None:
            if self.kind is None:
                raise ValueError("give the id of a known object, or its kind (property, weapon or drugs)")
            if not self.description:
                raise ValueError("describe the object")
        return self


def _no_id(model):
    if model.id is not None:
        raise ValueError("a new object has no id: leave id out")
    return model


class NewVehicle(VehicleRef):
    kind: Literal["vehicle"]
    _new = model_validator(mode="after")(_no_id)


class NewThing(ObjectRef):
    kind: ThingKind
    _new = model_validator(mode="after")(_no_id)


NewObject = Annotated[NewVehicle | NewThing, Field(discriminator="kind")]


class LocationRef(BaseModel):
    """An address, a described place or a point (WGS84 or British National Grid, or both)."""
    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID | None = Field(None, description="A location already in the POLE store")
    address: AddressLines = None
    postcode: Postcode = None
    place: PlaceText = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    easting: float | None = Field(None, ge=0, le=700_000, description="British National Grid, metres")
    northing: float | None = Field(None, ge=0, le=1_300_000, description="British National Grid, metres")

    @model_validator(mode="after")
    def _check(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if (self.easting is None) != (self.northing is None):
            raise ValueError("give both easting and northing, or neither")
        if self.id is None and not any((self.address, self.postcode, self.place, self.latitude is not None,
                                        self.easting is not None)):
            raise ValueError("give the id of a known location, or an address, postcode, place or coordinates")
        return self


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    what: Annotated[str, Field(min_length=3, max_length=300), BeforeValidator(_blank_to_none)]
    occurred_at: datetime = Field(description="With a time zone offset")
    ended_at: datetime | None = None
    location: LocationRef | None = None

    @field_validator("occurred_at", "ended_at")
    @classmethod
    def _aware(cls, v: datetime | None):
        if v is not None and v.tzinfo is None:
            raise ValueError("give the time with its offset (Z or +01:00)")
        return v

    @model_validator(mode="after")
    def _order(self):
        if self.ended_at and self.ended_at < self.occurred_at:
            raise ValueError("ended_at is before occurred_at")
        return self


class AddressIn(BaseModel):
    """A person's address over time: where, and from and to when (either may be unknown)."""
    model_config = ConfigDict(extra="forbid")
    location: LocationRef
    from_date: PastDate = None
    to_date: PastDate = None

    @model_validator(mode="after")
    def _order(self):
        if self.from_date and self.to_date and self.to_date < self.from_date:
            raise ValueError("to_date is before from_date")
        return self


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["pnc_id", "passport", "driving_licence"]
    value: Annotated[str, Field(min_length=1, max_length=30)]


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: Phone


class LinkIn(BaseModel):
    """Link two POLE entities: `from` plays `role` towards `to` (owner of, lives at...)."""
    model_config = ConfigDict(extra="forbid")
    from_type: PoleType
    from_id: uuid.UUID
    role: RoleCode
    to_type: PoleType
    to_id: uuid.UUID
    from_date: PastDate = None
    to_date: date | None = None


class MarkerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Annotated[MarkerKind, BeforeValidator(_lower)]
    detail: Annotated[str, Field(min_length=3, max_length=2000, description="What officers need to know")]
    source: Annotated[str, Field(min_length=2, max_length=200,
                                 description="Where it comes from: a record reference, PNC, an intelligence log")]
    marked_on: PastDate = Field(None, description="Defaults to today")
    review_on: date | None = Field(None, description="Defaults to a year after marked_on")
    expires_on: date | None = None


class MarkerReview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, Field(min_length=3, max_length=2000, description="What the review found")]
    next_review_on: date = Field(description="After today")
    expires_on: date | None = None


class MarkerExpiry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=3, max_length=2000)]
