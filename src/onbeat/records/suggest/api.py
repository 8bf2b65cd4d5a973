"""Suggestion API: the people, vehicles and addresses already known that match what an officer is
typing. Needs `persons.read` and a purpose (the record being written, e.g. "stop-search draft" or
its reference); each call is audited as one consultation naming the fields typed and who or what
was shown (not the values typed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import problems
from onbeat.core.security import Purpose, Requires
from onbeat.db import get_db
from onbeat.records.matching import normalise as norm
from onbeat.records.pole import markers
from onbeat.records.pole.formats import registration_display
from onbeat.records.pole.service import location_label, object_label
from onbeat.records.suggest import service
from onbeat.records.suggest.schemas import (AddressCandidate, AddressSuggestions, PersonCandidate, PersonSuggestions,
                                            Reason, VehicleCandidate, VehicleSuggestions)

router = APIRouter(tags=["records"])
DB = Annotated[Session, Depends(get_db)]
Limit = Annotated[int, Query(ge=1, le=20, description="How many candidates at most")]


def _text(n: int, description: str | None = None):
    return Annotated[str | None, Query(max_length=n, description=description)]


def _consult(db: Session, me, event: str, subject: str, purpose: str, fields: list[str], shown: list) -> None:
    audit(db, me.actor, "consult", event, subject, None, purpose=purpose,
          detail={"fields": fields, "shown": [str(i) for i in shown]})
    db.commit()


def _label(f) -> str:
    name = ", ".join(x for x in ((f.family_name or "").upper(), f.given_name or "") if x) or "Name not given"
    return f"{name} ({f.date_of_birth:%d/%m/%Y})" if f.date_of_birth else name


def _address(f) -> str | None:
    current = next((a for a in f.addresses if a[3] is None), f.addresses[0] if f.addresses else None)
    if current is None:
        return None
    return ", ".join(x for x in (current[0], current[1]) if x) or None


@router.get("/api/records/persons/suggest", response_model=PersonSuggestions, responses=problems(422))
def suggest_persons(
    me: Requires("persons.read"), db: DB, purpose: Purpose,
    given_name: _text(100) = None,
    surname: _text(100, "Family name") = None,
    date_of_birth: _text(20, "Any usual form: 1980-03-07, 07/03/1980, 7 Mar 1980") = None,
    postcode: _text(10, "Current or an earlier postcode") = None,
    address: _text(300, "First line of an address") = None,
    town: _text(100) = None,
    phone: _text(30) = None,
    limit: Limit = 5,
) -> PersonSuggestions:
    """People already known who may be the person being typed, best first, with why each matched
    and their warning markers. Copes with typos, sound-alike spellings, nicknames, given and family
    names swapped, day and month swapped, missing fields and earlier addresses. Only candidates
    with a match probability of at least 1% are shown."""
    born = None
    if date_of_birth and date_of_birth.strip():
        born = norm.parse_date(date_of_birth)
        if born is None:
            raise service.Unprocessable(f"{date_of_birth!r} is not a date.", field="date_of_birth",
                                        hint="Type the date of birth as 07/03/1980 or 1980-03-07, or leave it out.")
    q = service.PersonQuery(given_name=given_name, surname=surname, date_of_birth=born, postcode=postcode,
                            address=address, town=town, phone=phone)
    return person_candidates(db, me, purpose, q, limit)


def person_candidates(db: Session, me, purpose: str, q: service.PersonQuery, limit: int) -> PersonSuggestions:
    """The suggestions for `q` as shown (API and the record forms' pages), audited as one consultation."""
    found = service.suggest_persons(db, q, limit)
    shown = [s.id for s in found]
    flags = markers.active_markers(db, shown)
    model = service.current_model(db)
    items = [PersonCandidate(
        id=s.id, label=_label(s.facts), given_name=s.facts.given_name, family_name=s.facts.family_name,
        date_of_birth=s.facts.date_of_birth, address=_address(s.facts),
        other_names=[" ".join(x for x in a if x) for a in s.facts.aliases],
        probability=round(s.probability, 4),
        reasons=[Reason(field=r.field, level=r.level, text=r.text, agrees=r.weight > 0) for r in s.reasons],
        markers=flags.get(s.id, [])) for s in found]
    _consult(db, me, "pole.persons.suggested", "person", purpose, q.given(), shown)
    return PersonSuggestions(items=items, fields_used=q.given(), model_version=str(model.version or "default"))


@router.get("/api/records/vehicles/suggest", response_model=VehicleSuggestions, responses=problems(422))
def suggest_vehicles(
    me: Requires("persons.read"), db: DB, purpose: Purpose,
    registration: _text(20, "As typed: spacing, case and O/0, I/1 slips do not matter") = None,
    make: _text(50) = None, model: _text(50) = None, colour: _text(20) = None,
    limit: Limit = 5,
) -> VehicleSuggestions:
    """Vehicles already known with this registration (allowing for spacing, case, O/0 and I/1) or
    one or two characters from it; make, model and colour rank them."""
    found = service.suggest_vehicles(db, registration, make, model, colour, limit)
    items = [VehicleCandidate(id=s.vehicle.id, label=object_label(s.vehicle),
                              registration=registration_display(s.vehicle.registration) if s.vehicle.registration
                              else None, make=s.vehicle.make, model=s.vehicle.model, colour=s.vehicle.colour,
                              score=round(s.score, 2), reasons=s.reasons) for s in found]
    fields = [k for k, v in dict(registration=registration, make=make, model=model, colour=colour).items() if v]
    _consult(db, me, "pole.vehicles.suggested", "object", purpose, fields, [i.id for i in items])
    return VehicleSuggestions(items=items)


@router.get("/api/records/addresses/suggest", response_model=AddressSuggestions, responses=problems(422))
def suggest_addresses(
    me: Requires("persons.read"), db: DB, purpose: Purpose,
    postcode: _text(10) = None,
    address: _text(300, "First line, e.g. 12 High St") = None,
    limit: Limit = 5,
) -> AddressSuggestions:
    """Addresses already known at this postcode (or its sector, for a slip in the postcode) or with
    a first line like this one, the most alike first."""
    found = service.suggest_addresses(db, postcode, address, limit)
    items = [AddressCandidate(id=s.location.id, label=location_label(s.location), address=s.location.address,
                              postcode=s.location.postcode, score=round(s.score, 2), reasons=s.reasons)
             for s in found]
    fields = [k for k, v in dict(postcode=postcode, address=address).items() if v]
    _consult(db, me, "pole.addresses.suggested", "location", purpose, fields, [i.id for i in items])
    return AddressSuggestions(items=items)
