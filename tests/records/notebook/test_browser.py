"""The notebook pages in Chromium: written from the keyboard alone, no accessibility violations,
and they fit a 10-inch tablet."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.web.helpers import TABLET_WIDTH, page_width, sign_in


def test_write_and_correct_an_entry_by_keyboard(live_server, page, make_user):
    server = live_server()
    officer = make_user("officer")
    sign_in(page, server.base, officer.username)
    page.goto(server.base + "/notebook")
    assert axe_violations(page) == []
    page.get_by_label("What happened").focus()
    page.keyboard.type("Stopped a grey Vauxhall Corsa on the High Street; the driver was calm.")
    page.keyboard.press("Tab")
    page.keyboard.type("High Street")
    page.get_by_role("button", name="Write the entry").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Entry 1 is written.")
    page.get_by_role("link", name="Correct entry 1").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Correct entry 1")).to_be_visible()
    page.get_by_label("The correction").fill("Correction: the Corsa was silver, not grey.")
    page.get_by_role("button", name="Write the correction").click()
    expect(page.locator("#entry-1 del")).to_contain_text("grey Vauxhall Corsa")
    expect(page.locator("#entry-1").get_by_role("link", name="entry 2")).to_be_visible()
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH


def test_an_error_is_announced_and_the_supervisor_view_is_accessible(live_server, page, make_user):
    server = live_server()
    officer = make_user("officer", collar_number="7001")
    sign_in(page, server.base, officer.username)
    page.goto(server.base + "/notebook")
    page.get_by_label("What happened").fill("Note")
    page.get_by_label("Incident log number").fill("not a number")
    page.get_by_role("button", name="Write the entry").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Incident log number").fill("")
    page.get_by_role("button", name="Write the entry").click()
    expect(page.get_by_role("status")).to_have_text("Entry 1 is written.")

    context = page.context.browser.new_context(viewport={"width": 800, "height": 1000}, locale="en-GB")
    other = context.new_page()
    sergeant = make_user("supervisor")
    sign_in(other, server.base, sergeant.username)
    other.goto(server.base + "/notebooks")
    assert axe_violations(other) == []
    other.get_by_label("Officer's collar number").fill("7001")
    other.get_by_label("Why you need it").fill("complaint review")
    other.get_by_role("button", name="Open the notebook").click()
    expect(other.get_by_text("Chain intact: 1 entries")).to_be_visible()
    assert axe_violations(other) == []
    assert page_width(other) <= TABLET_WIDTH
    context.close()
