"""Resolving references from records, labels with markers, the grid conversion."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import event, func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.core.errors import BadRequest, Conflict
from onbeat.core.time import uk_today
from onbeat.records.pole import grid, markers, service
from onbeat.records.pole.models import Location, Person, PersonAddress, PoleObject
from onbeat.records.pole.schemas import LocationRef, MarkerExpiry, MarkerIn, ObjectRef, PersonRef, VehicleRef
from tests.records.pole.builders import person, principal


@pytest.fixture
def me(make_user):
    return principal(make_user("officer"))


def audits(db, event):
    return db.execute(select(AuditEntry).where(AuditEntry.event == event)).scalars().all()


def test_new_person_is_created_with_details_and_collection_audited(db, me):
    pid = service.resolve_person(db, me, PersonRef(
        given_name="John", family_name="Smith", date_of_birth=date(1990, 3, 12), gender="male", ethnicity="w1",
        address="1 High Street, Reading", postcode="rg1 1aa", phone="07700 900123",
        aliases=[{"given_name": "Johnny", "family_name": "Smythe"}], identifiers={"pnc_id": "79/26538x"}))
    db.commit()
    p = db.get(Person, pid)
    assert (p.given_name, p.family_name, p.ethnicity, p.gender) == ("John", "Smith", "W1", "male")
    assert "smythe" in p.search_name and "johnny" in p.search_name
    loc = db.execute(select(Location).join(PersonAddress, PersonAddress.location_id == Location.id)
                     .where(PersonAddress.person_id == pid)).scalar_one()
    assert loc.postcode == "RG1 1AA"
    [entry] = audits(db, "pole.person.created")
    assert entry.action == "collect" and entry.subject_type == "person" and entry.subject_id == str(pid)
    # the audit log names what was collected, never the values (they could not be erased from it)
    assert "Smith" not in str(entry.detail) and "family_name" in entry.detail["fields"]


def test_known_person_id_is_returned_and_unknown_id_refused_naming_the_field(db, me):
    pid = person(db, me, family_name="Jones")
    assert service.resolve_person(db, me, PersonRef(id=pid)) == pid
    with pytest.raises(BadRequest) as e:
        service.resolve_person(db, me, PersonRef(id=uuid.uuid4()), field="witness")
    assert e.value.field == "witness.id" and e.value.status == 400


def test_date_of_birth_in_the_future_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as e:
        PersonRef(family_name="Smith", date_of_birth=uk_today() + timedelta(days=1))
    assert e.value.errors()[0]["loc"] == ("date_of_birth",) and "future" in e.value.errors()[0]["msg"]


@pytest.mark.parametrize("field,value", [("ethnicity", "X7"), ("gender", "robot"), ("postcode", "RG1 1A"),
                                         ("phone", "12"), ("identifiers", {"pnc_id": "1979/0026538Y"}),
                                         ("identifiers", {"driving_licence": "SMITH123"}),
                                         ("identifiers", {"passport": "12"})])
def test_bad_codes_and_formats_are_refused(field, value):
    with pytest.raises(ValidationError) as e:
        PersonRef(family_name="Smith", **{field: value})
    assert e.value.errors()[0]["loc"][0] == field


def test_driving_licence_must_match_the_date_of_birth():
    # MORGA 7 53 11 6: born 11 March 1976 (month + 50: the licence of a woman)
    ok = PersonRef(family_name="Morgan", date_of_birth=date(1976, 3, 11),
                   identifiers={"driving_licence": "morga 753116 sm9ij"})
    assert ok.identifiers.driving_licence == "MORGA753116SM9IJ"
    with pytest.raises(ValidationError) as e:
        PersonRef(family_name="Morgan", date_of_birth=date(1976, 3, 12),
                  identifiers={"driving_licence": "MORGA753116SM9IJ"})
    assert e.value.errors()[0]["loc"] == ("identifiers",) and "date of birth" in e.value.errors()[0]["msg"]


def test_same_identifier_finds_the_same_person_and_refuses_another_name(db, me):
    first = person(db, me, family_name="Smith", date_of_birth=date(1985, 1, 1), identifiers={"pnc_id": "2003/0062845E"})
    assert service.resolve_person(db, me, PersonRef(family_name="smith", identifiers={"pnc_id": "03/62845e"})) == first
    with pytest.raises(Conflict) as e:
        service.resolve_person(db, me, PersonRef(family_name="Brown", identifiers={"pnc_id": "2003/0062845E"}))
    assert e.value.field == "identifiers.pnc_id"
    with pytest.raises(Conflict):
        service.resolve_person(db, me, PersonRef(family_name="Smith", date_of_birth=date(1970, 1, 1),
                                                 identifiers={"pnc_id": "2003/0062845E"}))


def test_vehicle_registration_is_normalised_and_found_again(db, me):
    vid = service.resolve_vehicle(db, me, VehicleRef(registration="ab12 cde", make="Ford", model="Focus"))
    again = service.resolve_vehicle(db, me, VehicleRef(registration="AB12CDE", colour="Blue"))
    db.commit()
    assert again == vid
    v = db.get(PoleObject, vid)
    assert (v.registration, v.colour) == ("AB12CDE", "blue")
    assert service.summaries(db, [("object", vid)])[("object", vid)][0] == "AB12 CDE Ford Focus, blue"
    assert [a.action for a in audits(db, "pole.vehicle.completed")] == ["alter"]


def test_vehicle_id_must_be_a_vehicle(db, me):
    knife = service.resolve_object(db, me, ObjectRef(kind="weapon", description="Kitchen knife"))
    with pytest.raises(BadRequest) as e:
        service.resolve_vehicle(db, me, VehicleRef(id=knife), field="vehicle")
    assert e.value.field == "vehicle.id"


def test_object_label_with_quantity(db, me):
    oid = service.resolve_object(db, me, ObjectRef(kind="drugs", description="Cannabis resin", quantity="3.50",
                                                   unit="g"))
    assert service.summaries(db, [("object", oid)])[("object", oid)][0] == "Drugs: Cannabis resin (3.5 g)"


# Reading Town Hall, Blagrave Street: OS grid reference SU 716 735.
READING_TOWN_HALL = (51.4567, -0.9697)


def test_grid_reference_is_computed_from_latitude_and_longitude(db, me):
    lid = service.resolve_location(db, me, LocationRef(place="Reading Town Hall", latitude=READING_TOWN_HALL[0],
                                                       longitude=READING_TOWN_HALL[1]))
    loc = db.get(Location, lid)
    assert 471_600 <= loc.easting <= 471_700 and 173_500 <= loc.northing <= 173_600
    # and back again: the inverse lands within a metre of where we started
    lat, lon = grid.from_grid(loc.easting, loc.northing)
    assert abs(lat - READING_TOWN_HALL[0]) < 1e-5 and abs(lon - READING_TOWN_HALL[1]) < 1e-5


def test_latitude_longitude_computed_from_grid_and_disagreement_refused(db, me):
    lid = service.resolve_location(db, me, LocationRef(easting=471_681.5, northing=173_583.3))
    loc = db.get(Location, lid)
    assert abs(loc.latitude - READING_TOWN_HALL[0]) < 1e-4 and abs(loc.longitude - READING_TOWN_HALL[1]) < 1e-4
    with pytest.raises(BadRequest) as e:
        service.resolve_location(db, me, LocationRef(latitude=READING_TOWN_HALL[0], longitude=READING_TOWN_HALL[1],
                                                     easting=480_000, northing=173_583), field="scene")
    assert e.value.field == "scene.easting"


def test_point_off_the_national_grid_keeps_no_grid_reference(db, me):
    lid = service.resolve_location(db, me, LocationRef(place="Madrid", latitude=40.4168, longitude=-3.7038))
    assert db.get(Location, lid).easting is None


def test_same_address_and_postcode_is_one_location(db, me):
    a = service.resolve_location(db, me, LocationRef(address="1 High Street,  Reading", postcode="rg11aa"))
    b = service.resolve_location(db, me, LocationRef(address="1 high street, reading", postcode="RG1 1AA"))
    assert a == b
    c = service.resolve_location(db, me, LocationRef(postcode="RG1 1AA"))
    assert c != a and service.resolve_location(db, me, LocationRef(postcode="rg1 1aa")) == c
    # a described place or a point is its own location, even with the same postcode
    d = service.resolve_location(db, me, LocationRef(place="Bus stop", postcode="RG1 1AA"))
    assert d not in (a, c)
    assert db.execute(select(func.count()).select_from(Location)).scalar() == 3


def test_summaries_label_people_with_active_markers_only(db, me):
    smith = person(db, me, given_name="John", family_name="Smith", date_of_birth=date(1990, 3, 12))
    jones = person(db, me, family_name="Jones")
    violent = markers.add_marker(db, me, smith, MarkerIn(kind="violence", detail="Assaulted officers",
                                                         source="CRI/000001/26"))
    gone = markers.add_marker(db, me, smith, MarkerIn(kind="drugs", detail="Supplies", source="PNC"))
    markers.expire_marker(db, me, gone, MarkerExpiry(reason="No longer relevant"))
    db.commit()
    lid = service.resolve_location(db, me, LocationRef(address="Broad Street, Reading", postcode="RG1 2BH"))
    out = service.summaries(db, [("person", smith), ("person", jones), ("location", lid), ("person", uuid.uuid4())])
    label, items = out[("person", smith)]
    assert label == "SMITH, John (12/03/1990)"
    assert [(m.kind, m.label, m.review_on) for m in items] == [
        ("violence", "Violent", violent.review_on.isoformat())]
    assert out[("person", jones)] == ("JONES", [])
    assert out[("location", lid)][0] == "Broad Street, Reading, RG1 2BH"
    assert len(out) == 3
    # the expired marker is kept
    assert {m.kind for m in markers.markers_of(db, smith, include_expired=True)} == {"violence", "drugs"}


def test_marker_past_its_expiry_date_is_hidden(db, me):
    pid = person(db, me, family_name="Brown")
    m = markers.add_marker(db, me, pid, MarkerIn(kind="weapons", detail="Carries a knife", source="PNC",
                                                 marked_on=uk_today() - timedelta(days=30),
                                                 expires_on=uk_today() + timedelta(days=1)))
    db.commit()
    assert markers.active_markers(db, [pid])[pid][0].kind == "weapons"
    m.expires_on = uk_today()
    db.commit()
    assert markers.active_markers(db, [pid]) == {}
    assert markers.markers_of(db, pid, include_expired=True) == [m]


def test_summaries_use_few_queries(db, me):
    ids = [person(db, me, family_name=f"Name{i}") for i in range(5)]
    for pid in ids:
        markers.add_marker(db, me, pid, MarkerIn(kind="violence", detail="Violent to staff", source="PNC"))
    db.commit()
    statements = []
    engine = db.get_bind()
    listen = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        out = service.summaries(db, [("person", i) for i in ids])
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert len(statements) == 2 and all(out[("person", i)][1] for i in ids)
