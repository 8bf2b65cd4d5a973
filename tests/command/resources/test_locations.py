"""Live locations from devices: batches applied in order, stale fixes never overwrite newer ones."""

from datetime import datetime, timedelta, timezone

from onbeat import db as onbeat_db
from onbeat.command.models import Unit
from onbeat.command.resources import service
from onbeat.command.resources.service import Fix
from tests.command.dispatch.units import make_unit
from tests.command.incidents.factory import stations
from tests.conftest import bearer

T0 = datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc)


def _fix(minutes: int, lat: float = 51.45, lon: float = -0.97, **extra) -> dict:
    return {"latitude": lat, "longitude": lon, "at": (T0 + timedelta(minutes=minutes)).isoformat(), **extra}


def test_batch_applied_in_order_and_stale_fixes_ignored(client, db, make_user):
    stations(db)
    officer = make_user("officer")
    unit = make_unit(db, "RD11", crew=[officer])
    device = bearer(client, officer.username)

    r = client.post("/api/device/locations", headers=device, json={"fixes": [
        _fix(1, 51.401), _fix(3, 51.403, accuracy=8, heading=90, speed=12.5), _fix(2, 51.402)]})
    assert r.status_code == 200, r.text
    assert r.json() == {"unit_id": str(unit.id), "call_sign": "RD11", "applied": 2, "ignored": [2]}
    db.expire_all()
    u = db.get(Unit, unit.id)
    assert (u.latitude, u.location_at, u.location_accuracy, u.heading, u.speed) == (51.403, T0 + timedelta(minutes=3),
                                                                                   8, 90, 12.5)

    r = client.post("/api/device/locations", headers=device, json={"fixes": [_fix(3, 51.5), _fix(0, 51.6)]})
    assert r.json()["applied"] == 0 and r.json()["ignored"] == [0, 1]
    db.expire_all()
    assert db.get(Unit, unit.id).latitude == 51.403


