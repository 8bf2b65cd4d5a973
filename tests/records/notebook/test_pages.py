"""The notebook's staff pages: write through the form (CSRF, idempotent), correct an entry (the
original shown struck through with a link), and a supervisor's view that asks for a purpose."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from onbeat.records.notebook.models import NotebookEntry
from tests.conftest import browser_login, csrf_from


def _form(html: str) -> dict:
    return {"csrf_token": csrf_from(html),
            "client_uuid": re.search(r'name="client_uuid" value="([^"]+)"', html).group(1),
            "corrects": re.search(r'name="corrects" value="([^"]*)"', html).group(1)}


def test_write_an_entry_through_the_form_once_even_if_sent_twice(client, db, make_user):
    officer = make_user("officer")
    browser_login(client, officer.username)
    html = client.get("/notebook").text
    assert "Write an entry" in html and "No entries yet." in html
    data = {**_form(html), "occurred_at": "2026-01-10T22:40", "text": "Called to the Royal Oak.\r\nFight outside.",
            "place": "Royal Oak, High Street", "incident_number": "0042-10012026", "record_references": "CRI/000001/26"}
    r = client.post("/notebook", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/notebook?written=1#entry-1"
    assert client.post("/notebook", data=data, follow_redirects=False).status_code == 303  # a double click
    assert db.execute(select(func.count()).select_from(NotebookEntry)).scalar_one() == 1
    stored = db.execute(select(NotebookEntry)).scalar_one()
    assert stored.text == "Called to the Royal Oak.\nFight outside."
    assert stored.occurred_at.isoformat() == "2026-01-10T22:40:00+00:00"  # GMT in January
    page = client.get("/notebook?written=1").text
    assert "Entry 1 is written." in page and "Called to the Royal Oak.<br>Fight outside." in page
    assert "Royal Oak, High Street" in page and stored.hash in page


def test_a_bad_form_shows_the_errors_beside_the_fields_and_keeps_what_was_typed(client, db, make_user):
    officer = make_user("officer")
    browser_login(client, officer.username)
    html = client.get("/notebook").text
    data = {**_form(html), "occurred_at": "", "text": "Kept text", "incident_number": "12"}
    r = client.post("/notebook", data=data)
    assert r.status_code == 400
    assert 'id="occurred_at-error"' in r.text and 'id="incident_number-error"' in r.text
    assert "Kept text" in r.text and "There is a problem" in r.text
    assert db.execute(select(func.count()).select_from(NotebookEntry)).scalar_one() == 0


def test_correcting_an_entry_strikes_it_through_and_links_both_ways(client, make_user):
    officer = make_user("officer")
    browser_login(client, officer.username)
    html = client.get("/notebook").text
    client.post("/notebook", data={**_form(html), "occurred_at": "2026-03-01T09:00", "text": "The car was blue."})
    html = client.get("/notebook?correct=1").text
    assert "Correct entry 1" in html and "The car was blue." in html
    form = _form(html)
    assert form["corrects"] == "1"
    r = client.post("/notebook", data={**form, "occurred_at": "2026-03-01T09:00", "text": "The car was green."},
                    follow_redirects=False)
    assert r.headers["location"] == "/notebook?written=2#entry-2"
    page = client.get("/notebook").text
    assert re.search(r"<del><span class=\"visually-hidden\">Struck through: </span>The car was blue.</del>", page)
    assert 'href="/notebook?page=1#entry-2">entry 2</a>' in page
    assert 'href="/notebook?page=1#entry-1">Entry 1</a>' in page


def test_a_supervisor_gives_a_purpose_then_sees_the_notebook_its_chain_and_the_export_link(client, make_user):
    officer = make_user("officer", collar_number="4321")
    browser_login(client, officer.username)
    html = client.get("/notebook").text
    client.post("/notebook", data={**_form(html), "occurred_at": "2026-03-01T09:00", "text": "First note."})
    client.post("/logout", data={"csrf_token": csrf_from(html)})

    sergeant = make_user("supervisor")
    browser_login(client, sergeant.username)
    r = client.get("/notebooks", params={"collar": "4321", "purpose": "complaint review"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/notebooks/4321?purpose=complaint+review"
    asking = client.get("/notebooks/4321").text
    assert "Why you need it" in asking and "First note." not in asking
    shown = client.get("/notebooks/4321?purpose=complaint+review").text
    assert "First note." in shown and "Chain intact: 1 entries" in shown
    assert "/api/notebooks/4321/export?purpose=complaint+review" in shown
    assert "Correct entry" not in shown


def test_an_officer_cannot_open_another_officers_notebook_page(client, make_user):
    officer = make_user("officer")
    browser_login(client, officer.username)
    assert client.get("/notebooks/1234?purpose=curious", headers={"Accept": "text/html"}).status_code == 403
