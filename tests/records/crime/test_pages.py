"""The staff pages: report a crime, open it with a reason, record victim updates, finalise it, and
the supervisors' list of overdue victim updates."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.core.time import UK, format_uk, uk_today
from onbeat.records.core.models import Record
from onbeat.records.crime import deadlines
from tests.conftest import browser_login
from tests.records.crime.builders import PURPOSE, Force, ago, crime_body, named_suspect


def _local(moment: datetime) -> str:
    """A datetime-local input's value: UK wall-clock time."""
    return moment.astimezone(UK).strftime("%Y-%m-%dT%H:%M")


def _form(csrf: str, **fields) -> dict:
    return {"csrf_token": csrf, **fields}


def test_an_officer_reports_a_crime_through_the_form(client, db, make_user):
    officer = make_user("officer")
    csrf = browser_login(client, officer.username)
    new = client.get("/records/crime/new")
    assert new.status_code == 200 and 'name="csrf_token"' in new.text
    client_uuid = re.search(r'name="client_uuid" value="([^"]+)"', new.text).group(1)
    committed = datetime.now(timezone.utc) - timedelta(days=2)
    data = _form(csrf, client_uuid=client_uuid, offence_code="28E", committed_from=_local(committed),
                 **{"location.address": "3 Mill Lane, Reading", "location.postcode": "rg1 2aa",
                    "mo_text": "Front door forced", "mo_keywords": ["entry.forced_door", "poe.front_door"],
                    "victims.0.person.given_name": "Sara", "victims.0.person.family_name": "Lind",
                    "victims.0.enhanced_rights": "true", "victims.0.enhanced_reason": "vulnerable_or_intimidated",
                    "suspects.0.description": "Two youths on bicycles",
                    "property.0.description": "Laptop", "property.0.status": "stolen", "property.0.value": "900"})
    r = client.post("/records/crime", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    target = urlsplit(r.headers["location"])
    assert parse_qs(target.query)["purpose"][0].startswith("Reporting CRI/")
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "28E – Burglary – residential" in text and "LIND, Sara" in text
    assert "Vulnerable or intimidated victim" in text and "Two youths on bicycles" in text and "£900.00" in text
    assert format_uk(committed).split(" ")[0] in text  # shown in UK time
    # The same form sent twice (a double click) makes one report.
    again = client.post("/records/crime", data=data, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == r.headers["location"]
    assert db.execute(select(func.count()).select_from(Record)).scalar_one() == 1


def test_a_bad_form_is_shown_again_with_each_field_named_and_nothing_stored(client, db, make_user):
    officer = make_user("officer")
    csrf = browser_login(client, officer.username)
    future = datetime.now(timezone.utc) + timedelta(days=3)
    data = _form(csrf, client_uuid="8a7c5a57-2b6e-4a44-9a5e-0d1b0e4b5f10", offence_code="ZZ9",
                 committed_from=_local(future), **{"location.address": "1 High St",
                                                   "victims.0.person.given_name": "Ann"})
    r = client.post("/records/crime", data=data)
    assert r.status_code == 400
    text = html.unescape(r.text)
    assert "There is a problem" in text
    assert 'id="offence_code-error"' in text and "Home Office Counting Rules" in text
    assert 'id="committed_from-error"' in text and "in the future" in text
    assert 'value="Ann"' in text and 'value="1 High St"' in text  # what was typed is kept
    assert db.execute(select(func.count()).select_from(Record)).scalar_one() == 0


def test_a_crime_page_asks_why_before_showing_personal_data(client, db, make_user):
    force = Force(client, make_user)
    rid = force.create()["record"]["id"]
    supervisor = make_user("supervisor")
    browser_login(client, supervisor.username)
    r = client.get(f"/records/crime/{rid}")
    assert r.status_code == 200 and "Why you are opening it" in r.text and "HASSAN" not in r.text
    r = client.get(f"/records/crime/{rid}", params={"purpose": "x"})
    assert r.status_code == 400 and 'id="purpose-error"' in r.text
    r = client.get(f"/records/crime/{rid}", params={"purpose": "Reviewing the burglary"})
    assert r.status_code == 200 and "HASSAN, Amira" in r.text
    entry = db.execute(select(AuditEntry).where(AuditEntry.event == "records.crime.viewed",
                                                AuditEntry.actor_id == supervisor.id)).scalar_one()
    assert entry.purpose == "Reviewing the burglary"
    assert client.get("/records/crime/2b1c6d7e-0000-4000-8000-000000000000").status_code == 404


def test_victim_events_and_updates_through_the_page(client, db, make_user):
    force = Force(client, make_user)
    crime = force.create(victims=crime_body()["victims"] + [
        {"person": {"given_name": "Nia", "family_name": "Owusu"}, "enhanced_rights": True,
         "enhanced_reason": "persistently_targeted"}])
    rid = crime["record"]["id"]
    csrf = browser_login(client, force.officer_user.username)
    happened = datetime.now(timezone.utc) - timedelta(hours=20)
    r = client.post(f"/records/crime/{rid}/victim-events", follow_redirects=False,
                    data=_form(csrf, purpose="Arrest update", event="arrest", occurred_at=_local(happened),
                               detail="Arrested at home"))
    assert r.status_code == 303 and r.headers["location"].endswith("purpose=Arrest%20update#victim-updates")
    page = html.unescape(client.get(r.headers["location"]).text)
    due_standard = deadlines.due_on(happened.replace(second=0, microsecond=0), False).strftime("%d/%m/%Y")
    due_enhanced = deadlines.due_on(happened.replace(second=0, microsecond=0), True).strftime("%d/%m/%Y")
    assert due_standard in page and due_enhanced in page and "Record update" in page
    event_id = re.search(r'<select id="event_id" name="event_id"[^>]*>\s*<option value="([^"]+)"', page).group(1)
    victim_id = crime["victims"][1]["person_id"]
    told = datetime.now(timezone.utc) - timedelta(hours=1)
    # Told before it happened: refused, the form shown again naming the field.
    r = client.post(f"/records/crime/{rid}/victim-updates",
                    data=_form(csrf, purpose="Arrest update", victim_id=victim_id, event_id=event_id,
                               told_at=_local(happened - timedelta(hours=2)), method="visit"))
    assert r.status_code == 400 and 'id="told_at-error"' in r.text and "before it happened" in r.text
    r = client.post(f"/records/crime/{rid}/victim-updates", follow_redirects=False,
                    data=_form(csrf, purpose="Arrest update", victim_id=victim_id, event_id=event_id,
                               told_at=_local(told), method="visit", note="Visited at home"))
    assert r.status_code == 303
    page = html.unescape(client.get(r.headers["location"]).text)
    assert f"Told {format_uk(told.replace(second=0, microsecond=0))}" in page and "Visited at home" in page
    assert "Visit in person" in page


def test_a_supervisor_finalises_an_approved_crime_on_its_page(client, db, make_user):
    force = Force(client, make_user)
    rid = force.approved(suspects=[named_suspect()])["record"]["id"]
    browser_login(client, force.officer_user.username)
    officer_view = client.get(f"/records/crime/{rid}", params={"purpose": "checking"}).text
    assert "Finalise the crime" not in officer_view
    r = client.post(f"/records/crime/{rid}/finalise", data={"outcome_code": "1", "rationale": "Charged at court"},
                    headers={"X-CSRF-Token": re.search(r'name="csrf_token" value="([^"]+)"', officer_view).group(1)})
    assert r.status_code == 403
    csrf = browser_login(client, force.supervisor_user.username)
    page = client.get(f"/records/crime/{rid}", params={"purpose": "Finalising"}).text
    assert "Finalise the crime" in page
    r = client.post(f"/records/crime/{rid}/finalise", data=_form(csrf, purpose="Finalising", outcome_code="18",
                                                                 rationale="No suspect identified after review"))
    assert r.status_code == 400 and "no suspect identified" in html.unescape(r.text)
    r = client.post(f"/records/crime/{rid}/finalise", follow_redirects=False,
                    data=_form(csrf, purpose="Finalising", outcome_code="1", rationale="Charged with burglary"))
    assert r.status_code == 303
    page = html.unescape(client.get(r.headers["location"]).text)
    assert "1 – Charged or summonsed" in page and "Charged with burglary" in page


def test_people_are_added_on_the_page_while_a_draft(client, make_user):
    force = Force(client, make_user)
    rid = force.create()["record"]["id"]
    csrf = browser_login(client, force.officer_user.username)
    r = client.post(f"/records/crime/{rid}/parties", follow_redirects=False,
                    data=_form(csrf, purpose="Adding", part="suspect",
                               **{"suspects.0.person.given_name": "Kai", "suspects.0.person.family_name": "Moss"}))
    assert r.status_code == 303
    assert "MOSS, Kai" in client.get(r.headers["location"]).text
    r = client.post(f"/records/crime/{rid}/parties", data=_form(csrf, purpose="Adding", part="property",
                                                                **{"property.0.status": "stolen"}))
    assert r.status_code == 400 and 'id="property-0-description-error"' in r.text


def test_the_crime_list_page(client, make_user):
    force = Force(client, make_user)
    crime = force.create(offence_code="46")
    force.create(offence_code="28E")
    browser_login(client, force.officer_user.username)
    r = client.get("/records/crime", params={"offence_code": "46"})
    assert r.status_code == 200 and crime["record"]["reference"] in r.text and "Report a crime" in r.text
    assert "Page 1 of 1" in r.text and "Showing 1–1 of 1" in r.text


def test_the_overdue_list_is_oldest_deadline_first_with_days_overdue(client, db, make_user):
    force = Force(client, make_user)
    crimes = [force.create(committed_from=ago(days=90), committed_to=None) for _ in range(2)]
    moments = [datetime.now(timezone.utc) - timedelta(days=d) for d in (15, 40, 25)]
    for n, moment in enumerate(moments):
        rid = crimes[n % 2]["record"]["id"]
        r = client.post(f"/api/records/crime/{rid}/victim-events", headers=force.officer,
                        json={"event": "arrest", "occurred_at": moment.isoformat()})
        assert r.status_code == 201
    officer_csrf = browser_login(client, force.officer_user.username)
    assert officer_csrf and client.get("/victims/overdue").status_code == 403
    browser_login(client, force.supervisor_user.username)
    text = html.unescape(client.get("/victims/overdue").text)
    today = uk_today()
    dues = [deadlines.due_on(m, False) for m in sorted(moments)]
    shown = [text.index(d.strftime("%d/%m/%Y")) for d in dues]
    assert shown == sorted(shown)  # oldest deadline first
    for d in dues:
        assert f"<td>{d.strftime('%d/%m/%Y')}</td>\n    <td>{(today - d).days}</td>" in text
    assert format_uk(sorted(moments)[0]) in text and "HASSAN, Amira" in text
    assert crimes[0]["record"]["reference"] in text and "Page 1 of 1" in text
    entry = db.execute(select(AuditEntry).where(AuditEntry.event == "records.crime.victim_duties")).scalars().first()
    assert entry.purpose and entry.actor_id == force.supervisor_user.id


def test_the_overdue_list_paginates(client, db, make_user):
    force = Force(client, make_user)
    rid = force.create(committed_from=ago(days=400), committed_to=None)["record"]["id"]
    for days in range(30, 30 + 27):
        client.post(f"/api/records/crime/{rid}/victim-events", headers=force.officer,
                    json={"event": "interview", "occurred_at": ago(days=days)})
    browser_login(client, force.supervisor_user.username)
    first = client.get("/victims/overdue").text
    assert "Showing 1–25 of 27" in first and "Page 1 of 2" in first
    second = client.get("/victims/overdue", params={"page": 2}).text
    assert "Showing 26–27 of 27" in second
    assert client.get("/api/victims/duties", headers={**force.supervisor, **PURPOSE}).json()["total"] == 27
