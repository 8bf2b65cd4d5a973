"""Browser sessions (cookies, CSRF, sign-out, password change) and bearer tokens (revoke, expiry)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onbeat.core.identity import service
from onbeat.core.identity.models import ApiToken, User, WebSession
from onbeat.core.security import SESSION_COOKIE
from onbeat.core.time import utcnow
from tests.conftest import PASSWORD, bearer, browser_login, csrf_from

NEW_PASSWORD = "a different long passphrase"
HTML = {"Accept": "text/html"}


def set_cookies(response) -> dict[str, dict[str, str | bool]]:
    """Set-Cookie headers as {name: {"value": ..., attribute: value or True}}, attributes lower-cased."""
    out = {}
    for header in response.headers.get_list("set-cookie"):
        first, *attrs = [part.strip() for part in header.split(";")]
        name, _, value = first.partition("=")
        cookie: dict[str, str | bool] = {"value": value}
        for attr in attrs:
            key, eq, val = attr.partition("=")
            cookie[key.lower()] = val if eq else True
        out[name] = cookie
    return out


def sessions(db, user: User | None = None) -> int:
    stmt = select(func.count()).select_from(WebSession)
    if user is not None:
        stmt = stmt.where(WebSession.user_id == user.id)
    return db.scalar(stmt)


def with_cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


# --- cookies -----------------------------------------------------------------------------

@pytest.mark.parametrize("base_url, secure", [("http://127.0.0.1", False), ("http://testserver.example", True)])
def test_cookies_are_http_only_and_secure_except_on_loopback(app, make_user, base_url, secure):
    user = make_user("officer")
    c = TestClient(app, base_url=base_url)

    page = c.get("/login")
    anon = set_cookies(page)["onbeat_csrf"]
    assert anon["httponly"] is True
    assert anon["samesite"].lower() == "strict"
    assert ("secure" in anon) is secure

    # A client does not send a Secure cookie over plain http, so hand it over as a browser on https would.
    r = c.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
               headers={"Cookie": f"onbeat_csrf={anon['value']}"}, follow_redirects=False)
    assert r.status_code == 303
    cookies = set_cookies(r)
    session = cookies[SESSION_COOKIE]
    assert session["httponly"] is True
    assert session["samesite"].lower() == "lax"
    assert session["path"] == "/"
    assert ("secure" in session) is secure
    assert int(session["max-age"]) == 12 * 3600
    assert cookies["onbeat_csrf"].get("max-age") == "0"  # the anonymous token is spent

    # The cookie holds a random token; only its hash is stored.
    assert session["value"] and service.token_hash(session["value"]) != session["value"]
    assert c.get("/api/me", headers=with_cookie(session["value"])).status_code == 200


# --- CSRF --------------------------------------------------------------------------------

def test_sign_in_form_needs_the_anonymous_csrf_cookie_and_token(client, make_user, db):
    user = make_user("officer")
    form = {"username": user.username, "password": PASSWORD}

    # No cookie at all (a cross-site form post), then a cookie with a missing or different token.
    r = client.post("/login", data={**form, "csrf_token": "anything"}, headers=HTML, follow_redirects=False)
    assert r.status_code == 400
    token = csrf_from(client.get("/login").text)
    assert client.post("/login", data=form, follow_redirects=False).status_code == 400
    r = client.post("/login", data={**form, "csrf_token": token + "x"}, follow_redirects=False)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "csrf_token"
    # Refused before the password was looked at: no session, nothing counted.
    assert sessions(db) == 0
    db.expire_all()
    assert db.get(User, user.id).failed_logins == 0

    r = client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_every_session_form_refuses_a_missing_or_wrong_csrf_token(client, make_user, db):
    user = make_user("officer")
    csrf = browser_login(client, user.username)
    hash_before = user.password_hash
    posts = {
        "/logout": {},
        "/account/password": {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        "/account/totp": {"secret": "JBSWY3DPEHPK3PXP", "code": "123456"},
    }
    for path, data in posts.items():
        for label, extra, headers in [("no token", {}, {}),
                                      ("wrong token", {"csrf_token": csrf[:-2] + "xx"}, {}),
                                      ("wrong header", {}, {"X-CSRF-Token": "forged"}),
                                      ("empty token", {"csrf_token": ""}, {})]:
            r = client.post(path, data={**data, **extra}, headers={**HTML, **headers}, follow_redirects=False)
            assert r.status_code == 403, (path, label, r.status_code)
    # The JSON API, reached with the session cookie, needs the token too.
    r = client.post("/api/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")

    # Nothing happened: still signed in, same password, no TOTP.
    db.expire_all()
    again = db.get(User, user.id)
    assert again.password_hash == hash_before and not again.totp_enabled
    assert client.get("/account", follow_redirects=False).status_code == 200
    assert sessions(db, user) == 1


def test_sign_out_ends_the_session(client, make_user, db):
    user = make_user("officer")
    csrf = browser_login(client, user.username)
    old_cookie = client.cookies[SESSION_COOKIE]

    r = client.post("/logout", headers={"X-CSRF-Token": csrf}, follow_redirects=False)  # the header also works
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert set_cookies(r)[SESSION_COOKIE].get("max-age") == "0"
    assert sessions(db, user) == 0

    # The old cookie, sent again, is worth nothing.
    r = client.get("/account", headers={**with_cookie(old_cookie), **HTML}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/account"
    assert client.get("/api/me", headers=with_cookie(old_cookie)).status_code == 401
    r = client.post("/logout", headers={**with_cookie(old_cookie), "X-CSRF-Token": csrf})
    assert r.status_code == 401


def test_an_expired_session_is_refused(client, make_user, db, monkeypatch):
    user = make_user("officer")
    token, _ = service.start_session(db, user, second_factor_pending=False, source=None, agent="test")
    db.commit()
    assert client.get("/api/me", headers=with_cookie(token)).status_code == 200
    later = utcnow() + timedelta(hours=12, seconds=1)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert client.get("/api/me", headers=with_cookie(token)).status_code == 401


# --- changing the password ---------------------------------------------------------------

def test_change_password_on_the_page_ends_other_sessions(app, client, make_user, db):
    user = make_user("officer")
    csrf = browser_login(client, user.username)
    mine_before = client.cookies[SESSION_COOKIE]
    other = TestClient(app, base_url="http://127.0.0.1")
    browser_login(other, user.username)
    assert sessions(db, user) == 2

    r = client.post("/account/password", data={"csrf_token": csrf, "current_password": "not my password",
                                               "new_password": NEW_PASSWORD})
    assert r.status_code == 400
    assert 'id="current_password-error"' in r.text and 'id="new_password-error"' not in r.text
    assert 'aria-invalid="true" aria-describedby="current_password-error"' in r.text

    r = client.post("/account/password", data={"csrf_token": csrf, "current_password": PASSWORD,
                                               "new_password": "x" * 11})
    assert r.status_code == 400
    assert 'id="new_password-error"' in r.text and "at least 12 characters" in r.text
    assert sessions(db, user) == 2  # refused changes end nothing

    r = client.post("/account/password", data={"csrf_token": csrf, "current_password": PASSWORD,
                                               "new_password": NEW_PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?changed=1"
    fresh = set_cookies(r)[SESSION_COOKIE]
    assert fresh["httponly"] is True and fresh["value"] != mine_before

    # This browser carries on with its fresh session; the other one, and the old cookie, are out.
    assert client.get("/account", follow_redirects=False).status_code == 200
    assert other.get("/account", headers=HTML, follow_redirects=False).status_code == 303
    assert client.get("/api/me", headers=with_cookie(mine_before)).status_code == 401
    assert sessions(db, user) == 1

    assert client.post("/api/auth/token", json={"username": user.username, "password": PASSWORD}).status_code == 401
    bearer(client, user.username, NEW_PASSWORD)


def test_change_password_by_api(app, client, make_user, db):
    user = make_user("officer")
    auth = bearer(client, user.username)
    browser = TestClient(app, base_url="http://127.0.0.1")
    browser_login(browser, user.username)

    r = client.post("/api/me/password", json={"current_password": "not my password", "new_password": NEW_PASSWORD},
                    headers=auth)
    assert r.status_code == 400
    assert r.json()["errors"] == [{"field": "current_password", "message": r.json()["detail"]}]

    r = client.post("/api/me/password", json={"current_password": PASSWORD, "new_password": "y" * 11}, headers=auth)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "new_password"
    assert "12" in r.json()["detail"]

    # A bearer request needs no CSRF token.
    r = client.post("/api/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                    headers=auth)
    assert r.status_code == 204
    assert browser.get("/api/me").status_code == 401  # the browser session ended
    assert sessions(db, user) == 0
    # Tokens got with the old password end too (device-bound ones are the fleet's to revoke).
    assert client.get("/api/me", headers=auth).status_code == 401
    assert client.get("/api/me", headers=bearer(client, user.username, NEW_PASSWORD)).status_code == 200


# --- bearer tokens -----------------------------------------------------------------------

def test_revoked_and_expired_tokens_are_refused(client, make_user, db, monkeypatch):
    user = make_user("officer")
    first = bearer(client, user.username)
    second, _ = service.issue_token(db, user, "second device")
    db.commit()
    second_auth = {"Authorization": f"Bearer {second}"}

    assert client.get("/api/me", headers=first).status_code == 200
    r = client.post("/api/auth/revoke", headers=first)  # no CSRF token: bearer requests carry none
    assert r.status_code == 204
    r = client.get("/api/me", headers=first)
    assert r.status_code == 401
    assert "invalid_token" in r.headers["www-authenticate"]
    assert client.post("/api/auth/revoke", headers=first).status_code == 401
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_not(None))) == 1

    # Revoking one token leaves the others alone, until they expire.
    assert client.get("/api/me", headers=second_auth).status_code == 200
    later = utcnow() + timedelta(hours=24, seconds=1)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert client.get("/api/me", headers=second_auth).status_code == 401

    assert client.get("/api/me", headers={"Authorization": "Bearer obt_made-up"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Bearer "}).status_code == 401


def test_a_browser_session_cannot_be_revoked_as_a_token(client, make_user, db):
    user = make_user("officer")
    token, ws = service.start_session(db, user, second_factor_pending=False, source=None, agent="test")
    db.commit()
    r = client.post("/api/auth/revoke", headers={**with_cookie(token), "X-CSRF-Token": ws.csrf_token})
    assert r.status_code == 401
    assert "/logout" in r.json()["detail"]
    assert client.get("/api/me", headers=with_cookie(token)).status_code == 200
