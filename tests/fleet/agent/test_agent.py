"""The reference agent end to end against a live server: enrol, a simulated fault found and fixed
remotely, a lost device locked and wiped; and the `onbeat-agent` command itself."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, update

from onbeat.fleet.agent.cli import Agent
from onbeat.fleet.agent.laptop import FAULTS, Laptop
from onbeat.fleet.devices import service
from onbeat.fleet.devices.models import Command, Device, Finding
from tests.fleet.devices.sample import ENGINEER, device
from tests.web.helpers import NO_TOTP, bearer_from

AGENT = [sys.executable, "-c", "from onbeat.fleet.agent.cli import main; main()"]


def _code(db, dev) -> str:
    code, _ = service.enrolment_code(db, ENGINEER, dev)
    db.commit()
    return code


def test_a_fault_is_diagnosed_and_fixed_remotely(db, make_user, live_server):
    dev = device(db)
    make_user("fleet_engineer", username="eng9")
    server = live_server(NO_TOTP)
    staff = bearer_from(server.base, "eng9")
    agent = Agent(server=server.base, laptop=Laptop(serial=dev.serial))
    agent.enrol(_code(db, dev))
    assert agent.checkin()["commands"] == []
    for fault in ("disk_full", "app_crash", "os_old", "vpn_broken"):
        agent.laptop.faults = [fault]
        agent.checkin()
        found = httpx.get(server.base + "/api/fleet/findings", headers=staff).json()["items"]
        [finding] = [f for f in found if f["device_id"] == str(dev.id)]
        r = httpx.post(server.base + f"/api/fleet/findings/{finding['id']}/fix", headers=staff)
        assert r.status_code == 201, r.text
        result = agent.checkin()  # gets the fix, runs it, answers
        assert [a["outcome"] for a in result["answers"]] == ["acknowledged"], (fault, result)
        agent.checkin()  # the fault is gone from the report
        db.expire_all()
        row = db.get(Finding, uuid.UUID(finding["id"]))
        assert row.cleared_at is not None, fault
        assert httpx.get(server.base + "/api/fleet/findings", headers=staff).json()["total"] == 0
    # What cannot be fixed remotely is passed on.
    agent.laptop.faults = ["battery_worn"]
    agent.checkin()
    [finding] = httpx.get(server.base + "/api/fleet/findings", headers=staff).json()["items"]
    assert finding["code"] == "battery_failing"
    assert httpx.post(server.base + f"/api/fleet/findings/{finding['id']}/escalate", headers=staff).status_code == 200


def test_a_lost_device_is_locked_then_wiped(db, make_user, live_server):
    owner = make_user("officer", username="owner9")
    dev = device(db, person_id=owner.id)
    server = live_server(NO_TOTP)
    agent = Agent(server=server.base, laptop=Laptop(serial=dev.serial))
    agent.enrol(_code(db, dev))
    r = httpx.post(server.base + f"/api/fleet/devices/{dev.id}/lost", headers=bearer_from(server.base, "owner9"),
                   json={"kind": "lost", "circumstances": "Left on a train", "wipe_after_hours": 1})
    assert r.status_code == 201, r.text
    result = agent.checkin()
    assert [a["kind"] for a in result["answers"]] == ["lock"] and agent.laptop.locked and result["sign_in_blocked"]
    db.execute(update(Command).where(Command.device_id == dev.id, Command.kind == "wipe")
               .values(not_before=Command.not_before - timedelta(hours=2)))
    db.commit()
    result = agent.checkin()
    assert [a["kind"] for a in result["answers"]] == ["wipe"] and agent.laptop.wiped and agent.token is None
    db.expire_all()
    assert db.get(Device, dev.id).status == "wiped"
    kinds = [e.kind for e in db.execute(service.timeline(dev.id)).scalars()]
    assert {"reported_lost", "locked", "wiped", "lost_checkin"} <= set(kinds)


def test_the_command_line(db, live_server, tmp_path: Path):
    dev = device(db)
    server = live_server(NO_TOTP)
    state = tmp_path / "agent.json"

    def run(*args, ok=True):
        r = subprocess.run(AGENT + list(args) + ["--state", str(state)], capture_output=True, text=True, timeout=60)
        assert (r.returncode == 0) == ok, r.stdout + r.stderr
        return r.stdout + r.stderr

    code = _code(db, dev)
    assert "Enrolled as DEV/" in run("enrol", "--server", server.base, "--code", code, "--serial", dev.serial)
    assert state.stat().st_mode & 0o777 == 0o600
    assert "already been used" in run("enrol", "--server", server.base, "--code", code, "--serial", dev.serial, ok=False)
    run("fault", "add", "app_crash")
    assert "Checked in" in run("checkin")
    assert db.execute(select(Finding.code).where(Finding.device_id == dev.id)).scalar() == "app_crashing"
    assert "unknown fault" in run("fault", "add", "gremlins", ok=False)
    assert "[2]" in run("run", "--count", "2", "--interval", "0")
    assert "app_crash" in run("status")
    assert set(FAULTS) >= set(json.loads(state.read_text())["laptop"]["faults"])
