"""Victim updates (Victims' Code right 6): events start duties with UK working-day deadlines,
updates fulfil them, and supervisors see what is overdue."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.core.events.models import OutboxEvent
from onbeat.core.time import uk, uk_today
from onbeat.records.crime import deadlines
from onbeat.records.crime.models import VictimDuty, VictimEvent, VictimUpdate
from tests.records.crime.builders import PURPOSE, Force, ago, crime_body

ENHANCED = {"person": {"given_name": "Nia", "family_name": "Owusu"}, "enhanced_rights": True,
            "enhanced_reason": "persistently_targeted", "preferred_contact": "visit"}


def _event(client, force, rid, **body):
    body.setdefault("event", "arrest")
    body.setdefault("occurred_at", ago(days=1))
    return client.post(f"/api/records/crime/{rid}/victim-events", json=body, headers=force.officer)


def _update(client, force, rid, **body):
    body.setdefault("told_at", ago(minutes=5))
    body.setdefault("method", "phone")
    return client.post(f"/api/records/crime/{rid}/victim-updates", json=body, headers=force.officer)


def _two_victims(force) -> dict:
    victims = crime_body()["victims"] + [ENHANCED]
    return force.create(victims=victims, committed_from=ago(days=40), committed_to=None)


def test_an_event_starts_a_duty_per_victim_with_its_working_day_deadline(client, db, make_user):
    force = Force(client, make_user)
    crime = _two_victims(force)
    rid = crime["record"]["id"]
    when = datetime.now(timezone.utc) - timedelta(days=1)
    r = _event(client, force, rid, occurred_at=when.isoformat(), detail="Arrested at home address")
    assert r.status_code == 201, r.text
    event = r.json()
    assert event["label"] == "Suspect arrested"
    standard, enhanced = event["duties"] if event["duties"][0]["working_days"] == 5 else event["duties"][::-1]
    assert standard["due_on"] == deadlines.due_on(when, False).isoformat() and standard["enhanced_rights"] is False
    assert enhanced["due_on"] == deadlines.due_on(when, True).isoformat() and enhanced["working_days"] == 1
    assert {standard["victim_id"], enhanced["victim_id"]} == {v["person_id"] for v in crime["victims"]}


def test_an_event_for_some_victims_only_and_other_updates_start_no_duty(client, db, make_user):
    force = Force(client, make_user)
    crime = _two_victims(force)
    rid, first = crime["record"]["id"], crime["victims"][0]["person_id"]
    r = _event(client, force, rid, event="interview", victim_ids=[first])
    assert [d["victim_id"] for d in r.json()["duties"]] == [first]
    r = _event(client, force, rid, event="other", detail="Forensic results back")
    assert r.status_code == 201 and r.json()["duties"] == []
    stranger = str(uuid.uuid4())
    r = _event(client, force, rid, victim_ids=[stranger])
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "victim_ids.0"


def test_events_in_the_future_or_before_the_crime_are_refused(client, db, make_user):
    force = Force(client, make_user)
    rid = force.create()["record"]["id"]
    r = _event(client, force, rid, occurred_at=ago(days=-1))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "occurred_at"
    assert "in the future" in r.json()["detail"]
    r = _event(client, force, rid, occurred_at=ago(days=30))
    assert r.status_code == 400 and "before the crime was committed" in r.json()["detail"]
    assert db.execute(select(func.count()).select_from(VictimEvent)).scalar_one() == 0


def test_an_update_fulfils_the_duty_and_is_announced(client, db, make_user):
    force = Force(client, make_user)
    crime = force.create()
    rid, victim = crime["record"]["id"], crime["victims"][0]["person_id"]
    event = _event(client, force, rid).json()
    r = _update(client, force, rid, victim_id=victim, event_id=event["id"], note="Told of the arrest")
    assert r.status_code == 201, r.text
    update = r.json()
    assert update["event"] == "arrest" and update["told_by_id"] == str(force.officer_user.id)
    assert update["duty"]["status"] == "met" and update["duty"]["told_at"] == update["told_at"]
    read = force.read(rid)
    assert read["events"][0]["duties"][0]["status"] == "met"
    out = db.execute(select(OutboxEvent).where(OutboxEvent.subject == "onbeat.records.victim_updated")).scalar_one()
    assert out.permission == "records.read" and out.payload["on_time"] is True and out.payload["event"] == "arrest"
    assert db.execute(select(AuditEntry).where(AuditEntry.event == "records.crime.victim_updated")).scalar_one()


def test_an_update_about_an_unrecorded_event_records_it_for_every_victim(client, db, make_user):
    force = Force(client, make_user)
    crime = _two_victims(force)
    rid = crime["record"]["id"]
    first, second = (v["person_id"] for v in crime["victims"])
    r = _update(client, force, rid, victim_id=first, event="charge", event_at=ago(hours=3), method="email")
    assert r.status_code == 201 and r.json()["duty"]["status"] == "met"
    (event,) = force.read(rid)["events"]
    assert event["event"] == "charge"
    assert {d["victim_id"]: d["status"] for d in event["duties"]} == {first: "met", second: "due"}


def test_a_late_update_is_met_late_and_counts_the_days(client, db, make_user):
    force = Force(client, make_user)
    crime = force.create(committed_from=ago(days=60), committed_to=None)
    rid, victim = crime["record"]["id"], crime["victims"][0]["person_id"]
    happened = datetime.now(timezone.utc) - timedelta(days=30)
    event = _event(client, force, rid, occurred_at=happened.isoformat()).json()
    told = datetime.now(timezone.utc) - timedelta(days=2)
    update = _update(client, force, rid, victim_id=victim, event_id=event["id"], told_at=told.isoformat()).json()
    due = deadlines.due_on(happened, False)
    assert update["duty"]["status"] == "met_late"
    assert update["duty"]["days_overdue"] == (uk(told).date() - due).days


def test_update_refusals_name_the_field(client, db, make_user):
    force = Force(client, make_user)
    crime = force.create()
    rid, victim = crime["record"]["id"], crime["victims"][0]["person_id"]
    other = force.create()
    event = _event(client, force, rid, occurred_at=ago(hours=6)).json()
    other_event = _event(client, force, other["record"]["id"]).json()
    cases = [
        (dict(victim_id=str(uuid.uuid4()), event_id=event["id"]), "victim_id", "is not a victim on"),
        (dict(victim_id=other["victims"][0]["person_id"], event_id=event["id"]), "victim_id", "is not a victim on"),
        (dict(victim_id=victim, event_id=other_event["id"]), "event_id", "There is no event"),
        (dict(victim_id=victim, event_id=event["id"], told_at=ago(days=-1)), "told_at", "in the future"),
        (dict(victim_id=victim, event_id=event["id"], told_at=ago(hours=7)), "told_at", "before it happened"),
        (dict(victim_id=victim, event_id=event["id"], told_by_id=str(uuid.uuid4())), "told_by_id", "no member"),
        (dict(victim_id=victim, event="arrest", event_at=ago(days=-2)), "event_at", "in the future"),
    ]
    for body, field, words in cases:
        r = _update(client, force, rid, **body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["errors"][0]["field"] == field and words in r.json()["detail"], (body, r.json())
    r = _update(client, force, rid, victim_id=victim, event_id=event["id"], event="arrest", event_at=ago(hours=1))
    assert r.status_code == 422
    r = _update(client, force, rid, victim_id=victim, method="pigeon", event_id=event["id"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "method"
    assert db.execute(select(func.count()).select_from(VictimUpdate)).scalar_one() == 0
    assert db.execute(select(func.count()).select_from(VictimDuty).where(VictimDuty.update_id.is_not(None))
                      ).scalar_one() == 0


def test_events_and_updates_are_idempotent_by_client_uuid(client, db, make_user):
    force = Force(client, make_user)
    crime = force.create()
    rid, victim = crime["record"]["id"], crime["victims"][0]["person_id"]
    key = str(uuid.uuid4())
    first = _event(client, force, rid, client_uuid=key)
    again = _event(client, force, rid, client_uuid=key)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    key = str(uuid.uuid4())
    first = _update(client, force, rid, client_uuid=key, victim_id=victim, event_id=again.json()["id"])
    again = _update(client, force, rid, client_uuid=key, victim_id=victim, event_id=again.json()["id"])
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert db.execute(select(func.count()).select_from(VictimUpdate)).scalar_one() == 1


def test_recording_updates_needs_the_victims_update_permission(client, make_user):
    force = Force(client, make_user)
    rid = force.create()["record"]["id"]
    analyst = make_user("analyst")
    from tests.conftest import bearer

    r = client.post(f"/api/records/crime/{rid}/victim-events", json={"event": "arrest", "occurred_at": ago(hours=1)},
                    headers=bearer(client, analyst.username))
    assert r.status_code == 403 and "victims.update" in r.json()["detail"]


def test_supervisors_list_overdue_duties_oldest_deadline_first(client, db, make_user):
    force = Force(client, make_user)
    crime = _two_victims(force)
    rid = crime["record"]["id"]
    old, older = datetime.now(timezone.utc) - timedelta(days=12), datetime.now(timezone.utc) - timedelta(days=20)
    _event(client, force, rid, event="charge", occurred_at=old.isoformat())
    _event(client, force, rid, event="arrest", occurred_at=older.isoformat())
    _event(client, force, rid, event="released_on_bail", occurred_at=ago(minutes=30))  # not overdue yet
    r = client.get("/api/victims/duties", headers=force.officer)
    assert r.status_code == 403 and "victims.oversee" in r.json()["detail"]
    r = client.get("/api/victims/duties", headers=force.supervisor)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose"
    page = client.get("/api/victims/duties", params={"size": 3}, headers={**force.supervisor, **PURPOSE}).json()
    assert page["total"] == 4 and page["pages"] == 2
    rest = client.get("/api/victims/duties", params={"size": 3, "page": 2},
                      headers={**force.supervisor, **PURPOSE}).json()
    items = page["items"] + rest["items"]
    assert [d["due_on"] for d in items] == sorted(d["due_on"] for d in items)
    assert [d["event"] for d in items][:2] == ["arrest", "arrest"]
    today = uk_today()
    for d in items:
        assert d["status"] == "overdue" and d["reference"] == crime["record"]["reference"]
        assert d["days_overdue"] == (today - datetime.fromisoformat(d["due_on"]).date()).days > 0
    assert {d["victim"] for d in items} == {"HASSAN, Amira (02/05/1984)", "OWUSU, Nia"}
    due = client.get("/api/victims/duties", params={"status": "due"}, headers={**force.supervisor, **PURPOSE}).json()
    assert due["total"] == 2 and {d["event"] for d in due["items"]} == {"released_on_bail"}
    # Telling a victim takes their duty off the list.
    arrest = next(d for d in items if d["event"] == "arrest")
    _update(client, force, rid, victim_id=arrest["victim_id"], event_id=arrest["event_id"])
    page = client.get("/api/victims/duties", headers={**force.supervisor, **PURPOSE}).json()
    assert page["total"] == 3 and arrest["id"] not in {d["id"] for d in page["items"]}
    audit = db.execute(select(AuditEntry).where(AuditEntry.event == "records.crime.victim_duties")).scalars().all()
    assert audit and all(a.purpose == PURPOSE["X-Purpose"] for a in audit)
