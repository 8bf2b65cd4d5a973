"""Live updates across processes: an event written through one app process reaches a home page
served by another (PostgreSQL LISTEN/NOTIFY), and only the users whose permissions allow it."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.web.helpers import NO_TOTP, bearer_from, probe, sign_in

UK_TIME = re.compile(r"^\d{2}/\d{2}/\d{4},? \d{2}:\d{2}:\d{2}$")


def test_an_event_written_through_one_process_reaches_the_home_page_of_another(live_server, browser, make_user):
    a = live_server(NO_TOTP)
    b = live_server(NO_TOTP)
    admin = make_user("admin", given_name="Ada")
    officer = make_user("officer", given_name="Olu")

    pages = {}
    for user in (admin, officer):
        context = browser.new_context(viewport={"width": 800, "height": 1000}, locale="en-GB")
        pages[user.username] = context.new_page()
        sign_in(pages[user.username], b.base, user.username)
        expect(pages[user.username].get_by_role("heading", level=1)).to_contain_text(user.given_name)
    admin_page, officer_page = pages[admin.username], pages[officer.username]
    for pg in pages.values():
        expect(pg.locator("#live-status")).to_have_text("Live")

    sent = probe(a.base, admin.username, "written through server A")

    item = admin_page.locator(f'#live li[data-event-id="{sent["event_id"]}"]')
    expect(item).to_be_visible(timeout=15_000)
    expect(item.locator(".subject")).to_have_text("onbeat.core.probe_recorded")
    expect(item.locator(".summary")).to_contain_text("written through server A")
    assert UK_TIME.match(item.locator("time").inner_text()), item.locator("time").inner_text()
    assert item.locator("time").get_attribute("datetime")

    # The officer's page is on the same process, which has already handed the event out:
    # officers do not hold platform.probe, so it never arrives.
    officer_page.wait_for_timeout(1000)
    expect(officer_page.locator("#live li")).to_have_count(0)
    expect(officer_page.locator("#live-status")).to_have_text("Live")

    # Nor does the stream's replay give it to them.
    replay = httpx.get(b.base + "/api/events/stream", params={"after": 0, "once": "true"},
                       headers=bearer_from(b.base, officer.username))
    assert replay.status_code == 200
    assert "probe_recorded" not in replay.text
    assert sent["event_id"] not in replay.text

    # A second event, and the newest is kept last.
    second = probe(a.base, admin.username, "and another")
    expect(admin_page.locator("#live li")).to_have_count(2)
    expect(admin_page.locator("#live li").last).to_have_attribute("data-event-id", second["event_id"])

    # Server B goes away: the page says so and keeps trying.
    b.proc.kill()
    b.proc.wait(10)
    expect(admin_page.locator("#live-status")).to_have_text("Reconnecting…", timeout=10_000)
    for pg in pages.values():
        pg.context.close()


def test_the_live_list_keeps_the_newest_twenty(live_server, page, make_user):
    server = live_server(NO_TOTP)
    admin = make_user("admin")
    sign_in(page, server.base, admin.username)
    expect(page.locator("#live-status")).to_have_text("Live")
    token = bearer_from(server.base, admin.username)
    sent = [probe(server.base, token, f"event {n}") for n in range(23)]
    items = page.locator("#live li")
    expect(items.last).to_have_attribute("data-event-id", sent[-1]["event_id"])
    expect(items).to_have_count(20)
    expect(items.first).to_have_attribute("data-event-id", sent[3]["event_id"])
