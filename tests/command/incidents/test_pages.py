"""The incident pages through forms: the list, one incident and its forms, the countdown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from onbeat.command.incidents.models import Incident
from onbeat.command.incidents.pages import countdown
from onbeat.core.audit.models import AuditEntry
from tests.command.contacts.test_take import contact
from tests.command.incidents.factory import open_incident, stations
from tests.conftest import bearer, browser_login

AT = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def test_the_list_paginates_and_filters(client, db, make_user):
    stations(db)
    for n in range(30):
        open_incident(db, incident_type="theft" if n < 27 else "arson", grade=3)
    db.commit()
    browser_login(client, make_user("dispatcher").username)
    first = client.get("/incidents")
    assert first.status_code == 200 and "Page 1 of 2" in first.text
    assert client.get("/incidents?page=2").text.count("/incidents/") >= 5
    arson = client.get("/incidents?incident_type=arson")
    assert "Page 1 of 1" in arson.text and arson.text.count("<td>Arson</td>") == 3
    assert "No incidents match" in client.get("/incidents?status=closed").text


def test_forms_on_the_incident_page(client, db, make_user):
    stations(db)
    incident = open_incident(db, grade=2)
    db.commit()
    csrf = browser_login(client, make_user("dispatcher").username)
    url = f"/incidents/{incident.id}"
    page = client.get(url)
    assert page.status_code == 200 and incident.log_number in page.text and 'hx-get="' + url + '/countdown"' in page.text

    r = client.post(url + "/log", data={"csrf_token": csrf, "note_text": ""})
    assert r.status_code == 400 and 'id="note_text-error"' in r.text
    r = client.post(url + "/log", data={"csrf_token": csrf, "note_text": "Caller rang again"}, follow_redirects=False)
    assert r.status_code == 303

    r = client.post(url + "/grade", data={"csrf_token": csrf, "regrade_grade": "1", "regrade_reason": ""})
    assert r.status_code == 400 and 'id="regrade_reason-error"' in r.text
    r = client.post(url + "/grade", data={"csrf_token": csrf, "regrade_grade": "1", "regrade_reason": "Weapon"},
                    follow_redirects=False)
    assert r.status_code == 303

    r = client.post(url + "/records", data={"csrf_token": csrf, "record_reference": "WS/000404/26"})
    assert r.status_code == 400 and 'id="record_reference-error"' in r.text

    r = client.post(url + "/close", data={"csrf_token": csrf, "closing_code": "", "closing_note": "x"})
    assert r.status_code == 400 and 'id="closing_code-error"' in r.text
    r = client.post(url + "/close", data={"csrf_token": csrf, "closing_code": "advice_given",
                                          "closing_note": "Advice given to both parties"}, follow_redirects=False)
    assert r.status_code == 303
    shown = client.get(url).text
    assert "Caller rang again" in shown and "Re-graded from 2 Priority to 1 Emergency: Weapon" in shown
    assert "Closed: Advice given." in shown and "Close incident" not in shown
    r = client.post(url + "/close", data={"csrf_token": csrf, "closing_code": "no_crime", "closing_note": "again"})
    assert r.status_code == 409 and "already closed" in r.text
    db.refresh(incident)
    assert incident.closing_code == "advice_given"


def test_reading_only_shows_no_forms_and_caller_details_need_a_reason(client, db, make_user):
    stations(db)
    auth = bearer(client, make_user("call_handler").username)
    taken = client.post("/api/contacts", json=contact(), headers=auth).json()
    browser_login(client, make_user("officer").username)
    url = f"/incidents/{taken['incident_id']}"
    page = client.get(url).text
    assert "Add entry" not in page and "Alex Caller" not in page
    assert client.get(url + "?purpose=x").status_code == 400
    shown = client.get(url + "?purpose=attending+the+scene")
    assert shown.status_code == 200 and "Alex Caller" in shown.text and "07700 900123" in shown.text
    assert db.execute(select(AuditEntry).where(AuditEntry.subject_type == "contact",
                                               AuditEntry.action == "consult")).scalars().one().purpose == \
        "attending the scene"
    assert client.post(url + "/log", data={"note_text": "x"}).status_code == 403


def test_the_countdown_in_words():
    i = Incident(grade=1, status="open", target_at=AT + timedelta(minutes=15), first_arrival_at=None,
                 breached_at=None, opened_at=AT)
    assert countdown(i, AT)["text"] == "15 min left: attend by 21/11/2026 12:15 GMT."
    assert countdown(i, AT + timedelta(minutes=20))["state"] == "breached"
    assert countdown(i, AT + timedelta(minutes=20))["text"].startswith("Target missed by 5 min")
    i.first_arrival_at = AT + timedelta(minutes=9)
    assert countdown(i, AT + timedelta(hours=1))["state"] == "met"
    scheduled = Incident(grade=3, status="open", target_at=AT + timedelta(hours=48), first_arrival_at=None)
    assert countdown(scheduled, AT)["text"].startswith("48 h 0 min left")
    assert countdown(Incident(grade=4, status="open", target_at=None), AT)["state"] == "none"