def test_out_of_range_fix_refuses_the_whole_batch(client, db, make_user):
    stations(db)
    officer = make_user("officer")
    unit = make_unit(db, "RD12", crew=[officer], place=None)
    r = client.post("/api/device/locations", headers=bearer(client, officer.username),
                    json={"fixes": [_fix(1), _fix(2, lat=91.0)]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].endswith("latitude") and "1" in r.json()["errors"][0]["field"]
    db.expire_all()
    assert db.get(Unit, unit.id).location_at is None


def test_a_late_older_fix_from_another_session_never_wins(db):
    stations(db)
    unit = make_unit(db, "RD13", place=None)
    newer, older = Fix(51.46, -0.97, T0 + timedelta(seconds=10)), Fix(51.40, -0.90, T0)
    with onbeat_db.session() as first, onbeat_db.session() as second:
        assert service.apply_fix(first, unit.id, newer)
        first.commit()
        assert not service.apply_fix(second, unit.id, older)
        second.commit()
    db.expire_all()
    assert db.get(Unit, unit.id).latitude == 51.46

    # The same through the batch path, with the older batch's session already open and waiting.
    newest = Fix(51.47, -0.97, T0 + timedelta(seconds=20))
    with onbeat_db.session() as first, onbeat_db.session() as second:
        in_second = second.get(Unit, unit.id)
        assert service.apply_fixes(first, first.get(Unit, unit.id), [newest]) == (1, [])
        first.commit()
        assert service.apply_fixes(second, in_second, [older, Fix(51.41, -0.9, T0 + timedelta(seconds=15))]) == (0, [0, 1])
        second.commit()
    db.expire_all()
    assert db.get(Unit, unit.id).latitude == 51.47


def test_device_endpoints_refuse_someone_not_in_the_crew(client, db, make_user):
    stations(db)
    crew, stranger = make_user("officer"), make_user("officer")
    unit = make_unit(db, "RD14", crew=[crew])
    make_unit(db, "RD15", crew=[stranger])
    outsider = bearer(client, make_user("officer").username)
    other = bearer(client, stranger.username)

    for auth in (outsider, other):
        named = {"unit_id": str(unit.id)}
        assert client.post("/api/device/locations", headers=auth, json={**named, "fixes": [_fix(1)]}).status_code == 403
        assert client.get("/api/device/assignment", headers=auth, params=named).status_code == 403
        assert client.post("/api/device/status", headers=auth, json={**named, "status": "busy"}).status_code == 403
    r = client.get("/api/device/assignment", headers=outsider)
    assert r.status_code == 409 and "not in any unit" in r.json()["detail"]
    db.expire_all()
    assert db.get(Unit, unit.id).status == "available" and db.get(Unit, unit.id).location_at is None


def test_dispatcher_cannot_use_the_device_api(client, db, make_user):
    r = client.post("/api/device/status", json={"status": "busy"}, headers=bearer(client, make_user("dispatcher").username))
    assert r.status_code == 403


def test_officer_books_refreshment_and_back(client, db, make_user):
    stations(db)
    officer = make_user("officer")
    unit = make_unit(db, "RD16", crew=[officer])
    device = bearer(client, officer.username)
    assert client.post("/api/device/status", headers=device, json={"status": "refreshment"}).json()["status"] == "refreshment"
    r = client.post("/api/device/status", headers=device, json={"status": "en_route"})
    assert r.status_code == 409 and "refreshment" in r.json()["detail"]
    assert client.post("/api/device/status", headers=device, json={"status": "available"}).json()["status"] == "available"
    db.expire_all()
    assert db.get(Unit, unit.id).status_changed_at is not None


def test_a_batch_ends_as_applying_each_fix_in_turn_would(db):
    """The batch is stored in one statement; the outcome must be that of applying fix after fix."""
    stations(db)
    unit = make_unit(db, "RD17", place=None)
    latest = None
    for minutes in ([5, 3, 5, 9, 7, 9, 10], [2, 4], [10, 11, 11, 12], [1]):
        fixes = [Fix(51.4 + m / 1000, -0.97, T0 + timedelta(minutes=m)) for m in minutes]
        expected_applied, expected_ignored = 0, []
        for i, fix in enumerate(fixes):
            if latest is None or fix.at > latest:
                latest, expected_applied = fix.at, expected_applied + 1
            else:
                expected_ignored.append(i)
        assert service.apply_fixes(db, unit, fixes) == (expected_applied, expected_ignored)
        db.commit()
        db.expire_all()
        stored = db.get(Unit, unit.id)
        assert stored.location_at == latest and stored.latitude == 51.4 + latest.minute / 1000


def test_the_live_map_hears_once_a_second_of_every_unit_that_moved(client, db, make_user):
    from onbeat.core.events.models import OutboxEvent
    from sqlalchemy import select

    stations(db)
    officer = make_user("officer")
    moving, still = make_unit(db, "RD11", crew=[officer]), make_unit(db, "RD12")
    device = bearer(client, officer.username)
    assert service.announce_moves(db) == {"units_moved": 0}  # nothing moved: no event at all

    r = client.post("/api/device/locations", headers=device, json={"fixes": [_fix(1, 51.401), _fix(2, 51.402)]})
    assert r.json()["applied"] == 2
    assert db.execute(select(OutboxEvent).where(OutboxEvent.subject.like("onbeat.command.unit%"))).first() is None

    assert service.announce_moves(db) == {"units_moved": 1}
    db.commit()
    event = db.execute(select(OutboxEvent).where(OutboxEvent.subject == "onbeat.command.units_moved")).scalar_one()
    (unit,) = event.payload["units"]
    assert (unit["id"], unit["call_sign"], unit["lat"]) == (str(moving.id), "RD11", 51.402)
    assert unit["location_at"] == (T0 + timedelta(minutes=2)).isoformat()
    assert str(still.id) not in str(event.payload)
    # Past the window, a unit that has not moved again is not announced again.
    assert service.announce_moves(db, window_s=0) == {"units_moved": 0}
