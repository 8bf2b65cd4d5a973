"""The incident log (append-only, automatic entries), targets, re-grading, breaches and closing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from onbeat.command.incidents import service
from onbeat.command.incidents.models import Incident, IncidentLogEntry
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.events.models import OutboxEvent
from tests.command.incidents.factory import COUNTRY, HANDLER, open_incident, stations

AT = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def force(db):
    stations(db)
    return db


def kinds(db, incident) -> list[str]:
    return [e.kind for e in db.execute(service.log_entries(db, incident.id)).scalars()]


def events(db, name: str) -> list[dict]:
    return [e.payload for e in db.execute(select(OutboxEvent).where(OutboxEvent.subject == f"onbeat.command.{name}")
                                          .order_by(OutboxEvent.id)).scalars()]


def test_the_log_refuses_update_delete_and_truncate(force):
    db = force
    incident = open_incident(db, at=AT)
    db.commit()
    for sql in ("update incident_log set text = 'changed'", "delete from incident_log",
                "truncate incident_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(sql))
        db.rollback()
    assert kinds(db, incident) == ["created", "graded"]


def test_every_action_writes_its_own_entry(force):
    db = force
    incident = open_incident(db, incident_type="domestic_incident", grade=2, at=AT)
    service.regrade(db, HANDLER, incident, 1, "caller now reports a knife", at=AT + timedelta(minutes=2))
    service.log(db, incident, HANDLER, "assigned", "RD11 assigned")
    service.log(db, incident, HANDLER, "en_route", "RD11 en route")
    service.log(db, incident, HANDLER, "at_scene", "RD11 at scene")
    service.mark_arrived(db, incident, AT + timedelta(minutes=9))
    service.add_note(db, HANDLER, incident, "Both parties separated")
    service.log(db, incident, HANDLER, "left_scene", "RD11 left scene")
    service.close(db, HANDLER, incident, "arrest_made", "Male arrested for assault", at=AT + timedelta(hours=1))
    db.commit()
    assert kinds(db, incident) == ["created", "graded", "regraded", "assigned", "en_route", "at_scene", "arrived",
                                   "note", "left_scene", "closed"]
    regraded = db.execute(select(IncidentLogEntry).where(IncidentLogEntry.kind == "regraded")).scalars().one()
    assert (regraded.detail["old_grade"], regraded.detail["new_grade"]) == (2, 1)
    assert regraded.detail["reason"] == "caller now reports a knife" and "from 2 Priority to 1 Emergency" in regraded.text
    assert [p["grade"] for p in events(db, "incident_graded")] == [1]
    assert events(db, "incident_closed")[0]["status"] == "closed"
    with pytest.raises(ValueError):
        service.log(db, incident, HANDLER, "teleported", "not a kind")


def test_targets_come_from_grade_and_urban_or_rural(force, monkeypatch):
    db = force
    town = open_incident(db, grade=1, at=AT)
    country = open_incident(db, grade=1, at=AT, place=COUNTRY)
    said_rural = open_incident(db, grade=1, at=AT, urban=False)
    nowhere = open_incident(db, grade=1, at=AT, place=None)
    priority = open_incident(db, grade=2, at=AT)
    scheduled = open_incident(db, grade=3, at=AT)
    resolved = open_incident(db, grade=4, at=AT)
    assert (town.urban, town.urban_basis, town.target_at) == (True, "station", AT + timedelta(minutes=15))
    assert (country.urban, country.urban_basis, country.target_at) == (False, "station", AT + timedelta(minutes=20))
    assert (said_rural.urban, said_rural.urban_basis) == (False, "handler")
    assert (nowhere.urban, nowhere.urban_basis, nowhere.station_id) == (True, "default", None)
    assert priority.target_at == AT + timedelta(minutes=60)
    assert scheduled.target_at == AT + timedelta(hours=48)
    assert resolved.target_at is None
    assert town.station_id is not None

    monkeypatch.setenv("ONBEAT_COMMAND_GRADE1_URBAN_MINUTES", "10")
    monkeypatch.setenv("ONBEAT_COMMAND_URBAN_RADIUS_KM", "20")
    quicker = open_incident(db, grade=1, at=AT)
    now_urban = open_incident(db, grade=1, at=AT, place=COUNTRY)
    assert quicker.target_at == AT + timedelta(minutes=10) and now_urban.urban


def test_regrading_restarts_the_target_and_refuses_what_makes_no_sense(force):
    db = force
    incident = open_incident(db, grade=3, at=AT)
    later = AT + timedelta(minutes=30)
    service.regrade(db, HANDLER, incident, 1, "weapon seen", at=later)
    assert incident.target_at == later + timedelta(minutes=15) and incident.graded_at == later
    with pytest.raises(Conflict, match="already grade 1"):
        service.regrade(db, HANDLER, incident, 1, "again")
    with pytest.raises(BadRequest) as missing:
        service.regrade(db, HANDLER, incident, 2, "  ")
    assert missing.value.field == "reason"
    with pytest.raises(BadRequest):
        service.regrade(db, HANDLER, incident, 5, "no such grade")
    service.close(db, HANDLER, incident, "no_crime", "nothing found", at=later + timedelta(minutes=5))
    with pytest.raises(Conflict, match="closed"):
        service.regrade(db, HANDLER, incident, 2, "too late")


def test_breaches_are_found_once_and_only_when_due(force):
    db = force
    late = open_incident(db, grade=1, at=AT)                      # target 12:15, nobody comes
    on_time = open_incident(db, grade=1, at=AT)                   # arrives 12:10
    arrives_late = open_incident(db, grade=1, at=AT)              # arrives 12:25
    no_target = open_incident(db, grade=4, at=AT)
    priority = open_incident(db, grade=2, at=AT)                  # target 13:00
    closed_early = open_incident(db, grade=1, at=AT)
    service.close(db, HANDLER, closed_early, "resolved_by_telephone", "caller called back: all fine",
                  at=AT + timedelta(minutes=5))
    service.mark_arrived(db, on_time, AT + timedelta(minutes=10))

    assert service.check_breaches(db, AT + timedelta(minutes=14)) == []
    assert service.mark_arrived(db, arrives_late, AT + timedelta(minutes=25)) is True
    assert arrives_late.breached_at == arrives_late.target_at
    assert service.mark_arrived(db, arrives_late, AT + timedelta(minutes=30)) is False  # only the first counts
    assert arrives_late.first_arrival_at == AT + timedelta(minutes=25)

    found = service.check_breaches(db, AT + timedelta(minutes=16))
    assert found == [late]
    assert late.breached_at == AT + timedelta(minutes=15)
    assert service.check_breaches(db, AT + timedelta(minutes=20)) == []  # recorded once
    assert set(service.check_breaches(db, AT + timedelta(hours=2))) == {priority}
    db.commit()
    assert on_time.breached_at is None and no_target.breached_at is None and closed_early.breached_at is None
    breached = events(db, "target_breached")
    assert [b["log_number"] for b in breached] == [arrives_late.log_number, late.log_number, priority.log_number]
    assert breached[1]["minutes_late"] == 1 and breached[1]["target_at"] == "2026-11-21T12:15:00+00:00"
    assert kinds(db, late)[-1] == "target_breached"
    with pytest.raises(BadRequest):
        service.mark_arrived(db, priority, AT - timedelta(minutes=1))


def test_closing_refusals_leave_the_incident_as_it_was(force):
    from onbeat.command.dispatch import service as dispatch
    from onbeat.command.models import Unit
    from onbeat.core.identity.models import Station

    db = force
    incident = open_incident(db, at=AT)
    db.commit()
    with pytest.raises(BadRequest) as unknown:
        service.close(db, HANDLER, incident, "abducted_by_aliens", "note")
    assert unknown.value.field == "closing_code"
    with pytest.raises(BadRequest) as no_note:
        service.close(db, HANDLER, incident, "no_crime", " ")
    assert no_note.value.field == "closing_note"

    station = db.execute(select(Station)).scalars().first()
    units = [Unit(call_sign=cs, unit_type="response_car", station_id=station.id, skills=[], equipment=[],
                  status="available") for cs in ("RD11", "RD12")]
    db.add_all(units)
    db.flush()
    for unit in units:
        dispatch.assign(db, HANDLER, incident, unit.id, at=AT + timedelta(minutes=1))
        dispatch.change_status(db, HANDLER, unit.id, "en_route", at=AT + timedelta(minutes=2))
        dispatch.change_status(db, HANDLER, unit.id, "at_scene", at=AT + timedelta(minutes=8))
    db.commit()
    before = kinds(db, incident)
    with pytest.raises(Conflict) as at_scene:
        service.close(db, HANDLER, incident, "no_crime", "all quiet")
    assert "RD11, RD12" in at_scene.value.detail
    assert [e["message"] for e in at_scene.value.errors] == ["RD11", "RD12"]
    db.rollback()
    fresh = service.get(db, incident.id)
    assert fresh.status == "open" and kinds(db, fresh) == before

    for unit in units:
        dispatch.change_status(db, HANDLER, unit.id, "clear", at=AT + timedelta(minutes=30))
    service.close(db, HANDLER, fresh, "no_crime", "all quiet", at=AT + timedelta(minutes=31))
    assert kinds(db, fresh)[-1] == "closed"
    with pytest.raises(Conflict, match="already closed"):
        service.close(db, HANDLER, fresh, "no_crime", "twice")


def test_closing_after_the_target_with_nobody_there_records_the_breach(force):
    db = force
    incident = open_incident(db, grade=2, at=AT)
    service.close(db, HANDLER, incident, "resolved_by_telephone", "spoke to caller", at=AT + timedelta(hours=2))
    assert incident.breached_at == incident.target_at
    assert kinds(db, incident)[-2:] == ["target_breached", "closed"]


def test_get_unknown_and_required_skills(force):
    import uuid

    with pytest.raises(NotFound):
        service.get(force, uuid.uuid4())
    assert service.required_skills("firearms_incident") == {"firearms"}
    assert service.required_skills("dog_track") == {"dog"}
    assert service.required_skills("public_disorder") == {"public_order"}
    assert service.required_skills("theft") == set()
    with pytest.raises(BadRequest) as unknown:
        service.required_skills("space_piracy")
    assert unknown.value.field == "incident_type"


def test_incidents_are_numbered_per_uk_day(force):
    db = force
    first = open_incident(db, at=AT)
    second = open_incident(db, at=AT)
    assert first.log_number == "0001-21112026" and second.log_number == "0002-21112026"
    assert len(db.execute(select(Incident.log_number)).scalars().all()) == 2
