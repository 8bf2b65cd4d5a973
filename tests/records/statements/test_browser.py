"""The statement pages in Chromium: accessible (axe), usable by keyboard, and fit an 800 px tablet."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.records.statements.helpers import create, sign_all
from tests.records.statements.test_witness_private import PRIVATE
from tests.web.helpers import NO_TOTP, TABLET_WIDTH, bearer_from, page_width, sign_in


class _Client:
    """Enough of a test client for the helpers, against the live server."""

    def __init__(self, base: str):
        import httpx

        self.http = httpx.Client(base_url=base)

    def post(self, url, **kwargs):
        return self.http.post(url, **kwargs)


def test_the_form_and_the_statement_page_are_accessible_and_fit_a_tablet(live_server, page, make_user):
    server = live_server(NO_TOTP)
    officer = make_user("supervisor", given_name="Priya", family_name="Raman")
    sign_in(page, server.base, officer.username)

    page.goto(server.base + "/records/witness-statement/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("New witness statement (MG11)")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH

    # By keyboard: type the witness's name, submit without a date of birth check passing.
    page.get_by_label("Given name").fill("Amelia")
    page.get_by_label("Family name").fill("Hart")
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_label("Statement", exact=True).fill("I saw a man take a bicycle.")
    page.get_by_role("button", name="Save the draft").press("Enter")
    expect(page.locator("#witness_date_of_birth-error")).to_contain_text("in the future")
    assert page.locator("#witness_date_of_birth").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []

    client = _Client(server.base)
    auth = bearer_from(server.base, officer.username)
    s = sign_all(client, auth, create(client, auth, witness_private=PRIVATE))
    page.goto(f"{server.base}/records/witness-statement/{s['record']['id']}")
    page.get_by_label("Reason").fill("Incident 0042-21112026")
    page.get_by_label("Reason").press("Enter")
    expect(page.get_by_role("img", name="Signature of Amelia Hart on page 1")).to_be_visible()
    expect(page.get_by_text("07700900123")).to_be_visible()
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
