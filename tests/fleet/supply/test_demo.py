"""The demo fleet: the catalogue, a profile per role, requests in every state, seeded once; and the
demo's own CSV of 100 officers' devices taken all the way to delivered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onbeat import db as onbeat_db
from onbeat.core.identity import service as identity
from onbeat.core.identity.models import User
from onbeat.core.time import uk_today
from onbeat.demo.force import seed
from onbeat.fleet.supply import demo, imports, runs, service
from onbeat.fleet.supply.models import KINDS, STATES, DeliveryRun, DeviceModel, DeviceRequest, Profile

pytestmark = pytest.mark.db


def test_the_demo_fleet_then_100_officers_from_its_csv_to_delivered(db):
    seed(db)
    db.commit()
    assert {m.kind for m in db.execute(select(DeviceModel)).scalars()} == set(KINDS)
    defaults = {p.role for p in db.execute(select(Profile).where(Profile.is_default)).scalars()}
    assert {"officer", "pcso", "detective", "supervisor", "call_handler"} <= defaults
    states = {s for (s,) in db.execute(select(DeviceRequest.state).distinct())}
    assert states == set(STATES) - {"cancelled"}
    driver = db.execute(select(User).where(User.username == demo.DRIVER)).scalar_one()
    assert db.execute(select(func.count()).select_from(DeliveryRun).where(DeliveryRun.driver_id == driver.id)
                      ).scalar_one() >= 1
    before = db.execute(select(func.count()).select_from(DeviceRequest)).scalar_one()
    assert demo.seed(db) == {}  # again: nothing
    assert db.execute(select(func.count()).select_from(DeviceRequest)).scalar_one() == before

    engineer = db.execute(select(User).where(User.username == demo.ENGINEER)).scalar_one()
    actor = identity.actor_of(engineer)
    text = demo.recipients_csv(db)
    assert len(text.strip().splitlines()) == 101
    job = imports.start(db, actor, "officers.csv", text)
    db.commit()
    imports.run(onbeat_db.session, job.id, actor)
    db.expire_all()
    rows = db.execute(select(DeviceRequest).where(DeviceRequest.import_id == job.id)).scalars().all()
    assert len(rows) == 100
    for i, r in enumerate(rows):
        for step in ("approved", "building"):
            service.transition(db, actor, r, step)
        service.mark_built(db, actor, r, f"RO-{i:04d}")
        service.transition(db, actor, r, "checked")
    made = runs.plan_runs(db, actor, uk_today() + timedelta(days=1), driver_id=driver.id, max_stops=200)
    assert len(made) == len({r.station_id for r in rows})
    me = identity.actor_of(driver)
    for run in made:
        runs.start(db, me, run)
        for stop, _ in db.execute(runs.stops(run.id)).all():
            runs.deliver(db, me, run, stop.id, received_by="Recipient", proof_kind="code", code=stop.delivery_code)
    db.commit()
    assert {r.state for r in rows} == {"delivered"}
