"""Taking a call in Chromium: fill the form, see the suggested grade and why, save, land on the
incident with its countdown; a second call nearby is offered as a duplicate and linked."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from onbeat.command.contacts.models import Contact
from onbeat.command.incidents.models import Incident
from tests.command.incidents.factory import TOWN, stations
from tests.conftest import axe_violations
from tests.web.helpers import TABLET_WIDTH, page_width, sign_in


def fill_call(page, caller: str, lat: float) -> None:
    page.get_by_label("Channel").select_option("999")
    page.get_by_label("Caller's name").fill(caller)
    page.get_by_label("Callback number").fill("07700 900123")
    page.get_by_label("Address or description of the place").fill("Broad Street, Reading")
    page.get_by_label("Latitude").fill(str(lat))
    page.get_by_label("Longitude").fill(str(TOWN[1]))
    page.get_by_label("Type of incident").select_option("violence")
    page.get_by_label("What happened").fill("Group fighting outside the bank, one man on the floor")
    for element, level in (("Threat", "high"), ("Harm", "medium"), ("Risk", "medium"), ("Investigation", "low"),
                           ("Vulnerability", "none"), ("Engagement", "medium")):
        page.get_by_label(element, exact=True).select_option(level)


def test_take_a_call_see_the_suggestion_and_save(live_server, page, db, make_user):
    stations(db)
    server = live_server()
    handler = make_user("call_handler")
    sign_in(page, server.base, handler.username)
    page.goto(server.base + "/contacts/new")
    assert axe_violations(page) == []

    fill_call(page, "Jo Caller", TOWN[0])
    page.get_by_role("button", name="Suggest grade").click()
    suggestion = page.locator("#suggested-grade")
    expect(suggestion).to_contain_text("Suggested: grade 1 Emergency")
    expect(suggestion).to_contain_text("Threat is high")
    page.get_by_role("button", name="Check for duplicates").click()
    expect(page.locator("#duplicates")).to_contain_text("No open incident")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH

    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Violence against the person")
    expect(page.locator("#grade-value")).to_contain_text("1 Emergency")
    expect(page.locator("#countdown")).to_contain_text(re.compile(r"1[45] min left"))
    expect(page.get_by_role("status")).to_contain_text("saved on incident")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
    first = db.execute(select(Incident)).scalars().one()

    # A second caller 100 m away about the same fight: offered as a duplicate, linked by keyboard.
    page.goto(server.base + "/contacts/new")
    fill_call(page, "Second Caller", TOWN[0] + 0.0009)
    page.get_by_role("button", name="Check for duplicates").click()
    choice = page.get_by_label(re.compile("Link to " + first.log_number))
    expect(choice).to_be_visible()
    page.wait_for_load_state("networkidle")  # no partial still on its way to replace the choice
    choice.focus()
    page.keyboard.press("Space")
    expect(choice).to_be_checked()
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first.log_number)
    expect(page.locator("tr[data-kind=contact_linked]").first).to_contain_text("linked as a duplicate")
    assert len(db.execute(select(Incident)).scalars().all()) == 1
    assert {c.incident_id for c in db.execute(select(Contact)).scalars()} == {first.id}

    for path in ("/incidents", "/incidents/figures", f"/incidents/{first.id}?purpose=calling+back"):
        page.goto(server.base + path)
        assert axe_violations(page) == [], path
        assert page_width(page) <= TABLET_WIDTH, path
    expect(page.locator("#contacts-h + div")).to_contain_text("Second Caller")
