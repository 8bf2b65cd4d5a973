"""The suggestion API: candidates with why and their warning markers, refusals, one audited
consultation per call; and choosing a candidate (or not) in a real record."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.records.pole.models import Person
from tests.conftest import bearer
from tests.records.stopsearch.sample import drugs_search
from tests.records.suggest.builders import location, principal, store, vehicle

pytestmark = pytest.mark.db
PEOPLE = "/api/records/persons/suggest"
WHY = {"X-Purpose": "Stop-search being written, incident 0042-21112026"}


@pytest.fixture
def officer(client, db, make_user):
    user = make_user("officer")
    return principal(user), bearer(client, user.username) | WHY


def test_people_come_with_why_and_their_warning_markers(client, db, officer, make_user):
    me, auth = officer
    people = store(db, me)
    target = str(people["William Hughes"])
    detective = make_user("detective")
    marked = client.post(f"/api/persons/{target}/markers", headers=bearer(client, detective.username),
                         json={"kind": "violence", "detail": "Assaulted an officer on arrest", "source": "PNC"})
    assert marked.status_code == 201, marked.text

    r = client.get(PEOPLE, params={"given_name": "Bill", "surname": "Hughs", "date_of_birth": "30/01/1991"},
                   headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    first = body["items"][0]
    assert first["id"] == target and first["label"] == "HUGHES, William (30/01/1991)"
    assert first["address"] == "5 Castle Hill, Reading, RG1 7TJ"
    assert [m["kind"] for m in first["markers"]] == ["violence"]
    assert 0.5 < first["probability"] <= 1
    agreed = {x["field"] for x in first["reasons"] if x["agrees"]}
    assert {"given_name", "date_of_birth"} <= agreed
    assert any("nickname" in x["level"] for x in first["reasons"])
    assert body["fields_used"] == ["given_name", "surname", "date_of_birth"]
    # Sarah Hughes shares the surname and address, not the name or the date: shown lower, or not at all.
    assert all(i["id"] != target for i in body["items"][1:])


def test_each_call_is_one_audited_consultation_naming_who_was_shown(client, db, officer):
    me, auth = officer
    people = store(db, me)
    before = db.scalar(select(func.count()).select_from(AuditEntry))
    r = client.get(PEOPLE, params={"surname": "Okonkwo", "postcode": "rg1 7ld"}, headers=auth)
    assert r.status_code == 200
    db.expire_all()
    entries = db.scalars(select(AuditEntry).where(AuditEntry.seq > 0).order_by(AuditEntry.seq.desc())
                         .limit(db.scalar(select(func.count()).select_from(AuditEntry)) - before)).all()
    assert [e.event for e in entries] == ["pole.persons.suggested"]
    entry = entries[0]
    assert entry.action == "consult" and entry.purpose == WHY["X-Purpose"]
    assert entry.detail == {"fields": ["surname", "postcode"], "shown": [str(people["Margaret Okonkwo"])]}
    assert "Okonkwo" not in str(entry.detail)   # what was typed is not copied into the log


def test_refusals(client, db, officer, make_user):
    _, auth = officer
    nothing = client.get(PEOPLE, params={"town": "Reading"}, headers=auth)
    assert nothing.status_code == 422
    problem = nothing.json()
    assert problem["errors"][0]["field"] == "surname" and "date_of_birth" in problem["hint"]
    bad_date = client.get(PEOPLE, params={"surname": "Hughes", "date_of_birth": "31/02/1990"}, headers=auth)
    assert bad_date.status_code == 422 and bad_date.json()["errors"][0]["field"] == "date_of_birth"
    no_reason = client.get(PEOPLE, params={"surname": "Hughes"}, headers={"Authorization": auth["Authorization"]})
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "purpose"
    analyst = bearer(client, make_user("analyst").username) | WHY
    for path, params in ((PEOPLE, {"surname": "Hughes"}), ("/api/records/vehicles/suggest", {"registration": "AB12CDE"}),
                         ("/api/records/addresses/suggest", {"postcode": "RG1 1AA"})):
        assert client.get(path, params=params, headers=analyst).status_code == 403


def test_vehicles_allow_for_spacing_case_and_o0_i1(client, db, officer):
    me, auth = officer
    bob = vehicle(db, me, "BO11 XYZ", make="Ford", model="Focus", colour="blue")
    vehicle(db, me, "BO11 XYA", make="Vauxhall", colour="red")
    vehicle(db, me, "BO11 XYB", make="Ford", colour="blue")
    for typed in ("bo11xyz", "B011 XYZ", "BOI1 XYZ", "b0 1i x y z"):
        r = client.get("/api/records/vehicles/suggest", params={"registration": typed}, headers=auth)
        assert r.status_code == 200, r.text
        first = r.json()["items"][0]
        assert first["id"] == str(bob) and first["registration"] == "BO11 XYZ", typed
    # One character wrong: all three are a character away; the make and colour put the right Ford first.
    r = client.get("/api/records/vehicles/suggest", params={"registration": "BO11 XYC", "make": "ford",
                                                            "colour": "blue"}, headers=auth)
    items = r.json()["items"]
    assert {i["registration"] for i in items} == {"BO11 XYZ", "BO11 XYA", "BO11 XYB"}
    assert items[-1]["registration"] == "BO11 XYA" and "make differs (Vauxhall)" in items[-1]["reasons"]
    assert client.get("/api/records/vehicles/suggest", params={"registration": " - "}, headers=auth).status_code == 422


def test_addresses_by_postcode_and_a_fuzzy_first_line(client, db, officer):
    me, auth = officer
    target = location(db, me, "12 High Street, Reading", "RG1 1AA")
    location(db, me, "14 High Street, Reading", "RG1 1AA")
    location(db, me, "12 Hill Street, Reading", "RG1 1AB")
    location(db, me, "12 High Street, Henley", "RG9 2AA")
    r = client.get("/api/records/addresses/suggest", params={"postcode": "rg11aa", "address": "12 hgih st"},
                   headers=auth)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items[0]["id"] == str(target) and "postcode matches" in items[0]["reasons"]
    # A slip in the postcode: the sector and the line still find it.
    r = client.get("/api/records/addresses/suggest", params={"postcode": "RG1 1AX", "address": "12 High St"},
                   headers=auth)
    assert r.json()["items"][0]["id"] == str(target)
    # No postcode at all: the line alone.
    r = client.get("/api/records/addresses/suggest", params={"address": "12 High Street Reading"}, headers=auth)
    assert r.json()["items"][0]["id"] == str(target)
    assert client.get("/api/records/addresses/suggest", params={"address": "12"}, headers=auth).status_code == 422


def test_choosing_a_suggestion_links_the_record_to_that_person_and_not_choosing_makes_a_new_one(client, db, officer):
    me, auth = officer
    people = store(db, me)
    count = lambda: db.scalar(select(func.count()).select_from(Person))  # noqa: E731
    known = count()
    chosen = client.get(PEOPLE, params={"given_name": "Maggie", "surname": "Okonkwo"}, headers=auth).json()["items"][0]
    assert chosen["id"] == str(people["Margaret Okonkwo"])
    linked = client.post("/api/records/stop-searches", headers=auth,
                         json=drugs_search(name_given=True, person={"id": chosen["id"]}))
    assert linked.status_code == 201, linked.text
    assert linked.json()["person_id"] == chosen["id"]
    db.expire_all()
    assert count() == known

    # Nobody suggested fits: the details typed make a new person, who is suggested from then on.
    fresh = client.post("/api/records/stop-searches", headers=auth, json=drugs_search(
        name_given=True, person={"given_name": "Kwame", "family_name": "Mensah", "date_of_birth": "2001-04-09",
                                 "postcode": "RG2 0AB"}))
    assert fresh.status_code == 201, fresh.text
    new_id = fresh.json()["person_id"]
    assert new_id not in {str(i) for i in people.values()}
    db.expire_all()
    assert count() == known + 1
    again = client.get(PEOPLE, params={"given_name": "Kwame", "surname": "Mensa", "date_of_birth": "09/04/2001"},
                       headers=auth).json()["items"]
    assert again[0]["id"] == new_id
