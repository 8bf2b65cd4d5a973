"""The demo force's devices after enrolment: each enrolled device has checked in as the reference
agent's simulated laptop would, one with a nearly full disk and one with a crashing app, so the
findings page has something to fix. Call after supply's demo (which enrols its devices); a second
run adds nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.time import utcnow
from onbeat.fleet.agent.laptop import Laptop
from onbeat.fleet.devices import compliance, diagnosis, service
from onbeat.fleet.devices.models import Device

FAULTS = [["disk_full"], ["app_crash"], []]


def seed(db: Session) -> dict[str, int]:
    devices = db.execute(select(Device).where(Device.status == "enrolled", Device.last_checkin_at.is_(None))
                         .order_by(Device.reference)).scalars().all()
    now = utcnow()
    for n, device in enumerate(devices):
        laptop = Laptop(serial=device.serial, faults=FAULTS[n % len(FAULTS)])
        policy = service.policy(db, device.profile_id, fresh=True)
        laptop.policy = dict(policy)
        state = laptop.report()
        device.last_checkin_at, device.checkin_count, device.last_state = now, 1, state
        device.os_name, device.os_version = state["os"]["name"], state["os"]["version"]
        device.agent_version = state["agent_version"]
        device.battery_percent = state["battery"]["percent"]
        device.battery_health_percent = state["battery"]["health_percent"]
        device.storage_free_percent = round(state["storage"]["free_gb"] / state["storage"]["total_gb"] * 100, 2)
        device.encrypted, device.wrong_unlocks = state["encrypted"], state["wrong_unlocks"]
        diagnosis.apply(db, device, diagnosis.evaluate(state, policy))
        compliance.apply(db, device, state, policy, now)
    db.flush()
    return {"devices_checked_in": len(devices)} if devices else {}
