"""People, vehicles and addresses for the suggestion tests, made through the POLE store's service
(so the index is kept in step exactly as it is in use)."""

from __future__ import annotations

from datetime import date

from onbeat.records.pole import service as pole
from onbeat.records.pole.schemas import AddressIn, LocationRef, PersonRef, VehicleRef
from onbeat.records.suggest import service
from tests.records.pole.builders import principal  # noqa: F401  (re-exported for the tests)


def person(db, me, *, commit: bool = True, **details):
    """A new person from details; returns its id."""
    person_id = pole.resolve_person(db, me, PersonRef(**details))
    if commit:
        db.commit()
    return person_id


def moved(db, me, person_id, address: str, postcode: str, *, left_old_on: date = date(2024, 1, 1)):
    """The person moved: their address so far gets an end date and the new one is added."""
    from sqlalchemy import update

    from onbeat.records.pole.models import PersonAddress

    db.execute(update(PersonAddress).where(PersonAddress.person_id == person_id).values(to_date=left_old_on))
    p = pole.get_person(db, person_id)
    pole.add_address(db, me, p, AddressIn(location=LocationRef(address=address, postcode=postcode),
                                          from_date=left_old_on))
    db.commit()


def vehicle(db, me, registration: str, **details):
    object_id = pole.resolve_vehicle(db, me, VehicleRef(registration=registration, **details))
    db.commit()
    return object_id


def location(db, me, address: str | None, postcode: str | None):
    location_id = pole.resolve_location(db, me, LocationRef(address=address, postcode=postcode))
    db.commit()
    return location_id


def ids(found) -> list:
    return [f.id for f in found]


def suggest(db, limit: int = 5, **typed):
    return service.suggest_persons(db, service.PersonQuery(**typed), limit)


# A small store: the people most tests look for, among others who resemble them.
STORE = [
    dict(given_name="Robert", family_name="Thompson", date_of_birth=date(1980, 3, 7), address="12 High Street, Reading",
         postcode="RG1 1AA", phone="07700 900123"),
    dict(given_name="Roberta", family_name="Thomson", date_of_birth=date(1982, 7, 3), address="3 Mill Lane, Reading",
         postcode="RG1 2BB"),
    dict(given_name="Margaret", family_name="Okonkwo", date_of_birth=date(1957, 11, 21),
         address="Flat 2, 40 Oxford Road, Reading", postcode="RG1 7LD"),
    dict(given_name="William", family_name="Hughes", date_of_birth=date(1991, 1, 30), address="5 Castle Hill, Reading",
         postcode="RG1 7TJ"),
    dict(given_name="Sarah", family_name="Hughes", date_of_birth=date(1993, 5, 2), address="5 Castle Hill, Reading",
         postcode="RG1 7TJ"),
    dict(given_name="Siobhan", family_name="McCarthy", date_of_birth=date(1975, 9, 14)),
    dict(given_name="Thomas", family_name="Robertson", date_of_birth=date(1980, 3, 7)),
]


def store(db, me) -> dict[str, object]:
    """The STORE, committed: family name + given name -> person id."""
    return {f"{d['given_name']} {d['family_name']}": person(db, me, **d) for d in STORE}
