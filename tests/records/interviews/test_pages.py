"""The interview pages: create through the form, errors beside the fields, the record's page with
the shared header (after a purpose), editing, and the interviewee's refusal to sign."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from onbeat.records.core.models import Record
from tests.conftest import bearer, browser_login, csrf_from
from tests.records.interviews.samples import body, signature

PATH = "/records/interview"


def _new_form(client) -> dict:
    html = client.get(f"{PATH}/new").text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return {**fields, "csrf_token": csrf_from(html)}


def _filled(form: dict) -> dict:
    return {**form, "started_at": "2026-03-02T10:00", "ended_at": "2026-03-02T10:30",
            "place": "Custody suite, Central", "interviewee_given_name": "Sam", "interviewee_family_name": "Taylor",
            "suspect": "yes", "caution_code": "interview", "caution_given": "yes", "caution_understood": "yes",
            "present_0_role": "officer", "present_0_name": "PC Test User", "present_1_role": "appropriate_adult",
            "present_1_name": "Jo Bloggs", "present_1_detail": "mother",
            "qa_0_asked_at": "2026-03-02T10:05", "qa_0_question": "Where were you?", "qa_0_answer": "No comment.",
            "offered_to_read": "yes"}


def test_create_through_the_form_once_and_see_the_record(client, db, make_user):
    officer = make_user("officer")
    browser_login(client, officer.username)
    data = _filled(_new_form(client))
    r = client.post(PATH, data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert client.post(PATH, data=data, follow_redirects=False).status_code == 303  # sent twice
    assert db.execute(select(func.count()).select_from(Record)).scalar_one() == 1
    page = client.get(r.headers["location"]).text
    assert "INT/" in page and "Written interview record" in page  # the shared header
    assert "TAYLOR" in page.upper() and "Jo Bloggs, appropriate adult (mother)" in page
    assert "Where were you?" in page and "You do not have to say anything." in page
    assert "The officer&#39;s signature" in page


def test_form_errors_are_beside_their_fields_and_nothing_is_stored(client, db, make_user):
    browser_login(client, make_user("officer").username)
    data = {**_filled(_new_form(client)), "ended_at": "2026-03-02T09:00", "qa_0_asked_at": "not a time",
            "present_1_role": "friend"}
    r = client.post(PATH, data=data)
    assert r.status_code == 400
    assert 'id="qa_0_asked_at-error"' in r.text
    data["qa_0_asked_at"] = "2026-03-02T10:05"
    r = client.post(PATH, data=data)
    assert r.status_code == 400 and 'id="present_1_role-error"' in r.text
    data["present_1_role"] = "appropriate_adult"
    r = client.post(PATH, data=data)
    assert r.status_code == 400 and 'id="ended_at-error"' in r.text and "There is a problem" in r.text
    assert "Jo Bloggs" in r.text  # what was typed is kept
    assert db.execute(select(func.count()).select_from(Record)).scalar_one() == 0


def test_the_record_page_asks_why_first(client, make_user):
    officer = make_user("officer")
    rid = client.post("/api/records/interviews", json=body(),
                      headers=bearer(client, officer.username)).json()["record"]["id"]
    browser_login(client, make_user("supervisor").username)
    asking = client.get(f"{PATH}/{rid}").text
    assert "Why do you need INT/" in asking and "Where were you" not in asking
    shown = client.get(f"{PATH}/{rid}", params={"purpose": "file review"}).text
    assert "Where were you at ten last night?" in shown and "Change the record" not in shown


def _edit_form(client, rid: str) -> dict:
    """The edit form's fields as the browser would send them back unchanged."""
    page = client.get(f"{PATH}/{rid}/edit").text
    found = re.findall(r'<input id="([^"]+)" name="[^"]+" type="(?:text|datetime-local|date)" value="([^"]*)"', page)
    found += re.findall(r'<textarea id="([^"]+)" name="[^"]+" rows="\d+"[^>]*>([^<]*)</textarea>', page)
    found += re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    found += re.findall(r'<input type="radio" id="[^"]+" name="([^"]+)" value="([^"]*)" checked>', page)
    for name, options in re.findall(r'<select id="([^"]+)" name="[^"]+"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        if chosen:
            found.append((name, chosen.group(1)))
    return {name: html.unescape(value) for name, value in found}


def test_saving_unchanged_keeps_the_signatures_and_a_change_needs_them_removed(client, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    rid = client.post("/api/records/interviews", json=body(), headers=auth).json()["record"]["id"]
    client.post(f"/api/records/interviews/{rid}/signatures", json=signature("officer"), headers=auth)
    browser_login(client, officer.username)
    unchanged = _edit_form(client, rid)
    assert unchanged["present_1_detail"] == "Khan & Co" and unchanged["caution_code"] == "interview"
    assert client.post(f"{PATH}/{rid}", data=unchanged, follow_redirects=False).status_code == 303
    signed = client.get(f"/api/records/interviews/{rid}", headers={**auth, "X-Purpose": "check"}).json()
    assert [s["signer"] for s in signed["signatures"]] == ["officer"]

    changed = {**unchanged, "qa_1_answer": "My sister."}
    r = client.post(f"{PATH}/{rid}", data=changed)
    assert r.status_code == 400 and 'id="discard_signatures-error"' in r.text
    r = client.post(f"{PATH}/{rid}", data={**changed, "discard_signatures": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    after = client.get(f"/api/records/interviews/{rid}", headers={**auth, "X-Purpose": "check"}).json()
    assert after["signatures"] == [] and after["exchanges"][1]["answer"] == "My sister."


def test_edit_then_record_a_refusal_then_sealed(client, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    rid = client.post("/api/records/interviews", json=body(), headers=auth).json()["record"]["id"]
    csrf = browser_login(client, officer.username)
    data = {**_edit_form(client, rid), "interviewee_comments": "Read it and agreed it."}
    r = client.post(f"{PATH}/{rid}", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    shown = client.get(r.headers["location"]).text
    assert "Read it and agreed it." in shown and "Where were you at ten last night?" in shown

    r = client.post(f"{PATH}/{rid}/refusal", data={"csrf_token": csrf, "reason": "x"})
    assert r.status_code == 400 and "at least 3 characters" in r.text
    r = client.post(f"{PATH}/{rid}/refusal", data={"csrf_token": csrf, "reason": "Would not say why."},
                    follow_redirects=False)
    assert r.status_code == 303
    client.post(f"/api/records/interviews/{rid}/signatures", json=signature("officer"), headers=auth)
    shown = client.get(r.headers["location"]).text
    assert "Declined to sign" in shown and "sealed" in shown and "data:image/svg+xml;base64," in shown
    assert client.get(f"{PATH}/{rid}/edit", headers={"Accept": "text/html"}).status_code == 409


def test_the_list_needs_a_purpose_and_shows_my_records(client, make_user):
    officer = make_user("officer")
    client.post("/api/records/interviews", json=body(), headers=bearer(client, officer.username))
    browser_login(client, officer.username)
    first = client.get(PATH).text
    assert "say why, then show them" in first and "Write a new interview record" in first
    assert client.get(PATH, params={"mine": "1"}).status_code == 400
    listed = client.get(PATH, params={"mine": "1", "purpose": "my work"}).text
    assert "INT/" in listed and "Interview under caution of" in listed
