"""The POLE API: people, objects, locations, events and links; purposes, permissions, refusals."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from onbeat.records.pole.models import Person
from tests.conftest import bearer

WHY = {"X-Purpose": "CRI/000123/26"}


@pytest.fixture
def officer(client, make_user):
    return bearer(client, make_user("officer").username)


def new_person(client, auth, **body):
    r = client.post("/api/persons", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_then_read_with_a_purpose_is_audited(client, db, officer):
    made = new_person(client, officer, given_name="Aisha", family_name="Khan", date_of_birth="1988-07-02",
                      ethnicity="A2", gender="female", address="4 Oxford Road, Reading", postcode="RG1 7LA",
                      phone="0118 496 0000", identifiers={"passport": "123456789"})
    assert made["label"] == "KHAN, Aisha (02/07/1988)"
    assert made["addresses"][0]["location"]["postcode"] == "RG1 7LA"
    r = client.get(f"/api/persons/{made['id']}", headers={**officer, **WHY})
    assert r.status_code == 200 and r.json()["identifiers"] == [
        {"kind": "passport", "label": "Passport number", "value": "123456789"}]
    [entry] = db.execute(select(AuditEntry).where(AuditEntry.event == "pole.person.viewed")).scalars().all()
    assert (entry.action, entry.purpose, entry.subject_id) == ("consult", "CRI/000123/26", made["id"])


def test_reading_without_a_purpose_is_refused(client, officer):
    made = new_person(client, officer, family_name="Khan")
    for path in (f"/api/persons/{made['id']}", "/api/persons?name=khan", f"/api/persons/{made['id']}/records"):
        r = client.get(path, headers=officer)
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose", path


@pytest.mark.parametrize("body,field", [
    ({"family_name": "Smith", "date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"family_name": "Smith", "ethnicity": "Z9"}, "ethnicity"),
    ({"family_name": "Smith", "postcode": "RG99 XYZ1"}, "postcode"),
    ({"family_name": "Smith", "identifiers": {"pnc_id": "2003/0062845F"}}, "identifiers.pnc_id"),
    ({}, "body"),
])
def test_bad_person_details_are_refused_naming_the_field_and_nothing_is_stored(client, db, officer, body, field):
    r = client.post("/api/persons", json=body, headers=officer)
    assert r.status_code == 422, r.text
    assert any(e["field"] == field for e in r.json()["errors"]), r.json()
    assert db.execute(select(Person)).first() is None


def test_unknown_person_id_is_not_found(client, officer):
    r = client.get(f"/api/persons/{uuid.uuid4()}", headers={**officer, **WHY})
    assert r.status_code == 404


def test_update_details_is_audited_as_an_alteration(client, db, officer):
    made = new_person(client, officer, given_name="Jon", family_name="Smith")
    r = client.patch(f"/api/persons/{made['id']}", json={"given_name": "John", "ethnicity": "w9"}, headers=officer)
    assert r.status_code == 200 and r.json()["label"] == "SMITH, John" and r.json()["ethnicity"] == "W9"
    [entry] = db.execute(select(AuditEntry).where(AuditEntry.event == "pole.person.updated")).scalars().all()
    assert entry.action == "alter" and entry.detail == {"fields": ["ethnicity", "given_name"]}
    bad = client.patch(f"/api/persons/{made['id']}", json={"date_of_birth": "2999-01-01"}, headers=officer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "date_of_birth"


def test_alias_address_identifier_and_phone_are_added(client, officer):
    pid = new_person(client, officer, given_name="Liam", family_name="Byrne", date_of_birth="1976-03-11")["id"]
    client.post(f"/api/persons/{pid}/aliases", json={"family_name": "Burns"}, headers=officer).raise_for_status()
    r = client.post(f"/api/persons/{pid}/addresses", headers=officer, json={
        "location": {"address": "12 Queens Road, Reading", "postcode": "RG1 4AR"},
        "from_date": "2019-01-01", "to_date": "2022-06-30"})
    assert r.status_code == 201
    r = client.post(f"/api/persons/{pid}/identifiers", json={"kind": "pnc_id", "value": "79/26538x"}, headers=officer)
    assert r.status_code == 201
    client.post(f"/api/persons/{pid}/phones", json={"number": "+44 (0)7700 900123"}, headers=officer)
    out = client.get(f"/api/persons/{pid}", headers={**officer, **WHY}).json()
    assert [a["family_name"] for a in out["aliases"]] == ["Burns"]
    [address] = out["addresses"]
    assert (address["from_date"], address["to_date"], address["current"]) == ("2019-01-01", "2022-06-30", False)
    assert out["identifiers"][0]["value"] == "1979/0026538X"
    assert out["phones"] == ["+447700900123"]
    # the alias is found by the name search
    found = client.get("/api/persons", params={"name": "burns"}, headers={**officer, **WHY}).json()
    assert [p["id"] for p in found["items"]] == [pid]


def test_identifier_refusals(client, officer):
    a = new_person(client, officer, family_name="Byrne", date_of_birth="1980-01-01")["id"]
    b = new_person(client, officer, family_name="Other")["id"]
    r = client.post(f"/api/persons/{a}/identifiers", json={"kind": "driving_licence", "value": "MORGA753116SM9IJ"},
                    headers=officer)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "value"  # born 11/03/1976, not 01/01/1980
    client.post(f"/api/persons/{a}/identifiers", json={"kind": "passport", "value": "123456789"},
                headers=officer).raise_for_status()
    r = client.post(f"/api/persons/{b}/identifiers", json={"kind": "passport", "value": "123456789"}, headers=officer)
    assert r.status_code == 409


def test_search_by_name_dob_postcode_paginates(client, officer):
    ids = [new_person(client, officer, given_name=f"Person{i:02d}", family_name="Evans",
                      date_of_birth="1990-01-01" if i % 2 else "1991-01-01",
                      address=f"{i} Kings Road, Reading", postcode="RG1 3AA" if i < 5 else "RG2 0AA")["id"]
           for i in range(12)]
    new_person(client, officer, given_name="Zed", family_name="Other")
    first = client.get("/api/persons", params={"name": "evans", "size": 5}, headers={**officer, **WHY}).json()
    assert (first["total"], first["pages"], len(first["items"])) == (12, 3, 5)
    third = client.get("/api/persons", params={"name": "evans", "size": 5, "page": 3}, headers={**officer, **WHY})
    assert len(third.json()["items"]) == 2
    seen = {p["id"] for n in (1, 2, 3) for p in client.get(
        "/api/persons", params={"name": "evans", "size": 5, "page": n}, headers={**officer, **WHY}).json()["items"]}
    assert seen == set(ids)
    dob = client.get("/api/persons", params={"name": "ev", "date_of_birth": "1990-01-01"},
                     headers={**officer, **WHY}).json()
    assert dob["total"] == 6
    district = client.get("/api/persons", params={"postcode": "rg1"}, headers={**officer, **WHY}).json()
    assert district["total"] == 5
    exact = client.get("/api/persons", params={"postcode": "RG20AA"}, headers={**officer, **WHY}).json()
    assert exact["total"] == 7
    bad = client.get("/api/persons", params={"postcode": "nonsense"}, headers={**officer, **WHY})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "postcode"
    punctuation = client.get("/api/persons", params={"name": "%_%"}, headers={**officer, **WHY})
    assert punctuation.status_code == 400 and punctuation.json()["errors"][0]["field"] == "name"
    nothing = client.get("/api/persons", headers={**officer, **WHY})
    assert nothing.status_code == 400 and nothing.json()["errors"][0]["field"] == "name"


def test_vehicle_created_once_per_registration_and_linked_to_its_owner(client, officer):
    r = client.post("/api/objects", json={"kind": "vehicle", "registration": "ab12 cde", "make": "Ford",
                                          "model": "Focus", "colour": "blue"}, headers=officer)
    assert r.status_code == 201 and r.json()["label"] == "AB12 CDE Ford Focus, blue"
    again = client.post("/api/objects", json={"kind": "vehicle", "registration": "AB12CDE"}, headers=officer)
    assert again.json()["id"] == r.json()["id"]
    owner = new_person(client, officer, family_name="Evans")["id"]
    link = client.post("/api/links", json={"from_type": "person", "from_id": owner, "role": "owner",
                                           "to_type": "object", "to_id": r.json()["id"]}, headers=officer)
    assert link.status_code == 201 and link.json()["label"] == "AB12 CDE Ford Focus, blue"
    seen = client.get(f"/api/objects/{r.json()['id']}", headers={**officer, **WHY}).json()
    assert [(l["role_label"], l["entity_id"]) for l in seen["links"]] == [("Owner of (them)", owner)]
    wrong = client.post("/api/links", json={"from_type": "person", "from_id": owner, "role": "lives_at",
                                            "to_type": "object", "to_id": r.json()["id"]}, headers=officer)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "role"
    missing = client.post("/api/links", json={"from_type": "person", "from_id": str(uuid.uuid4()), "role": "owner",
                                              "to_type": "object", "to_id": r.json()["id"]}, headers=officer)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "from_id"
    found = client.get("/api/objects", params={"registration": "ab12"}, headers={**officer, **WHY}).json()
    assert found["total"] == 1


def test_objects_need_a_kind_and_description(client, officer):
    r = client.post("/api/objects", json={"kind": "drugs", "description": "Cocaine wraps", "quantity": 4,
                                          "unit": "wraps"}, headers=officer)
    assert r.status_code == 201 and r.json()["label"] == "Drugs: Cocaine wraps (4 wraps)"
    r = client.post("/api/objects", json={"kind": "spaceship", "description": "x"}, headers=officer)
    assert r.status_code == 422
    r = client.post("/api/objects", json={"kind": "weapon"}, headers=officer)
    assert r.status_code == 422


def test_location_grid_reference_and_search(client, officer):
    r = client.post("/api/locations", json={"place": "Reading Town Hall", "latitude": 51.4567,
                                            "longitude": -0.9697}, headers=officer)
    assert r.status_code == 201
    assert round(r.json()["easting"], -2) == 471_700 and round(r.json()["northing"], -2) == 173_600
    client.post("/api/locations", json={"address": "Broad Street", "postcode": "RG1 2BH"},
                headers=officer).raise_for_status()
    found = client.get("/api/locations", params={"postcode": "RG1 2bh"}, headers={**officer, **WHY}).json()
    assert [loc["label"] for loc in found["items"]] == ["Broad Street, RG1 2BH"]
    bad = client.post("/api/locations", json={"latitude": 51.4}, headers=officer)
    assert bad.status_code == 422


def test_events_created_and_found(client, officer):
    r = client.post("/api/events", json={"what": "Fight outside the Purple Turtle", "occurred_at":
                                         "2026-11-20T23:40:00Z", "location": {"place": "Gun Street, Reading"}},
                    headers=officer)
    assert r.status_code == 201 and r.json()["location"]["label"] == "Gun Street, Reading"
    r2 = client.post("/api/events", json={"what": "Naive time", "occurred_at": "2026-11-20T23:40:00"},
                     headers=officer)
    assert r2.status_code == 422 and r2.json()["errors"][0]["field"] == "occurred_at"
    found = client.get("/api/events", params={"text": "purple"}, headers={**officer, **WHY}).json()
    assert found["total"] == 1
    one = client.get(f"/api/events/{r.json()['id']}", headers={**officer, **WHY})
    assert one.status_code == 200 and one.json()["what"] == "Fight outside the Purple Turtle"


def test_roles_without_the_permission_are_refused(client, make_user):
    handler = bearer(client, make_user("call_handler").username)  # may read people, not change them
    analyst = bearer(client, make_user("analyst").username)       # may read records, not people
    officer = bearer(client, make_user("officer").username)
    pid = new_person(client, officer, family_name="Evans")["id"]
    assert client.post("/api/persons", json={"family_name": "X"}, headers=handler).status_code == 403
    assert client.patch(f"/api/persons/{pid}", json={"given_name": "Y"}, headers=handler).status_code == 403
    assert client.get(f"/api/persons/{pid}", headers={**handler, **WHY}).status_code == 200
    assert client.get(f"/api/persons/{pid}", headers={**analyst, **WHY}).status_code == 403
    assert client.get("/api/persons", params={"name": "evans"}, headers={**analyst, **WHY}).status_code == 403
    # markers need markers.manage, which officers do not hold
    marker = {"kind": "violence", "detail": "Assaulted staff", "source": "PNC"}
    assert client.post(f"/api/persons/{pid}/markers", json=marker, headers=officer).status_code == 403
    r = client.get(f"/api/persons/{pid}", params={"include_expired": "true"}, headers={**officer, **WHY})
    assert r.status_code == 403
