"""Location history: every fix a device sends is kept (late ones too, a re-sent one once), never
changed; a unit's track is read through the API or its page, with a reason, and audited."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from onbeat.command.models import UnitLocation
from onbeat.core.audit.models import AuditEntry
from tests.command.dispatch.units import make_unit
from tests.command.incidents.factory import stations
from tests.conftest import bearer, browser_login

T0 = datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc)


def _fix(minutes: float, lat: float = 51.45, lon: float = -0.97, **extra) -> dict:
    return {"latitude": lat, "longitude": lon, "at": (T0 + timedelta(minutes=minutes)).isoformat(), **extra}


def _history(db, unit_id) -> list[tuple]:
    return [(r.at, r.latitude) for r in db.execute(select(UnitLocation).where(UnitLocation.unit_id == unit_id)
                                                   .order_by(UnitLocation.at)).scalars()]


@pytest.fixture
def tracked(client, db, make_user):
    """A unit whose device has sent two batches: one in order, one late and partly re-sent."""
    stations(db)
    officer = make_user("officer")
    unit = make_unit(db, "RD21", crew=[officer])
    device = bearer(client, officer.username)
    r = client.post("/api/device/locations", headers=device, json={"fixes": [
        _fix(1, 51.401), _fix(3, 51.403, accuracy=8, heading=90, speed=12.5), _fix(2, 51.402)]})
    assert r.json()["applied"] == 2 and r.json()["ignored"] == [2]
    # A late batch: older than the unit's position, one fix the same as before (a re-send).
    r = client.post("/api/device/locations", headers=device, json={"fixes": [_fix(0, 51.400), _fix(1, 51.401)]})
    assert r.json()["applied"] == 0
    return unit


def test_every_fix_is_kept_even_late_ones_and_a_resent_one_once(db, tracked):
    assert _history(db, tracked.id) == [(T0 + timedelta(minutes=m), lat) for m, lat in
                                        enumerate((51.400, 51.401, 51.402, 51.403))]
    row = db.get(UnitLocation, (tracked.id, T0 + timedelta(minutes=3)))
    assert (row.accuracy, row.heading, row.speed) == (8, 90, 12.5) and row.received_at is not None


def test_the_history_cannot_be_changed_or_removed(db, tracked, superuser_sql):
    for sql in ("update unit_locations set latitude = 0", "delete from unit_locations", "truncate unit_locations"):
        with pytest.raises(DBAPIError, match="append-only"):
            superuser_sql(sql)
    assert len(_history(db, tracked.id)) == 4


def test_the_track_api_gives_a_period_oldest_first_with_a_reason_and_audits_it(client, db, make_user, tracked):
    dispatcher = bearer(client, make_user("dispatcher").username)
    url = f"/api/units/{tracked.id}/track"
    period = {"start": (T0 + timedelta(minutes=1)).isoformat(), "end": (T0 + timedelta(minutes=2)).isoformat()}
    r = client.get(url, params=period, headers=dispatcher)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose"

    r = client.get(url, params={**period, "purpose": "complaint CMP/12/26"}, headers=dispatcher)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["call_sign"] == "RD21" and body["truncated"] is False
    assert [f["latitude"] for f in body["fixes"]] == [51.401, 51.402]
    entry = db.execute(select(AuditEntry).where(AuditEntry.event == "command.unit.track_viewed")).scalars().one()
    assert (entry.action, entry.subject_id, entry.purpose) == ("consult", str(tracked.id), "complaint CMP/12/26")
    assert entry.detail["fixes"] == 2

    # The default period is the last two hours: these fixes are older.
    assert client.get(url, params={"purpose": "check"}, headers=dispatcher).json()["fixes"] == []


def test_the_track_api_refuses_bad_periods_and_unknown_units(client, db, make_user, tracked):
    auth = {**bearer(client, make_user("dispatcher").username), "X-Purpose": "incident 0001-21112026"}
    url = f"/api/units/{tracked.id}/track"
    r = client.get(url, params={"start": "2026-11-21T14:00:00", "end": "2026-11-21T15:00:00Z"}, headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "start"
    r = client.get(url, params={"start": "2026-11-21T15:00:00Z", "end": "2026-11-21T14:00:00Z"}, headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "end"
    r = client.get(url, params={"start": "yesterday"}, headers=auth)
    assert r.status_code == 422
    r = client.get("/api/units/00000000-0000-0000-0000-000000000000/track", headers=auth)
    assert r.status_code == 404
    # Roles without units.read are refused.
    driver = {**bearer(client, make_user("fleet_driver").username), "X-Purpose": "curious"}
    assert client.get(url, headers=driver).status_code == 403


def test_the_units_page_shows_the_track_after_a_reason(client, db, make_user, tracked):
    browser_login(client, make_user("supervisor").username)
    period = {"start": "2026-11-21T14:00", "end": "2026-11-21T14:10"}  # UK time is UTC in November
    r = client.get(f"/units/{tracked.id}", params=period, headers={"Accept": "text/html"})
    assert r.status_code == 200 and "Unit RD21" in r.text and "track-table" not in r.text
    r = client.get(f"/units/{tracked.id}", params={**period, "purpose": "x"}, headers={"Accept": "text/html"})
    assert r.status_code == 400 and "Say why you need" in r.text
    r = client.get(f"/units/{tracked.id}", params={**period, "purpose": "complaint CMP/12/26"},
                   headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.text.count("<tr><td>21/11/2026 14:0") == 4 and "<polyline" in r.text
    assert db.execute(select(AuditEntry).where(AuditEntry.event == "command.unit.track_viewed")).scalars().one()
