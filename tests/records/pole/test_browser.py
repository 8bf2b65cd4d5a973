"""The person page in a real browser: asked why by a form, markers first, keyboard and tablet
width, no accessibility violations."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from playwright.sync_api import expect

from onbeat.records.core import service as records
from onbeat.records.pole import markers
from onbeat.records.pole.schemas import MarkerIn
from tests.conftest import axe_violations
from tests.records.pole.builders import person, principal
from tests.web.helpers import NO_TOTP, TABLET_WIDTH, page_width, sign_in


def test_person_page_in_a_browser(live_server, page, db, make_user):
    sergeant = make_user("supervisor")
    me = principal(sergeant)
    pid = person(db, me, given_name="Kelly", family_name="Price", date_of_birth="1995-05-17",
                 address="3 Caversham Road, Reading", postcode="RG1 8BB", identifiers={"pnc_id": "2003/0062845E"})
    markers.add_marker(db, me, pid, MarkerIn(kind="weapons", detail="Carried a lock knife in 2025", source="SS/12"))
    for kind, role in (("crime", "victim"), ("stop_search", "person_searched")):
        record, _ = records.create(db, me, kind, uuid.uuid4(), summary="Seen in Broad Street",
                                   occurred_at=datetime(2026, 11, 20, 22, 0, tzinfo=timezone.utc))
        records.link(db, record, "person", pid, role)
    db.commit()
    server = live_server(NO_TOTP)
    sign_in(page, server.base, sergeant.username)

    page.goto(f"{server.base}/persons/{pid}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Why do you need this person's details?")
    assert axe_violations(page) == []
    page.get_by_label("Reason").fill("CRI/000777/26")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("PRICE, Kelly (17/05/1995)")
    expect(page.get_by_role("heading", name="Warning markers (1)")).to_be_visible()
    expect(page.locator("#markers")).to_contain_text("Carried a lock knife in 2025")
    rows = page.get_by_role("region", name="Every record that names this person, newest first").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("2003/0062845E")).to_be_visible()
    assert page_width(page) <= TABLET_WIDTH
    assert axe_violations(page) == []

    # add a marker from the keyboard
    page.get_by_text("Add a warning marker").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Kind").select_option("mental_health")
    page.get_by_label("What officers need to know").fill("Sectioned under MHA s136 in 2026")
    page.get_by_label("Source (record reference, PNC, intelligence log)").fill("INC 0042-21112026")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Add the marker").click()
    expect(page.get_by_role("heading", name="Warning markers (2)")).to_be_visible()
    expect(page.locator("#markers")).to_contain_text("Sectioned under MHA s136 in 2026")


def test_person_search_in_a_browser(live_server, page, db, make_user):
    officer = make_user("officer")
    me = principal(officer)
    pid = person(db, me, given_name="Aaron", family_name="Jenkins", postcode="RG1 8BB")
    markers.add_marker(db, me, pid, MarkerIn(kind="self_harm", detail="Cut himself in custody", source="PNC"))
    db.commit()
    server = live_server(NO_TOTP)
    sign_in(page, server.base, officer.username)
    page.goto(f"{server.base}/persons?name=jenk")  # the browser itself refuses to send the form without a reason
    expect(page.locator(".error-summary")).to_contain_text("Say why you are searching")
    expect(page.get_by_label("Why you are searching")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
    page.get_by_label("Why you are searching").fill("Missing person MP/0042")
    page.get_by_label("Postcode or district").fill("rg1")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("region", name="People found")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("Self-harm")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
    results.get_by_role("link", name="JENKINS, Aaron").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("JENKINS, Aaron")
