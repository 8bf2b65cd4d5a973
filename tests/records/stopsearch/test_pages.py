"""Staff pages for stop-searches: the form (select boxes from the code lists, errors beside their
fields, nothing stored on an error), the record's page with its header, the list and the receipt
look-up; and in a real browser, at a tablet's width, with no accessibility violations."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from onbeat.core.time import uk, utcnow
from onbeat.records.core.models import Record
from tests.conftest import axe_violations, bearer, browser_login, csrf_from
from tests.records.stopsearch.sample import GROUNDS, drugs_search
from tests.web.helpers import TABLET_WIDTH, page_width, sign_in

pytestmark = pytest.mark.db


def form_fields(**changes) -> dict:
    """What a filled-in form sends: UK local times, tick boxes as 'yes'."""
    fields = {
        "occurred_at": uk(utcnow() - timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Station Road, by the taxi rank", "postcode": "", "latitude": "", "longitude": "",
        "search_type": "person", "self_defined_ethnicity": "A1", "officer_defined_ethnicity": "",
        "gender": "female", "age_range": "25_34", "power": "mda_s23", "object_of_search": "controlled_drugs",
        "grounds": GROUNDS, "clothing_removed": "outer", "outcome": "no_further_action",
        "outcome_linked_to_object": "", "receipt_method": "card", "other_officers": "1234, 5678",
    }
    fields.update(changes)
    return fields


def records(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Record))


def test_the_form_offers_the_code_lists(client, make_user):
    browser_login(client, make_user("officer").username)
    html = client.get("/records/stop-search/new").text
    assert '<option value="cjpoa_s60">Criminal Justice and Public Order Act 1994 s60</option>' in html
    assert '<option value="W4">White – Roma</option>' in html
    assert '<option value="drugs_warning">Cannabis or khat warning</option>' in html
    assert re.search(r'name="client_uuid" value="[0-9a-f-]{36}"', html)
    assert '<label for="grounds">' in html and 'id="grounds"' in html


def test_errors_show_beside_their_fields_and_nothing_is_stored(client, db, make_user):
    csrf = browser_login(client, make_user("officer").username)
    form = client.get("/records/stop-search/new").text
    fields = form_fields(csrf_token=csrf, client_uuid=re.search(r'name="client_uuid" value="([^"]+)"', form)[1],
                         grounds="looked dodgy", injury_or_damage="yes", search_type="vehicle")
    r = client.post("/records/stop-search/new", data=fields)
    assert r.status_code == 400
    html = r.text
    for field in ("grounds", "injury_or_damage_detail", "vehicle_registration"):
        assert f'<p class="field-error" id="{field}-error">' in html, field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html), field
    assert 'class="error-summary"' in html and "looked dodgy" in html  # what was typed is kept

    unchosen = client.post("/records/stop-search/new", data={**fields, "gender": "", "grounds": GROUNDS,
                                                             "injury_or_damage": "", "search_type": "person"})
    assert unchosen.status_code == 400
    assert '<p class="field-error" id="gender-error"><span class="visually-hidden">Error:</span> Choose one.' in unchosen.text
    assert records(db) == 0


def test_recording_through_the_form_then_the_record_page(client, db, make_user):
    officer = make_user("officer", given_name="Ruth", family_name="Okafor", collar_number="2468")
    csrf = browser_login(client, officer.username)
    form = client.get("/records/stop-search/new").text
    client_uuid = re.search(r'name="client_uuid" value="([^"]+)"', form)[1]
    fields = form_fields(csrf_token=csrf, client_uuid=client_uuid, name_given="yes",
                         person_given_name="Asha", person_family_name="Patel")
    r = client.post("/records/stop-search/new", data=fields, follow_redirects=False)
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    # A second press of the button (same client UUID) lands on the same record.
    again = client.post("/records/stop-search/new", data=fields, follow_redirects=False)
    assert again.headers["location"] == location and records(db) == 1

    html = client.get(location).text
    assert re.search(r"SS/\d{6}/\d{2}", html) and "Draft" in html
    assert "Ruth Okafor (2468)" in html and "PATEL, Asha" in html and "Person searched" in html
    assert "Misuse of Drugs Act 1971 s23" in html and "Outer coat, jacket or gloves only" in html
    assert re.search(r"<strong>SS-[0-9A-Z]{4}-[0-9A-Z]{4}</strong>", html)
    assert "Submit for approval" in html and "Edit this record" in html

    edit = client.get(location + "/edit").text
    assert 'value="Station Road, by the taxi rank"' in edit and "Recorded as <strong>PATEL, Asha" in edit
    changed = form_fields(csrf_token=csrf_from(edit), outcome="arrest", outcome_linked_to_object="yes",
                          name_given="yes", person_id=re.search(r'name="person_id" value="([^"]+)"', edit)[1])
    assert client.post(location + "/edit", data=changed, follow_redirects=False).status_code == 303
    html = client.get(location).text
    assert "Arrest" in html and "PATEL, Asha" in html

    assert client.post(location.replace("/stop-search", "") + "/submit", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    assert "Edit this record" not in client.get(location).text
    assert client.get(location + "/edit").status_code == 409


def test_another_officer_must_say_why_before_seeing_a_record(client, make_user):
    author = bearer(client, make_user("officer").username)
    made = client.post("/api/records/stop-searches", json=drugs_search(), headers=author).json()
    browser_login(client, make_user("supervisor").username)
    asking = client.get(f"/records/stop-search/{made['id']}")
    assert "Why do you need this record?" in asking.text and made["grounds"] not in asking.text
    shown = client.get(f"/records/stop-search/{made['id']}", params={"purpose": "Monthly supervision check"})
    assert made["grounds"] in shown.text and "Approve" not in shown.text  # a draft is not yet for review


def test_the_list_shows_your_own_then_finds_with_a_purpose(client, make_user):
    mine = make_user("officer", collar_number="1111")
    auth = bearer(client, mine.username)
    other = bearer(client, make_user("officer", collar_number="2222").username)
    own = client.post("/api/records/stop-searches", json=drugs_search(), headers=auth).json()
    theirs = client.post("/api/records/stop-searches", json=drugs_search(outcome="arrest"), headers=other).json()
    browser_login(client, mine.username)

    html = client.get("/records/stop-search").text
    assert "Your stop-searches" in html and own["reference"] in html and theirs["reference"] not in html

    refused = client.get("/records/stop-search", params={"outcome": "arrest"})
    assert refused.status_code == 400 and 'id="purpose-error"' in refused.text

    found = client.get("/records/stop-search", params={"outcome": "arrest", "purpose": "Arrest review"}).text
    assert theirs["reference"] in found and own["reference"] not in found
    assert "?purpose=Arrest%20review" in found

    unknown = client.get("/records/stop-search", params={"officer": "9999", "purpose": "Check"})
    assert 'id="officer-error"' in unknown.text


def test_receipt_lookup_page(client, make_user):
    auth = bearer(client, make_user("officer").username)
    made = client.post("/api/records/stop-searches", json=drugs_search(), headers=auth).json()
    browser_login(client, make_user("supervisor").username)
    r = client.get("/records/stop-search/receipt", params={"receipt_reference": made["receipt_reference"],
                                                           "purpose": "The person asked for it"},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/records/stop-search/{made['id']}?purpose=")
    missing = client.get("/records/stop-search/receipt", params={"receipt_reference": "SS-ZZZZ-ZZZZ", "purpose": ""})
    assert missing.status_code == 400
    assert 'id="receipt_reference-error"' in missing.text and 'id="receipt_purpose-error"' in missing.text


# --- in a real browser -------------------------------------------------------------------------

def test_recording_a_search_in_the_browser(live_server, page, make_user):
    server = live_server()
    officer = make_user("officer")
    sign_in(page, server.base, officer.username)
    page.goto(server.base + "/records/stop-search/new")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH

    page.get_by_label("Place", exact=True).fill("Market Place, by the fountain")
    page.get_by_label("What was searched", exact=True).select_option("person")
    page.get_by_label("Legal power", exact=True).select_option("pace_s1")
    page.get_by_label("Object of the search", exact=True).select_option("stolen_property")
    page.get_by_label("Ethnicity, as the person defines it").select_option("NS")
    page.get_by_label("Gender", exact=True).select_option("not_stated")
    page.get_by_label("Age range", exact=True).select_option("over_34")
    page.get_by_label("Outcome", exact=True).select_option("no_further_action")
    page.get_by_label("How the person got their receipt").select_option("printed")
    page.get_by_role("button", name="Save the record").click()

    expect(page.locator(".error-summary")).to_be_visible()  # no grounds for a PACE s1 search
    expect(page.locator("#grounds-error")).to_contain_text("needs reasonable grounds")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH

    page.get_by_label("Grounds for the search").fill("Matched the description given by the shop: grey hoodie, "
                                                     "carrying a Boots bag, running from the store.")
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SS/")
    expect(page.get_by_text("Police and Criminal Evidence Act 1984 s1")).to_be_visible()
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH

    page.goto(server.base + "/records/stop-search")
    expect(page.get_by_role("heading", name="Your stop-searches")).to_be_visible()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(1)
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
