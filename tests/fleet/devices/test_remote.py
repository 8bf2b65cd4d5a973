"""Remote diagnosis, compliance, lost or stolen, and the command queue's rules."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings, strategies as st
from sqlalchemy import select, update

from onbeat.core.events.models import OutboxEvent
from onbeat.fleet.devices import commands, compliance, diagnosis, lost, service
from onbeat.fleet.devices.models import Command, Device, Finding

from tests.fleet.devices.sample import ENGINEER, device, enrolled, report


def _checkin(client, auth, **over):
    r = client.post("/api/fleet/device/checkin", json=report(**over), headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_full_disk_is_found_fixed_remotely_and_cleared(client, db):
    dev, auth = enrolled(client, db)
    _checkin(client, auth, storage={"total_gb": 256, "free_gb": 9})
    db.expire_all()
    [f] = db.execute(select(Finding).where(Finding.device_id == dev.id)).scalars().all()
    assert f.code == "disk_nearly_full" and f.cleared_at is None and "3.5%" in f.summary
    raised = db.execute(select(OutboxEvent).where(OutboxEvent.subject == "onbeat.fleet.finding_raised")).scalar_one()
    assert raised.payload["code"] == "disk_nearly_full" and raised.payload["if_not_fixed"]
    # The same fault at the next check-in raises nothing new.
    _checkin(client, auth, storage={"total_gb": 256, "free_gb": 8})
    cmd = diagnosis.run_fix(db, ENGINEER, f)
    db.commit()
    answer = _checkin(client, auth, storage={"total_gb": 256, "free_gb": 8})
    assert [c["kind"] for c in answer["commands"]] == ["push_configuration"] and "cleanup" in answer["commands"][0]["payload"]
    r = client.post(f"/api/fleet/device/commands/{cmd.id}/answer", json={"outcome": "acknowledged"}, headers=auth)
    assert r.status_code == 200
    _checkin(client, auth)
    db.expire_all()
    f = db.get(Finding, f.id)
    assert f.cleared_at is not None and db.get(Device, dev.id).finding_codes == []
    kinds = [e.kind for e in db.execute(service.timeline(dev.id)).scalars()]
    assert {"finding_raised", "command_queued", "command_answered", "finding_cleared"} <= set(kinds)


def test_each_rule_and_its_fix():
    policy = {"min_os_version": "10.0.22631", "vpn_profile": "force-vpn"}
    state = report(storage={"total_gb": 100, "free_gb": 2}, battery={"percent": 50, "health_percent": 40},
                   errors=[{"app": "OnBeat", "kind": "crash", "message": ""}] * 3,
                   os={"name": "Windows", "version": "10.0.19045"},
                   network={"name": "Home", "vpn_connected": False, "vpn_failures": 4})
    found = diagnosis.evaluate(state, policy)
    assert set(found) == {"disk_nearly_full", "battery_failing", "app_crashing", "os_out_of_date", "vpn_failing"}
    fixes = {code: diagnosis.RULES[code].fix(ev, policy)[0] for code, ev in found.items()}
    assert fixes == {"disk_nearly_full": "push_configuration", "battery_failing": "collect_diagnostics",
                     "app_crashing": "restart_app", "os_out_of_date": "install_software",
                     "vpn_failing": "push_configuration"}
    assert diagnosis.evaluate(report(), policy) == {}
    # Versions compare as numbers: 10.0.9 is older than 10.0.22631, 11.0 is newer.
    assert diagnosis.version_key("10.0.9") < diagnosis.version_key("10.0.22631") < diagnosis.version_key("11.0")


def test_not_seen_for_days_and_escalation(client, db):
    dev, auth = enrolled(client, db)
    _checkin(client, auth)
    db.execute(update(Device).where(Device.id == dev.id).values(last_checkin_at=Device.last_checkin_at - timedelta(days=9)))
    db.commit()
    assert diagnosis.sweep(db) == 1 and diagnosis.sweep(db) == 0
    db.commit()
    f = db.execute(select(Finding).where(Finding.device_id == dev.id)).scalar_one()
    assert f.code == "not_seen" and f.evidence["days"] == 9
    diagnosis.escalate(db, ENGINEER, f)
    db.commit()
    ev = db.execute(select(OutboxEvent).where(OutboxEvent.subject == "onbeat.fleet.finding_escalated")).scalar_one()
    assert ev.payload["reference"] == dev.reference and ev.payload["suggested_incident"]
    _checkin(client, auth)  # it is back: the finding clears
    db.expire_all()
    assert db.get(Finding, f.id).cleared_at is not None


@settings(max_examples=60, deadline=None)
@given(issues=st.lists(st.text(min_size=1, max_size=5), max_size=3), grace=st.integers(0, 200),
       age=st.integers(0, 400), had_since=st.booleans())
def test_compliance_state_machine(issues, grace, age, had_since):
    from onbeat.core.time import utcnow

    now = utcnow()
    since = now - timedelta(hours=age) if had_since else None
    state, new_since = compliance.state_for(issues, since, grace, now)
    if not issues:
        assert (state, new_since) == ("compliant", None)
    else:
        assert new_since == (since or now)
        assert state == ("grace" if now < new_since + timedelta(hours=grace) else "noncompliant")


def test_noncompliance_goes_through_grace_then_the_profile_action(client, db):
    dev, auth = enrolled(client, db, compliance_grace_hours=2, compliance_action="block_sign_in")
    _checkin(client, auth)
    db.expire_all()
    assert db.get(Device, dev.id).compliance == "compliant"
    answer = _checkin(client, auth, encrypted=False)
    db.expire_all()
    d = db.get(Device, dev.id)
    assert d.compliance == "grace" and d.compliance_issues == ["Disk encryption is off."]
    assert answer["sign_in_blocked"] is False
    db.execute(update(Device).where(Device.id == dev.id).values(noncompliant_since=Device.noncompliant_since - timedelta(hours=3)))
    db.commit()
    _checkin(client, auth, encrypted=False)
    answer = _checkin(client, auth, encrypted=False)
    db.expire_all()
    d = db.get(Device, dev.id)
    assert d.compliance == "noncompliant" and d.sign_in_blocked and answer["sign_in_blocked"] is True
    assert service.sign_in_blocked(db, dev.id)
    assert [c["kind"] for c in answer["commands"]] == ["show_message"]
    answer = _checkin(client, auth)
    db.expire_all()
    assert db.get(Device, dev.id).compliance == "compliant" and answer["sign_in_blocked"] is False


def test_noncompliance_with_the_wipe_action_sends_a_wipe(client, db):
    dev, auth = enrolled(client, db, compliance_grace_hours=0, compliance_action="wipe")
    _checkin(client, auth, applied={"wrong_pin_limit": 0, "auto_lock_minutes": 5})
    answer = _checkin(client, auth, applied={"wrong_pin_limit": 0, "auto_lock_minutes": 5})
    assert [c["kind"] for c in answer["commands"]] == ["wipe"]


def test_a_wipe_supersedes_a_pending_lock(client, db):
    dev, auth = enrolled(client, db)
    d = service.get(db, dev.id)
    lock = commands.queue(db, ENGINEER, d, "lock", {})
    msg = commands.queue(db, ENGINEER, d, "show_message", {"message": "hello"})
    wipe = commands.queue(db, ENGINEER, d, "wipe", {})
    later = commands.queue(db, ENGINEER, d, "lock", {})
    db.commit()
    assert {c.status for c in (lock, msg, later)} == {"superseded"} and wipe.status == "pending"
    answer = _checkin(client, auth)
    assert [c["kind"] for c in answer["commands"]] == ["wipe"]
    r = client.post(f"/api/fleet/device/commands/{wipe.id}/answer", json={"outcome": "acknowledged"}, headers=auth)
    assert r.status_code == 200
    db.expire_all()
    assert db.get(Device, dev.id).status == "wiped"
    assert client.post("/api/fleet/device/checkin", json=report(), headers=auth).status_code == 401


def test_commands_expire_and_not_now_comes_back_later(client, db):
    dev, auth = enrolled(client, db)
    d = service.get(db, dev.id)
    short = commands.queue(db, ENGINEER, d, "collect_diagnostics", {}, expires_in=timedelta(hours=1))
    later = commands.queue(db, ENGINEER, d, "install_software", {"name": "Pocket notebook"})
    db.execute(update(Command).where(Command.id == short.id).values(expires_at=Command.created_at - timedelta(seconds=1)))
    db.commit()
    answer = _checkin(client, auth)
    assert [c["id"] for c in answer["commands"]] == [str(later.id)]
    assert commands.effective_status(db.get(Command, short.id)) == "expired"
    assert commands.expire_due(db) == 1
    db.commit()
    r = client.post(f"/api/fleet/device/commands/{later.id}/answer", json={"outcome": "not_now"}, headers=auth)
    assert r.json()["status"] == "pending"
    assert _checkin(client, auth)["commands"] == []  # paused for a while
    db.execute(update(Command).where(Command.id == later.id).values(not_before=Command.not_before - timedelta(hours=1)))
    db.commit()
    assert [c["id"] for c in _checkin(client, auth)["commands"]] == [str(later.id)]


def test_lost_device_is_locked_then_wiped_unless_found(client, db, make_user):
    from tests.conftest import bearer

    owner = make_user("officer", username="owner1")
    dev, auth = enrolled(client, db)
    db.execute(update(Device).where(Device.id == dev.id).values(person_id=owner.id))
    db.commit()
    stranger = make_user("officer", username="stranger1")
    r = client.post(f"/api/fleet/devices/{dev.id}/lost", json={"kind": "stolen", "circumstances": "From a car"},
                    headers=bearer(client, "stranger1"))
    assert r.status_code == 403
    r = client.post(f"/api/fleet/devices/{dev.id}/lost", json={"kind": "stolen", "circumstances": "Taken from a car in Reading"},
                    headers=bearer(client, "owner1"))
    assert r.status_code == 201, r.text
    report_id = r.json()["id"]
    answer = _checkin(client, auth)
    assert [c["kind"] for c in answer["commands"]] == ["lock"] and answer["sign_in_blocked"]
    lock_id = answer["commands"][0]["id"]
    client.post(f"/api/fleet/device/commands/{lock_id}/answer", json={"outcome": "acknowledged"}, headers=auth)
    # The wipe comes when it is due (here: moved to now).
    db.execute(update(Command).where(Command.kind == "wipe", Command.device_id == dev.id)
               .values(not_before=Command.created_at - timedelta(seconds=1)))
    db.commit()
    answer = _checkin(client, auth)
    assert [c["kind"] for c in answer["commands"]] == ["wipe"]
    client.post(f"/api/fleet/device/commands/{answer['commands'][0]['id']}/answer", json={"outcome": "acknowledged"},
                headers=auth)
    db.expire_all()
    assert db.get(Device, dev.id).status == "wiped"
    kinds = [e.kind for e in db.execute(service.timeline(dev.id)).scalars()]
    assert kinds.index("wiped") < kinds.index("locked") < kinds.index("reported_lost")
    assert report_id


def test_a_found_device_keeps_its_data(client, db):
    dev, auth = enrolled(client, db)
    row = lost.report(db, _Fleet(), service.get(db, dev.id), "lost", "Left in a café")
    db.commit()
    lost.found(db, ENGINEER, service.get(db, dev.id), "Handed in at Reading station")
    db.commit()
    db.expire_all()
    assert db.get(Command, row.wipe_command_id).status == "cancelled"
    assert db.get(Device, dev.id).status == "enrolled"
    answer = _checkin(client, auth)
    assert [c["kind"] for c in answer["commands"]] == ["lock"]  # the lock stays: the user unlocks it


class _Fleet:
    """A fleet engineer as the lost-device rules see one."""
    id = None
    actor = ENGINEER

    def can(self, permission):
        return True


def test_a_profile_change_reaches_every_device(client, db):
    from onbeat.fleet.supply import service as supply

    dev, auth = enrolled(client, db)
    second = device(db, prof=supply.get_profile(db, dev.profile_id))
    queued = commands.queue_for_profile(db, ENGINEER, dev.profile_id, "push_configuration", {"version": 2})
    again = commands.queue_for_profile(db, ENGINEER, dev.profile_id, "push_configuration", {"version": 3})
    db.commit()
    assert len(queued) == len(again) == 2 and {c.device_id for c in again} == {dev.id, second.id}
    db.expire_all()
    assert {db.get(Command, c.id).status for c in queued} == {"superseded"}
    answer = _checkin(client, auth)
    assert [c["payload"] for c in answer["commands"]] == [{"version": 3}]


def test_the_demo_devices_check_in_with_faults_to_fix(client, db):
    from onbeat.fleet.devices import demo

    for _ in range(3):
        enrolled(client, db)
    assert demo.seed(db) == {"devices_checked_in": 3}
    db.commit()
    codes = sorted(c for (c,) in db.execute(select(Finding.code)).all())
    assert codes == ["app_crashing", "disk_nearly_full"]
    assert demo.seed(db) == {}


def test_check_in_fast_after_enrolment_then_slower():
    from onbeat.core.time import utcnow
    from onbeat.fleet.devices.checkin import next_interval

    now = utcnow()
    policy = {"checkin": {"fast_seconds": 30, "slow_seconds": 600, "fast_for_hours": 24}}
    assert next_interval(policy, now - timedelta(hours=1), now) == 30
    assert next_interval(policy, now - timedelta(hours=25), now) == 600


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), min_size=12, max_size=12),
       st.sampled_from(["-", " ", "", " - "]), st.booleans())
def test_an_enrolment_code_reads_back_however_it_is_typed(chars, sep, lower):
    from onbeat.fleet.devices.credentials import normalise_code

    raw = "".join(chars)
    typed = sep.join([raw[:4], raw[4:8], raw[8:]])
    typed = typed.lower() if lower else typed
    typed = typed.replace("0", "O") if lower else typed  # O typed for zero
    assert normalise_code(typed) == raw
