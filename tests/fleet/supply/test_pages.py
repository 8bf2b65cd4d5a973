"""Supply pages through forms: a request, a CSV with its progress, the queue's built action, runs,
the driver's delivered action; errors beside their fields and nothing half-done."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from onbeat.fleet.supply import catalogue, service
from onbeat.fleet.supply.models import DeliveryRun, DeviceRequest
from tests.conftest import browser_login
from tests.fleet.supply.sample import force

pytestmark = pytest.mark.db


def count(db) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(DeviceRequest)).scalar_one()


def test_the_engineers_pages_from_request_to_run(client, db):
    f = force(db, officers=2)
    csrf = browser_login(client, f.engineer.username)
    assert client.get("/fleet/requests/new").status_code == 200
    r = client.post("/fleet/requests", data={"csrf_token": csrf, "number": "nobody"})
    assert r.status_code == 400 and 'id="number-error"' in r.text and count(db) == 0
    r = client.post("/fleet/requests", data={"csrf_token": csrf, "number": f.officers[0].collar_number,
                                             "needs": "Screen reader", "urgent": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "Screen reader" in page.text and "Requested" in page.text
    rid = r.headers["location"].rsplit("/", 1)[1]
    r = client.post(f"/fleet/requests/{rid}/move", data={"csrf_token": csrf, "to": "failed"})
    assert r.status_code == 409 and "approved, cancelled" in r.text
    for to in ("approved", "building"):
        assert client.post(f"/fleet/requests/{rid}/move", data={"csrf_token": csrf, "to": to},
                           follow_redirects=False).status_code == 303
    queue = client.get("/fleet/queue").text
    assert f'id="serial-{rid}"' in queue
    r = client.post(f"/fleet/requests/{rid}/built", data={"csrf_token": csrf, "serial": "??", "back": "queue"})
    assert r.status_code == 400 and f'id="serial-{rid}-error"' in r.text
    r = client.post(f"/fleet/requests/{rid}/built", data={"csrf_token": csrf, "serial": "SN-PAGE-1", "back": "queue"},
                    follow_redirects=False)
    assert r.status_code == 303
    client.post(f"/fleet/requests/{rid}/move", data={"csrf_token": csrf, "to": "checked"})
    runs_page = client.get("/fleet/runs").text
    assert "Reading" in runs_page or "Tilehurst" in runs_page
    r = client.post("/fleet/runs", data={"csrf_token": csrf, "run_date": "not a date", "max_stops": "40"})
    assert r.status_code == 400 and 'id="run_date-error"' in r.text
    r = client.post("/fleet/runs", data={"csrf_token": csrf, "run_date": date.today().isoformat(), "max_stops": "40",
                                         "driver_id": str(f.drivers[0].id)}, follow_redirects=False)
    assert r.status_code == 303
    run_page = client.get(r.headers["location"])
    assert "SN-PAGE-1" in run_page.text
    assert client.get("/fleet/catalogue").status_code == 200
    profile = catalogue.profile_by_code(db, "OFFICER-LAPTOP")
    assert "Wrong PINs before the device wipes itself" in client.get(f"/fleet/profiles/{profile.id}").text


def test_a_profile_form_names_its_bad_fields_and_saves_a_new_version(client, db):
    f = force(db, officers=0)
    csrf = browser_login(client, f.engineer.username)
    profile = catalogue.profile_by_code(db, "PCSO-TABLET")
    form = {"csrf_token": csrf, "name": profile.name, "role": "pcso", "device_model_id": str(profile.device_model_id),
            "is_default": "yes", "software": "OnBeat officer app | 1.0\nMaps", "settings": "",
            "wrong_pin_limit": "99", "auto_lock_minutes": "3", "min_os_version": "14", "encryption_required": "yes",
            "allowed_networks": "FORCE-SECURE", "vpn_required": "yes", "vpn_profile": "Force Always On",
            "checkin_fast_seconds": "60", "checkin_slow_seconds": "300", "fast_checkin_hours": "24",
            "compliance_grace_hours": "72", "compliance_action": "notify"}
    r = client.post(f"/fleet/profiles/{profile.id}", data=form)
    assert r.status_code == 400 and 'id="wrong_pin_limit-error"' in r.text
    r = client.post(f"/fleet/profiles/{profile.id}", data={**form, "wrong_pin_limit": "5"}, follow_redirects=False)
    assert r.status_code == 303
    db.refresh(profile)
    assert profile.version == 2 and profile.wrong_pin_limit == 5
    assert profile.software == [{"name": "OnBeat officer app", "version": "1.0"}, {"name": "Maps", "version": ""}]


def test_a_csv_upload_lists_bad_lines_or_shows_progress(client, db):
    f = force(db, officers=3)
    csrf = browser_login(client, f.engineer.username)
    bad = "number,role\n3000,officer\n3001,wizard\n"
    r = client.post("/fleet/requests/import", data={"csrf_token": csrf}, files={"file": ("t.csv", bad, "text/csv")})
    assert r.status_code == 400 and "<td>3</td><td>role</td>" in r.text and count(db) == 0
    sample = client.get("/fleet/requests/import/sample.csv")
    assert sample.status_code == 200 and sample.text.startswith("number,name,role,profile")
    lines = sample.text.strip().splitlines()
    # The 3 officers and the supervisor (an officer too), for each officer profile; the supervisor's laptop once.
    assert len(lines) == 1 + 4 * 4
    r = client.post("/fleet/requests/import", data={"csrf_token": csrf},
                    files={"file": ("officers.csv", sample.text, "text/csv")}, follow_redirects=False)
    assert r.status_code == 303
    progress = client.get(r.headers["location"] + "/progress").text
    assert "<progress" in progress and f'value="{len(lines) - 1}"' in progress
    assert count(db) == len(lines) - 1


def test_the_driver_delivers_on_their_page_and_not_on_anothers(client, db):
    f = force(db, officers=1)
    row = service.create(db, f.actor, service.NewRequest(person_id=f.officers[0].id))
    for step in ("approved", "building"):
        service.transition(db, f.actor, row, step)
    service.mark_built(db, f.actor, row, "SN-DRIVE-1")
    service.transition(db, f.actor, row, "checked")
    from onbeat.fleet.supply import runs

    (run,) = runs.plan_runs(db, f.actor, date.today(), driver_id=f.drivers[0].id)
    db.commit()
    csrf = browser_login(client, f.drivers[1].username)
    assert client.get(f"/fleet/deliveries/{run.id}").status_code == 403
    client.cookies.clear()
    csrf = browser_login(client, f.drivers[0].username)
    assert "SN-DRIVE-1" in client.get(f"/fleet/deliveries/{run.id}").text
    assert client.post(f"/fleet/runs/{run.id}/start", data={"csrf_token": csrf}, follow_redirects=False
                       ).status_code == 303
    url = f"/fleet/deliveries/{run.id}/stops/{row.id}/delivered"
    r = client.post(url, data={"csrf_token": csrf, "received_by": "Sam", "proof_kind": "code", "code": "x"})
    assert r.status_code == 400 and f'id="code-{row.id}-error"' in r.text
    db.refresh(row)
    r = client.post(url, data={"csrf_token": csrf, "received_by": "Sam", "proof_kind": "code",
                               "code": row.delivery_code}, follow_redirects=False)
    assert r.status_code == 303
    db.expire_all()
    assert db.get(DeviceRequest, row.id).state == "delivered"
    assert db.get(DeliveryRun, run.id).state == "completed"
    assert client.get("/fleet/queue").status_code == 403  # a driver sees only their runs
