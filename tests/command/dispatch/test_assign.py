"""Assigning a unit, two dispatchers racing for one unit, and the status changes that follow."""

import threading

import pytest
from sqlalchemy import select

from onbeat import db as onbeat_db
from onbeat.command.dispatch import service
from onbeat.command.incidents import service as incidents
from onbeat.command.incidents.models import IncidentLogEntry
from onbeat.command.models import Unit
from onbeat.core.errors import Conflict
from onbeat.core.events.models import OutboxEvent
from onbeat.core.identity.service import actor_of
from tests.command.dispatch.units import make_unit, offset
from tests.command.incidents.factory import TOWN, open_incident, stations
from tests.conftest import bearer


def _kinds(db, incident):
    return [e.kind for e in db.execute(incidents.log_entries(db, incident.id)).scalars()]


def _events(db, name):
    return [e.payload for e in db.execute(select(OutboxEvent).where(OutboxEvent.subject == f"onbeat.command.{name}")
                                          .order_by(OutboxEvent.id)).scalars()]


def test_assign_sets_status_logs_and_tells_the_crew(client, db, make_user):
    stations(db)
    incident = open_incident(db)
    db.commit()
    officer = make_user("officer")
    unit = make_unit(db, "RD11", crew=[officer])
    auth = bearer(client, make_user("dispatcher", family_name="Smith").username)

    r = client.post(f"/api/incidents/{incident.id}/assign", json={"unit_id": str(unit.id)}, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["call_sign"] == "RD11" and r.json()["stage"] == "assigned"
    db.expire_all()
    assert db.get(Unit, unit.id).status == "assigned"
    assert _kinds(db, incident)[-1] == "assigned"
    told = _events(db, "unit_assigned")
    assert told[-1]["crew"] == [str(officer.id)] and told[-1]["incident"]["log_number"] == incident.log_number
    assert _events(db, "unit_updated")[-1]["status"] == "assigned"

    mine = client.get("/api/device/assignment", headers=bearer(client, officer.username)).json()
    assert mine["assignment"]["incident_id"] == str(incident.id) and mine["incident"]["log_number"] == incident.log_number


def test_unavailable_unit_is_refused_naming_who_has_it(client, db, make_user):
    stations(db)
    first, second = open_incident(db), open_incident(db)
    db.commit()
    unit = make_unit(db, "ARV1", unit_type="arv", skills=("firearms",))
    busy = make_unit(db, "RD12", status="busy")
    smith = make_user("dispatcher", given_name="Jo", family_name="Smith", rank="PC")
    auth = bearer(client, smith.username)
    assert client.post(f"/api/incidents/{first.id}/assign", json={"unit_id": str(unit.id)}, headers=auth).status_code == 201

    r = client.post(f"/api/incidents/{second.id}/assign", json={"unit_id": str(unit.id)}, headers=auth)
    assert r.status_code == 409
    assert r.json()["detail"].startswith(f"ARV1 was assigned to {first.log_number} by PC Jo Smith")
    assert r.json()["errors"][0]["field"] == "unit_id"
    r = client.post(f"/api/incidents/{second.id}/assign", json={"unit_id": str(busy.id)}, headers=auth)
    assert r.status_code == 409 and r.json()["detail"] == "RD12 is busy, not available."
    assert "assigned" not in _kinds(db, second)


def test_two_dispatchers_one_unit_one_wins(db, make_user):
    stations(db)
    incidents_ = [open_incident(db), open_incident(db)]
    db.commit()
    unit = make_unit(db, "RD13")
    people = [make_user("dispatcher", family_name=name) for name in ("Ahmed", "Brown")]
    barrier = threading.Barrier(2)
    outcome: dict[int, object] = {}

    def dispatch(i: int) -> None:
        with onbeat_db.session() as s:
            incident = incidents.get(s, incidents_[i].id)
            who = actor_of(s.merge(people[i]))
            barrier.wait()
            try:
                service.assign(s, who, incident, unit.id)
                s.commit()
                outcome[i] = "won"
            except Conflict as exc:
                s.rollback()
                outcome[i] = exc.detail

    threads = [threading.Thread(target=dispatch, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(str, outcome.values())).count("won") == 1
    winner = next(i for i, v in outcome.items() if v == "won")
    loser_told = outcome[1 - winner]
    assert loser_told.startswith(f"RD13 was assigned to {incidents_[winner].log_number} by ")
    assert people[winner].family_name in loser_told


def test_status_changes_log_and_closing_waits_for_units_at_scene(client, db, make_user):
    stations(db)
    incident = open_incident(db)
    db.commit()
    officer = make_user("officer")
    unit = make_unit(db, "RD14", crew=[officer], place=offset(TOWN, 1))
    dispatcher = bearer(client, make_user("dispatcher").username)
    device = bearer(client, officer.username)
    assert client.post(f"/api/incidents/{incident.id}/assign", json={"unit_id": str(unit.id)},
                       headers=dispatcher).status_code == 201

    assert client.post("/api/device/status", json={"status": "en_route"}, headers=device).json()["status"] == "en_route"
    assert client.post("/api/device/status", json={"status": "at_scene"}, headers=device).json()["status"] == "at_scene"
    db.expire_all()
    assert incidents.get(db, incident.id).first_arrival_at is not None
    assert service.units_at_scene(db, incident.id) == ["RD14"]

    close = {"closing_code": "advice_given", "closing_note": "Words of advice given."}
    r = client.post(f"/api/incidents/{incident.id}/close", json=close, headers=dispatcher)
    assert r.status_code == 409 and "RD14" in r.json()["detail"]

    assert client.post("/api/device/status", json={"status": "clear"}, headers=device).json()["status"] == "available"
    assert client.post(f"/api/incidents/{incident.id}/close", json=close, headers=dispatcher).status_code == 200
    db.expire_all()
    assert _kinds(db, incident) == ["created", "graded", "assigned", "en_route", "at_scene", "arrived", "left_scene",
                                    "closed"]
    entries = db.execute(select(IncidentLogEntry).where(IncidentLogEntry.kind == "at_scene")).scalars().all()
    assert entries[0].text == "RD14 at scene." and entries[0].actor_id == officer.id


def test_standing_down_before_arrival_logs_it(client, db, make_user):
    stations(db)
    incident = open_incident(db)
    db.commit()
    unit = make_unit(db, "RD15")
    auth = bearer(client, make_user("dispatcher").username)
    client.post(f"/api/incidents/{incident.id}/assign", json={"unit_id": str(unit.id)}, headers=auth)
    r = client.post(f"/api/units/{unit.id}/status", json={"status": "available"}, headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "available"
    assert _kinds(db, incident)[-1] == "unassigned"
    assert service.current_assignment(db, unit.id) is None


@pytest.mark.parametrize("start,wanted,code", [("available", "en_route", 409), ("available", "at_scene", 409),
                                                ("off_duty", "busy", 409), ("busy", "assigned", 422),
                                                ("available", "available", 409)])
def test_refused_status_changes_change_nothing(client, db, make_user, start, wanted, code):
    stations(db)
    unit = make_unit(db, "RD16", status=start)
    r = client.post(f"/api/units/{unit.id}/status", json={"status": wanted},
                    headers=bearer(client, make_user("dispatcher").username))
    assert r.status_code == code and r.json()["errors"][0]["field"] == "status"
    db.expire_all()
    assert db.get(Unit, unit.id).status == start
