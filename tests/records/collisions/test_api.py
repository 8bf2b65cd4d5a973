"""Creating, reading, editing and listing collision reports through the API."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from onbeat.records.collisions.models import Collision, CollisionCasualty, CollisionVehicle
from onbeat.records.core.models import Record, RecordLink
from tests.conftest import bearer
from tests.records.collisions.helpers import API, casualty, fields, pedestrian, report, vehicle


def test_create_is_idempotent_by_client_uuid(client, db, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    body = report()
    first = client.post(API, json=body, headers=auth)
    assert first.status_code == 201, first.text
    again = client.post(API, json=body, headers=auth)
    assert again.status_code == 200
    assert again.json()["record"]["id"] == first.json()["record"]["id"]
    assert again.json()["record"]["reference"] == first.json()["record"]["reference"]
    assert db.scalar(select(func.count()).select_from(Record)) == 1
    assert db.scalar(select(func.count()).select_from(CollisionVehicle)) == 1
    assert db.scalar(select(func.count()).select_from(CollisionCasualty)) == 1


def test_created_report_reads_back_with_derived_values(client, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    body = report(severity=2, vehicles=[vehicle(1, junction_location=1), vehicle(2, vehicle_type=1, junction_location=2,
                                                                                 age_of_driver=77)],
                  casualties=[casualty(1, 2, age_of_casualty=77, casualty_severity=2), pedestrian(2, 1)])
    created = client.post(API, json=body, headers=auth)
    assert created.status_code == 201, created.text
    out = client.get(f"{API}/{created.json()['record']['id']}", headers={**auth, "X-Purpose": "RTC follow-up"}).json()
    assert out["record"]["kind"] == "collision" and out["record"]["reference"].startswith("RTC/")
    assert out["police_force"] == 43 and out["severity"] == 2
    assert out["number_of_vehicles"] == 2 and out["number_of_casualties"] == 2
    assert 51.3 < out["latitude"] < 51.6 and -1.1 < out["longitude"] < -0.8
    assert out["collision_index"].startswith(str(out["date"][:4]) + "43")
    rider, walker = out["casualties"]
    assert rider["casualty_type"] == 1 and rider["age_band_of_casualty"] == 11  # a cyclist aged 77
    assert walker["casualty_type"] == 0 and walker["vehicle_reference"] == 1 and walker["age_band_of_casualty"] == 2
    assert out["vehicles"][1]["age_band_of_driver"] == 11


def test_reading_needs_a_purpose_and_is_audited(client, db, make_user):
    from onbeat.core.audit.models import AuditEntry

    officer = make_user("officer")
    auth = bearer(client, officer.username)
    record_id = client.post(API, json=report(), headers=auth).json()["record"]["id"]
    assert client.get(f"{API}/{record_id}", headers=auth).status_code == 400
    assert client.get(f"{API}/{record_id}", headers={**auth, "X-Purpose": "Court file"}).status_code == 200
    purposes = db.scalars(select(AuditEntry.purpose).where(AuditEntry.action == "consult",
                                                           AuditEntry.subject_id == record_id)).all()
    assert purposes == ["Court file"]


def test_people_and_vehicles_are_linked_through_the_pole_store(client, db, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    body = report(vehicles=[vehicle(1, junction_location=1, vehicle={"registration": "ab12 cde"},
                                    driver={"given_name": "Sam", "family_name": "Driver"})],
                  casualties=[casualty(1, person={"given_name": "Sam", "family_name": "Driver"})])
    created = client.post(API, json=body, headers=auth)
    assert created.status_code == 201, created.text
    roles = sorted(db.scalars(select(RecordLink.role)).all())
    assert roles == ["casualty", "driver", "vehicle"]
    assert created.json()["vehicles"][0]["registration"] == "AB12CDE"


def test_edit_replaces_the_details_while_a_draft(client, db, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    body = report()
    record_id = client.post(API, json=body, headers=auth).json()["record"]["id"]
    body.update(severity=1, casualties=[casualty(1, casualty_severity=1), pedestrian(2, casualty_severity=3)])
    edited = client.put(f"{API}/{record_id}", json=body, headers=auth)
    assert edited.status_code == 200, edited.text
    assert edited.json()["severity"] == 1 and edited.json()["number_of_casualties"] == 2
    assert db.scalar(select(func.count()).select_from(CollisionCasualty)) == 2
    other = make_user("officer")
    refused = client.put(f"{API}/{record_id}", json=body, headers=bearer(client, other.username))
    assert refused.status_code == 403


def test_a_refused_edit_keeps_the_stored_report(client, db, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    body = report()
    record_id = client.post(API, json=body, headers=auth).json()["record"]["id"]
    body.update(severity=1)  # no fatal casualty
    refused = client.put(f"{API}/{record_id}", json=body, headers=auth)
    assert refused.status_code == 400 and "severity" in fields(refused)
    db.expire_all()
    assert db.get(Collision, uuid.UUID(record_id)).severity == 3


def test_list_filters_by_severity_and_date(client, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    slight = report()
    serious = report(severity=2, date="2026-01-15", time="08:30", casualties=[casualty(1, casualty_severity=2)])
    for body in (slight, serious):
        assert client.post(API, json=body, headers=auth).status_code == 201
    everything = client.get(API, headers=auth).json()
    assert everything["total"] == 2
    only_serious = client.get(API, params={"severity": 2}, headers=auth).json()
    assert [i["severity_label"] for i in only_serious["items"]] == ["Serious"]
    january = client.get(API, params={"date_from": "2026-01-15", "date_to": "2026-01-15"}, headers=auth).json()
    assert january["total"] == 1 and january["items"][0]["severity"] == 2
    paged = client.get(API, params={"size": 1, "page": 2}, headers=auth).json()
    assert paged["pages"] == 2 and len(paged["items"]) == 1


def test_roles_without_records_write_cannot_create(client, make_user):
    analyst = make_user("analyst")
    refused = client.post(API, json=report(), headers=bearer(client, analyst.username))
    assert refused.status_code == 403
