"""The staff pages in a real browser (Debian's Chromium): accessibility (axe-core, WCAG 2.2 AA and
best practice), the keyboard, a 10-inch tablet's width, and signing in and out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from onbeat.core.permissions import ROLES
from tests.conftest import PASSWORD, axe_violations
from tests.web.helpers import NO_TOTP, TABLET_WIDTH, bearer_from, page_width, probe, sign_in


# --- accessibility -------------------------------------------------------------------------------

def test_the_sign_in_page_has_no_accessibility_violations(live_server, page):
    server = live_server()
    page.goto(server.base + "/login")
    assert axe_violations(page) == []


def test_the_demo_sign_in_page_has_no_accessibility_violations_and_fits_a_tablet(live_server, page, db):
    from onbeat.demo.force import DEMO_PASSWORD, seed

    seed(db)
    db.commit()
    server = live_server({"ONBEAT_DEMO": "1"})
    page.goto(server.base + "/login")
    expect(page.get_by_role("heading", name="Demo force logins")).to_be_visible()
    expect(page.get_by_role("region", name="Demo accounts by role").locator("tbody tr")).to_have_count(len(ROLES))
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH

    sign_in(page, server.base, "S9900", DEMO_PASSWORD)  # the demo admin: no two-step sign-in in the demo
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good")
    expect(page.locator("#live-status")).to_have_text("Live")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH


def test_a_failed_sign_in_has_no_accessibility_violations(live_server, page, make_user):
    server = live_server()
    user = make_user("officer")
    sign_in(page, server.base, user.username, "not the password")
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize("roles", [("officer",), ("supervisor", "officer"), ("admin",), ("servicedesk_agent",)])
def test_the_home_page_has_no_accessibility_violations(live_server, page, make_user, roles):
    server = live_server(NO_TOTP)
    user = make_user(*roles, given_name="Priya", family_name="Shah-Wilkinson")
    sign_in(page, server.base, user.username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Priya")
    expect(page.locator("#live-status")).to_have_text("Live")
    assert axe_violations(page) == []


def test_the_home_page_with_live_events_has_no_accessibility_violations(live_server, page, make_user):
    server = live_server(NO_TOTP)
    admin = make_user("admin")
    sign_in(page, server.base, admin.username)
    expect(page.locator("#live-status")).to_have_text("Live")
    token = bearer_from(server.base, admin.username)
    for n in range(3):
        probe(server.base, token, f"accessibility check {n}")
    expect(page.locator("#live li")).to_have_count(3)
    assert axe_violations(page) == []


def test_the_audit_log_has_no_accessibility_violations_and_its_table_scrolls_in_its_box(live_server, page,
                                                                                       make_user):
    server = live_server(NO_TOTP)
    admin = make_user("admin")
    probe(server.base, admin.username, "a note long enough to make the table wider than a tablet " * 3)
    sign_in(page, server.base, admin.username)
    page.goto(server.base + "/admin/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
    region = page.locator(".table-scroll").first
    assert region.evaluate("el => el.scrollWidth > el.clientWidth"), "the audit table should be wider than the page"


def test_every_staff_page_has_no_accessibility_violations_and_fits_a_tablet(live_server, page, make_user):
    server = live_server(NO_TOTP)
    admin = make_user("admin", given_name="Maximiliana", family_name="Oyelaran-Fitzgerald")
    for n in range(3):
        make_user("officer", given_name=f"Officer{n}")
    sign_in(page, server.base, admin.username)
    for path, heading in [("/account", "My account"), ("/account/totp", "Set up two-step sign-in"),
                          ("/units", "Units"), ("/admin/users", "Staff"),
                          ("/admin/users?q=&purpose=Checking+the+staff+list+layout", "Staff")]:
        page.goto(server.base + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert axe_violations(page) == [], path
        assert page_width(page) <= TABLET_WIDTH, path

    # A form with a field in error.
    page.goto(server.base + "/account")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill("a new password that is long")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".field-error")).to_have_count(1)
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.get_attribute("aria-describedby").endswith("-error")
    assert invalid.evaluate("el => getComputedStyle(el).borderTopWidth") == "3px", "a field in error stands out"
    assert axe_violations(page) == []


# --- keyboard ---------------------------------------------------------------------------------------

def test_the_skip_link_is_the_first_tab_stop_shows_on_focus_and_moves_focus_to_main(live_server, page):
    server = live_server()
    page.goto(server.base + "/login")
    skip = page.locator(".skip-link")
    box = skip.bounding_box()
    assert box is None or box["y"] + box["height"] <= 0, "the skip link is off screen until focused"

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["height"] >= 44, "the focused skip link is on screen and big enough"
    assert skip.evaluate("el => getComputedStyle(el).outlineWidth !== '0px' || "
                         "getComputedStyle(el).boxShadow !== 'none'")

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "username", "the next stop is the first field in main"


def test_focus_is_visible_with_a_3px_outline(live_server, page, make_user):
    server = live_server(NO_TOTP)
    user = make_user("admin")
    sign_in(page, server.base, user.username)
    expect(page.locator("#live-status")).to_have_text("Live")
    seen = set()
    for _ in range(12):  # skip link, brand, the navigation, sign out, the cards
        page.keyboard.press("Tab")
        tag, text, style, width, colour = page.evaluate(
            "() => { const el = document.activeElement, s = getComputedStyle(el);"
            " return [el.tagName, el.textContent.trim(), s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
        assert (style, width) == ("solid", "3px"), (tag, text, style, width)
        assert colour not in ("transparent", "rgba(0, 0, 0, 0)"), (tag, text, colour)
        seen.add(tag)
    assert {"A", "BUTTON"} <= seen


def test_signing_in_works_with_the_keyboard_alone(live_server, page, make_user):
    server = live_server()
    user = make_user("officer", given_name="Kofi")
    page.goto(server.base + "/login")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "username":
            break
    else:
        pytest.fail("Tab never reached the username field")
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sign in"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kofi")
    assert page.url == server.base + "/"


# --- a 10-inch tablet ------------------------------------------------------------------------------

def test_no_sideways_scrolling_at_800px(live_server, page, make_user):
    server = live_server(NO_TOTP)
    assert page.viewport_size["width"] == TABLET_WIDTH
    page.goto(server.base + "/login")
    assert page_width(page) <= TABLET_WIDTH

    user = make_user("admin", given_name="Bartholomew-Maximilian", family_name="Featherstonehaugh-Cholmondeley",
                     rank="Systems Administrator")
    sign_in(page, server.base, user.username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bartholomew")
    probe(server.base, user.username, "x" * 200)
    expect(page.locator("#live li")).to_have_count(1)
    assert page_width(page) <= TABLET_WIDTH


def test_controls_are_big_enough_to_touch(live_server, page, make_user):
    server = live_server(NO_TOTP)
    page.goto(server.base + "/login")
    small = page.evaluate(_SMALL_TARGETS)
    assert small == []

    user = make_user("admin")
    sign_in(page, server.base, user.username)
    expect(page.locator("#live-status")).to_have_text("Live")
    assert page.evaluate(_SMALL_TARGETS) == []


# Interactive things outside running text (masthead, forms, cards) smaller than 44 by 44 px.
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a.brand, .masthead nav a, button, input:not([type=hidden]), select, textarea, .cards a, .pager a')]
  .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([html, r]) => `${html} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


# --- signing in and out ----------------------------------------------------------------------------

def test_sign_in_shows_the_users_name_and_sign_out_ends_the_session(live_server, page, make_user):
    server = live_server()
    user = make_user("supervisor", given_name="Grace", family_name="Okonjo", rank="PS", collar_number="1777")
    sign_in(page, server.base, user.username)
    expect(page).to_have_title(re.compile("^Home"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Good (morning|afternoon|evening), Grace$"))
    expect(page.locator(".who")).to_have_text("PS Grace Okonjo (1777)")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert page.url.startswith(server.base + "/login")
    page.goto(server.base + "/")
    assert page.url.startswith(server.base + "/login"), "signed out: the home page asks to sign in again"


def test_a_wrong_password_shows_one_generic_message_beside_the_form(live_server, page, make_user):
    server = live_server()
    user = make_user("officer")

    sign_in(page, server.base, user.username, "wrong password entirely")
    summary = page.locator(".error-summary")
    expect(summary).to_have_count(1)
    expect(summary).to_have_attribute("role", "alert")
    message = summary.locator("p").inner_text()
    assert "did not match" in message
    assert page.locator(".narrow .error-summary + form[action='/login']").count() == 1, "just before the form"
    expect(page.get_by_label("Collar or staff number")).to_have_value(user.username)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    # Nobody can tell from the answer whether the account exists.
    sign_in(page, server.base, "nobody-by-this-name", "wrong password entirely")
    expect(page.locator(".error-summary")).to_have_count(1)
    assert page.locator(".error-summary p").inner_text() == message

    sign_in(page, server.base, user.username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Test")
