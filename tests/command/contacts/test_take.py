"""Taking a contact through the API: validation, the suggested grade and overriding it, audit."""

from __future__ import annotations

from sqlalchemy import select

from onbeat.command.contacts.models import Contact
from onbeat.command.incidents.models import Incident, IncidentLogEntry
from onbeat.core.audit.models import AuditEntry
from onbeat.core.events.models import OutboxEvent
from tests.command.incidents.factory import TOWN, stations, thrive
from tests.conftest import bearer


def contact(**over) -> dict:
    body = {"channel": "999", "caller_name": "Alex Caller", "callback_number": "07700 900123",
            "address": "12 Broad Street, Reading", "postcode": "rg1 2bh", "latitude": TOWN[0], "longitude": TOWN[1],
            "description": "Two men fighting outside the pub", "incident_type": "violence",
            "thrive": thrive(threat="high", harm="medium")}
    body.update(over)
    return body


def handler(client, make_user, db):
    stations(db)
    return bearer(client, make_user("call_handler").username)


def test_a_contact_opens_an_incident_with_the_suggested_grade(client, db, make_user):
    auth = handler(client, make_user, db)
    r = client.post("/api/contacts", json=contact(), headers=auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["contact"]["suggested_grade"] == 1 and body["contact"]["grade"] == 1
    assert body["contact"]["callback_number"] == "+447700900123" and body["contact"]["postcode"] == "RG1 2BH"
    assert body["linked"] is False and body["duplicates"] == []
    incident = db.get(Incident, body["incident_id"])
    assert incident.log_number == body["log_number"] and incident.grade == 1 and incident.urban
    assert incident.target_at is not None
    kinds = [e.kind for e in db.execute(select(IncidentLogEntry).where(
        IncidentLogEntry.incident_id == incident.id).order_by(IncidentLogEntry.id)).scalars()]
    assert kinds == ["created", "graded", "contact_linked"]
    events = [e.subject for e in db.execute(select(OutboxEvent)).scalars()]
    assert "onbeat.command.incident_opened" in events
    audit = db.execute(select(AuditEntry).where(AuditEntry.subject_type == "contact")).scalars().one()
    assert audit.action == "collect" and audit.subject_id == body["contact"]["id"]


def test_a_grade_other_than_the_suggestion_needs_a_reason(client, db, make_user):
    auth = handler(client, make_user, db)
    r = client.post("/api/contacts", json=contact(grade=2), headers=auth)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "grade_reason" and "suggested grade 1" in r.json()["detail"]
    assert db.execute(select(Contact)).first() is None and db.execute(select(Incident)).first() is None

    r = client.post("/api/contacts", json=contact(grade=2, grade_reason="Fight over; both parties left"), headers=auth)
    assert r.status_code == 201, r.text
    c = r.json()["contact"]
    assert (c["grade"], c["suggested_grade"], c["grade_reason"]) == (2, 1, "Fight over; both parties left")
    graded = db.execute(select(IncidentLogEntry).where(IncidentLogEntry.kind == "graded")).scalars().one()
    assert graded.detail["suggested_grade"] == 1 and graded.detail["reason"] == "Fight over; both parties left"


def test_the_suggestion_endpoint_explains_and_saves_nothing(client, db, make_user):
    auth = handler(client, make_user, db)
    r = client.post("/api/contacts/suggest-grade", json={"incident_type": "burglary_dwelling",
                                                         "thrive": thrive(("elderly", "alone"))}, headers=auth)
    assert r.status_code == 200
    s = r.json()
    assert s["grade"] == 2
    assert [x["source"] for x in s["reasons"] if x["decisive"]] == ["vulnerability_factors"]
    assert db.execute(select(Contact)).first() is None


def test_bad_input_names_the_field_and_stores_nothing(client, db, make_user):
    auth = handler(client, make_user, db)
    cases = [
        (contact(latitude=91), 422, "latitude"),
        (contact(longitude=-181), 422, "longitude"),
        (contact(longitude=None), 400, "longitude"),
        (contact(incident_type="alien_landing"), 422, "incident_type"),
        (contact(callback_number="+33 1 23 45 67 89"), 422, "callback_number"),
        (contact(callback_number="0770 090 012"), 422, "callback_number"),
        (contact(postcode="NOT A CODE"), 422, "postcode"),
        (contact(channel="fax"), 422, "channel"),
        (contact(address=None, postcode=None, latitude=None, longitude=None), 400, "address"),
        (contact(thrive={"threat": {"level": "extreme"}}), 422, "thrive.threat.level"),
        (contact(received_at="2026-11-21T12:00:10Z", answered_at="2026-11-21T12:00:00Z"), 400, "answered_at"),
    ]
    for body, status, field in cases:
        r = client.post("/api/contacts", json=body, headers=auth)
        assert r.status_code == status, (field, r.text)
        assert field in {e["field"] for e in r.json()["errors"]}, (field, r.json())
    assert db.execute(select(Contact)).first() is None and db.execute(select(Incident)).first() is None


def test_reading_a_contact_needs_a_purpose_and_is_audited(client, db, make_user):
    auth = handler(client, make_user, db)
    c = client.post("/api/contacts", json=contact(), headers=auth).json()["contact"]
    officer = bearer(client, make_user("officer").username)
    assert client.get(f"/api/contacts/{c['id']}", headers=officer).status_code == 400
    r = client.get(f"/api/contacts/{c['id']}", headers={**officer, "X-Purpose": "attending the fight"})
    assert r.status_code == 200 and r.json()["caller_name"] == "Alex Caller"
    consult = db.execute(select(AuditEntry).where(AuditEntry.action == "consult",
                                                  AuditEntry.subject_type == "contact")).scalars().one()
    assert consult.subject_id == c["id"] and consult.purpose == "attending the fight"
    assert client.post("/api/contacts", json=contact(), headers=officer).status_code == 403


def test_999_answer_time_against_the_target(client, db, make_user):
    auth = handler(client, make_user, db)
    quick = client.post("/api/contacts", json=contact(received_at="2026-11-21T12:00:00Z",
                                                      answered_at="2026-11-21T12:00:08Z"), headers=auth).json()
    assert quick["contact"]["answer_seconds"] == 8 and quick["contact"]["answered_within_target"] is True
    slow = client.post("/api/contacts", json=contact(received_at="2026-11-21T13:00:00Z", answered_at="2026-11-21T13:00:25Z",
                                                     channel="101", latitude=51.43, longitude=-0.92), headers=auth).json()
    assert slow["contact"]["answered_within_target"] is None  # the 10 s target is for 999 calls
