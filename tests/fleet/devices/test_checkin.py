"""Enrolment, check-in and commands through the device API."""

from __future__ import annotations

from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from onbeat.fleet.devices import commands, service
from onbeat.fleet.devices.models import Device

from tests.fleet.devices.sample import ENGINEER, enrolled, report


def test_enrol_check_in_get_a_command_and_answer_it(client, db):
    dev, auth = enrolled(client, db)
    r = client.post("/api/fleet/device/checkin", json=report(), headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["commands"] == [] and r.json()["next_checkin_seconds"] == 60
    cmd = commands.queue(db, ENGINEER, service.get(db, dev.id), "show_message", {"message": "Dock tonight"})
    db.commit()
    r = client.post("/api/fleet/device/checkin", json=report(), headers=auth)
    [got] = r.json()["commands"]
    assert got["id"] == str(cmd.id) and got["payload"] == {"message": "Dock tonight"}
    r = client.post(f"/api/fleet/device/commands/{cmd.id}/answer", json={"outcome": "acknowledged"}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "acknowledged"
    r = client.post("/api/fleet/device/checkin", json=report(), headers=auth)
    assert r.json()["commands"] == []
    db.expire_all()
    d = db.get(Device, dev.id)
    assert d.status == "enrolled" and d.checkin_count == 3 and d.compliance == "compliant"
    events = set(db.execute(select(AuditEntry.event).where(AuditEntry.subject_id == str(dev.id))).scalars())
    assert {"fleet.command.queued", "fleet.command.answered", "fleet.device.enrolled"} <= events
