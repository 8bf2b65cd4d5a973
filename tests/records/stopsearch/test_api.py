"""The stop-search API: recorded once per client UUID, refused whole when a rule is broken, read
with a purpose, listed with filters, found by receipt reference, edited while a draft, approved."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.core.events.models import OutboxEvent
from onbeat.core.time import utcnow
from onbeat.records.core.models import Record, RecordLink
from onbeat.records.pole.models import Person
from onbeat.records.stopsearch.models import StopSearch
from tests.conftest import bearer
from tests.records.stopsearch.sample import drugs_search, section_60_search

pytestmark = pytest.mark.db
URL = "/api/records/stop-searches"
WHY = {"X-Purpose": "Incident 0042-21112026"}


@pytest.fixture
def officer(client, make_user):
    user = make_user("officer", collar_number="4521")
    return user, bearer(client, user.username)


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_recorded_once_then_the_same_record_again(client, db, officer):
    user, auth = officer
    body = drugs_search()
    first = client.post(URL, json=body, headers=auth)
    assert first.status_code == 201, first.text
    made = first.json()
    assert made["reference"].startswith("SS/") and made["state"] == "draft" and made["kind"] == "stop_search"
    assert made["receipt_reference"].startswith("SS-") and len(made["receipt_reference"]) == 12
    assert made["officer_number"] == "4521" and made["author_id"] == str(user.id)
    assert made["postcode"] == "RG1 1AA" and made["place"] == body["place"]
    assert made["grounds"] == body["grounds"] and made["power_label"] == "Misuse of Drugs Act 1971 s23"

    again = client.post(URL, json=body, headers=auth)
    assert again.status_code == 200
    assert again.json() == made
    assert count(db, Record) == 1 and count(db, StopSearch) == 1
    events = db.execute(select(OutboxEvent).where(OutboxEvent.subject == "onbeat.records.stop_search_recorded")).scalars().all()
    assert len(events) == 1 and events[0].permission == "records.read"
    assert events[0].payload["reference"] == made["reference"] and events[0].payload["power"] == "mda_s23"


def test_a_repeat_gives_its_reference_number_back(client, officer):
    _, auth = officer
    body = drugs_search()
    first = client.post(URL, json=body, headers=auth).json()
    client.post(URL, json=body, headers=auth)
    second = client.post(URL, json=drugs_search(), headers=auth).json()
    assert int(second["reference"].split("/")[1]) == int(first["reference"].split("/")[1]) + 1


def test_a_client_uuid_of_another_officer_is_a_conflict(client, make_user, officer):
    _, auth = officer
    body = drugs_search()
    assert client.post(URL, json=body, headers=auth).status_code == 201
    other = make_user("officer")
    r = client.post(URL, json=body, headers=bearer(client, other.username))
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "client_uuid"


@pytest.mark.parametrize("changes,field", [
    ({"grounds": "nervous"}, "grounds"),
    ({"authorisation_reference": None, "section_60": True}, "authorisation_reference"),
    ({"self_defined_ethnicity": "B2", "officer_defined_ethnicity": "B"}, "officer_defined_ethnicity"),
    ({"outcome": "arrest", "outcome_linked_to_object": None}, "outcome_linked_to_object"),
    ({"injury_or_damage": True}, "injury_or_damage_detail"),
    ({"search_type": "vehicle"}, "vehicle_registration"),
    ({"occurred_at": (utcnow() + timedelta(hours=2)).isoformat()}, "occurred_at"),
])
def test_a_broken_rule_is_refused_naming_the_field_and_nothing_is_stored(client, db, officer, changes, field):
    _, auth = officer
    body = section_60_search(**changes) if changes.pop("section_60", False) else drugs_search(**changes)
    r = client.post(URL, json=body, headers=auth)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["message"] and problem["hint"]
    assert count(db, Record) == 0 and count(db, StopSearch) == 0
    assert db.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.subject.like("onbeat.records.%"))) == 0


def test_unknown_codes_are_refused_naming_the_field(client, officer):
    _, auth = officer
    r = client.post(URL, json=drugs_search(power="pace_s99", outcome="telling_off"), headers=auth)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"power", "outcome"}


def test_a_person_is_named_only_when_they_gave_their_name(client, db, officer):
    _, auth = officer
    anonymous = client.post(URL, json=drugs_search(), headers=auth).json()
    assert anonymous["name_given"] is False and anonymous["person_id"] is None and anonymous["entities"] == []
    assert count(db, Person) == 0

    named = client.post(URL, json=drugs_search(name_given=True, self_defined_ethnicity="B1", gender="female",
                                               person={"given_name": "Sam", "family_name": "Jones",
                                                       "postcode": None}), headers=auth)
    assert named.status_code == 201, named.text
    person = db.get(Person, uuid.UUID(named.json()["person_id"]))
    assert (person.given_name, person.family_name, person.ethnicity, person.gender) == ("Sam", "Jones", "B1", "female")
    roles = [(e["entity_type"], e["role"]) for e in named.json()["entities"]]
    assert roles == [("person", "person_searched")]

    refused = client.post(URL, json=drugs_search(person={"given_name": "Sam"}), headers=auth)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "person"


def test_the_searched_vehicle_is_recognised_in_the_records_store(client, officer):
    _, auth = officer
    first = client.post(URL, json=drugs_search(search_type="person_and_vehicle", vehicle_registration="ab12 cde"),
                        headers=auth).json()
    second = client.post(URL, json=drugs_search(search_type="vehicle", vehicle_registration="AB12-CDE"),
                         headers=auth).json()
    assert first["vehicle_registration"] == second["vehicle_registration"] == "AB12CDE"
    vehicles = [[e["id"] for e in r["entities"] if e["role"] == "vehicle"] for r in (first, second)]
    assert vehicles[0] == vehicles[1] and len(vehicles[0]) == 1


def test_receipt_contact_is_kept_only_for_email_or_sms(client, officer):
    _, auth = officer
    texted = client.post(URL, json=drugs_search(receipt_method="sms", receipt_contact="07700 900 123"), headers=auth)
    assert texted.json()["receipt_contact"] == "07700900123"
    carded = client.post(URL, json=drugs_search(receipt_method="card", receipt_contact="07700900123"), headers=auth)
    assert carded.status_code == 400 and carded.json()["errors"][0]["field"] == "receipt_contact"


def test_reading_needs_a_purpose_and_is_audited(client, db, officer):
    _, auth = officer
    made = client.post(URL, json=drugs_search(), headers=auth).json()
    refused = client.get(f"{URL}/{made['id']}", headers=auth)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "purpose"
    r = client.get(f"{URL}/{made['id']}", headers=auth | WHY)
    assert r.status_code == 200 and r.json()["id"] == made["id"]
    viewed = db.execute(select(AuditEntry).where(AuditEntry.event == "records.stop_search.viewed")).scalars().all()
    assert [(e.subject_id, e.purpose) for e in viewed] == [(made["id"], WHY["X-Purpose"])]
    assert client.get(f"{URL}/{uuid.uuid4()}", headers=auth | WHY).status_code == 404


def test_receipt_lookup_for_staff(client, db, officer, make_user):
    _, auth = officer
    made = client.post(URL, json=drugs_search(), headers=auth).json()
    supervisor = bearer(client, make_user("supervisor").username)
    typed = made["receipt_reference"].lower().replace("-", " ")
    r = client.get(f"{URL}/receipts/{typed}", headers=supervisor | {"X-Purpose": "The person asked for the record"})
    assert r.status_code == 200 and r.json()["reference"] == made["reference"]
    missing = client.get(f"{URL}/receipts/SS-0000-0000", headers=supervisor | WHY)
    assert missing.status_code == 404 and "SS-0000-0000" in missing.json()["detail"]
    assert client.get(f"{URL}/receipts/{typed}", headers=supervisor).status_code == 400  # no purpose


def test_list_paginates_and_filters(client, db, officer, make_user):
    user, auth = officer
    other = make_user("officer", collar_number="7788")
    other_auth = bearer(client, other.username)
    now = utcnow()
    for days in range(5):
        client.post(URL, json=drugs_search(occurred_at=(now - timedelta(days=days, hours=1)).isoformat()), headers=auth)
    client.post(URL, json=section_60_search(), headers=auth)
    client.post(URL, json=drugs_search(outcome="arrest"), headers=other_auth)

    page = client.get(URL, params={"size": 3}, headers=auth | WHY).json()
    assert (page["total"], page["pages"], len(page["items"])) == (7, 3, 3)
    second = client.get(URL, params={"size": 3, "page": 2}, headers=auth | WHY).json()
    assert {i["id"] for i in page["items"]}.isdisjoint(i["id"] for i in second["items"])
    when = [i["occurred_at"] for i in page["items"] + second["items"]]
    assert when == sorted(when, reverse=True)

    def total(**params) -> int:
        r = client.get(URL, params=params, headers=auth | WHY)
        assert r.status_code == 200, r.text
        return r.json()["total"]

    assert total(power="cjpoa_s60") == 1
    assert total(outcome="arrest") == 1
    assert total(outcome="drugs_warning", power="mda_s23") == 5
    assert total(officer_id=str(other.id)) == 1 and total(collar_number="4521") == 6 and total(collar_number="0") == 0
    assert total(date_from=(now - timedelta(days=2)).isoformat(), date_to=now.isoformat()) == 4
    assert client.get(URL, params={"power": "s99"}, headers=auth | WHY).status_code == 422
    assert client.get(URL, headers=auth).status_code == 400
    listed = db.execute(select(AuditEntry).where(AuditEntry.event == "records.stop_search.listed")).scalars().all()
    assert listed and all(e.purpose == WHY["X-Purpose"] for e in listed)


def test_edit_a_draft_then_not_once_submitted(client, db, officer, make_user):
    _, auth = officer
    made = client.post(URL, json=drugs_search(), headers=auth).json()
    changed = drugs_search(outcome="arrest", outcome_linked_to_object=True, place="Broad Street", postcode=None,
                           name_given=True, person={"given_name": "Alex", "family_name": "Reed"})
    del changed["client_uuid"]
    r = client.put(f"{URL}/{made['id']}", json=changed, headers=auth)
    assert r.status_code == 200, r.text
    edited = r.json()
    assert (edited["outcome"], edited["place"], edited["postcode"]) == ("arrest", "Broad Street", None)
    assert edited["receipt_reference"] == made["receipt_reference"] and edited["person_id"]
    # The same edit sent again (its answer lost) names the same person, not a second one.
    assert client.put(f"{URL}/{made['id']}", json=changed, headers=auth).json()["person_id"] == edited["person_id"]
    assert count(db, Person) == 1
    altered = db.execute(select(AuditEntry).where(AuditEntry.event == "records.stop_search.edited")
                         .order_by(AuditEntry.seq)).scalars().first()
    assert "outcome" in altered.detail["fields"] and "place" in altered.detail["fields"]

    # The person withdrawn from the record on a second edit: the link goes, the draft keeps no name.
    del changed["person"]
    changed["name_given"] = False
    assert client.put(f"{URL}/{made['id']}", json=changed, headers=auth).json()["person_id"] is None
    assert db.scalar(select(func.count()).select_from(RecordLink).where(RecordLink.role == "person_searched")) == 0

    bad = client.put(f"{URL}/{made['id']}", json={**changed, "grounds": "no"}, headers=auth)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "grounds"
    db.expire_all()
    assert db.get(StopSearch, uuid.UUID(made["id"])).grounds == changed["grounds"]

    someone_else = bearer(client, make_user("officer").username)
    assert client.put(f"{URL}/{made['id']}", json=changed, headers=someone_else).status_code == 403

    assert client.post(f"/api/records/{made['id']}/submit", headers=auth).status_code == 200
    locked = client.put(f"{URL}/{made['id']}", json=changed, headers=auth)
    assert locked.status_code == 409 and "submitted" in locked.json()["detail"]


def test_full_flow_to_approval(client, db, officer, make_user):
    _, auth = officer
    made = client.post(URL, json=section_60_search(), headers=auth).json()
    supervisor = bearer(client, make_user("supervisor").username)
    assert client.post(f"/api/records/{made['id']}/approve", json={}, headers=supervisor).status_code == 409

    assert client.post(f"/api/records/{made['id']}/submit", headers=auth).json()["state"] == "submitted"
    assert client.post(f"/api/records/{made['id']}/approve", json={}, headers=auth).status_code == 403  # not own
    returned = client.post(f"/api/records/{made['id']}/return", json={"comment": "Add the authorisation time"},
                           headers=supervisor)
    assert returned.json()["state"] == "returned"
    body = {k: v for k, v in section_60_search(authorisation_reference="S60/2026/015").items() if k != "client_uuid"}
    assert client.put(f"{URL}/{made['id']}", json=body, headers=auth).status_code == 200
    assert client.post(f"/api/records/{made['id']}/submit", headers=auth).json()["state"] == "submitted"
    approved = client.post(f"/api/records/{made['id']}/approve", json={"comment": "Good record"}, headers=supervisor)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    final = client.get(f"{URL}/{made['id']}", headers=auth | WHY).json()
    assert final["state"] == "approved" and final["authorisation_reference"] == "S60/2026/015"
    subjects = db.execute(select(OutboxEvent.subject).where(OutboxEvent.subject.like("onbeat.records.%"))
                          .order_by(OutboxEvent.id)).scalars().all()
    assert subjects == ["onbeat.records.stop_search_recorded", "onbeat.records.submitted", "onbeat.records.returned",
                        "onbeat.records.submitted", "onbeat.records.approved"]


def test_roles_without_write_may_read_but_not_record(client, make_user, officer):
    _, auth = officer
    made = client.post(URL, json=drugs_search(), headers=auth).json()
    analyst = bearer(client, make_user("analyst").username)
    assert client.post(URL, json=drugs_search(), headers=analyst).status_code == 403
    assert client.get(f"{URL}/{made['id']}", headers=analyst | WHY).status_code == 200
    codes = client.get(f"{URL}/codes", headers=auth).json()
    assert codes["powers"]["cjpoa_s60"]["grounds_required"] is False
    assert codes["powers"]["ta_s47a"]["lowest_authorising_rank"] == "assistant_chief_constable"
