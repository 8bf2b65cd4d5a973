"""The device API's refusals: unknown or revoked credentials, replayed codes, malformed check-ins,
retired devices; and credential rotation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from onbeat.core.audit.models import AuditEntry
from onbeat.fleet.devices import commands, credentials, service
from onbeat.fleet.devices.models import Credential, Device

from tests.fleet.devices.sample import ENGINEER, device, enrolled, report


def test_unknown_credential_is_refused_and_audited(client, db):
    r = client.post("/api/fleet/device/checkin", json=report(), headers={"Authorization": "Bearer obd_nonsense"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "invalid_token" in r.headers["www-authenticate"]
    refused = db.execute(select(AuditEntry).where(AuditEntry.event == "fleet.device.credential_refused")).scalars().all()
    assert len(refused) == 1 and refused[0].subject_id == credentials.digest("obd_nonsense")[:16]
    # No credential at all: 401 as well (nothing to audit).
    assert client.post("/api/fleet/device/checkin", json=report()).status_code == 401


def test_a_revoked_credential_stops_working(client, db):
    dev, auth = enrolled(client, db)
    assert client.post("/api/fleet/device/checkin", json=report(), headers=auth).status_code == 200
    credentials.revoke_all(db, dev.id, "test")
    db.commit()
    assert client.post("/api/fleet/device/checkin", json=report(), headers=auth).status_code == 401


def test_a_replayed_enrolment_code_is_refused(client, db):
    dev = device(db)
    code, _ = service.enrolment_code(db, ENGINEER, dev)
    db.commit()
    body = {"code": code.lower().replace("-", " "), "serial": dev.serial}
    assert client.post("/api/fleet/device/enrol", json=body).status_code == 201
    r = client.post("/api/fleet/device/enrol", json=body)
    assert r.status_code == 409 and "already been used" in r.json()["detail"]
    assert db.execute(select(AuditEntry).where(AuditEntry.event == "fleet.device.enrolment_replayed")).scalar()
    # An unknown code and a code for another serial are refused too.
    assert client.post("/api/fleet/device/enrol", json={"code": "0000-0000-0000", "serial": dev.serial}).status_code == 400
    other = device(db)
    code2, _ = service.enrolment_code(db, ENGINEER, other)
    db.commit()
    r = client.post("/api/fleet/device/enrol", json={"code": code2, "serial": dev.serial})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "serial"


def test_a_newer_code_replaces_the_older_one(client, db):
    dev = device(db)
    first, _ = service.enrolment_code(db, ENGINEER, dev)
    second, _ = service.enrolment_code(db, ENGINEER, dev)
    db.commit()
    assert client.post("/api/fleet/device/enrol", json={"code": first, "serial": dev.serial}).status_code == 400
    assert client.post("/api/fleet/device/enrol", json={"code": second, "serial": dev.serial}).status_code == 201


@pytest.mark.parametrize("bad, field", [
    ({"battery": {"percent": 140}}, "battery.percent"),
    ({"storage": {"total_gb": 100, "free_gb": 300}}, "storage.free_gb"),
    ({"os": {"name": "Windows"}}, "os.version"),
    ({"encrypted": "perhaps"}, "encrypted"),
    ({"wrong_unlocks": -1}, "wrong_unlocks"),
])
def test_a_malformed_check_in_names_the_field_and_keeps_the_last_good_state(client, db, bad, field):
    dev, auth = enrolled(client, db)
    assert client.post("/api/fleet/device/checkin", json=report(), headers=auth).status_code == 200
    db.expire_all()
    before = db.get(Device, dev.id)
    good = (before.last_checkin_at, before.battery_percent, before.last_state, before.checkin_count)
    r = client.post("/api/fleet/device/checkin", json=report(**bad), headers=auth)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    db.expire_all()
    after = db.get(Device, dev.id)
    assert (after.last_checkin_at, after.battery_percent, after.last_state, after.checkin_count) == good


def test_a_command_to_a_retired_device_is_refused(client, db, make_user):
    from tests.conftest import bearer

    dev, auth = enrolled(client, db)
    service.retire(db, ENGINEER, service.get(db, dev.id), "Screen broken beyond repair")
    db.commit()
    make_user("fleet_engineer", username="eng1")
    r = client.post(f"/api/fleet/devices/{dev.id}/commands", json={"kind": "lock"}, headers=bearer(client, "eng1"))
    assert r.status_code == 409 and "retired" in r.json()["detail"]
    assert client.post("/api/fleet/device/checkin", json=report(), headers=auth).status_code == 401


def test_the_credential_rotates_with_an_overlap(client, db):
    dev, auth = enrolled(client, db)
    db.execute(update(Credential).where(Credential.device_id == dev.id)
               .values(issued_at=Credential.issued_at - credentials.ROTATE_AFTER - timedelta(minutes=1)))
    db.commit()
    r = client.post("/api/fleet/device/checkin", json=report(), headers=auth)
    new = r.json()["credential"]
    assert new and new["token"].startswith("obd_")
    # The answer was "lost": the old one still works within the overlap and gets another successor.
    r = client.post("/api/fleet/device/checkin", json=report(), headers=auth)
    newer = r.json()["credential"]
    assert newer and newer["token"] != new["token"]
    assert client.post("/api/fleet/device/checkin", json=report(),
                       headers={"Authorization": f"Bearer {new['token']}"}).status_code == 401
    fresh = {"Authorization": f"Bearer {newer['token']}"}
    r = client.post("/api/fleet/device/checkin", json=report(), headers=fresh)
    assert r.status_code == 200 and r.json()["credential"] is None
    # Once the successor is used, the old one is revoked at once.
    assert client.post("/api/fleet/device/checkin", json=report(), headers=auth).status_code == 401
    hashes = db.execute(select(Credential.token_hash).where(Credential.device_id == dev.id)).scalars().all()
    assert len(hashes) == 3 and all(len(h) == 64 for h in hashes)


def test_answers_are_checked(client, db):
    dev, auth = enrolled(client, db)
    other, other_auth = enrolled(client, db)
    cmd = commands.queue(db, ENGINEER, service.get(db, dev.id), "restart_app", {})
    db.commit()
    client.post("/api/fleet/device/checkin", json=report(), headers=auth)
    url = f"/api/fleet/device/commands/{cmd.id}/answer"
    assert client.post(url, json={"outcome": "acknowledged"}, headers=other_auth).status_code == 404
    r = client.post(url, json={"outcome": "error"}, headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "detail"
    assert client.post(url, json={"outcome": "maybe"}, headers=auth).status_code == 422
    assert client.post(url, json={"outcome": "error", "detail": "App not installed"}, headers=auth).json()["status"] == "error"
    assert client.post(url, json={"outcome": "acknowledged"}, headers=auth).status_code == 409


def test_staff_routes_ask_for_their_permissions(client, db, make_user):
    from tests.conftest import bearer

    dev, _ = enrolled(client, db)
    for role in ("officer", "servicedesk_agent", "fleet_engineer", "fleet_driver"):
        make_user(role, username=f"perm-{role}")
    who = {role: bearer(client, f"perm-{role}") for role in ("officer", "servicedesk_agent", "fleet_engineer", "fleet_driver")}
    send = f"/api/fleet/devices/{dev.id}/commands"
    assert client.get("/api/fleet/devices", headers=who["officer"]).status_code == 403
    assert client.get("/api/fleet/devices", headers=who["fleet_driver"]).status_code == 403
    assert client.get("/api/fleet/devices", headers=who["servicedesk_agent"]).json()["total"] == 1
    assert client.post(send, json={"kind": "lock"}, headers=who["servicedesk_agent"]).status_code == 403
    assert client.post(send, json={"kind": "lock"}, headers=who["fleet_engineer"]).status_code == 201
    assert client.post(f"/api/fleet/devices/{dev.id}/enrolment-code", headers=who["servicedesk_agent"]).status_code == 403
    assert client.post(f"/api/fleet/devices/{dev.id}/enrolment-code", headers=who["fleet_engineer"]).status_code == 201
    # Everyone may report a device lost, but only their own unless they are fleet staff.
    lost = {"kind": "lost", "circumstances": "Left in a patrol car"}
    assert client.post(f"/api/fleet/devices/{dev.id}/lost", json=lost, headers=who["officer"]).status_code == 403
    assert client.post(f"/api/fleet/devices/{dev.id}/lost", json=lost, headers=who["servicedesk_agent"]).status_code == 201
    # A staff token is not a device credential.
    assert client.post("/api/fleet/device/checkin", json=report(), headers=who["fleet_engineer"]).status_code == 401
