"""What the stop-search API accepts and returns. The rules that tie fields together (grounds for a
suspicion power, an authorisation for s60/s47A, ...) are in `rules.py`, so every error is named."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from onbeat.records.core.schemas import RecordOut
from onbeat.records.pole import formats
from onbeat.records.pole.schemas import PersonRef
from onbeat.records.stopsearch import codes


def _code(values):
    return Literal[tuple(values)]  # type: ignore[valid-type]


def _blank_to_none(v):
    if isinstance(v, str):
        v = " ".join(v.split())
        return v or None
    return v


def _text(longest: int, description: str | None = None):
    # The length limit sits on the string itself: on `str | None` pydantic would apply it to None too.
    return Annotated[Annotated[str, Field(max_length=longest)] | None, BeforeValidator(_blank_to_none),
                     Field(None, description=description)]


def _optional(code_type):
    return Annotated[code_type | None, BeforeValidator(_blank_to_none), Field(None)]


Registration = Annotated[Annotated[str, Field(max_length=20)] | None, BeforeValidator(_blank_to_none),
                         AfterValidator(lambda v: v and formats.registration(v)),
                         Field(None, description="Stored upper case without spaces: AB12CDE")]
Postcode = Annotated[Annotated[str, Field(max_length=10)] | None, BeforeValidator(_blank_to_none),
                     AfterValidator(lambda v: v and formats.postcode(v)),
                     Field(None, description="UK postcode, e.g. RG1 1AA (stored upper case, one space)")]


def _without_nulls(v):
    """A person's details with the fields sent as null left out (they mean 'not given')."""
    return {k: x for k, x in v.items() if x is not None} if isinstance(v, dict) else v


CollarNumber = Annotated[str, BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
                         Field(min_length=1, max_length=12, pattern=r"^[A-Z0-9]+$")]


class StopSearchFields(BaseModel):
    """Everything PACE Code A 4.3 asks for, and the Home Office's published fields."""
    model_config = ConfigDict(extra="forbid")

    occurred_at: AwareDatetime = Field(description="When the search took place (never in the future)")
    place: _text(300, "Where: street and landmark. Needed when the device has no location fix") = None
    postcode: Postcode = None
    latitude: float | None = Field(None, ge=-90, le=90, description="From the device (WGS84)")
    longitude: float | None = Field(None, ge=-180, le=180, description="From the device (WGS84)")
    incident_number: _text(20, "The command-and-control incident, e.g. 0042-21112026") = None

    search_type: _code(codes.SEARCH_TYPES)
    vehicle_registration: Registration = None
    self_defined_ethnicity: _code(codes.ETHNICITIES) = Field(description="The person's own choice; NS if they "
                                                                         "would not say")
    officer_defined_ethnicity: _optional(_code(codes.OFFICER_ETHNICITIES)) = Field(
        None, description="The officer's perception, only when different from the self-defined broad group")
    gender: _code(codes.GENDERS)
    age_range: _code(codes.AGE_RANGES)

    object_of_search: _code(codes.OBJECTS)
    power: _code(codes.POWERS)
    grounds: _text(4000, "Required for every power that needs reasonable suspicion") = None
    authorisation_reference: _text(40, "For s60, s60AA and s47A: the authorisation in force") = None
    authorising_officer_rank: _optional(_code(codes.RANKS)) = None
    authorised_at: AwareDatetime | None = Field(None, description="When the authorisation was given")
    other_officers: list[CollarNumber] = Field([], max_length=20, description="Collar numbers of officers present")

    outcome: _code(codes.OUTCOMES)
    outcome_detail: _text(300, "What the outcome was, when it is 'other'") = None
    outcome_linked_to_object: bool | None = Field(None, description="Required unless no further action")
    anything_found: bool
    found_detail: _text(1000) = None
    injury_or_damage: bool
    injury_or_damage_detail: _text(2000) = None
    name_given: bool = Field(description="Whether the person chose to give their name (they need not)")
    person: Annotated[PersonRef | None, BeforeValidator(_without_nulls)] = Field(
        None, description="Only when the person gave their name")
    clothing_removed: _code(codes.CLOTHING)
    more_thorough_location: _text(300, "Where a more thorough search took place, out of public view") = None
    receipt_method: _code(codes.RECEIPTS)
    receipt_contact: _text(200, "E-mail address or mobile number, only for a receipt by e-mail or SMS") = None


class StopSearchIn(StopSearchFields):
    client_uuid: uuid.UUID = Field(description="Made by the device for this record: sending it again returns "
                                               "the record already made")


class StopSearchOut(RecordOut):
    """The record header (reference, state, people) and the stop-search details."""
    receipt_reference: str
    postcode: str | None
    search_type: str
    vehicle_registration: str | None
    self_defined_ethnicity: str
    officer_defined_ethnicity: str | None
    gender: str
    age_range: str
    object_of_search: str
    power: str
    power_label: str
    grounds: str | None
    authorisation_reference: str | None
    authorising_officer_rank: str | None
    authorised_at: datetime | None
    officer_number: str
    officer_station_id: uuid.UUID | None
    other_officers: list[str]
    outcome: str
    outcome_detail: str | None
    outcome_linked_to_object: bool | None
    anything_found: bool
    found_detail: str | None
    injury_or_damage: bool
    injury_or_damage_detail: str | None
    name_given: bool
    person_id: uuid.UUID | None
    clothing_removed: str
    more_than_outer_clothing: bool
    more_thorough_location: str | None
    receipt_method: str
    receipt_contact: str | None


class StopSearchPage(BaseModel):
    items: list[StopSearchOut]
    page: int
    size: int
    total: int
    pages: int
