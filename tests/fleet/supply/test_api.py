"""Supply through its API: request → built → checked → run → delivered, CSV imports with progress,
the plan, and the refusals (unknown role or profile by line, an illegal step with the allowed ones,
someone else's run, roles without the permission)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from onbeat.fleet.supply import catalogue
from tests.conftest import bearer
from tests.fleet.supply.sample import force

pytestmark = pytest.mark.db
WHY = {"X-Purpose": "building the device for the request"}


@pytest.fixture
def f(db):
    return force(db, officers=4)


def _as(client, user) -> dict:
    return bearer(client, user.username)


def test_request_to_delivered_through_the_api(client, db, f):
    eng = {**_as(client, f.engineer), **WHY}
    r = client.post("/api/fleet/requests", headers=eng, json={"person_id": str(f.officers[0].id),
                                                              "needs": "Screen reader", "urgent": True})
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["state"] == "requested" and req["role"] == "officer" and req["reference"].startswith("DEVREQ/")
    assert req["allowed_next"] == ["approved", "cancelled"]
    rid = req["id"]
    for to in ("approved", "building"):
        r = client.post(f"/api/fleet/requests/{rid}/transitions", headers=eng, json={"to": to})
        assert r.status_code == 200, r.text
    assert r.json()["ready_on"] is not None
    r = client.post(f"/api/fleet/requests/{rid}/built", headers=eng, json={"serial": "5CG1234XYZ"})
    assert r.status_code == 200, r.text
    assert r.json()["serial"] == "5CG1234XYZ" and r.json()["device_id"]
    assert client.post(f"/api/fleet/requests/{rid}/transitions", headers=eng, json={"to": "checked"}).status_code == 200

    r = client.post("/api/fleet/runs", headers=eng, json={"run_date": (date.today() + timedelta(days=1)).isoformat(),
                                                          "driver_id": str(f.drivers[0].id)})
    assert r.status_code == 201, r.text
    (run,) = r.json()
    assert run["counts"] == {"checked": 1}
    driver = _as(client, f.drivers[0])
    mine = client.get("/api/fleet/runs/mine", headers=driver).json()
    assert [x["reference"] for x in mine["items"]] == [run["reference"]]
    r = client.post(f"/api/fleet/runs/{run['id']}/start", headers=driver)
    assert r.status_code == 200, r.text
    stop = r.json()["stops"][0]
    assert stop["state"] == "out_for_delivery" and stop["recipient"].startswith("PC Sam")
    r = client.post(f"/api/fleet/runs/{run['id']}/stops/{rid}/delivered", headers=driver,
                    json={"received_by": "Sam Officer", "proof_kind": "signature",
                          "signature": "M 1 1 L 20 20 L 40 5"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "delivered"
    full = client.get(f"/api/fleet/requests/{rid}", headers=eng).json()
    assert [h["to_state"] for h in full["history"]] == ["requested", "approved", "building", "built", "checked",
                                                        "out_for_delivery", "delivered"]
    assert client.get(f"/api/fleet/runs/{run['id']}", headers=eng).json()["state"] == "completed"


def test_an_illegal_step_is_409_naming_the_allowed_ones(client, f):
    eng = _as(client, f.engineer)
    rid = client.post("/api/fleet/requests", headers=eng, json={"person_id": str(f.officers[0].id)}).json()["id"]
    r = client.post(f"/api/fleet/requests/{rid}/transitions", headers=eng, json={"to": "delivered"})
    assert r.status_code == 409
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "approved, cancelled" in body["detail"] and body["errors"][0]["message"] == "allowed: approved, cancelled"
    assert client.post(f"/api/fleet/requests/{rid}/transitions", headers=eng,
                       json={"to": "lost"}).status_code == 422
    assert client.post(f"/api/fleet/requests/{rid}/built", headers=eng,
                       json={"serial": "SN-1"}).status_code == 409


def test_a_csv_with_unknown_role_and_profile_names_the_lines(client, db, f):
    eng = _as(client, f.engineer)
    text = ("number,role,profile\n"
            f"{f.officers[0].collar_number},officer,\n"
            f"{f.officers[1].collar_number},sergeant,\n"
            f"{f.officers[2].collar_number},,OFFICER-TABLET\n")
    r = client.post("/api/fleet/requests/imports", headers=eng, json={"filename": "team.csv", "csv": text})
    assert r.status_code == 400, r.text
    errors = {(e["line"], e["field"]): e["message"] for e in r.json()["errors"]}
    assert set(errors) == {(3, "role"), (4, "profile")}
    assert "sergeant" in errors[(3, "role")] and "OFFICER-TABLET" in errors[(4, "profile")]
    listed = client.get("/api/fleet/requests", headers={**eng, **WHY}).json()
    assert listed["total"] == 0


def test_a_good_csv_is_created_in_the_background_with_progress(client, f):
    eng = _as(client, f.engineer)
    text = "number,urgent\n" + "".join(f"{o.collar_number},no\n" for o in f.officers)
    r = client.post("/api/fleet/requests/imports", headers=eng, json={"csv": text})
    assert r.status_code == 202, r.text
    job = client.get(f"/api/fleet/requests/imports/{r.json()['id']}", headers=eng).json()
    assert (job["state"], job["processed"], job["total"]) == ("done", 4, 4)
    listed = client.get("/api/fleet/requests", headers={**eng, **WHY}, params={"import_id": job["id"]}).json()
    assert listed["total"] == 4


def test_the_plan_moves_to_the_next_working_day_past_capacity(client, f):
    eng = _as(client, f.engineer)
    r = client.put("/api/fleet/queue/capacity", headers=eng, json={"daily_capacity": 1})
    assert r.status_code == 200 and r.json()["daily_capacity"] == 1
    for o in f.officers[:3]:
        rid = client.post("/api/fleet/requests", headers=eng, json={"person_id": str(o.id)}).json()["id"]
        client.post(f"/api/fleet/requests/{rid}/transitions", headers=eng, json={"to": "approved"})
    plan = client.get("/api/fleet/queue", headers=eng).json()
    days = [i["ready_on"] for i in plan["items"]]
    assert plan["total"] == 3 and len(set(days)) == 3 and days == sorted(days)
    assert all(date.fromisoformat(d).weekday() < 5 for d in days)
    assert [d["builds"] for d in plan["days"]] == [1, 1, 1]
    assert client.put("/api/fleet/queue/capacity", headers=eng, json={"daily_capacity": 0}).status_code == 422
    r = client.post("/api/fleet/queue/start", headers=eng, json={"count": 2})
    assert [i["state"] for i in r.json()["items"]] == ["building", "building", "approved"]


def test_delivering_someone_elses_run_is_403(client, db, f):
    eng = _as(client, f.engineer)
    rid = client.post("/api/fleet/requests", headers=eng, json={"person_id": str(f.officers[0].id)}).json()["id"]
    for to in ("approved", "building"):
        client.post(f"/api/fleet/requests/{rid}/transitions", headers=eng, json={"to": to})
    client.post(f"/api/fleet/requests/{rid}/built", headers=eng, json={"serial": "SN-403"})
    client.post(f"/api/fleet/requests/{rid}/transitions", headers=eng, json={"to": "checked"})
    (run,) = client.post("/api/fleet/runs", headers=eng, json={"run_date": date.today().isoformat(),
                                                               "driver_id": str(f.drivers[0].id)}).json()
    other = _as(client, f.drivers[1])
    assert client.post(f"/api/fleet/runs/{run['id']}/start", headers=other).status_code == 403
    assert client.get(f"/api/fleet/runs/{run['id']}", headers=other).status_code == 403
    assert client.post(f"/api/fleet/runs/{run['id']}/start", headers=eng).status_code == 200
    r = client.post(f"/api/fleet/runs/{run['id']}/stops/{rid}/delivered", headers=other,
                    json={"received_by": "x", "proof_kind": "code", "code": "123456"})
    assert r.status_code == 403 and "not your delivery run" in r.json()["detail"]
    r = client.post(f"/api/fleet/runs/{run['id']}/stops/{rid}/not-delivered", headers=eng, json={"reason": "x"})
    assert r.status_code == 403
    mine = _as(client, f.drivers[0])
    r = client.post(f"/api/fleet/runs/{run['id']}/stops/{rid}/delivered", headers=mine,
                    json={"received_by": "x", "proof_kind": "code", "code": "abc"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "code"


def test_roles_without_the_permission_are_refused(client, f, make_user):
    officer = _as(client, f.officers[0])
    assert client.get("/api/fleet/queue", headers=officer).status_code == 403
    assert client.post("/api/fleet/requests", headers=officer,
                       json={"person_id": str(f.officers[1].id)}).status_code == 403
    sup = _as(client, f.supervisor)  # supervisors request, but do not run the fleet
    assert client.post("/api/fleet/requests", headers=sup, json={"person_id": str(f.officers[1].id)}).status_code == 201
    assert client.get("/api/fleet/requests", headers={**sup, **WHY}).status_code == 403
    driver = _as(client, f.drivers[0])
    assert client.get("/api/fleet/requests", headers={**driver, **WHY}).status_code == 403
    assert client.put("/api/fleet/queue/capacity", headers=driver, json={"daily_capacity": 5}).status_code == 403
    eng = _as(client, f.engineer)
    assert client.get("/api/fleet/requests", headers=eng).status_code == 400  # no purpose stated


def test_profiles_through_the_api(client, db, f):
    eng = _as(client, f.engineer)
    profile = catalogue.profile_by_code(db, "OFFICER-PHONE")
    policy = client.get(f"/api/fleet/profiles/{profile.id}/policy", headers=eng).json()
    assert policy["code"] == "OFFICER-PHONE" and policy["vpn_required"] is True
    body = {"name": profile.name, "role": "officer", "device_model_id": str(profile.device_model_id),
            "min_os_version": "15", "wrong_pin_limit": 6, "vpn_profile": "Force Always On",
            "software": [{"name": "OnBeat officer app", "version": "1.1"}]}
    r = client.put(f"/api/fleet/profiles/{profile.id}", headers=eng, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["policy"]["wrong_pin_limit"] == 6
    r = client.put(f"/api/fleet/profiles/{profile.id}", headers=eng, json={**body, "wrong_pin_limit": 2})
    assert r.status_code == 422
    r = client.post("/api/fleet/profiles", headers=eng, json={**body, "code": "OFFICER-PHONE"})
    assert r.status_code == 409
    listed = client.get("/api/fleet/profiles", headers=eng, params={"role": "officer"}).json()
    assert {p["code"] for p in listed["items"]} == {"OFFICER-LAPTOP", "OFFICER-PHONE", "OFFICER-BWV",
                                                    "OFFICER-FINGERPRINT"}
    r = client.post("/api/fleet/models", headers=eng, json={"code": "lap-x1", "name": "X1", "kind": "laptop",
                                                            "manufacturer": "Lenovo", "operating_system": "Windows"})
    assert r.status_code == 201 and r.json()["code"] == "LAP-X1"
    assert client.post("/api/fleet/models", headers=eng, json={"code": "LAP-X1", "name": "X1", "kind": "laptop",
                                                               "manufacturer": "L", "operating_system": "W"}
                       ).status_code == 409
