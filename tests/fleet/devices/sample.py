"""A device model, a role profile and devices registered, enrolled and checking in, for the tests."""

from __future__ import annotations

import uuid

from onbeat.core.audit.service import Actor
from onbeat.fleet.devices import service
from onbeat.fleet.supply import catalogue

ENGINEER = Actor.system("fleet engineer (test)")


def profile(db, **policy):
    """A laptop model and a response-officer profile with the given policy fields."""
    model = catalogue.create_model(db, ENGINEER, code=f"M{uuid.uuid4().hex[:6]}", name="Rugged 14-inch laptop",
                                   kind="laptop", manufacturer="Panasonic", operating_system="Windows 11")
    fields = catalogue.ProfileFields(name="Response officer", role="officer", device_model_id=model.id,
                                     min_os_version=policy.pop("min_os_version", "10.0.22631"),
                                     allowed_networks=["POLICE-WIFI"], vpn_profile="force-vpn", **policy)
    return catalogue.create_profile(db, ENGINEER, f"P{uuid.uuid4().hex[:6]}", fields)


def device(db, prof=None, person_id=None, serial=None, **policy):
    prof = prof or profile(db, **policy)
    return service.register(db, ENGINEER, serial=serial or f"SN{uuid.uuid4().hex[:10].upper()}",
                            model_id=prof.device_model_id, profile_id=prof.id, person_id=person_id, request_id=None)


def report(**over) -> dict:
    """A healthy check-in body."""
    body = {"os": {"name": "Windows 11 Enterprise", "version": "10.0.26100"}, "agent_version": "1.0.0",
            "battery": {"percent": 80, "health_percent": 95, "charging": False},
            "storage": {"total_gb": 256, "free_gb": 120}, "encrypted": True, "wrong_unlocks": 0,
            "network": {"name": "POLICE-WIFI", "vpn_connected": True, "vpn_failures": 0},
            "apps": [{"name": "OnBeat", "version": "3.4.1"}], "errors": [],
            "applied": {"wrong_pin_limit": 10, "auto_lock_minutes": 5}}
    body.update(over)
    return body


def enrolled(client, db, **policy):
    """(device, bearer headers) for a device enrolled through the API."""
    dev = device(db, **policy)
    code, _ = service.enrolment_code(db, ENGINEER, dev)
    db.commit()
    r = client.post("/api/fleet/device/enrol", json={"code": code, "serial": dev.serial, "os_name": "Windows 11",
                                                     "os_version": "10.0.26100"})
    assert r.status_code == 201, r.text
    db.expire_all()
    return dev, {"Authorization": f"Bearer {r.json()['credential']['token']}"}
