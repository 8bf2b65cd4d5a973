"""The issue's bad input for dispatch: unknown units and incidents are 404 wherever they are named,
a closed incident takes no unit; each answer is a clear problem and nothing changes."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from onbeat.command.dispatch.models import Assignment
from onbeat.command.models import Unit
from onbeat.core.events.models import OutboxEvent
from tests.command.dispatch.units import make_unit
from tests.command.incidents.factory import open_incident, stations
from tests.conftest import bearer


def _nothing_changed(db, unit) -> None:
    db.expire_all()
    assert db.get(Unit, unit.id).status == "available"
    assert db.scalar(select(func.count()).select_from(Assignment)) == 0


def test_unknown_unit_or_incident_is_404_wherever_named(client, db, make_user):
    stations(db)
    incident = open_incident(db)
    db.commit()
    unit = make_unit(db, "RD41")
    auth = bearer(client, make_user("dispatcher").username)
    events = db.scalar(select(func.count()).select_from(OutboxEvent))
    missing = uuid.uuid4()
    for method, path, body, field in (
            ("post", f"/api/incidents/{incident.id}/assign", {"unit_id": str(missing)}, "unit_id"),
            ("post", f"/api/incidents/{missing}/assign", {"unit_id": str(unit.id)}, None),
            ("get", f"/api/incidents/{missing}/recommendation", None, None),
            ("get", f"/api/incidents/{missing}/assignments", None, None),
            ("post", f"/api/units/{missing}/status", {"status": "busy"}, "unit_id")):
        r = getattr(client, method)(path, headers=auth, **({"json": body} if body else {}))
        assert r.status_code == 404, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "no " in r.json()["detail"].lower()
        if field:
            assert r.json()["errors"][0]["field"] == field
    _nothing_changed(db, unit)
    assert db.scalar(select(func.count()).select_from(OutboxEvent)) == events


def test_a_closed_incident_takes_no_unit_and_has_no_recommendation(client, db, make_user):
    stations(db)
    incident = open_incident(db)
    db.commit()
    unit = make_unit(db, "RD42")
    auth = bearer(client, make_user("dispatcher").username)
    assert client.post(f"/api/incidents/{incident.id}/close", headers=auth,
                       json={"closing_code": "advice_given", "closing_note": "Advice given."}).status_code == 200
    r = client.post(f"/api/incidents/{incident.id}/assign", json={"unit_id": str(unit.id)}, headers=auth)
    assert r.status_code == 409 and "closed" in r.json()["detail"]
    r = client.get(f"/api/incidents/{incident.id}/recommendation", headers=auth)
    assert r.status_code == 409 and "closed" in r.json()["detail"]
    _nothing_changed(db, unit)


def test_out_of_range_or_zoneless_device_fixes_store_nothing(client, db, make_user):
    stations(db)
    officer = make_user("officer")
    unit = make_unit(db, "RD43", crew=[officer], place=None)
    device = bearer(client, officer.username)
    for bad in ({"latitude": 0, "longitude": 181}, {"latitude": -90.5, "longitude": 0}):
        r = client.post("/api/device/locations", headers=device,
                        json={"fixes": [{**bad, "at": "2026-11-21T12:00:00Z"}]})
        assert r.status_code == 422
    r = client.post("/api/device/locations", headers=device,
                    json={"fixes": [{"latitude": 51.4, "longitude": -0.9, "at": "2026-11-21T12:00:00"}]})
    assert r.status_code == 400 and "time zone" in r.json()["detail"]
    db.expire_all()
    assert db.get(Unit, unit.id).location_at is None
    assert db.execute(select(func.count()).select_from(Unit)).scalar_one() == 1
