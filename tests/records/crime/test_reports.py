"""Crime reports through the API: creation, idempotency, the people and property in them, and
every refusal naming its field and rule with nothing stored."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.records.core.models import Record, RecordLink
from onbeat.records.crime.models import CrimeProperty, CrimeReport, CrimeSuspect, CrimeVictim
from onbeat.records.pole.models import Person
from tests.records.crime.builders import PURPOSE, Force, ago, crime_body, named_suspect


def _count(db, model) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_crime_report_is_a_crime_record_with_its_people_property_and_mo(client, db, make_user):
    force = Force(client, make_user)
    crime = force.create(suspects=[named_suspect(), {"description": "Second man, tall, dark jacket"}])
    record = crime["record"]
    assert record["kind"] == "crime" and record["state"] == "draft"
    assert record["reference"].startswith("CRI/") and record["place"] == "14 Oxford Road, Reading, RG1 7LA"
    assert crime["offence"] == {"code": "28E", "label": "Burglary – residential", "group": "Burglary – residential"}
    assert record["summary"] == "Burglary – residential"
    assert [k["code"] for k in crime["mo_keywords"]] == ["entry.forced_door", "poe.patio_door", "target.jewellery"]
    assert crime["mo_keywords"][1]["label"] == "Patio or French door"
    (victim,) = crime["victims"]
    assert victim["label"] == "HASSAN, Amira (02/05/1984)" and victim["preferred_contact"] == "phone"
    assert victim["enhanced_rights"] is False and victim["enhanced_reason"] is None
    assert [s["label"] for s in crime["suspects"]] == ["COLE, Darren (20/01/1994)", None]
    assert crime["suspects"][1]["description"] == "Second man, tall, dark jacket"
    assert [w["label"] for w in crime["witnesses"]] == ["PRICE, Tom"]
    assert [(p["description"], p["status"], p["value"]) for p in crime["property"]] == [
        ("Gold necklace", "stolen", "450.00"), ("Patio door lock", "damaged", "80.00")]
    roles = sorted((e["entity_type"], e["role"]) for e in record["entities"])
    assert roles == [("location", "scene"), ("object", "property"), ("object", "property"), ("person", "suspect"),
                     ("person", "victim"), ("person", "witness")]
    # The header's time is when the crime was committed.
    stored = db.get(CrimeReport, uuid.UUID(record["id"]))
    assert stored.committed_from == db.get(Record, uuid.UUID(record["id"])).occurred_at


def test_sending_the_same_report_again_returns_the_same_record_and_stores_nothing_twice(client, db, make_user):
    force = Force(client, make_user)
    body = crime_body()
    first = client.post("/api/records/crime", json=body, headers=force.officer)
    assert first.status_code == 201
    counts = [_count(db, m) for m in (Record, CrimeReport, CrimeVictim, CrimeSuspect, CrimeProperty, RecordLink,
                                      Person)]
    again = client.post("/api/records/crime", json=body, headers=force.officer)
    assert again.status_code == 200
    assert again.json()["record"]["id"] == first.json()["record"]["id"]
    assert again.json()["record"]["reference"] == first.json()["record"]["reference"]
    assert [_count(db, m) for m in (Record, CrimeReport, CrimeVictim, CrimeSuspect, CrimeProperty, RecordLink,
                                    Person)] == counts


def test_another_officer_cannot_reuse_a_client_uuid(client, make_user):
    force = Force(client, make_user)
    body = crime_body()
    client.post("/api/records/crime", json=body, headers=force.officer)
    r = client.post("/api/records/crime", json=body, headers=force.supervisor)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "client_uuid"


def _refused(client, force, db, body, status=400) -> dict:
    before = [_count(db, m) for m in (Record, CrimeReport, CrimeVictim, Person, AuditEntry)]
    r = client.post("/api/records/crime", json=body, headers=force.officer)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [_count(db, m) for m in (Record, CrimeReport, CrimeVictim, Person, AuditEntry)] == before
    return r.json()


def test_an_unknown_offence_code_is_refused_naming_the_field(client, db, make_user):
    force = Force(client, make_user)
    problem = _refused(client, force, db, crime_body(offence_code="28Z"))
    assert problem["errors"] == [{"field": "offence_code", "message": problem["detail"]}]
    assert "Home Office Counting Rules" in problem["detail"] and "28E" in problem["hint"]


def test_a_crime_committed_in_the_future_is_refused(client, db, make_user):
    force = Force(client, make_user)
    problem = _refused(client, force, db, crime_body(committed_from=ago(days=-2), committed_to=None))
    assert problem["errors"][0]["field"] == "committed_from" and "in the future" in problem["detail"]


def test_a_window_that_ends_before_it_starts_is_refused(client, db, make_user):
    force = Force(client, make_user)
    problem = _refused(client, force, db, crime_body(committed_from=ago(days=1), committed_to=ago(days=2)))
    assert problem["errors"][0]["field"] == "committed_to" and "before it starts" in problem["detail"]


def test_every_problem_is_named_at_once(client, db, make_user):
    force = Force(client, make_user)
    problem = _refused(client, force, db, crime_body(offence_code="XX", mo_keywords=["entry.teleport"],
                                                     committed_from=ago(days=-1), committed_to=None))
    assert {e["field"] for e in problem["errors"]} == {"offence_code", "committed_from", "mo_keywords.0"}


def test_times_without_a_zone_are_refused(client, db, make_user):
    force = Force(client, make_user)
    problem = _refused(client, force, db, crime_body(committed_from="2026-01-05T10:00:00"), status=422)
    assert problem["errors"][0]["field"] == "committed_from"


def test_enhanced_rights_need_a_reason_and_a_reason_needs_enhanced_rights(client, db, make_user):
    force = Force(client, make_user)
    person = {"given_name": "Jo", "family_name": "Bell"}
    problem = _refused(client, force, db, crime_body(victims=[{"person": person, "enhanced_rights": True}]))
    assert problem["errors"][0]["field"] == "victims.0.enhanced_reason"
    problem = _refused(client, force, db, crime_body(victims=[{"person": person,
                                                               "enhanced_reason": "persistently_targeted"}]))
    assert problem["errors"][0]["field"] == "victims.0.enhanced_rights"
    crime = force.create(victims=[{"person": person, "enhanced_rights": True,
                                   "enhanced_reason": "vulnerable_or_intimidated"}])
    assert crime["victims"][0]["enhanced_reason"] == "vulnerable_or_intimidated"


def test_victims_of_the_most_serious_offences_are_given_enhanced_rights(client, make_user):
    force = Force(client, make_user)
    crime = force.create(offence_code="20a", victims=[{"person": {"given_name": "Lee", "family_name": "Ward"}}])
    assert crime["offence"]["code"] == "20A"
    assert crime["victims"][0]["enhanced_rights"] is True
    assert crime["victims"][0]["enhanced_reason"] == "most_serious"


def test_a_suspect_is_named_or_described(client, db, make_user):
    force = Force(client, make_user)
    problem = _refused(client, force, db, crime_body(suspects=[{}]), status=422)
    assert problem["errors"][0]["field"] == "suspects.0"


def test_the_same_victim_twice_is_refused(client, db, make_user):
    force = Force(client, make_user)
    crime = force.create()
    person_id = crime["victims"][0]["person_id"]
    problem = _refused(client, force, db, crime_body(victims=[{"person": {"id": person_id}},
                                                              {"person": {"id": person_id}}]))
    assert problem["errors"][0]["field"] == "victims.1.person.id"


def test_reading_a_crime_needs_a_purpose_and_is_audited(client, db, make_user):
    force = Force(client, make_user)
    rid = force.create()["record"]["id"]
    r = client.get(f"/api/records/crime/{rid}", headers=force.supervisor)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose"
    r = client.get(f"/api/records/crime/{rid}", headers={**force.supervisor, **PURPOSE})
    assert r.status_code == 200
    entry = db.execute(select(AuditEntry).where(AuditEntry.event == "records.crime.viewed")).scalar_one()
    assert entry.subject_id == rid and entry.purpose == PURPOSE["X-Purpose"]


def test_the_list_pages_and_filters_without_personal_data(client, make_user):
    force = Force(client, make_user)
    for code in ("28E", "46", "46"):
        force.create(offence_code=code)
    r = client.get("/api/records/crime", params={"offence_code": "46", "size": 1}, headers=force.officer).json()
    assert r["total"] == 2 and r["pages"] == 2 and r["items"][0]["offence"]["code"] == "46"
    assert set(r["items"][0]) == {"id", "reference", "state", "offence", "committed_from", "outcome_code"}


def test_parties_are_added_to_a_draft_by_its_author_only(client, make_user):
    force = Force(client, make_user)
    rid = force.create()["record"]["id"]
    add = {"suspects": [named_suspect("Reyes")], "property": [{"description": "Laptop", "status": "stolen"}]}
    r = client.post(f"/api/records/crime/{rid}/parties", json=add, headers=force.supervisor)
    assert r.status_code == 403
    r = client.post(f"/api/records/crime/{rid}/parties", json=add, headers=force.officer)
    assert r.status_code == 200
    assert "REYES, Darren (20/01/1994)" in [s["label"] for s in r.json()["suspects"]]
    assert r.json()["property"][-1] == {"object_id": r.json()["property"][-1]["object_id"], "description": "Laptop",
                                        "status": "stolen", "value": None, "quantity": 1, "serial_number": None}
    r = client.post(f"/api/records/crime/{rid}/parties", json={}, headers=force.officer)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "victims"


def test_suspects_can_be_added_while_an_approved_crime_is_investigated(client, make_user):
    force = Force(client, make_user)
    rid = force.approved()["record"]["id"]
    r = client.post(f"/api/records/crime/{rid}/parties", json={"suspects": [named_suspect()]},
                    headers=force.second_supervisor)
    assert r.status_code == 200 and r.json()["suspects"][-1]["person_id"]


def test_the_report_changes_only_while_a_draft(client, make_user):
    force = Force(client, make_user)
    rid = force.create()["record"]["id"]
    r = client.patch(f"/api/records/crime/{rid}", json={"offence_code": "28F", "mo_keywords": ["entry.no_entry"]},
                     headers=force.officer)
    assert r.status_code == 200
    assert r.json()["offence"]["code"] == "28F" and [k["code"] for k in r.json()["mo_keywords"]] == ["entry.no_entry"]
    r = client.patch(f"/api/records/crime/{rid}", json={"offence_code": "nope"}, headers=force.officer)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "offence_code"
    client.post(f"/api/records/{rid}/submit", headers=force.officer)
    r = client.patch(f"/api/records/crime/{rid}", json={"mo_text": "changed"}, headers=force.officer)
    assert r.status_code == 409


def test_the_code_lists_are_served(client, make_user):
    force = Force(client, make_user)
    codes = client.get("/api/records/crime/codes", headers=force.officer).json()
    assert {"28E", "34A", "34B", "92D", "92E", "37/2"} <= {o["code"] for o in codes["offences"]}
    assert [o["code"] for o in codes["outcomes"]][:3] == ["1", "1A", "2"]
    assert "entry.forced_door" in {k["code"] for k in codes["mo_keywords"]}
