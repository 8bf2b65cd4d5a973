"""Helpers for the browser tests.

Name `live_server` before `page` (or `browser`) in a test's arguments: fixtures are torn down in
reverse, so the page closes its live-update stream before its server is asked to stop.
"""

from __future__ import annotations

import httpx

from tests.conftest import PASSWORD

# Admin must otherwise set up two-step sign-in first; these tests are about the pages.
NO_TOTP = {"ONBEAT_TOTP_REQUIRED_ROLES": "[]"}
TABLET_WIDTH = 800


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.get_by_label("Collar or staff number").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def bearer_from(base: str, username: str) -> dict[str, str]:
    r = httpx.post(base + "/api/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def probe(base: str, who: str | dict, note: str) -> dict:
    """An audited write and an event (permission platform.probe) through the server at `base`,
    as `who`: a username (signs in for a token) or an Authorization header."""
    headers = bearer_from(base, who) if isinstance(who, str) else who
    r = httpx.post(base + "/api/audit-probe", json={"note": note}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()
