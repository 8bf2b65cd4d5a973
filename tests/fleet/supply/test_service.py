"""Supply through its service functions: a CSV of 100 officers to delivered devices, the state
machine, the plan at capacity over weekends and bank holidays, bad CSV lines, other drivers' runs."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from onbeat import db as onbeat_db
from onbeat.core.audit.models import AuditEntry
from onbeat.core.errors import BadRequest, Conflict, Forbidden
from onbeat.core.identity import service as identity
from onbeat.core.identity.models import User
from onbeat.fleet.supply import catalogue, imports, plan, runs, service
from onbeat.fleet.supply.models import STATES, DeliveryRun, DeviceRequest
from tests.fleet.supply.sample import force

pytestmark = pytest.mark.db


def csv_of(numbers: list[str], **columns: str) -> str:
    head = ["number", *columns]
    return "\n".join([",".join(head)] + [",".join([n, *columns.values()]) for n in numbers]) + "\n"


def _requests(db) -> list[DeviceRequest]:
    return db.execute(select(DeviceRequest).order_by(DeviceRequest.reference)).scalars().all()


def test_a_csv_of_100_officers_to_delivered_devices(db):
    f = force(db, officers=100)
    actor = f.actor
    job = imports.start(db, actor, "team.csv", csv_of([o.collar_number for o in f.officers], role="officer"))
    db.commit()
    imports.run(onbeat_db.session, job.id, actor, batch=25)
    db.expire_all()
    job = imports.get(db, job.id)
    assert (job.state, job.processed, job.total) == ("done", 100, 100)
    rows = _requests(db)
    assert len(rows) == 100 and {r.state for r in rows} == {"requested"}
    assert {r.import_line for r in rows} == set(range(2, 102))
    # Running the import again (as after a crash) creates nothing twice.
    job.state = "running"
    db.commit()
    imports.run(onbeat_db.session, job.id, actor)
    assert db.execute(select(func.count()).select_from(DeviceRequest)).scalar_one() == 100

    for r in rows:
        service.transition(db, actor, r, "approved")
    db.commit()
    monday = date(2026, 11, 23)
    items, total, slots = plan.plan(db, 1, 200, today=monday)
    assert total == 100 and {p.ready_on for p in items} == {monday}  # capacity 100: all today

    for r in rows:
        service.transition(db, actor, r, "building")
    for i, r in enumerate(rows):
        service.mark_built(db, actor, r, f"sn-{i:05d}")
        service.transition(db, actor, r, "checked")
    db.commit()
    assert all(r.serial and r.device_id and r.delivery_code for r in rows)

    made = runs.plan_runs(db, actor, date.today() + timedelta(days=1), max_stops=60)
    assert sorted(len([r for r in rows if r.run_id == run.id]) for run in made) == [50, 50]
    assert {run.station_id for run in made} == {s.id for s in f.stations}
    for run, driver in zip(made, f.drivers):
        runs.assign(db, actor, run, driver.id)
        runs.start(db, identity.actor_of(driver), run)
    db.commit()
    assert {r.state for r in rows} == {"out_for_delivery"}

    for run, driver in zip(made, f.drivers):
        me = identity.actor_of(driver)
        for i, (stop, person) in enumerate(db.execute(runs.stops(run.id)).all()):
            if i % 2:
                runs.deliver(db, me, run, stop.id, received_by=person.family_name, proof_kind="code",
                             code=stop.delivery_code)
            else:
                runs.deliver(db, me, run, stop.id, received_by=person.family_name, proof_kind="signature",
                             signature="M 10 10 L 40 30 L 80 12")
    db.commit()
    assert {r.state for r in rows} == {"delivered"}
    assert {run.state for run in made} == {"completed"}

    # The devices package calls back when a device enrols.
    service.device_enrolled(db, rows[0].id, rows[0].device_id)
    service.device_enrolled(db, rows[0].id, rows[0].device_id)  # again: nothing more
    db.commit()
    assert rows[0].state == "enrolled"
    steps = [e.to_state for e in db.execute(service.history(rows[0].id)).scalars()]
    assert steps == ["requested", "approved", "building", "built", "checked", "out_for_delivery", "delivered",
                     "enrolled"]
    audited = db.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.subject_type == "device_request", AuditEntry.subject_id == str(rows[0].id))).scalar_one()
    assert audited == len(steps)


def test_an_illegal_step_is_refused_naming_the_allowed_ones(db):
    f = force(db, officers=1)
    row = service.create(db, f.actor, service.NewRequest(person_id=f.officers[0].id))
    with pytest.raises(Conflict) as caught:
        service.transition(db, f.actor, row, "checked")
    assert "approved, cancelled" in caught.value.detail
    assert caught.value.errors[0]["message"] == "allowed: approved, cancelled"
    assert row.state == "requested"
    with pytest.raises(BadRequest) as needs_serial:  # allowed, but only with a serial
        service.transition(db, f.actor, service.transition(db, f.actor, service.transition(
            db, f.actor, row, "approved"), "building"), "built")
    assert needs_serial.value.field == "to" and "serial" in needs_serial.value.detail
    with pytest.raises(BadRequest) as needs_note:
        service.transition(db, f.actor, row, "failed")
    assert needs_note.value.field == "note"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from([s for s in STATES if s not in service.SPECIAL or s == "built"]), max_size=10))
def test_the_state_machine_allows_exactly_its_table(db, steps):
    """Any sequence of steps a fleet engineer takes on a request (built with a serial): each is taken
    if the table allows it, refused (409) otherwise, and the history holds exactly the steps taken."""
    engineer = db.execute(select(User).where(User.username == "S8002")).scalar()  # one force for every example
    if engineer is None:
        engineer = force(db, officers=0).engineer
    actor = identity.actor_of(engineer)
    supervisor = db.execute(select(User).where(User.username == "1501")).scalar_one()
    row = service.create(db, actor, service.NewRequest(person_id=supervisor.id))
    taken = ["requested"]
    for to in steps:
        state = row.state
        move = ((lambda: service.mark_built(db, actor, row, f"HYP-{uuid.uuid4().hex[:12]}")) if to == "built"
                else (lambda: service.transition(db, actor, row, to, note="because")))
        if to in service.ALLOWED[state]:
            move()
            taken.append(to)
        else:
            with pytest.raises(Conflict):
                move()
        assert row.state == taken[-1]
    db.commit()
    assert [e.to_state for e in db.execute(service.history(row.id)).scalars()] == taken


def test_every_state_is_reachable_and_every_step_leads_somewhere_known():
    seen, todo = {"requested"}, ["requested"]
    while todo:
        for nxt in service.ALLOWED[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(STATES)
    assert all(set(v) <= set(STATES) for v in service.ALLOWED.values())


def test_capacity_exceeded_moves_the_plan_to_the_next_working_day(db):
    f = force(db, officers=7)
    actor = f.actor
    plan.set_capacity(db, actor, 2)
    rows = []
    for o in f.officers:
        r = service.create(db, actor, service.NewRequest(person_id=o.id))
        rows.append(service.transition(db, actor, r, "approved"))
    db.commit()
    # Thursday 24 December 2026: Christmas (Fri), the weekend and the Boxing Day substitute (Mon 28) are skipped.
    items, total, _ = plan.plan(db, 1, 50, today=date(2026, 12, 24))
    assert total == 7
    assert [p.ready_on for p in items] == [date(2026, 12, 24)] * 2 + [date(2026, 12, 29)] * 2 + \
        [date(2026, 12, 30)] * 2 + [date(2026, 12, 31)]
    # An urgent request goes to the front and pushes the rest along.
    last = rows[-1]
    last.urgent = True
    db.flush()
    items, _, _ = plan.plan(db, 1, 50, today=date(2026, 12, 24))
    assert items[0].request.id == last.id
    # Started on a Saturday: the first day is Monday.
    items, _, s = plan.plan(db, 1, 50, today=date(2026, 11, 28))
    assert s.first_day == date(2026, 11, 30) and items[0].ready_on == date(2026, 11, 30)
    assert plan.by_day(db, today=date(2026, 12, 24)) == [(date(2026, 12, 24), 2), (date(2026, 12, 29), 2),
                                                         (date(2026, 12, 30), 2), (date(2026, 12, 31), 1)]
    with pytest.raises(BadRequest):
        plan.set_capacity(db, actor, 0)


def test_todays_builds_use_up_todays_slots(db):
    f = force(db, officers=3)
    plan.set_capacity(db, f.actor, 2)
    rows = [service.transition(db, f.actor, service.create(db, f.actor, service.NewRequest(person_id=o.id)),
                               "approved") for o in f.officers]
    service.transition(db, f.actor, rows[0], "building")
    service.mark_built(db, f.actor, rows[0], "SN-TODAY-1")
    db.commit()
    s = plan.slots(db)
    if s.first_day == plan.uk_today():
        assert s.free_first_day == 1
        items, _, _ = plan.plan(db)
        assert [p.ready_on for p in items] == [s.first_day, plan.working_day_after(s.first_day, 1)]


def test_bad_csv_lines_are_all_named_and_nothing_is_made(db):
    f = force(db, officers=4)
    text = ("number,role,profile,urgent\n"
            f"{f.officers[0].collar_number},officer,,no\n"
            f"{f.officers[1].collar_number},constable,,no\n"
            f"{f.officers[2].collar_number},,NO-SUCH-PROFILE,no\n"
            "9999,officer,,no\n"
            f"{f.officers[3].collar_number},officer,,perhaps\n"
            f"{f.officers[0].collar_number},officer,,no\n")
    with pytest.raises(imports.CsvProblems) as caught:
        imports.start(db, f.actor, "bad.csv", text)
    by_line = {(e["line"], e["field"]) for e in caught.value.errors}
    assert by_line == {(3, "role"), (4, "profile"), (5, "number"), (6, "urgent"), (7, "number")}
    assert "constable" in next(e["message"] for e in caught.value.errors if e["line"] == 3)
    assert "NO-SUCH-PROFILE" in next(e["message"] for e in caught.value.errors if e["line"] == 4)
    assert "nothing was created" in caught.value.detail
    db.rollback()
    assert db.execute(select(func.count()).select_from(DeviceRequest)).scalar_one() == 0
    with pytest.raises(imports.CsvProblems) as header:
        imports.parse(db, "collar,role\n1,officer\n")
    assert header.value.errors[0]["line"] == 1
    with pytest.raises(BadRequest):
        imports.parse(db, b"\xff\xfe\x00bad")
    with pytest.raises(BadRequest):
        imports.parse(db, "number\n")


def test_only_the_runs_driver_records_its_deliveries(db):
    f = force(db, officers=2)
    actor = f.actor
    for o in f.officers[:1]:
        r = service.create(db, actor, service.NewRequest(person_id=o.id))
        for step in ("approved", "building"):
            service.transition(db, actor, r, step)
        service.mark_built(db, actor, r, "SN-RUN-1")
        service.transition(db, actor, r, "checked")
    (run,) = runs.plan_runs(db, actor, date.today() + timedelta(days=1), driver_id=f.drivers[0].id)
    runs.start(db, actor, run)
    db.commit()
    stop = _requests(db)[0]
    other = identity.actor_of(f.drivers[1])
    with pytest.raises(Forbidden):
        runs.deliver(db, other, run, stop.id, received_by="x", proof_kind="code", code=stop.delivery_code)
    with pytest.raises(Forbidden):  # not even the fleet engineer: the run is the driver's
        runs.not_delivered(db, actor, run, stop.id, "nobody in")
    me = identity.actor_of(f.drivers[0])
    with pytest.raises(BadRequest) as wrong_code:
        runs.deliver(db, me, run, stop.id, received_by="x", proof_kind="code", code="000000" if
                     stop.delivery_code != "000000" else "111111")
    assert wrong_code.value.field == "code"
    with pytest.raises(BadRequest) as scribble:
        runs.deliver(db, me, run, stop.id, received_by="x", proof_kind="signature", signature="<svg onload=x>")
    assert scribble.value.field == "signature"
    runs.not_delivered(db, me, run, stop.id, "Nobody at the front desk")
    db.commit()
    assert stop.state == "returned" and stop.problem == "Nobody at the front desk"
    assert db.get(DeliveryRun, run.id).state == "completed"
    # Back for another delivery: off the old run, onto a new one.
    service.transition(db, actor, stop, "checked")
    assert stop.run_id is None


def test_a_serial_is_used_once(db):
    f = force(db, officers=2)
    rows = []
    for o in f.officers:
        r = service.create(db, f.actor, service.NewRequest(person_id=o.id))
        service.transition(db, f.actor, service.transition(db, f.actor, r, "approved"), "building")
        rows.append(r)
    service.mark_built(db, f.actor, rows[0], " sn 0001 ")
    assert rows[0].serial == "SN0001"
    with pytest.raises(Conflict) as twice:
        service.mark_built(db, f.actor, rows[1], "sn0001")
    assert twice.value.field == "serial"
    with pytest.raises(BadRequest):
        service.mark_built(db, f.actor, rows[1], "!")


def test_a_device_enrolled_before_its_delivery_is_enrolled_once_delivered(db):
    f = force(db, officers=1)
    r = service.create(db, f.actor, service.NewRequest(person_id=f.officers[0].id))
    service.transition(db, f.actor, service.transition(db, f.actor, r, "approved"), "building")
    service.mark_built(db, f.actor, r, "SN-EARLY")
    service.device_enrolled(db, r.id, r.device_id)
    assert r.state == "built"  # no step skipped
    assert service.device_enrolled(db, r.person_id, r.device_id) is None  # no such request
    service.transition(db, f.actor, r, "checked")
    (run,) = runs.plan_runs(db, f.actor, date.today(), driver_id=f.drivers[0].id)
    runs.start(db, f.actor, run)
    runs.deliver(db, identity.actor_of(f.drivers[0]), run, r.id, received_by="Sam", proof_kind="code",
                 code=r.delivery_code)
    assert r.state == "enrolled"
    steps = [e.to_state for e in db.execute(service.history(r.id)).scalars()]
    assert steps[-3:] == ["out_for_delivery", "delivered", "enrolled"]


def test_a_request_takes_the_roles_profile_and_the_profiles_model(db):
    f = force(db, officers=1)
    r = service.create(db, f.actor, service.NewRequest(person_id=f.officers[0].id, needs="Screen reader"))
    profile = catalogue.profile_by_code(db, "OFFICER-LAPTOP")
    assert (r.role, r.profile_id, r.device_model_id) == ("officer", profile.id, profile.device_model_id)
    assert r.delivery_postcode == f.stations[1].postcode if f.officers[0].station_id == f.stations[1].id else True
    with pytest.raises(BadRequest) as no_profile:
        service.create(db, f.actor, service.NewRequest(person_id=f.officers[0].id, role="analyst"))
    assert no_profile.value.field == "role"
    policy = service.profile_policy(db, profile.id)
    assert policy["wrong_pin_limit"] == 10 and policy["encryption_required"] is True
    assert policy["checkin"]["fast_seconds"] <= policy["checkin"]["slow_seconds"]


def _profile_fields(profile, **changes) -> catalogue.ProfileFields:
    values = {name: getattr(profile, name) for name in catalogue.POLICY_FIELDS}
    values.update(name=profile.name, role=profile.role, device_model_id=profile.device_model_id,
                  is_default=profile.is_default)
    values.update(changes)
    return catalogue.ProfileFields(**values)


def test_a_profile_change_reaches_every_device_on_it(db):
    from onbeat.fleet.devices import commands

    f = force(db, officers=2)
    devices = []
    for i, o in enumerate(f.officers):
        r = service.create(db, f.actor, service.NewRequest(person_id=o.id))
        service.transition(db, f.actor, service.transition(db, f.actor, r, "approved"), "building")
        service.mark_built(db, f.actor, r, f"SN-PROF-{i}")
        devices.append(r.device_id)
    db.commit()
    profile = catalogue.profile_by_code(db, "OFFICER-LAPTOP")
    _, changed = catalogue.update_profile(db, f.actor, profile, _profile_fields(profile, wrong_pin_limit=5))
    db.commit()
    assert changed == ["wrong_pin_limit"] and profile.version == 2
    for device_id in devices:
        (cmd,) = db.execute(commands.of_device(device_id)).scalars().all()
        assert cmd.kind == "push_configuration"
        assert cmd.payload["wrong_pin_limit"] == 5 and cmd.payload["version"] == 2
    # A name change alone does not touch the devices.
    _, changed = catalogue.update_profile(db, f.actor, profile, _profile_fields(profile, name="Officer laptop"))
    assert changed == ["name"] and profile.version == 2
    with pytest.raises(BadRequest) as bad:
        catalogue.update_profile(db, f.actor, profile, _profile_fields(profile, wrong_pin_limit=1,
                                                                       min_os_version="eleven"))
    assert {e["field"] for e in bad.value.errors} == {"wrong_pin_limit", "min_os_version"}
    # One default profile per role: making another the default takes it from the first.
    phone = catalogue.profile_by_code(db, "OFFICER-PHONE")
    catalogue.update_profile(db, f.actor, phone, _profile_fields(phone, is_default=True))
    db.commit()
    db.refresh(profile)
    assert phone.is_default and not profile.is_default
