"""The record forms' "already known?" panel: suggestions as the person's details are typed into the
stop-search form, choosing one names that person in the record (nobody new is made), in a real
browser at a tablet's width with no accessibility violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from onbeat import db as onbeat_db
from onbeat.core.audit.models import AuditEntry
from onbeat.records.core.models import RecordLink
from onbeat.records.pole.models import Person
from tests.conftest import axe_violations, browser_login
from tests.records.stopsearch.test_pages import form_fields
from tests.records.suggest.builders import principal, store
from tests.web.helpers import NO_TOTP, TABLET_WIDTH, page_width, sign_in

pytestmark = pytest.mark.db
PANEL = "/records/persons/suggestions"


def test_the_panel_offers_people_already_known_and_the_form_names_the_one_chosen(client, db, make_user):
    user = make_user("officer")
    people = store(db, principal(user))
    hughes = people["William Hughes"]
    csrf = browser_login(client, user.username)

    panel = client.get(PANEL, params={"person_given_name": "Bill", "person_family_name": "Hughs",
                                      "person_date_of_birth": "1991-01-30"})
    assert panel.status_code == 200
    assert f'name="person_choice" value="{hughes}"' in panel.text and "HUGHES, William" in panel.text
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (entry.event, entry.action, entry.purpose) == ("pole.persons.suggested", "consult",
                                                          "Writing a record: checking whether the person is already known")
    assert str(hughes) in entry.detail["shown"]
    assert client.get(PANEL).text.strip() == ""  # nothing typed yet: nothing to say

    form = client.get("/records/stop-search/new").text
    uuid_ = re.search(r'name="client_uuid" value="([^"]+)"', form)[1]
    before = db.scalar(select(func.count()).select_from(Person))
    r = client.post("/records/stop-search/new", follow_redirects=False, data=form_fields(
        csrf_token=csrf, client_uuid=uuid_, name_given="yes", person_given_name="Bill", person_family_name="Hughs",
        person_date_of_birth="1991-01-30", person_choice=str(hughes)))
    assert r.status_code == 303, r.text
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Person)) == before  # nobody new
    assert hughes in db.scalars(select(RecordLink.entity_id).where(RecordLink.entity_type == "person")).all()


def test_the_panel_in_a_browser(live_server, page, make_user):
    user = make_user("officer")
    with onbeat_db.session() as s:
        store(s, principal(user))
        s.commit()
    server = live_server(NO_TOTP)
    sign_in(page, server.base, user.username)
    page.goto(f"{server.base}/records/stop-search/new")
    page.check("#name_given")
    page.fill("#person_given_name", "Bill")
    page.fill("#person_family_name", "Hughs")
    choice = page.get_by_label(re.compile("HUGHES, William"))
    expect(choice).to_be_visible(timeout=10_000)
    choice.check()  # by keyboard too: it is a radio button with its label
    expect(page.locator("#person-choice-new")).not_to_be_checked()
    assert page_width(page) <= TABLET_WIDTH
    assert axe_violations(page) == []
