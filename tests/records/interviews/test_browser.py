"""The interview pages in Chromium: no accessibility violations, and they fit a 10-inch tablet."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.records.interviews.samples import body, signature
from tests.web.helpers import TABLET_WIDTH, bearer_from, page_width, sign_in


def test_the_form_its_errors_and_the_signed_record_are_accessible(live_server, page, make_user):
    server = live_server()
    officer = make_user("officer")
    sign_in(page, server.base, officer.username)
    page.goto(server.base + "/records/interview/new")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
    page.get_by_role("button", name="Save the interview record").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_violations(page) == []

    auth = bearer_from(server.base, officer.username)
    made = httpx.post(server.base + "/api/records/interviews", json=body(), headers=auth).json()
    rid = made["record"]["id"]
    for who in ("interviewee", "officer"):
        httpx.post(f"{server.base}/api/records/interviews/{rid}/signatures", json=signature(who), headers=auth)
    page.goto(f"{server.base}/records/interview/{rid}")
    page.get_by_label("Reason").fill("checking my record")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("and sealed on")).to_be_visible()
    expect(page.get_by_role("img", name="Signature of the interviewee")).to_be_visible()
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
