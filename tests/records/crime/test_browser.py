"""The crime pages in Chromium: filled in by their labels, no axe-core violations, no sideways
scrolling on a 10-inch tablet (800 px)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from onbeat.core.time import UK
from tests.conftest import axe_violations
from tests.records.crime.builders import ago
from tests.web.helpers import TABLET_WIDTH, bearer_from, page_width, sign_in


def test_report_a_crime_and_record_a_victim_update_in_the_browser(live_server, page, make_user):
    server = live_server()
    officer = make_user("officer")
    sign_in(page, server.base, officer.username)
    page.goto(server.base + "/records/crime/new")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH

    # Sent empty: the errors are listed, each linked to its input.
    page.get_by_role("button", name="Save the crime report").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_violations(page) == []

    committed = (datetime.now(timezone.utc) - timedelta(days=1)).astimezone(UK)
    page.get_by_label("Offence (Home Office classification)").select_option("39")
    page.get_by_label("When it was committed").fill(committed.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Or a description of the place").fill("Outside the railway station")
    page.get_by_label("Snatch").check()
    page.locator("#victims-0-person-given_name").fill("Maya")
    page.locator("#victims-0-person-family_name").fill("Kerr")
    page.locator("#victims-0-preferred_contact").select_option("text")
    page.get_by_label("Item").fill("Mobile phone")
    page.get_by_label("Stolen or damaged").select_option("stolen")
    page.get_by_role("button", name="Save the crime report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CRI/")
    expect(page.get_by_text("39 – Theft from the person")).to_be_visible()
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH

    page.get_by_label("What happened").select_option("arrest")
    page.get_by_label("When", exact=True).fill(datetime.now(UK).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_role("cell", name="Due", exact=True)).to_be_visible()
    page.get_by_label("When they were told").fill(datetime.now(UK).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("How", exact=True).select_option("text")
    page.get_by_role("button", name="Record update").click()
    updates = page.locator("#victim-updates")
    expect(updates.get_by_role("cell", name=re.compile(r"^Told [0-9]{2}[^0-9][0-9]{2}"))).to_be_visible()
    expect(updates.get_by_role("cell", name="Text message")).to_be_visible()
    assert axe_violations(page) == []


def test_the_overdue_list_in_the_browser(live_server, page, make_user):
    server = live_server()
    officer, supervisor = make_user("officer"), make_user("supervisor")
    import httpx

    from tests.records.crime.builders import crime_body

    auth = bearer_from(server.base, officer.username)
    crime = httpx.post(server.base + "/api/records/crime", json=crime_body(committed_from=ago(days=30),
                                                                           committed_to=None), headers=auth)
    assert crime.status_code == 201, crime.text
    rid = crime.json()["record"]["id"]
    r = httpx.post(f"{server.base}/api/records/crime/{rid}/victim-events", headers=auth,
                   json={"event": "charge", "occurred_at": ago(days=20)})
    assert r.status_code == 201, r.text
    sign_in(page, server.base, supervisor.username)
    page.goto(server.base + "/victims/overdue")
    expect(page.get_by_role("cell", name="HASSAN, Amira (02/05/1984)")).to_be_visible()
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
    page.get_by_role("link", name=crime.json()["record"]["reference"]).click()
    expect(page.get_by_text("Overdue by")).to_be_visible()
    assert axe_violations(page) == []
