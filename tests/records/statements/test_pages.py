"""Staff pages for statements: list, take, change, read (with signatures and the private part), correct."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape

from sqlalchemy import func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.core.time import utcnow
from onbeat.records.statements.forms import local_input
from onbeat.records.core.models import Record
from tests.conftest import bearer, browser_login
from tests.records.statements.helpers import create, sign_all
from tests.records.statements.test_witness_private import PRIVATE

REASON = "Incident 0042-21112026"


def _form(csrf: str, **extra) -> dict:
    data = {"csrf_token": csrf, "client_uuid": str(uuid.uuid4()),
            "occurred_at": local_input(utcnow() - timedelta(hours=1)),
            "place": "Broad Street, Reading", "witness_given_name": "Amelia", "witness_family_name": "Hart",
            "witness_date_of_birth": "1990-04-12", "occupation": "Barista",
            "text": "I am the above named witness.\nI saw a man take a bicycle.",
            "witness_private_mobile_phone": "07700 900123", "witness_private_consent_witness_care": "yes"}
    data.update(extra)
    return data


def _error_beside(html: str, field: str) -> str:
    m = re.search(rf'<p class="field-error" id="{field}-error"><span class="visually-hidden">Error:</span> ([^<]+)</p>',
                  html)
    assert m, f"no error shown beside {field}"
    control = re.search(rf'<(input|textarea|select)[^>]* id="{field}"[^>]*>', html)
    assert control is None or 'aria-invalid="true"' in control.group(0), f"{field} is not marked invalid"
    return unescape(m.group(1))


def test_taking_a_statement_through_the_form_with_errors_beside_the_fields(client, db, make_user):
    officer = make_user("officer")
    csrf = browser_login(client, officer.username)
    form = client.get("/records/witness-statement/new").text
    assert 'name="csrf_token"' in form and '<label for="witness_private_email">' in form
    assert 'name="witness_private_special_measures" value="intermediary"' in form

    future = (utcnow() + timedelta(days=3)).date().isoformat()
    r = client.post("/records/witness-statement", data=_form(csrf, witness_date_of_birth=future))
    assert r.status_code == 400 and "in the future" in _error_beside(r.text, "witness_date_of_birth")
    assert 'value="Amelia"' in r.text  # what was typed is kept
    r = client.post("/records/witness-statement",
                    data={**_form(csrf), "witness_private_special_measures": ["screens", "hologram"]})
    assert r.status_code == 400 and "screens" in _error_beside(r.text, "witness_private_special_measures")
    r = client.post("/records/witness-statement", data=_form(csrf, occurred_at="yesterday"))
    assert r.status_code == 400 and "not a date and time" in _error_beside(r.text, "occurred_at")
    r = client.post("/records/witness-statement", data=_form(csrf, age="40"))
    assert r.status_code == 400 and "17" in _error_beside(r.text, "age")
    assert db.execute(select(func.count()).select_from(Record)).scalar() == 0

    r = client.post("/records/witness-statement", data=_form(csrf), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/records/witness-statement/")
    page = client.get(r.headers["location"]).text
    reference = db.execute(select(Record.reference)).scalar_one()
    assert reference in page and "Amelia Hart" in page and "I saw a man take a bicycle." in page
    assert "Over 18" in page and "Page 1 of 1" in page and "Open the MG11 (PDF)" in page
    # The author wrote the private part but may not read it back.
    assert "07700900123" not in page and "needs permission" in page


def test_the_statement_page_asks_why_then_shows_signatures_and_the_private_part(client, db, make_user):
    officer, sergeant = make_user("officer"), make_user("supervisor")
    auth = bearer(client, officer.username)
    s = sign_all(client, auth, create(client, auth, witness_private=PRIVATE))
    sid = s["record"]["id"]
    assert client.post(f"/api/records/{sid}/submit", headers=auth).status_code == 200
    browser_login(client, sergeant.username)
    asked = client.get(f"/records/witness-statement/{sid}")
    assert asked.status_code == 200 and "Why do you need this statement?" in asked.text
    assert db.execute(select(func.count()).select_from(AuditEntry)
                      .where(AuditEntry.event == "records.witness_statement.viewed")).scalar() == 0

    page = client.get(f"/records/witness-statement/{sid}", params={"purpose": REASON}).text
    assert s["record"]["reference"] in page and "Approve" in page  # the shared header, for a reviewer
    assert page.count('src="data:image/svg+xml;base64,') == 2  # the declaration and page 1
    assert 'alt="Signature of Amelia Hart on page 1"' in page and "sealed" in page
    assert "(matches the stored statement)" in page and s["sealed_hash"] in page
    assert "07700900123" in page and "Screens (s. 23)" in page and "01/03/2027 to 14/03/2027 (Holiday abroad)" in page
    assert f"/api/statements/{sid}/pdf?purpose=Incident+0042-21112026" in unescape(page)
    events = db.execute(select(AuditEntry.event).where(AuditEntry.purpose == REASON)).scalars().all()
    assert {"records.witness_statement.viewed", "records.witness_statement.witness_private_viewed"} <= set(events)

    pdf = client.get(f"/api/statements/{sid}/pdf", params={"purpose": REASON})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_list_needs_a_reason_and_pages_newest_first(client, db, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    older = create(client, auth, occurred_at=(utcnow() - timedelta(days=1)).isoformat())
    newer = create(client, auth, witness={"given_name": "Bo", "family_name": "Li"})
    browser_login(client, officer.username)
    first = client.get("/records/witness-statement")
    assert first.status_code == 200 and "say why" in first.text and older["record"]["reference"] not in first.text
    refused = client.get("/records/witness-statement", params={"state": "draft"})
    assert refused.status_code == 400 and 'id="purpose-error"' in refused.text
    listed = client.get("/records/witness-statement", params={"purpose": REASON}).text
    assert listed.index(newer["record"]["reference"]) < listed.index(older["record"]["reference"])
    assert "Bo Li" in listed and "Showing 1–2 of 2" in listed
    assert "No statements match." in client.get("/records/officer-statement", params={"purpose": REASON}).text


def test_changing_a_draft_and_correcting_a_sealed_statement(client, db, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    s = create(client, auth)
    sid = s["record"]["id"]
    csrf = browser_login(client, officer.username)
    edit = client.get(f"/records/witness-statement/{sid}/edit", params={"purpose": REASON})
    assert edit.status_code == 200 and "I am the above named witness." in edit.text
    data = {"csrf_token": csrf, "purpose": REASON, "occurred_at": re.search(
        r'id="occurred_at" name="occurred_at" type="datetime-local" value="([^"]+)"', edit.text).group(1),
        "place": "Broad Street, Reading", "incident_number": "0042-21112026", "urn": "43AB1234526",
        "age": "", "occupation": "Barista", "text": "A new account of what I saw."}
    r = client.post(f"/records/witness-statement/{sid}", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    changed = client.get(f"/api/statements/{sid}", headers={**auth, "X-Purpose": REASON}).json()
    assert changed["text"] == "A new account of what I saw." and changed["urn"] == "43AB1234526"

    sign_all(client, auth, changed)
    refused = client.post(f"/records/witness-statement/{sid}", data=data, headers={"Accept": "text/html"})
    assert refused.status_code == 409 and "make a correction" in refused.text.lower()
    page = client.get(f"/records/witness-statement/{sid}", params={"purpose": REASON}).text
    key = re.search(r'name="client_uuid" value="([^"]+)"', page).group(1)
    r = client.post(f"/records/witness-statement/{sid}/correction", data={"csrf_token": csrf, "client_uuid": key},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/edit?purpose=Correcting+" +
                                                                   s["record"]["reference"].replace("/", "%2F"))
    new = db.execute(select(Record).where(Record.supersedes_id == uuid.UUID(sid))).scalar_one()
    assert new.version == 2
    old_page = client.get(f"/records/witness-statement/{sid}", params={"purpose": REASON}).text
    assert "This version has been corrected" in old_page and new.reference in old_page


def test_the_author_records_the_private_part_on_its_own_page(client, db, make_user):
    officer, sergeant = make_user("officer"), make_user("supervisor")
    s = create(client, bearer(client, officer.username))
    sid = s["record"]["id"]
    csrf = browser_login(client, officer.username)
    form = client.get(f"/records/witness-statement/{sid}/witness-private", params={"purpose": REASON})
    assert form.status_code == 200 and "not read them back" in form.text
    data = {"csrf_token": csrf, "purpose": REASON, "witness_private_email": "nobody at example",
            "witness_private_dates_to_avoid_0_start": "2027-05-10",
            "witness_private_dates_to_avoid_0_end": "2027-05-01",
            "witness_private_special_measures": ["intermediary"], "witness_private_vps_offered": "no"}
    r = client.post(f"/records/witness-statement/{sid}/witness-private", data=data)
    assert r.status_code == 400
    assert "not an email address" in _error_beside(r.text, "witness_private_email")
    assert "before it starts" in _error_beside(r.text, "witness_private_dates_to_avoid")
    assert 'value="intermediary" checked' in r.text
    r = client.post(f"/records/witness-statement/{sid}/witness-private", follow_redirects=False,
                    data={**data, "witness_private_email": "amelia@example.org",
                          "witness_private_dates_to_avoid_0_end": "2027-05-20"})
    assert r.status_code == 303 and "saved=private" in r.headers["location"]

    browser_login(client, sergeant.username)
    page = client.get(f"/records/witness-statement/{sid}", params={"purpose": REASON}).text
    assert "amelia@example.org" in page and "10/05/2027 to 20/05/2027" in page
    assert "Examination through an intermediary (s. 29)" in page
    assert "A Victim Personal Statement was offered</dt><dd>No" in page


def test_an_officer_statement_through_its_own_pages(client, db, make_user):
    officer = make_user("officer", given_name="Jane", family_name="Smith", collar_number="4521")
    csrf = browser_login(client, officer.username)
    form = client.get("/records/officer-statement/new").text
    assert "New officer statement (MG11)" in form and "witness_given_name" not in form
    r = client.post("/records/officer-statement", follow_redirects=False, data={
        "csrf_token": csrf, "client_uuid": str(uuid.uuid4()),
        "occurred_at": local_input(utcnow() - timedelta(minutes=30)),
        "text": "I am PC 4521 Smith of Thames Valley Police."})
    assert r.status_code == 303 and r.headers["location"].startswith("/records/officer-statement/")
    page = client.get(r.headers["location"]).text
    assert "Jane Smith" in page and "Police officer" in page and "private details" not in page
    assert "I am PC 4521 Smith of Thames Valley Police." in page
